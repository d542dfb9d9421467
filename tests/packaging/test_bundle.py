"""The packaged desktop app, as a user gets it: built from this checkout, run as the frozen program.

Select with ``pytest -m packaging``. The bundle is built once (see conftest.py) by
``packaging/build.py``; every check runs the frozen executables, never this interpreter: their
version, the text summary without a display, the window painted offscreen, and a sync against the
sandbox the frozen program starts itself, with a temporary home and the test file keyring.
"""

from __future__ import annotations

import json
import re
import selectors
import shutil
import signal
import subprocess
import tarfile
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from sfintacct_sandbox import credentials as cred
from tests.support.cli_env import REPO, cli_env

from .conftest import BUILD_TIMEOUT

pytestmark = [pytest.mark.packaging, pytest.mark.timeout(BUILD_TIMEOUT + 300)]

VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
APP_ID = "io.github.sfintacct.SfintacctDesktop"
RUN_TIMEOUT = 120.0
DISPLAY_VARS = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
SECRETS = {
    "SFINTACCT_SF_PASSWORD": cred.SF_PASSWORD,
    "SFINTACCT_SF_SECURITY_TOKEN": cred.SF_SECURITY_TOKEN,
    "SFINTACCT_INTACCT_SENDER_PASSWORD": cred.INTACCT_SENDER_PASSWORD,
    "SFINTACCT_INTACCT_USER_PASSWORD": cred.INTACCT_USER_PASSWORD,
}


def frozen_env(tmp: Path, **extra: str) -> dict[str, str]:
    """A temporary home and the test file keyring, chosen the way a frozen program can load it.

    The frozen program does not import from PYTHONPATH, so ``PYTHON_KEYRING_BACKEND`` naming a test
    module cannot work; keyring's own config file can name the backend *and* the folder to import
    it from (``keyring-path``), so the bundled keyring loads the test backend from this checkout.
    """
    env = cli_env(tmp / "home", tmp / "keyring.json", **extra)
    for name in ("PYTHON_KEYRING_BACKEND", "PYTHONPATH", *DISPLAY_VARS):
        env.pop(name, None)
    config = tmp / "config"
    (config / "python_keyring").mkdir(parents=True, exist_ok=True)
    (config / "python_keyring" / "keyringrc.cfg").write_text(
        f"[backend]\ndefault-keyring = tests.support.file_keyring.FileKeyring\nkeyring-path = {REPO}\n",
        encoding="utf-8",
    )
    env["XDG_CONFIG_HOME"] = str(config)
    return env


def run(program: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(program), *args], capture_output=True, text=True, env=env, cwd=str(program.parent),
        timeout=RUN_TIMEOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip


