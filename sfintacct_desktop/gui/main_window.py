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
from .kind_badge import KindBadge
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


PROFILE_INTERVAL = "profile"  # ``interval=``: sync on the profile's own schedule (follows a switch)


def window_title(name: str) -> str:
    return f"sfintacct — Salesforce ↔ Sage Intacct ({name})"


class MainWindow(QMainWindow):
    """One session (the profile in use) handed to every tab; switching profile switches them all.

    ``interval``: seconds between scheduled syncs, None for none (tests), or ``PROFILE_INTERVAL``
    for each profile's own ``sync`` setting (what the application uses).
    """

    def __init__(
        self, profile: str | gs.Session = "sandbox", *, interval: float | str | None = None
    ) -> None:
        super().__init__()
        self.session = profile if isinstance(profile, gs.Session) else gs.Session(profile)
        self._interval = interval
        self.setWindowTitle(window_title(self.session.name))
        self.resize(1200, 800)
        self.setStyleSheet(STYLE)
        self.runner = TaskRunner(self)
        self.worker: Any = gs.start_worker(self.session, interval=self._interval_of(self.session))
        self.bridge = EventBridge(self.worker.events, self)
        self.tabs = QTabWidget()
        self.connections_tab = ConnectionsTab(self.runner, self.session)
        self.baseline_tab = BaselineTab(self.runner, self.session, worker=self.worker)
        self.sync_tab = SyncTab(self.runner, self.bridge, self.worker, self.session)
        self.invoices_tab = InvoicesTab(self.runner, self.session, worker=self.worker)
        self.tabs.addTab(self.connections_tab, "Connections")
        self.tabs.addTab(self.baseline_tab, "Baseline")
        self.tabs.addTab(self.sync_tab, "Sync")
        self.tabs.addTab(self.invoices_tab, "Invoices")
        self.setCentralWidget(self.tabs)
        self.baseline_tab.applied.connect(lambda report: self.sync_tab.refresh())
        self.connections_tab.profile_chosen.connect(self.switch_profile)
        self.status = QLabel(f"Profile: {self.session.name}")
        self.statusBar().addPermanentWidget(self.status)
        self.kind_badge = KindBadge()
        self.statusBar().addPermanentWidget(self.kind_badge)
        self._show_kind()
        self.connections_tab.profile_edited.connect(lambda name: self.switch_profile(name, again=True))
        self.runner.busy_changed.connect(
            lambda busy: self.statusBar().showMessage("Working in the background…" if busy else "", 0)
        )
        self.bridge.start()
        self._closed = False
        self.switching: str | None = None  # the profile being opened, while the old worker stops

    @property
    def profile(self) -> str:
        return self.session.name

    def _interval_of(self, session: gs.Session) -> float | None:
        if self._interval == PROFILE_INTERVAL:
            return session.sync_interval
        return float(self._interval) if self._interval is not None else None

    # ------------------------------------------------------------------ switching profile
    def switch_profile(self, name: str, *, again: bool = False) -> bool:
        """Open profile ``name`` in every tab; False (and the reason under the chooser) when refused.

        Refused while a baseline load runs: it is writing to both systems and stops only between
        batches, so the operator finishes (or stops) it on the Baseline tab first; nothing is queued,
        because a switch that happens minutes later by itself would surprise. The old worker is
        stopped and joined off the GUI thread (it stops after its current batch); the tabs are
        disabled meanwhile so nothing is sent to a worker that is going away. ``again``: open the
        profile in use anew, because its settings were edited in the profile editor.
        """
        if self._closed or (name == self.session.name and not again):
            return False
        if self.switching is not None:
            self.connections_tab.refuse_switch(name, f"profile {self.switching} is still being opened.")
            return False
        if self.baseline_tab.applying:
            self.connections_tab.refuse_switch(
                name,
                f"a baseline load of profile {self.session.name} is running. Let it finish, or press "
                "'Stop after the current batch' on the Baseline tab, then choose the profile again.",
            )
            return False
        session = gs.Session(name)
        try:
            session.profile  # noqa: B018 - a missing or bad profile is refused here, in its own words
        except Exception as exc:
            problem = gs.failure(exc)
            self.connections_tab.refuse_switch(name, f"{problem['message']} {problem['hint']}")
            return False
        self.switching = name
        self.tabs.setEnabled(False)
        self.connections_tab.show_switching(name)
        self.status.setText(f"Profile: {self.session.name} → {name}…")
        old = self.worker
        self.runner.submit(
            "switch-profile",
            lambda task: gs.stop_worker(old),
            lambda _: self._switched(session),
            lambda exc: self._not_stopped(name, exc),
        )
        return True

    def _switched(self, session: gs.Session) -> None:
        """The old worker has stopped: start the new profile's and hand the session to every tab."""
        self.switching = None
        if self._closed:
            return
        self.bridge.drain()  # the old worker's last events (its "stopped" state) go to the tabs first
        self.session = session
        self.worker = gs.start_worker(session, interval=self._interval_of(session))
        self.bridge.set_events(self.worker.events)
        for tab in (self.connections_tab, self.baseline_tab, self.sync_tab, self.invoices_tab):
            tab.set_session(session, self.worker)
        self.setWindowTitle(window_title(session.name))
        self.status.setText(f"Profile: {session.name}")
        self._show_kind()
        self.tabs.setEnabled(True)

    def _show_kind(self) -> None:
        """Sandbox or Production beside the profile name, so real systems are never mistaken for the demo."""
        self.kind_badge.show_session(self.session)

    def _not_stopped(self, name: str, exc: BaseException) -> None:
        """The old worker could not be stopped cleanly: stay on the current profile and say why."""
        self.switching = None
        self.tabs.setEnabled(True)
        self.status.setText(f"Profile: {self.session.name}")
        problem = gs.failure(exc)
        self.connections_tab.refuse_switch(name, f"{problem['message']} {problem['hint']}")

    # ------------------------------------------------------------------ closing
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
