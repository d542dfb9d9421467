"""The main window: four tabs over one profile, one sync worker, one task runner.

Why the window owns the worker: the worker is the only writer of the state store and lives as
long as the window; closing the window stops it, waits a few seconds for its current batch (off
the GUI thread), and stops every timer before Qt goes. The profile's health (``app.health``, kept
by a :class:`HealthMonitor`) drives the title, the Sync tab's badge and label, the status bar, the
menus' enabled states and the tray icon, so all of them say the same thing.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from typing import Any

from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QResizeEvent
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QVBoxLayout, QWidget

from ..app import gui_support as gs
from ..app import health as hl
from ..app import window_prefs
from .accessibility import install as install_naming
from .accessibility import name_widgets
from .background_service import BackgroundSwitch
from .baseline_tab import BaselineTab
from .connections_tab import ConnectionsTab
from .customer_tab import CustomerTab
from .event_bridge import EventBridge
from .health_view import HealthMonitor
from .heap import HeapKeeper
from .invoices_tab import InvoicesTab
from .kind_badge import KindBadge
from .menus import WindowMenus
from .pipeline_tab import PipelineTab
from .service_banner import ServiceBanner
from .state_backup import StateBackup
from .state_move import StateMove
from .state_restore import StateRestore
from .sync_tab import SyncTab
from .task_runner import TaskRunner
from .tray import Tray
from .widgets import QuietTabs, set_tab_text

log = logging.getLogger(__name__)

STYLE = """
QMainWindow, QWidget { font-size: 13px; }
QTabBar::tab { padding: 6px 16px; }
QGroupBox { font-weight: 600; border: 1px solid #d0d5dd; border-radius: 6px; margin-top: 12px; padding: 8px; }
QGroupBox::title { subcontrol-origin: margin; left: 10px; padding: 0 4px; }
QTableView { gridline-color: #eaecf0; }
QHeaderView::section { background: #f2f4f7; padding: 4px 6px; border: none;
                       border-bottom: 1px solid #d0d5dd; font-weight: 600; }
QPushButton { padding: 4px 12px; }
"""


PROFILE_INTERVAL = "profile"  # ``interval=``: sync on the profile's own schedule (follows a switch)
SHUTDOWN_WAIT = 4.0  # seconds a close waits for the worker's current batch before leaving it behind
FINISHING = "Finishing the current batch…"
# How long a thread waiting for the GIL waits before the holder must hand it over (Python's default
# is 5 ms). The sync worker and the background tasks run Python beside the GUI thread, which needs
# the GIL for every slot, timer and delegate call: with 5 ms per hand-over a busy worker turned one
# repaint into stalls of hundreds of ms; at 1 ms an embedded sandbox's two busy request threads
# still kept it waiting 40-50 ms per stall in a sync, at 0.2 ms the hand-overs cost a few ms.
GIL_SWITCH_S = 0.0002
STATUS_ROOM = 60  # the status bar's margins, spacing and size grip, in pixels


def window_title(name: str) -> str:
    """The title before the profile's health is known (the health adds ``: failing`` and the like)."""
    return f"sfintacct — {name}"


class MainWindow(QMainWindow):
    """One session (the profile in use) handed to every tab; switching profile switches them all.

    ``interval``: seconds between scheduled syncs, None for none (tests), or ``PROFILE_INTERVAL``
    for each profile's own ``sync`` setting (what the application uses).
    """

    def __init__(self, profile: str | gs.Session = "sandbox", *, interval: float | str | None = None) -> None:
        super().__init__()
        self.session = profile if isinstance(profile, gs.Session) else gs.Session(profile)
        self._interval = interval
        self.setWindowTitle(window_title(self.session.name))
        self.resize(1200, 800)
        self.setStyleSheet(STYLE)
        sys.setswitchinterval(min(sys.getswitchinterval(), GIL_SWITCH_S))  # before any worker thread starts
        self.heap = HeapKeeper(lambda: not self.runner.idle or self.worker.state == "running", self)
        self.heap.start()
        self.runner = TaskRunner(self)
        # the background service's worker when a service runs the profile, else one of the window's own
        self.worker: Any = gs.open_worker(self.session, interval=self._interval_of(self.session))
        self.bridge = EventBridge(self.worker.events, self)
        self.runner.busy_changed.connect(lambda busy: busy or self.heap.work_done())
        self.bridge.run_finished.connect(self.heap.work_done)
        self.bridge.state_changed.connect(lambda state, _why: state == "running" or self.heap.work_done())
        self.tabs = QuietTabs()
        self.connections_tab = ConnectionsTab(self.runner, self.session)
        self.baseline_tab = BaselineTab(self.runner, self.session, worker=self.worker)
        self.sync_tab = SyncTab(self.runner, self.bridge, self.worker, self.session)
        self.invoices_tab = InvoicesTab(self.runner, self.session, worker=self.worker)
        self.customer_tab = CustomerTab(self.runner, self.session, worker=self.worker)
        self.pipeline_tab = PipelineTab(self.runner, self.session)
        self.tabs.addTab(self.connections_tab, "Connections")
        self.tabs.addTab(self.baseline_tab, "Baseline")
        self.tabs.addTab(self.sync_tab, "Sync")
        self.tabs.addTab(self.invoices_tab, "Invoices")
        self.tabs.addTab(self.customer_tab, "Customers")
        self.invoices_tab.view.doubleClicked.connect(self._open_invoice_customer)
        self.tabs.addTab(self.pipeline_tab, "Pipeline")
        self.service_banner = ServiceBanner()
        self.service_banner.take_over.connect(self.take_over)
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.service_banner)
        column.addWidget(self.tabs, 1)
        self.setCentralWidget(central)
        self.bridge.state_changed.connect(self._service_state)
        self._show_service()
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
        self._setup_health()
        self.tabs.tabBar().setAccessibleName("Window tabs")
        install_naming(self)  # this window and its dialogs name what is still unnamed when shown
        self.tabs.currentChanged.connect(lambda _i: name_widgets(self))  # pages built later

    @property
    def profile(self) -> str:
        return self.session.name

    def _schedule_of(self, session: gs.Session) -> float | None:
        """The schedule the health shows: the background service's own when it runs the profile."""
        if gs.is_remote(self.worker):
            return self.worker.interval
        return self._interval_of(session)

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
        self._show_health(self.health.health)  # the menus' actions wait for the new worker
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
        self.worker = gs.open_worker(session, interval=self._interval_of(session))
        self.bridge.set_events(self.worker.events)
        self._show_service()
        tabs = (self.connections_tab, self.baseline_tab, self.sync_tab, self.invoices_tab, self.customer_tab)
        for tab in (*tabs, self.pipeline_tab):
            tab.set_session(session, self.worker)
        self.setWindowTitle(window_title(session.name))
        self.status.setText(f"Profile: {session.name}")
        self._show_kind()
        self.tabs.setEnabled(True)
        self.health.set_session(session, self.worker, self._schedule_of(session))

    # ------------------------------------------------------------------ the background service
    def _show_service(self) -> None:
        """The banner says whether the background service runs this profile's sync."""
        if gs.is_remote(self.worker):
            self.service_banner.show_service(self.worker.service_pid)
        else:
            self.service_banner.clear()

    def _service_state(self, state: str, _reason: str) -> None:
        """The service's worker stopped because the service went away: say so, offer to take over."""
        if state == "stopped" and gs.is_remote(self.worker) and self.worker.gone and not self._closed:
            self.service_banner.show_stopped()
            self.sync_tab.service_gone()

    def take_over(self) -> None:
        """Run the sync in the window: a worker of its own replaces the gone service's (same session,
        so the tabs keep what they show; the next events come from the new worker)."""
        if self._closed or not gs.is_remote(self.worker) or not self.worker.gone:
            return
        self.worker.join(1.0)  # its threads have ended already (the service went away)
        self.bridge.drain()
        self.worker = gs.start_worker(self.session, interval=self._interval_of(self.session))
        self.bridge.set_events(self.worker.events)
        for tab in (self.baseline_tab, self.invoices_tab, self.customer_tab):
            tab.worker = self.worker
        self.sync_tab.use_worker(self.worker)
        self.health.worker = self.worker
        self.health.facts.interval = self._interval_of(self.session)
        self.service_banner.clear()
        self.statusBar().showMessage("The sync runs in this window now.", 10_000)

    def _open_invoice_customer(self, index: Any) -> None:
        """A double-clicked invoice opens its customer's page on the Customers tab."""
        customer_id = str(self.invoices_tab.model.row(index.row()).get("customer_id") or "")
        if customer_id:
            self.tabs.setCurrentWidget(self.customer_tab)
            self.customer_tab.open_customer(customer_id)

    def _show_kind(self) -> None:
        """Sandbox or Production beside the profile name, so real systems are never mistaken for the demo."""
        self.kind_badge.show_session(self.session)

    # ------------------------------------------------------------------ handing over to the service
    @property
    def is_closed(self) -> bool:
        return self._closed

    @property
    def can_hand_over(self) -> bool:
        """Whether the sync may change hands now (to the service, back, or around a restore): not
        while closing, switching profile, handing over already, or loading a baseline."""
        return not self._closed and self.switching is None and not self.baseline_tab.applying

    def begin_handover(self, text: str) -> None:
        """The sync moves between the window and the background service: nothing is sent meanwhile."""
        self.switching = self.session.name
        self.tabs.setEnabled(False)
        self._show_health(self.health.health)
        self.status.setText(text)

    def end_handover(self, session: gs.Session, keep: Any = None) -> None:
        """Open the profile's worker again (the service's once it runs it, else the window's own);
        ``keep``: the worker stayed as it was (a stop the system refused)."""
        if keep is None:
            self._switched(session)
            return
        self.switching = None
        self.tabs.setEnabled(True)
        self.status.setText(f"Profile: {session.name}")
        self._show_health(self.health.health)

    def _not_stopped(self, name: str, exc: BaseException) -> None:
        """The old worker could not be stopped cleanly: stay on the current profile and say why."""
        self.switching = None
        self.tabs.setEnabled(True)
        self.status.setText(f"Profile: {self.session.name}")
        problem = gs.failure(exc)
        self.connections_tab.refuse_switch(name, f"{problem['message']} {problem['hint']}")
        self._show_health(self.health.health)

    # ------------------------------------------------------------------ health, menus, tray
    def _setup_health(self) -> None:
        """The health monitor and everything it drives: badge, title, tab label, status bar, menus, tray."""
        self.health = HealthMonitor(
            self.runner, self.bridge, self.worker, self.session, self._schedule_of(self.session)
        )
        self.background = BackgroundSwitch(self)
        self.state_backup = StateBackup(self)
        self.state_restore = StateRestore(self)
        self.state_move = StateMove(self)
        self.menus = WindowMenus(self, self, Tray.is_available())
        self.tray = Tray(self.menus.sync_now, self.menus.pause_resume, self)
        self.tray.open_requested.connect(self.show_from_tray)
        self.tray.quit_requested.connect(self.quit_app)
        self.health.changed.connect(self._show_health)
        self.health.notify.connect(self.tray.notify)
        self.sync_tab.pause_button.clicked.connect(self.health.pause_requested)
        self.schedule = QLabel("")
        self.schedule.setAccessibleName("Last successful sync and next run")
        self.budget = QLabel("")
        self.budget.setAccessibleName("API budgets used")
        self.statusBar().addPermanentWidget(self.schedule)
        self.statusBar().addPermanentWidget(self.budget)
        self.finishing = QLabel(FINISHING, self)
        self.finishing.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.finishing.setStyleSheet(
            "background: #101828; color: white; font-size: 16px; font-weight: 600; padding: 16px 24px;"
            " border-radius: 8px;"
        )
        self.finishing.setAccessibleName("Closing: finishing the current batch")
        self.finishing.hide()
        self.keep_in_tray = False
        self._quitting = False
        self._tray_told = False
        self.runner.submit("window-prefs", lambda task: window_prefs.load_prefs(), self._prefs_loaded, lambda exc: None)
        self._show_health(self.health.health)

    def _prefs_loaded(self, prefs: window_prefs.WindowPrefs) -> None:
        self.keep_in_tray = prefs.keep_in_tray and self.tray.available
        self.menus.keep_in_tray.setChecked(self.keep_in_tray)

    def set_keep_in_tray(self, on: bool) -> None:
        """The File menu's setting, saved in the window's preferences file (off the GUI thread)."""
        self.keep_in_tray = on and self.tray.available
        prefs = window_prefs.WindowPrefs(keep_in_tray=self.keep_in_tray)
        self.runner.submit(
            "window-prefs",
            lambda task: window_prefs.save_prefs(prefs),
            lambda _: None,
            lambda exc: self.statusBar().showMessage("The setting could not be saved.", 5000),
        )

    def _show_health(self, health: hl.Health) -> None:
        if self._closed:
            return
        name = self.session.name
        self.setWindowTitle(health.title(name) if self.switching is None else window_title(name))
        self.sync_tab.show_health(health.headline, health.tone, health.tooltip, health.problem)
        index = self.tabs.indexOf(self.sync_tab)
        set_tab_text(self.tabs, index, f"Sync ({health.open_items})" if health.open_items else "Sync")
        self.tabs.setTabToolTip(index, health.headline)
        if self.schedule.text() != health.schedule_text:
            self.schedule.setText(health.schedule_text)
            # wide enough for the widest text so far: a label a pixel narrower or wider moves every
            # widget of the status bar, and the window repainted all of it at each run's start and end
            width = self.schedule.sizeHint().width()
            if width > self.schedule.minimumWidth():
                self.schedule.setMinimumWidth(width)
        self.schedule.setToolTip(health.tooltip)
        self.budget.setText(health.budget)
        self._fit_status()
        self.budget.setToolTip(
            "The sync's own API use: Salesforce calls today (UTC) against its share of the daily allocation, "
            "Intacct transactions this month against the monthly budget (the profile's sync settings)."
        )
        self.tray.show_health(health, name)
        usable = self.switching is None and not self._closed
        self.menus.update(health, self.health.facts.state, usable, gs.is_remote(self.worker))

    def sync_now(self) -> None:
        self.sync_tab.sync_now()

    def ask_background_start(self) -> object:
        return self.background.ask_start()

    def ask_background_stop(self) -> object:
        return self.background.ask_stop()

    def backup_state(self) -> None:
        self.state_backup.backup_now()

    def ask_restore_state(self) -> object:
        return self.state_restore.ask()

    def ask_move_state(self) -> object:
        return self.state_move.ask()

    def _fit_status(self) -> None:
        """The budgets on two lines when one line would not fit the status bar (a narrow window):
        a status bar cuts what does not fit instead of wrapping it.

        A passing message ("Working in the background…") does not count: it comes and goes with
        every background task, and the status bar growing and shrinking with it moved the whole
        window up and down and repainted all of it, several times during each sync run.
        """
        one_line = self.budget.text().replace("\n", " · ")
        others = sum(w.sizeHint().width() for w in (self.status, self.kind_badge, self.schedule))
        needed = others + self.budget.fontMetrics().horizontalAdvance(one_line) + STATUS_ROOM
        self.budget.setText(one_line.replace(" · ", "\n") if needed > self.width() else one_line)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if hasattr(self, "budget"):  # not while the window is still being built
            self._fit_status()

    def toggle_pause(self) -> None:
        """Pause (after the current batch, said at once) or resume a paused sync."""
        if self.worker.state == "paused":
            self.worker.resume()
        else:
            self.health.pause_requested()
            self.worker.pause()

    def show_from_tray(self) -> None:
        QApplication.setQuitOnLastWindowClosed(True)
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def quit_app(self) -> None:
        """Quit for real (File → Quit, the tray's Quit): the sync stops, even with the tray setting on."""
        hidden = not self.isVisible()
        self._quitting = True
        self.close()
        if hidden:  # no visible window closes, so nothing else ends the event loop
            QApplication.quit()

    # ------------------------------------------------------------------ closing
    def shutdown(self, wait: float = SHUTDOWN_WAIT) -> bool:
        """Stop the worker, wait for it at most ``wait`` seconds, stop timers and tasks. Safe twice.

        The window dims at once and says it is finishing the current batch. The wait happens off
        the GUI thread (a helper thread joins the worker; the GUI keeps painting), so a request
        hung in a remote system never holds the close longer than ``wait``. A worker that has not
        stopped by then is left behind: it is a daemon thread, so the process still ends, and
        that is safe because the engine records every order as an intent (PLANNED, then SENT)
        before it sends it. At the next start, ``recover_orders`` (engine/orders/send.py) looks
        each SENT or UNKNOWN intent up in Intacct by its Opportunity Id (PONUMBER) and, only if
        it is not there, sends it again with the same control id, so Intacct refuses a second
        apply; an unfinished batch's store transaction was never committed, and its cursors did
        not move, so the next run reads those records again. True when the worker stopped in time.
        """
        if self._closed:
            return not self.worker.is_alive()
        self._closed = True
        self.health.close()
        self._show_finishing()
        self.worker.stop()
        stopped = self._wait_for_worker(wait)
        if not stopped:
            log.warning("The sync worker did not stop within %.0f s; leaving it to end on its own", wait)
        self.bridge.drain()
        self.bridge.stop()
        self.runner.shutdown(timeout=1.0)
        self.tray.close()
        self.heap.stop()
        return stopped

    def _show_finishing(self) -> None:
        self.centralWidget().setEnabled(False)
        self.menuBar().setEnabled(False)
        self.statusBar().showMessage(FINISHING)
        self.finishing.adjustSize()
        self.finishing.move(
            (self.width() - self.finishing.width()) // 2, (self.height() - self.finishing.height()) // 2
        )
        self.finishing.raise_()
        self.finishing.show()
        self.finishing.repaint()

    def _wait_for_worker(self, wait: float) -> bool:
        """Join the worker on a helper thread for at most ``wait`` s while the GUI keeps painting."""
        worker = self.worker
        deadline = time.monotonic() + wait
        joiner = threading.Thread(target=worker.join, args=(wait,), name="sfintacct-close", daemon=True)
        joiner.start()
        loop = QEventLoop()
        timer = QTimer()
        timer.setInterval(20)
        timer.timeout.connect(lambda: None if joiner.is_alive() else loop.quit())
        timer.start()
        if joiner.is_alive():
            loop.exec()  # returns at once once the application is quitting: then the join below waits
        timer.stop()
        joiner.join(max(0.0, deadline - time.monotonic()))
        return not worker.is_alive()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._quitting and not self._closed and self.keep_in_tray and self.tray.available:
            event.ignore()  # the sync goes on; the tray's Quit (or File → Quit) really quits
            QApplication.setQuitOnLastWindowClosed(False)
            self.hide()
            if not self._tray_told:
                self._tray_told = True
                self.tray.notify(
                    "sfintacct keeps syncing", "The window is closed; the tray icon shows the health.", False
                )
            return
        self.shutdown()
        super().closeEvent(event)
