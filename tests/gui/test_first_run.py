"""The first run: no profile yet, a welcome page; Try the sandbox opens the window on the demo company.

The emulators start as ``sfintacct-desktop`` starts them (``__main__.ensure_sandbox``), off the GUI
thread; the launcher stops them on quit.
"""

from __future__ import annotations

import threading
from pathlib import Path

import requests
from PySide6.QtWidgets import QApplication

from sfintacct_desktop.__main__ import ensure_sandbox
from sfintacct_desktop.app.profile_editing import first_run
from sfintacct_desktop.config import profiles as cfg
from sfintacct_desktop.gui.app import Launcher
from sfintacct_desktop.gui.main_window import MainWindow
from sfintacct_desktop.gui.profile_editor import ProfileEditor
from sfintacct_desktop.gui.welcome import WelcomeWindow

SHOTS = Path("/tmp/i12shots")


def shoot(widget, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(exist_ok=True)
    for size in ((1280, 800), (1024, 640)):
        widget.resize(*size)
        QApplication.processEvents()
        widget.grab().save(str(SHOTS / f"{name}-{size[0]}x{size[1]}.png"))


def test_first_run_then_try_the_sandbox_opens_the_window_on_the_demo(qtbot, home: Path) -> None:  # type: ignore[no-untyped-def]
    before = {t.ident for t in threading.enumerate()}
    assert first_run()  # a fresh home: no profiles file
    launcher = Launcher("sandbox", first_run=True, start_sandbox=lambda: ensure_sandbox("sandbox"))
    page = launcher.start()
    try:
        assert isinstance(page, WelcomeWindow) and page.isVisible() and launcher.window is None
        assert page.sandbox_button.text() == "Try the sandbox" and page.connect_button.text() == "Connect my systems"
        shoot(page, "welcome")
        page.sandbox_button.click()
        qtbot.waitUntil(lambda: launcher.window is not None, timeout=60_000)
        win = launcher.window
        assert isinstance(win, MainWindow) and win.isVisible() and not page.isVisible()
        assert win.session.name == "sandbox" and win.kind_badge.text() == "Sandbox"
        assert not first_run() and cfg.get_profile("sandbox")["kind"] == "sandbox"
        url = cfg.get_profile("sandbox")["salesforce"]["url"]
        assert requests.get(f"{url}/__sandbox__/stats", timeout=10).ok  # the emulators answer
        qtbot.waitUntil(lambda: win.worker.state == "idle", timeout=20_000)
        win.connections_tab.test_button.click()  # the demo company connects on both sides
        panel = win.connections_tab.panels["intacct"]
        qtbot.waitUntil(lambda: panel.badge.text() not in ("Testing…", "Not tested"), timeout=60_000)
        assert panel.badge.text() == "OK"
        shoot(win, "main-sandbox")
    finally:
        if launcher.window is not None:
            launcher.window.close()
        launcher.shutdown()  # stops the emulators the welcome page started
    assert launcher.sandbox is None
    qtbot.waitUntil(lambda: {t.ident for t in threading.enumerate()} <= before, timeout=20_000)


def test_connect_my_systems_opens_the_profile_editor(qtbot, home: Path) -> None:  # type: ignore[no-untyped-def]
    launcher = Launcher("sandbox", first_run=True, start_sandbox=None)
    page = launcher.start()
    try:
        assert isinstance(page, WelcomeWindow) and not page.sandbox_button.isEnabled()
        page.connect_button.click()
        editor = page.editor
        assert isinstance(editor, ProfileEditor) and editor.isVisible() and editor.original is None
        assert editor.value("sf.auth_method") == "web"
        editor.reject()
    finally:
        launcher.shutdown()
        page.close()


def test_not_a_first_run_once_a_profile_exists(home: Path) -> None:
    cfg.save_profile("acme", {"kind": "real"})
    assert not first_run()
