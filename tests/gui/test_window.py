"""The window, the connection test, and an orderly close."""

from __future__ import annotations

import threading

from PySide6.QtCore import QTimer

from sfintacct_desktop.gui.main_window import MainWindow
from tests.gui.helpers import choose_profile


def test_window_opens_with_five_tabs(window: MainWindow) -> None:
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles == ["Connections", "Baseline", "Sync", "Invoices", "Customers", "Pipeline"]
    assert window.width() >= 1000 and window.height() >= 700


def test_connection_test_on_the_sandbox_shows_both_sides_ok(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    tab = window.connections_tab
    assert tab.profile == "sandbox"
    tab.test_button.click()
    panels = tab.panels
    qtbot.waitUntil(
        lambda: all(p.badge.text() not in ("Testing…", "Not tested") for p in panels.values()), timeout=30_000
    )
    for panel in panels.values():
        assert panel.badge.text().startswith("OK") and panel.badge.tone in ("ok", "warn")
        assert panel.error.isHidden()
    assert "User:" in panels["salesforce"].details.text()


def test_wrong_password_shows_title_message_and_hint(qtbot, window: MainWindow, wrong_password_profile: str) -> None:  # type: ignore[no-untyped-def]
    tab = window.connections_tab
    choose_profile(qtbot, window, wrong_password_profile)  # the whole window now works on that profile
    tab.test_button.click()
    sf = tab.panels["salesforce"]
    qtbot.waitUntil(lambda: sf.badge.text() == "FAILED", timeout=30_000)
    assert sf.badge.tone == "error"
    assert not sf.error.isHidden()
    # The sandbox signs in through its login page with the profile's password, which is refused there.
    assert sf.error.title.text() == "Salesforce sign-in needed"
    assert "Please check your username and password" in sf.error.message.text()
    assert "Sign in with Salesforce" in sf.error.hint.text() and "sfintacct " not in sf.error.hint.text()
    assert sf.error.toolTip()  # the hint also as tooltip
    assert "not-the-password" not in sf.error.message.text()
    ia = tab.panels["intacct"]
    assert "login failed" in ia.error.title.text() and "password" in ia.error.hint.text()


def test_closing_stops_the_worker_and_every_timer(qtbot, sandbox) -> None:  # type: ignore[no-untyped-def]
    before = {t.ident for t in threading.enumerate()}
    win = MainWindow("sandbox")
    win.show()
    qtbot.waitUntil(lambda: win.worker.state == "idle", timeout=20_000)
    assert win.worker.is_alive()
    assert any(t.isActive() for t in win.findChildren(QTimer))
    win.close()
    assert not win.worker.is_alive()
    assert not [t for t in win.findChildren(QTimer) if t.isActive()]
    assert win.runner.idle
    qtbot.waitUntil(lambda: {t.ident for t in threading.enumerate()} <= before, timeout=20_000)
