"""The menu bar and its shortcuts: File, Sync, View, Help.

Why the actions live here and the window only calls them: the tray's menu reuses the same Sync now
and Pause/Resume actions, so a shortcut, a menu item and the tray are always enabled (or not)
together. ``update(health, ...)`` keeps every action's enabled state true to what it can do now.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QUrl
from PySide6.QtGui import QAction, QDesktopServices, QKeySequence
from PySide6.QtWidgets import QDialog, QLineEdit, QMainWindow, QMessageBox, QTabWidget, QWidget

from ..app import health as hl
from ..app.window_prefs import log_folder

ABOUT = (
    "<b>sfintacct</b><br>Keeps Salesforce and Sage Intacct in sync: customers, products, orders, "
    "invoices and payments.<br><br>Open source. The log file is in the folder that Help → "
    "Open log folder shows."
)


class MenuHost(Protocol):
    """What the menus need of the main window."""

    tabs: QTabWidget

    def sync_now(self) -> None: ...
    def toggle_pause(self) -> None: ...
    def quit_app(self) -> None: ...
    def set_keep_in_tray(self, on: bool) -> None: ...
    def ask_background_start(self) -> object: ...
    def ask_background_stop(self) -> object: ...
    def backup_state(self) -> None: ...
    def ask_restore_state(self) -> object: ...
    def ask_move_state(self) -> object: ...


def find_field(tab: QWidget | None) -> QWidget | None:
    """The tab's search or filter field: its ``find_field``, else its first text field, or None."""
    if tab is None:
        return None
    field = getattr(tab, "find_field", None)
    if isinstance(field, QWidget):
        return field
    edits = tab.findChildren(QLineEdit)
    return edits[0] if edits else None


def log_folder_url() -> QUrl:
    return QUrl.fromLocalFile(str(log_folder()))


