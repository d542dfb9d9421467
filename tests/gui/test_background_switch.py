"""File > Sync in the background: the window hands its sync to the per-user service and takes it back.

No systemd runs in a test machine, so ``systemctl`` is a stand-in on PATH that does what the user
manager would with the unit the product wrote: ``enable --now`` starts the unit's ExecStart (the real
``sfintacct service run``, with the unit's Environment over the caller's, as ``systemctl --user
import-environment`` would give it), ``disable --now`` sends it SIGTERM and waits for it to end.
Everything else is real: the unit file, the service process, its control socket, the window
attaching to it, a Sync now run by the service, and the window's own sync after the service stops.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox

from sfintacct_desktop.app import service_units
from sfintacct_desktop.app.remote_worker import RemoteWorker
from sfintacct_desktop.gui.main_window import MainWindow
from sfintacct_desktop.gui.service_banner import RUN_BY_SERVICE
from tests.gui.helpers import apply_baseline
from tests.support.cli_env import REPO

TIMEOUT_MS = 90_000

FAKE_SYSTEMCTL = r'''#!{python}
"""systemctl --user daemon-reload | enable --now UNIT | disable --now UNIT (a test's stand-in)."""
import os, shlex, signal, subprocess, sys, time
from pathlib import Path

args = [a for a in sys.argv[1:] if a != "--user"]
unit_dir = Path(os.environ["XDG_CONFIG_HOME"]) / "systemd" / "user"
pid_file = unit_dir / "fake-systemd.pid"
if args[:1] == ["daemon-reload"]:
    sys.exit(0)
if args[:2] == ["enable", "--now"]:
    env, argv = dict(os.environ), None
    for line in (unit_dir / args[2]).read_text().splitlines():
        if line.startswith("ExecStart="):
            argv = shlex.split(line.removeprefix("ExecStart="))
        elif line.startswith("Environment="):
            key, _, value = shlex.split(line.removeprefix("Environment="))[0].partition("=")
            env[key] = value
    proc = subprocess.Popen(argv, env=env, cwd="{repo}", stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    pid_file.write_text(str(proc.pid))
    sys.exit(0)
if args[:2] == ["disable", "--now"]:
    if pid_file.exists():
        pid = int(pid_file.read_text())
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 100
        while time.monotonic() < deadline:
            try:
                state = Path(f"/proc/{{pid}}/stat").read_text().rsplit(")", 1)[1].split()[0]
            except OSError:
                break
            if state == "Z":
                break
            time.sleep(0.1)
        pid_file.unlink()
    sys.exit(0)
print(f"unknown: {{args}}", file=sys.stderr)
sys.exit(1)
'''


@pytest.fixture
def user_manager(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in ``systemctl`` first on PATH; the unit files go under tmp_path."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    tool = bindir / "systemctl"
    tool.write_text(FAKE_SYSTEMCTL.format(python=sys.executable, repo=REPO))
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p))
    yield tmp_path / "config" / "systemd" / "user"
    pid_file = tmp_path / "config" / "systemd" / "user" / "fake-systemd.pid"
    if pid_file.exists():  # a failed test must not leave the service running
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(pid_file.read_text()), signal.SIGKILL)


def _accept(qtbot: Any, box: QMessageBox | None) -> None:
    assert box is not None and box.isVisible()
    qtbot.waitUntil(lambda: box.isVisible(), timeout=5_000)
    box.button(QMessageBox.StandardButton.Ok).click()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the stand-in plays systemd's user manager")
def test_the_window_hands_its_sync_to_the_background_service_and_takes_it_back(
    qtbot: Any, sandbox: Any, home: Path, user_manager: Path
) -> None:
    apply_baseline()  # the demo company holds records on both sides: linked once, before any sync
    win = MainWindow("sandbox")
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.health.facts.state == "idle", timeout=TIMEOUT_MS)
        assert win.menus.background_start.isEnabled() and not win.menus.background_stop.isEnabled()
        own = win.worker
        assert not isinstance(own, RemoteWorker)

        box = win.ask_background_start()
        assert box is not None and "starts when you log in" in box.text()
        _accept(qtbot, box)
        assert not win.tabs.isEnabled()  # nothing is sent while the sync moves
        qtbot.waitUntil(lambda: isinstance(win.worker, RemoteWorker), timeout=TIMEOUT_MS)
        assert (user_manager / service_units.UNIT_NAME).exists()
        assert not own.is_alive()  # the window's own sync stopped first
        assert win.tabs.isEnabled()
        assert win.service_banner.label.text().startswith(RUN_BY_SERVICE)
        assert not win.menus.background_start.isEnabled() and win.menus.background_stop.isEnabled()

        # Sync now from the window is run by the service's process
        qtbot.waitUntil(lambda: win.sync_tab.sync_button.isEnabled(), timeout=TIMEOUT_MS)
        with qtbot.waitSignal(win.bridge.run_finished, timeout=TIMEOUT_MS) as done:
            win.sync_tab.sync_button.click()
        assert done.args[0].summary.status == "ok"

        box = win.ask_background_stop()
        assert box is not None
        _accept(qtbot, box)
        qtbot.waitUntil(lambda: not isinstance(win.worker, RemoteWorker) and win.tabs.isEnabled(), timeout=TIMEOUT_MS)
        assert not (user_manager / service_units.UNIT_NAME).exists()
        assert not (user_manager / "fake-systemd.pid").exists()  # the service process ended
        assert not win.service_banner.isVisible()
        qtbot.waitUntil(lambda: win.health.facts.state == "idle", timeout=TIMEOUT_MS)
        with qtbot.waitSignal(win.bridge.run_finished, timeout=TIMEOUT_MS) as local:
            win.sync_tab.sync_button.click()
        assert local.args[0].summary.status == "ok"  # the window holds the profile's lock again
    finally:
        win.close()


def test_without_a_service_manager_the_window_says_so_and_keeps_syncing(
    qtbot: Any, sandbox: Any, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no systemctl, launchctl or schtasks
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    apply_baseline()
    win = MainWindow("sandbox")
    qtbot.addWidget(win)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.health.facts.state == "idle", timeout=TIMEOUT_MS)
        _accept(qtbot, win.ask_background_start())

        def told() -> bool:
            box = win.background.box
            return box is not None and "service manager" in box.windowTitle() + box.text()

        qtbot.waitUntil(told, timeout=TIMEOUT_MS)
        shown = win.background.box
        assert shown is not None and "sfintacct" not in shown.text()  # no command to type in the window
        assert not isinstance(win.worker, RemoteWorker) and win.tabs.isEnabled()
        assert not (tmp_path / "config" / "systemd" / "user" / service_units.UNIT_NAME).exists()
        qtbot.waitUntil(lambda: win.health.facts.state == "idle", timeout=TIMEOUT_MS)
        with qtbot.waitSignal(win.bridge.run_finished, timeout=TIMEOUT_MS) as local:
            win.sync_tab.sync_button.click()
        assert local.args[0].summary.status == "ok"  # the window's own sync runs again
    finally:
        win.close()
