"""GUI test bench: offscreen Qt, a fresh SFINTACCT_HOME per test, the test keyring, a demo sandbox."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt

import threading
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from sfintacct_desktop.config.profiles import save_profile, save_sandbox_profile
from sfintacct_sandbox.runner import Sandbox, SandboxOptions
from tests.support.cli_env import SECRET_ENVS
from tests.support.file_keyring import ENV_FILE, FileKeyring


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SFINTACCT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv(ENV_FILE, str(tmp_path / "keyring.json"))
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.support.file_keyring.FileKeyring")
    monkeypatch.setenv("SFINTACCT_INPROCESS_WORKER", "1")  # the window's sync in its own process, except in
    # test_child_worker (that test is about the private child process the window runs it in otherwise)
    for name in SECRET_ENVS:
        monkeypatch.delenv(name, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())  # never the machine's real keyring
    yield tmp_path / "home"
    keyring.set_keyring(previous)


@pytest.fixture
def sandbox(home: Path) -> Iterator[Sandbox]:
    """The demo company on loopback (in memory), with the ``sandbox`` profile pointing at it."""
    sb = Sandbox(SandboxOptions(seed="demo")).start()
    try:
        save_sandbox_profile(sb.connection_info("sandbox"))
        yield sb
    finally:
        sb.stop()


@pytest.fixture
def wrong_password_profile(sandbox: Sandbox) -> str:
    info = sandbox.connection_info("wrongpw")
    info["salesforce"]["password"] = "not-the-password"
    info["intacct"]["user_password"] = "not-the-password"
    save_profile("wrongpw", {"kind": "sandbox", "salesforce": info["salesforce"], "intacct": info["intacct"]})
    return "wrongpw"


@pytest.fixture
def window(qtbot, sandbox: Sandbox):  # type: ignore[no-untyped-def]
    """The main window on the sandbox profile; on teardown it must leave no thread or timer behind."""
    from sfintacct_desktop.gui.main_window import MainWindow

    before = {t.ident for t in threading.enumerate()}
    win = MainWindow("sandbox")
    win.show()
    qtbot.waitUntil(lambda: win.health.facts.state == "idle", timeout=20_000)  # the worker is ready
    yield win
    win.close()
    assert not win.worker.is_alive()
    qtbot.waitUntil(lambda: {t.ident for t in threading.enumerate()} <= before, timeout=20_000)