class WindowMenus:
    """Builds the menu bar on ``window``; the actions are public for the tray and the tests."""

    def __init__(self, window: QMainWindow, host: MenuHost, tray_available: bool) -> None:
        self.window, self.host = window, host
        bar = window.menuBar()

        file_menu = bar.addMenu("&File")
        self.keep_in_tray = self._action(
            "&Keep syncing in the tray when the window is closed",
            lambda: host.set_keep_in_tray(self.keep_in_tray.isChecked()),
        )
        self.keep_in_tray.setCheckable(True)
        self.keep_in_tray.setEnabled(tray_available)
        self.keep_in_tray.setStatusTip(
            "Closing the window hides it; the sync goes on and the tray icon shows its health."
            if tray_available
            else "This desktop shows no tray icons, so closing the window always stops the sync."
        )
        file_menu.addAction(self.keep_in_tray)
        self.background_start = self._action("Sync in the &background…", host.ask_background_start)
        self.background_start.setStatusTip(
            "Run the sync as a service of your user account: it starts at log-in and goes on when the window closes."
        )
        file_menu.addAction(self.background_start)
        self.background_stop = self._action("Stop the background &service…", host.ask_background_stop)
        self.background_stop.setStatusTip("Stop the background service; the window runs the sync while it is open.")
        file_menu.addAction(self.background_stop)
        self.backup = self._action("&Back up the sync state now", host.backup_state)
        self.backup.setStatusTip("Copy the links, cursors and history of this profile beside its state store.")
        file_menu.addAction(self.backup)
        self.restore = self._action("&Restore the sync state from a backup…", host.ask_restore_state)
        self.restore.setStatusTip(
            "Go back to a backup of the links and cursors (the current state is kept aside). "
            "Not while the background service runs the sync."
        )
        file_menu.addAction(self.restore)
        self.move_state = self._action("&Move the sync state to another database…", host.ask_move_state)
        self.move_state.setStatusTip(
            "Copy the links, cursors and history to PostgreSQL (or back to this computer's file) and use it "
            "from then on. Not while the background service runs the sync."
        )
        file_menu.addAction(self.move_state)
        file_menu.addSeparator()
        self.quit = self._action("&Quit", host.quit_app, QKeySequence("Ctrl+Q"))
        self.quit.setStatusTip("Stop syncing and close the window (the current batch finishes first).")
        file_menu.addAction(self.quit)

        sync_menu = bar.addMenu("&Sync")
        self.sync_now = self._action("Sync &now", host.sync_now)
        self.sync_now.setShortcuts([QKeySequence("F5"), QKeySequence("Ctrl+R")])
        self.sync_now.setStatusTip("Run one sync cycle now.")
        self.pause_resume = self._action("&Pause", host.toggle_pause, QKeySequence("Ctrl+P"))
        self.pause_resume.setStatusTip("Pause after the current batch, or resume a paused sync.")
        sync_menu.addAction(self.sync_now)
        sync_menu.addAction(self.pause_resume)

        view_menu = bar.addMenu("&View")
        self.tab_actions: list[QAction] = []
        for i in range(host.tabs.count()):
            action = self._action(
                f"&{i + 1} {host.tabs.tabText(i)}",
                lambda i=i: host.tabs.setCurrentIndex(i),
                QKeySequence(f"Ctrl+{i + 1}"),
            )
            view_menu.addAction(action)
            self.tab_actions.append(action)
        view_menu.addSeparator()
        self.find = self._action("&Find", self.focus_find, QKeySequence("Ctrl+F"))
        self.find.setStatusTip("Go to the search field of the current tab.")
        view_menu.addAction(self.find)
        host.tabs.currentChanged.connect(lambda _i: self.update_find())

        help_menu = bar.addMenu("&Help")
        f1 = QKeySequence(QKeySequence.StandardKey.HelpContents)
        self.guide = self._action("&Getting started", self.show_guide, f1)
        self.guide.setStatusTip("From connecting both systems to the live sync, step by step.")
        help_menu.addAction(self.guide)
        self.guide_dialog: QDialog | None = None
        self.open_logs = self._action("Open &log folder", self.open_log_folder)
        self.open_logs.setStatusTip("Open the folder of the log file (the same file the command line writes).")
        self.about = self._action("&About sfintacct", self.show_about)
        help_menu.addAction(self.open_logs)
        help_menu.addAction(self.about)
        self.update_find()

    def _action(self, text: str, slot: Any, shortcut: QKeySequence | None = None) -> QAction:
        action = QAction(text, self.window)
        if shortcut is not None:
            action.setShortcut(shortcut)
        action.triggered.connect(lambda _checked=False: slot())
        self.window.addAction(action)  # the shortcut works while the menu bar is hidden too
        return action

    # ------------------------------------------------------------------ enabled states
    def update(self, health: hl.Health, worker_state: str, usable: bool, remote: bool = False) -> None:
        """Enable what can be used now; ``usable`` is False while switching profile or closing;
        ``remote``: the background service runs the sync (the window drives it)."""
        self.background_start.setEnabled(usable and not remote)
        self.background_stop.setEnabled(usable and remote)
        self.backup.setEnabled(usable)
        self.restore.setEnabled(usable and not remote)
        self.move_state.setEnabled(usable and not remote)
        paused = worker_state == "paused"
        self.sync_now.setEnabled(usable and worker_state in ("idle", "waiting"))
        self.pause_resume.setText("&Resume" if paused else "&Pause")
        pausing = bool(health.extra.get("pausing"))
        self.pause_resume.setEnabled(
            usable and (paused or (worker_state in ("idle", "running", "waiting") and not pausing))
        )
        for action in self.tab_actions:
            action.setEnabled(usable)
        self.update_find()

    def update_find(self) -> None:
        field = find_field(self.host.tabs.currentWidget())
        self.find.setEnabled(field is not None and field.isEnabled())

    # ------------------------------------------------------------------ actions
    def focus_find(self) -> None:
        field = find_field(self.host.tabs.currentWidget())
        if field is not None:
            field.setFocus()
            if isinstance(field, QLineEdit):
                field.selectAll()

    def open_log_folder(self) -> bool:
        return QDesktopServices.openUrl(log_folder_url())

    def show_guide(self) -> None:
        if self.guide_dialog is None:
            from .help_page import GuideDialog

            self.guide_dialog = GuideDialog(self.window)
        self.guide_dialog.show()
        self.guide_dialog.raise_()

    def show_about(self) -> None:
        QMessageBox.about(self.window, "About sfintacct", ABOUT)
