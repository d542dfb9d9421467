"""The main window: four tabs over one profile, one sync worker, one task runner.

Why the window owns the worker: the worker is the only writer of the state store and lives as
long as the window; closing the window stops it, joins it, and stops every timer before Qt goes.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget

from ..app import gui_support as gs
from .baseline_tab import BaselineTab
from .connections_tab import ConnectionsTab
from .event_bridge import EventBridge
from .invoices_tab import InvoicesTab
from .sync_tab import SyncTab
from .task_runner import TaskRunner

STYLE = """
QMainWindow, QWidget { font-size: 13px; }
QTabBar::tab { padding: 6px 16px; }
QGroupBox { font-weight: 600; border: 1px solid #d0d5dd; border-radius: 6px; margin-top: 12px; padding: 8px; }
QGroupBox::title { subcontrol-origin: margin; left: 10px; padding: 0 4px; }
QTableView { gridline-color: #eaecf0; selection-background-color: #d1e9ff; selection-color: #101828; }
QHeaderView::section { background: #f2f4f7; padding: 4px 6px; border: none;
                       border-bottom: 1px solid #d0d5dd; font-weight: 600; }
QPushButton { padding: 4px 12px; }
"""


class MainWindow(QMainWindow):
    def __init__(self, profile: str = "sandbox", *, interval: float | None = None) -> None:
        super().__init__()
        self.profile = profile
        self.setWindowTitle(f"sfintacct — Salesforce ↔ Sage Intacct ({profile})")
        self.resize(1200, 800)
        self.setStyleSheet(STYLE)
        self.runner = TaskRunner(self)
        self.worker: Any = gs.start_worker(profile, interval=interval)
        self.bridge = EventBridge(self.worker.events, self)
        self.tabs = QTabWidget()
        self.connections_tab = ConnectionsTab(self.runner, profile)
        self.baseline_tab = BaselineTab(self.runner, profile, worker=self.worker)
        self.sync_tab = SyncTab(self.runner, self.bridge, self.worker, profile)
        self.invoices_tab = InvoicesTab(self.runner, profile, worker=self.worker)
        self.tabs.addTab(self.connections_tab, "Connections")
        self.tabs.addTab(self.baseline_tab, "Baseline")
        self.tabs.addTab(self.sync_tab, "Sync")
        self.tabs.addTab(self.invoices_tab, "Invoices")
        self.setCentralWidget(self.tabs)
        self.baseline_tab.applied.connect(lambda report: self.sync_tab.refresh())
        self.status = QLabel(f"Profile: {profile}")
        self.statusBar().addPermanentWidget(self.status)
        self.runner.busy_changed.connect(
            lambda busy: self.statusBar().showMessage("Working in the background…" if busy else "", 0)
        )
        self.bridge.start()
        self._closed = False

    def shutdown(self) -> None:
        """Stop the worker, join it, stop the timers and background tasks. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self.worker.stop()
        self.worker.join()
        self.bridge.drain()
        self.bridge.stop()
        self.runner.shutdown()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)
