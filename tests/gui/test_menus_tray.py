"""The menu bar's actions and shortcuts, the tray's menu, the tray setting, and the log file the window
writes (the CLI's rotating, redacted one)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QKeySequence

from sfintacct_desktop.app import window_prefs
from sfintacct_desktop.gui.app import start_logging
from sfintacct_desktop.gui.main_window import MainWindow
from sfintacct_desktop.gui.menus import find_field, log_folder_url
from sfintacct_desktop.secrets import register_secret
from sfintacct_sandbox.runner import Sandbox
from tests.support.logging_env import root_logging_restored


def test_view_menu_switches_tabs_and_find_goes_to_the_tabs_search_field(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    menus = window.menus
    assert [a.shortcut().toString() for a in menus.tab_actions] == [f"Ctrl+{n}" for n in range(1, 7)]
    assert [k.toString() for k in menus.sync_now.shortcuts()] == ["F5", "Ctrl+R"]
    assert menus.pause_resume.shortcut() == QKeySequence("Ctrl+P") and menus.quit.shortcut() == QKeySequence("Ctrl+Q")
    assert menus.find.shortcut() == QKeySequence("Ctrl+F")
    for i, action in enumerate(menus.tab_actions):
        action.trigger()
        assert window.tabs.currentIndex() == i
        assert menus.find.isEnabled() == (find_field(window.tabs.currentWidget()) is not None)
    menus.tab_actions[3].trigger()  # Invoices: its customer field is the search field
    assert menus.find.isEnabled()
    window.activateWindow()
    menus.find.trigger()
    qtbot.waitUntil(lambda: window.invoices_tab.customer.hasFocus(), timeout=5_000)
    menus.tab_actions[4].trigger()  # Customers: its find field
    menus.find.trigger()
    qtbot.waitUntil(lambda: window.customer_tab.search.hasFocus(), timeout=5_000)


def test_menus_follow_the_worker_and_help_opens_the_log_folder(qtbot, window: MainWindow, home: Path) -> None:  # type: ignore[no-untyped-def]
    menus = window.menus
    assert menus.sync_now.isEnabled() and menus.pause_resume.isEnabled()
    assert log_folder_url().toLocalFile() == str(window_prefs.log_folder())
    assert Path(log_folder_url().toLocalFile()).is_relative_to(home)
    window.worker.pause()
    qtbot.waitUntil(lambda: menus.pause_resume.text() == "&Resume", timeout=10_000)
    assert not menus.sync_now.isEnabled()  # a sync request while paused would only be refused


def test_the_tray_offers_the_windows_actions_and_its_quit_really_quits(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    tray = window.tray
    texts = [a.text() for a in tray.menu.actions() if not a.isSeparator()]
    assert texts == ["Sync &now", "&Pause", "Open sfintacct", "Quit (stops syncing)"]
    assert window.menus.keep_in_tray.isEnabled() == tray.available
    assert tray.icon.toolTip().startswith("sfintacct — sandbox: ")
    tray.quit_action.trigger()
    assert not window.isVisible() and not window.worker.is_alive()


def test_the_tray_setting_is_saved_and_without_a_tray_closing_stops_the_sync(qtbot, sandbox: Sandbox) -> None:  # type: ignore[no-untyped-def]
    win = MainWindow("sandbox")
    win.show()
    try:
        qtbot.waitUntil(lambda: win.runner.idle, timeout=10_000)
        win.set_keep_in_tray(True)  # the File menu's setting
        qtbot.waitUntil(lambda: window_prefs.prefs_path().exists(), timeout=10_000)
        assert window_prefs.load_prefs().keep_in_tray == win.tray.available  # never on where no tray exists
    finally:
        win.close()
    assert not win.worker.is_alive() or win.tray.available  # with no tray to keep it, the close stopped it


def test_preferences_survive_a_damaged_file(home: Path) -> None:
    assert window_prefs.load_prefs() == window_prefs.WindowPrefs()
    path = window_prefs.save_prefs(window_prefs.WindowPrefs(keep_in_tray=True))
    assert path.is_relative_to(home)
    assert window_prefs.load_prefs().keep_in_tray is True
    path.write_text("{not json", encoding="utf-8")
    assert window_prefs.load_prefs() == window_prefs.WindowPrefs()


def test_the_window_writes_the_clis_redacted_log_file(home: Path) -> None:
    with root_logging_restored() as root:
        path = start_logging()
        assert path is not None and path.parent == window_prefs.log_folder()
        register_secret("hunter2-window-secret")
        logging.getLogger("sfintacct_desktop.gui").warning("signing in with hunter2-window-secret")
        for handler in root.handlers:
            handler.flush()
        text = path.read_text(encoding="utf-8")
        assert "signing in with" in text and "hunter2-window-secret" not in text