@contextmanager
def frozen_sandbox(bundle: Path, env: dict[str, str]) -> Iterator[dict[str, Any]]:
    """``sfintacct sandbox serve`` of the bundle: its connection line, stopped with SIGTERM after."""
    proc = subprocess.Popen(
        [str(bundle / "sfintacct"), "sandbox", "serve", "--seed", "demo"], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=env, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
            if not sel.select(RUN_TIMEOUT):
                pytest.fail("the frozen sandbox printed nothing")
        line = proc.stdout.readline()  # type: ignore[union-attr]
        if not line:
            pytest.fail("the frozen sandbox stopped: " + proc.stderr.read())  # type: ignore[union-attr]
        yield json.loads(line)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.communicate(timeout=RUN_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, proc.stderr


# ----------------------------------------------------------------------------------- the folder
def test_both_names_report_the_package_version(bundle: Path, tmp_path: Path) -> None:
    env = frozen_env(tmp_path)
    cli = run(bundle / "sfintacct", env, "--version")
    assert (cli.returncode, cli.stdout.strip()) == (0, f"sfintacct {VERSION}"), cli.stderr
    window = run(bundle / "sfintacct-desktop", env, "--version")
    assert (window.returncode, window.stdout.strip()) == (0, f"sfintacct-desktop {VERSION}"), window.stderr
    # how the window starts its private sync child: sys.executable is the frozen program itself
    child = run(bundle / "sfintacct-desktop", env, "-m", "sfintacct_desktop.cli", "--version")
    assert child.stdout.strip() == f"sfintacct {VERSION}", child.stderr


def test_bundle_holds_the_needed_qt_plugins_and_package_data_only(bundle: Path) -> None:
    internal = bundle / "_internal"
    plugins = internal / "PySide6" / "Qt" / "plugins"
    assert {p.name for p in (plugins / "platforms").iterdir()} == {"libqoffscreen.so", "libqxcb.so", "libqwayland.so"}
    assert (plugins / "wayland-shell-integration" / "libxdg-shell.so").exists()
    assert {p.name for p in (plugins / "imageformats").iterdir()} == {"libqico.so", "libqsvg.so", "libqicns.so"}
    assert not (plugins / "sqldrivers").exists() and not (plugins / "tls").exists()
    assert not (internal / "PySide6" / "Qt" / "translations").exists()
    assert sorted(p.name for p in (internal / "PySide6").glob("Qt*.so")) == [
        "QtCore.abi3.so", "QtGui.abi3.so", "QtOpenGL.abi3.so", "QtOpenGLWidgets.abi3.so", "QtWidgets.abi3.so",
    ]  # fmt: skip - QtOpenGL and QtOpenGLWidgets for pyqtgraph (the Pipeline chart)
    package = internal / "sfintacct_desktop"
    assert (package / "engine" / "mapping_default.toml").exists()
    versions = sorted(p.name for p in (package / "store" / "migrations" / "versions").glob("*.py"))
    assert versions == sorted(
        p.name for p in (REPO / "sfintacct_desktop" / "store" / "migrations" / "versions").glob("*.py")
    )
    assert (package / "store" / "migrations" / "env.py").exists()
    assert (internal / "resources" / "salesforce" / "manifest" / "package.xml").exists()
    assert (internal / "resources" / "icons" / "sfintacct-desktop-256.png").exists()  # the window's icon
    assert (bundle / "sfintacct").is_symlink() and (bundle / "sfintacct").readlink() == Path("sfintacct-desktop")


# ------------------------------------------------------------------------------- no display, window
def test_without_a_display_the_window_program_prints_the_sandbox_summary(bundle: Path, tmp_path: Path) -> None:
    env = frozen_env(tmp_path)
    shown = run(bundle / "sfintacct-desktop", env)
    assert shown.returncode == 0, shown.stderr
    assert "No display found" in shown.stderr
    assert "Salesforce at http://127.0.0.1:" in shown.stdout and "Intacct at http://127.0.0.1:" in shown.stdout
    accounts = next(line for line in shown.stdout.splitlines() if line.strip().startswith("Account "))
    assert int(accounts.split()[-1]) > 0  # the demo seed, loaded by the frozen sandbox


def test_the_window_paints_offscreen_on_the_running_sandbox(bundle: Path, tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    env = frozen_env(tmp_path)
    shot = tmp_path / "window.png"
    with frozen_sandbox(bundle, env):
        painted = run(bundle / "sfintacct-desktop", {**env, "QT_QPA_PLATFORM": "offscreen"}, "--screenshot", str(shot))
    assert painted.returncode == 0, painted.stderr
    image = QImage(str(shot))
    assert not image.isNull() and image.width() >= 800 and image.height() >= 500
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 20  # text, tabs and badges, not a blank frame
    log = (tmp_path / "home" / "logs" / "sfintacct.log").read_text(encoding="utf-8")
    assert "Running upgrade  -> 0001" in log  # the bundled Alembic migrations created the state store


def alive(pid: int) -> bool:
    """Running, not a zombie (an orphan's exit status may wait for a reaper that never comes)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_the_window_runs_its_sync_in_a_child_of_the_frozen_program(bundle: Path, tmp_path: Path) -> None:
    """The child is ``sys.executable -m sfintacct_desktop.cli service run --private``: in a frozen app
    that is the bundle's own program, which must take the CLI role; it goes when the window goes."""
    env = {**frozen_env(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    log = tmp_path / "home" / "logs" / "sfintacct.log"
    with frozen_sandbox(bundle, env):
        window = subprocess.Popen(
            [str(bundle / "sfintacct-desktop")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            child = None
            deadline = time.monotonic() + RUN_TIMEOUT
            while child is None and time.monotonic() < deadline and window.poll() is None:
                text = log.read_text(encoding="utf-8") if log.exists() else ""
                found = re.search(r"The sync of profile sandbox runs in process (\d+)", text)
                child = int(found.group(1)) if found else None
                time.sleep(0.2)
            assert child is not None, "no child sync process started: " + (log.read_text() if log.exists() else "")
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")
            assert Path(cmdline[0].decode()).name == "sfintacct-desktop"
            assert cmdline[1:5] == [b"-m", b"sfintacct_desktop.cli", b"service", b"run"]
        finally:
            window.send_signal(signal.SIGTERM)
            try:
                window.communicate(timeout=RUN_TIMEOUT)
            except subprocess.TimeoutExpired:
                window.kill()
                window.communicate()
        deadline = time.monotonic() + RUN_TIMEOUT
        while alive(child) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not alive(child), "the child outlived the window"


# ------------------------------------------------------------------------------------ sync, keyring
def test_sync_once_against_the_sandbox_the_frozen_program_started(bundle: Path, tmp_path: Path) -> None:
    env = frozen_env(tmp_path, **SECRETS)
    with frozen_sandbox(bundle, env) as info:
        synced = run(bundle / "sfintacct", env, "sync", "--once", "--json", "--allow-without-baseline")
        assert synced.returncode == 0, synced.stderr
        summary = json.loads(synced.stdout.splitlines()[0])
        assert summary["status"] == "ok" and summary["profile"] == "sandbox" and summary["error"] is None
        assert summary["streams"]["salesforce.customers"]["read"] > 0
        assert sum(s["applied"] for s in summary["streams"].values()) > 0
        status = run(bundle / "sfintacct", env, "status", "--json")
        assert status.returncode == 0, status.stderr
        assert str(summary["run_id"]) in status.stdout

        # the Salesforce metadata shipped in the bundle's data folder (resources/salesforce), checked
        checked = run(bundle / "sfintacct", env, "salesforce", "deploy", "--check-only", "--json")
        assert checked.returncode == 0, checked.stderr
        report = json.loads(checked.stdout.splitlines()[0])
        assert report["check_only"] is True and report["components"]
        assert all(c["success"] for c in report["components"])

        # a real profile keeps its secrets in the keyring: the bundled keyring loads its backend
        sf, ia = info["salesforce"], info["intacct"]
        added = run(
            bundle / "sfintacct", env, "profile", "add", "local", "--sf-auth", "soap",
            "--sf-login-host", sf["login_url"], "--sf-username", sf["username"],
            "--sf-consumer-key", sf["consumer_key"], "--ia-endpoint", ia["url"],
            "--ia-sender-id", ia["sender_id"], "--ia-company-id", ia["company_id"], "--ia-user-id", ia["user_id"],
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        tested = run(bundle / "sfintacct", env, "connections", "test", "--profile", "local", "--json")
        assert tested.returncode == 0, tested.stderr
        body = json.loads(tested.stdout)
        assert body["salesforce"]["ok"] is True and body["intacct"]["ok"] is True
    stored = json.loads((tmp_path / "keyring.json").read_text(encoding="utf-8"))["sfintacct-desktop:local"]
    assert stored["intacct.user_password"] == cred.INTACCT_USER_PASSWORD


# -------------------------------------------------------------------------------- the Linux archive
def test_linux_archive_installs_like_desktop_software(bundle: Path, tmp_path: Path) -> None:
    archives = list(bundle.parent.glob("sfintacct-desktop-*-linux-*.tar.gz"))
    assert [a.name.split("-linux-")[0] for a in archives] == [f"sfintacct-desktop-{VERSION}"]
    with tarfile.open(archives[0]) as tar:
        tar.extractall(tmp_path, filter="tar")
    (top,) = tmp_path.iterdir()
    assert (top / "sfintacct").is_symlink() and (top / "install.sh").stat().st_mode & 0o111
    desktop = (top / "share" / "applications" / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    entry = dict(line.split("=", 1) for line in desktop.splitlines() if "=" in line)
    assert entry["Type"] == "Application" and entry["Exec"] == entry["Icon"] == "sfintacct-desktop"
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        png = (top / "share" / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "sfintacct-desktop.png").read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(png[16:20], "big") == size  # IHDR width
    assert (top / "share" / "icons" / "hicolor" / "scalable" / "apps" / "sfintacct-desktop.svg").exists()

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.parse(str(top / "share" / "metainfo" / f"{APP_ID}.metainfo.xml"), parser).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    for tag in ("id", "name", "summary", "metadata_license", "project_license", "description"):
        assert root.find(tag) is not None, tag
    assert root.findtext("id") == APP_ID
    assert root.find("launchable").text == f"{APP_ID}.desktop"
    release = root.find("releases/release")
    assert release.get("version") == VERSION and len(release.get("date")) == 10
    assert time.strptime(release.get("date"), "%Y-%m-%d")
    if shutil.which("appstreamcli"):  # the reference validator, where the machine has it
        checked = subprocess.run(
            ["appstreamcli", "validate", "--no-net", str(top / "share" / "metainfo" / f"{APP_ID}.metainfo.xml")],
            capture_output=True, text=True, timeout=RUN_TIMEOUT,
        )  # fmt: skip
        assert checked.returncode == 0, checked.stdout + checked.stderr
