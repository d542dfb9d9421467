"""The line above the tabs that says who runs the sync: the background service, or nobody since it stopped.

Why it is always visible while the service runs the profile: the buttons look the same either way,
but a press goes to another process, and closing the window does not stop the sync. When the
service stops, the banner says so and offers to run the sync in the window instead (Take over).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton

RUN_BY_SERVICE = "Run by the background service"
SERVICE_STOPPED = "The background service stopped: nothing syncs this profile now."


class ServiceBanner(QFrame):
    take_over = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("serviceBanner")
        self.setStyleSheet("#serviceBanner { background: #eff8ff; border: 1px solid #b2ddff; border-radius: 6px; }")
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 4, 10, 4)
        self.label = QLabel("")
        self.label.setAccessibleName("Who runs the sync")
        row.addWidget(self.label, 1)
        self.take_over_button = QPushButton("Take over")
        self.take_over_button.setAccessibleName("Take over: run the sync in this window")
        self.take_over_button.setToolTip("Run the sync in this window while it is open.")
        self.take_over_button.clicked.connect(self.take_over)
        row.addWidget(self.take_over_button)
        self.hide()

    def show_service(self, pid: object) -> None:
        """The service runs the profile: every button of the window goes to it."""
        self.setStyleSheet("#serviceBanner { background: #eff8ff; border: 1px solid #b2ddff; border-radius: 6px; }")
        self.label.setText(
            f"{RUN_BY_SERVICE} (process {pid}). Sync now, Pause, Resume, Retry and Resolve go to it; "
            "it keeps syncing when this window closes."
        )
        self.take_over_button.hide()
        self.show()

    def show_stopped(self) -> None:
        self.setStyleSheet("#serviceBanner { background: #fffaeb; border: 1px solid #fedf89; border-radius: 6px; }")
        self.label.setText(f"{SERVICE_STOPPED} Take over to run it in this window.")
        self.take_over_button.show()
        self.take_over_button.setEnabled(True)
        self.show()

    def clear(self) -> None:
        self.label.setText("")
        self.hide()
