"""The system tray icon: the profile's health at a glance, a small menu, desktop notifications.

Why the icon exists even where no tray is available (a bare X server, the offscreen tests): its
tooltip and menu are the same objects either way, so what it would say is always known; it is only
shown, and only notifies, where a tray exists. The tooltip always says the health in words: the
icon's colour never carries the state alone.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from ..app import health as hl

COLOURS = {"ok": "#067647", "warn": "#b54708", "error": "#b42318", "idle": "#475467"}


def tone_icon(tone: str) -> QIcon:
    """A round icon in the tone's colour with the product's initial (the tooltip says the state)."""
    pix = QPixmap(64, 64)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setBrush(QColor(COLOURS.get(tone, COLOURS["idle"])))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(2, 2, 60, 60)
    painter.setPen(QColor("white"))
    font = painter.font()
    font.setPixelSize(36)
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(pix.rect(), Qt.AlignmentFlag.AlignCenter, "S")
    painter.end()
    return QIcon(pix)


class Tray(QObject):
    """The tray icon and its menu: Sync now, Pause/Resume (the window's own actions), Open, Quit."""

    open_requested = Signal()
    quit_requested = Signal()

    def __init__(self, sync_now: QAction, pause_resume: QAction, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.available = QSystemTrayIcon.isSystemTrayAvailable()
        self.icon = QSystemTrayIcon(tone_icon("idle"), self)
        self.menu = QMenu()
        self.open_action = QAction("Open sfintacct", self)
        self.quit_action = QAction("Quit (stops syncing)", self)
        self.open_action.triggered.connect(self.open_requested)
        self.quit_action.triggered.connect(self.quit_requested)
        self.menu.addAction(sync_now)
        self.menu.addAction(pause_resume)
        self.menu.addSeparator()
        self.menu.addAction(self.open_action)
        self.menu.addAction(self.quit_action)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.icon.setToolTip("sfintacct — starting")
        self.messages: list[tuple[str, str]] = []  # every notification, shown or not (the log of them)
        self._tone = ""
        if self.available:
            self.icon.show()

    @staticmethod
    def is_available() -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.open_requested.emit()

    def show_health(self, health: hl.Health, profile: str) -> None:
        if health.tone != self._tone:
            self._tone = health.tone
            self.icon.setIcon(tone_icon(health.tone))
        self.icon.setToolTip(f"{health.title(profile)}\n{health.tooltip}")

    def notify(self, title: str, message: str, error: bool) -> None:
        """A desktop notification where the desktop shows them; always kept in ``messages``."""
        self.messages.append((title, message))
        if self.available and self.icon.isVisible() and QSystemTrayIcon.supportsMessages():
            kind = QSystemTrayIcon.MessageIcon.Critical if error else QSystemTrayIcon.MessageIcon.Warning
            self.icon.showMessage(title, message, kind, 10_000)

    def close(self) -> None:
        self.icon.hide()
        self.menu.deleteLater()
