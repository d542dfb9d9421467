"""Sync: the engine's state, the runs (the running one live, every earlier one filterable) and the
two inboxes.

Everything that changes state goes to the worker as a command (Sync now, Cancel, Pause, Resume,
Retry, Take Salesforce / Take Intacct); the tables are re-read in the background after every
finished run. The parts live in their own modules: ``runs_view`` (the run list and the selected
run's streams), ``run_detail`` (one run's records and log lines), ``inbox_view`` (the inboxes).
"""

from __future__ import annotations

import re
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..app import gui_support as gs
from .event_bridge import EventBridge
from .inbox_view import ConflictsView, ErrorsView
from .run_columns import CONFLICT_COLUMNS, ERROR_COLUMNS, RUN_COLUMNS, RUN_TONES, STREAM_COLUMNS, when
from .run_detail import RunDetail
from .runs_view import RunsView
from .task_runner import TaskRunner
from .widgets import Badge, ErrorPanel, QuietTabs, heading, note, set_tab_text

__all__ = ["CONFLICT_COLUMNS", "ERROR_COLUMNS", "RUN_COLUMNS", "RUN_TONES", "STREAM_COLUMNS", "SyncTab"]


BASELINE_NOTE = "To change it, apply a baseline (Baseline tab)."
ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[+-]\d{2}:\d{2}|Z)?")


class SyncTab(QWidget):
    refreshed = Signal()  # the tables were re-read (tests wait on it)
    progress_shown = Signal(object)  # a burst of Progress events, drawn (tests check what it showed)

    def __init__(self, runner: TaskRunner, bridge: EventBridge, worker: Any, profile: str | gs.Session) -> None:
        super().__init__()
        self.runner, self.bridge, self.worker = runner, bridge, worker
        self.session: str | gs.Session = profile  # the window's session (a name when the tab stands alone)
        self.profile = profile.name if isinstance(profile, gs.Session) else profile
        self.last_summary: Any = None
        self.detail: RunDetail | None = None  # the run detail window last opened
        self._refreshing = False
        self._again = False
        self._state = ""
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        self.title = heading(f"Sync — profile {self.profile}")
        top.addWidget(self.title)
        self.state = Badge("Starting…", "idle")
        top.addWidget(self.state)
        top.addStretch(1)
        self.sync_button = QPushButton("Sync now")
        self.cancel_button = QPushButton("Cancel run")
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.sync_button.setToolTip("Run one sync cycle now: read changes on both sides and apply them.")
        self.cancel_button.setToolTip(
            "Stop the running cycle after its current batch; nothing is lost, the next run resumes. "
            "The schedule goes on."
        )
        self.pause_button.setToolTip("Stop after the current batch and hold the schedule until Resume.")
        self.resume_button.setToolTip("Resume the sync (after a pause or a fixed login problem).")
        self.sync_button.clicked.connect(self.sync_now)
        self.cancel_button.clicked.connect(self.cancel_run)
        self.pause_button.clicked.connect(self.pause)
        self.resume_button.clicked.connect(lambda: self.worker.resume())  # the worker changes with the profile
        self.cancel_button.setEnabled(False)
        for b in (self.sync_button, self.cancel_button, self.pause_button, self.resume_button):
            b.setAccessibleName(b.text())
            top.addWidget(b)
        layout.addLayout(top)
        self.state_reason = ErrorPanel()
        layout.addWidget(self.state_reason)
        self.summary = note(_no_run_yet(worker))
        layout.addWidget(self.summary)
        self.cutover = note("")  # the cut-over: which Closed Won deals are history (set once; the baseline changes it)
        layout.addWidget(self.cutover)

        self.runs_box = RunsView()
        self.runs, self.streams = self.runs_box.model, self.runs_box.streams
        self.runs_view, self.streams_view = self.runs_box.view, self.runs_box.streams_view
        self.errors_box = ErrorsView(lambda item: self.worker.retry(item))
        self.errors, self.errors_view = self.errors_box.model, self.errors_box.view
        self.retry_button, self.retry_all_button = self.errors_box.retry_button, self.errors_box.retry_all_button
        self.hint = self.errors_box.hint
        self.conflicts_box = ConflictsView(lambda item, take: self.worker.resolve(item, take))
        self.conflicts, self.conflicts_view = self.conflicts_box.model, self.conflicts_box.view
        self.take_sf, self.take_ia = self.conflicts_box.take_sf, self.conflicts_box.take_ia
        self.parts = QuietTabs()
        self.parts.setAccessibleName("Runs and inboxes")
        self.parts.addTab(self.runs_box, "Runs")
        self.parts.addTab(self.errors_box, "Error inbox")
        self.parts.addTab(self.conflicts_box, "Conflicts")
        layout.addWidget(self.parts, 1)

        self.runs_box.query_changed.connect(self.refresh)
        self.runs_box.detail_requested.connect(self.open_detail)
        bridge.state_changed.connect(self._on_state)
        bridge.run_started.connect(self._on_started)
        bridge.run_finished.connect(self._on_finished)
        bridge.progress.connect(self._on_progress)
        self._progress: list[Any] = []  # progress passed on and not drawn yet
        self._progress_due = QTimer(self)
        self._progress_due.setSingleShot(True)
        self._progress_due.setInterval(0)
        self._progress_due.timeout.connect(self._show_progress)
        self.refresh()

    def use_worker(self, worker: Any) -> None:
        """The window took the sync over from the stopped service: the same profile, its own worker."""
        self.worker = worker
        if self.last_summary is None:
            self.summary.setText(_no_run_yet(worker))

    def service_gone(self) -> None:
        """The service stopped: the summary no longer says it runs the profile."""
        if self.last_summary is None:
            self.summary.setText("The background service stopped; its runs are listed below.")

    def set_session(self, session: gs.Session, worker: Any) -> None:
        """The window switched profile: the new profile's worker, heading and tables (the old ones go)."""
        self.session, self.profile, self.worker = session, session.name, worker
        self.title.setText(f"Sync — profile {session.name}")
        self.last_summary = None  # the badge follows the window's health (``show_health``)
        self.state_reason.clear()
        self.summary.setText(_no_run_yet(worker))
        self.cutover.setText("")
        self._progress = []
        self.runs_box.reset()
        for box in (self.errors_box, self.conflicts_box):
            box.set_rows([])
        self._counts()
        if self.detail is not None:
            self.detail.close()
        self._update_buttons()
        self.refresh()

    # ------------------------------------------------------------------ commands
    def sync_now(self) -> None:
        """One cycle; the button stays off until it finished (the worker coalesces a second request too)."""
        if not self.sync_button.isEnabled():
            return
        self.sync_button.setEnabled(False)
        self.summary.setText("Sync requested…")
        self.worker.sync_now()

    def cancel_run(self) -> None:
        self.cancel_button.setEnabled(False)
        self.runs_box.set_notice("Cancelling after this batch…")
        self.summary.setText("Cancelling after this batch…")
        self.worker.cancel()

    def pause(self) -> None:
        self.pause_button.setEnabled(False)
        self.cancel_button.setEnabled(False)
        if self.runs_box.live is not None:
            self.runs_box.set_notice("Pausing after this batch…")
            self.summary.setText("Pausing after this batch…")
        self.worker.pause()

    def retry_selected(self) -> None:
        self.errors_box.retry_selected()

    def resolve(self, take: str) -> None:
        self.conflicts_box.take(take)

    def open_detail(self, run_id: int) -> None:
        """The run's detail in a window of its own (one at a time)."""
        if self.detail is not None:
            self.detail.close()
        self.detail = RunDetail(self.runner, self.session, run_id, self)
        self.detail.show()

    def _update_buttons(self) -> None:
        """Sync now is off while a cycle is requested or runs, and while the sync is paused (Resume is
        the button then, as in the Sync menu); Cancel only while one runs."""
        live = self.runs_box.live
        pending = bool(getattr(self.worker, "sync_pending", False))
        self.sync_button.setEnabled(live is None and not pending and self._state not in ("stopped", "paused", ""))
        can_cancel = live is not None and live.get("trigger") != "baseline" and not self.runs_box.notice
        self.cancel_button.setEnabled(can_cancel)

    def _engine_state(self, state: str) -> None:
        self._state = state
        if state in ("paused", "stopped") and self.runs_box.live is None:
            self.runs_box.notice = ""
        self._update_buttons()

    # ------------------------------------------------------------------ events
    def _on_state(self, state: str, reason: str) -> None:
        """The panel under the badge and the buttons; the badge itself shows the health (``show_health``)."""
        if state == "paused" and reason:
            err = self.worker.last_error
            self.state_reason.show_error(
                gs.shown(err)
                if err is not None and err.fatal
                else {"title": "Sync paused", "message": reason, "hint": "Press Resume to go on."}
            )
        elif state == "waiting" and reason:  # a spent budget frees up by itself: nothing to press
            hint = "Nothing to do: it resumes by itself."
            self.state_reason.show_error({"title": "Waiting for the API budget", "message": reason, "hint": hint})
        elif state != "stopped":
            self.state_reason.clear()
        self.pause_button.setEnabled(state in ("idle", "running", "waiting"))
        self.resume_button.setEnabled(state == "paused")
        self._engine_state(state)

    def _on_started(self, ev: Any) -> None:
        self.runs_box.run_started(ev)
        self.summary.setText(f"Run {ev.run_id} ({ev.trigger}) started.")
        self._update_buttons()

    def _on_progress(self, ev: Any) -> None:
        """The bridge passes a burst of streams' progress at once: they are drawn once, after it."""
        self._progress.append(ev)
        self._progress_due.start()

    def _show_progress(self) -> None:
        events, self._progress = self._progress, []
        if not events:
            return
        self.runs_box.progress(*events)  # the line above the runs says how far it is (the summary stays)
        self.progress_shown.emit(events)

    def _on_finished(self, ev: Any) -> None:
        self._progress_due.stop()
        self._show_progress()  # its last counts come before its end
        s = ev.summary
        self.last_summary = s
        text = (
            f"Last run {s.run_id or '—'}: {s.status}, {s.writes} write(s); API calls: Salesforce "
            f"{s.salesforce_api_calls}, Intacct transactions {s.intacct_transactions}."
        )
        self.summary.setText(text)
        if s.error is not None:
            self.state_reason.show_error(gs.shown(s.error))
        self.runs_box.run_finished(ev)
        self._update_buttons()
        self.refresh()

    # ------------------------------------------------------------------ reading the state
    def refresh(self) -> None:
        if self._refreshing:
            self._again = True
            return
        self._refreshing = True
        session, worker = self.session, self.worker
        query = self.runs_box.query()

        def read(task: Any) -> dict[str, Any]:  # in the window's sync process when it has one
            return gs.sync_state(session, query, worker)

        def show(got: dict[str, Any]) -> None:
            if session is self.session:
                self._show(got["snap"], got["page"])
            else:  # a read of a profile the window has left: dropped (a new read is queued)
                self._after_read()

        def failed(exc: BaseException) -> None:
            if session is self.session:
                self._read_failed(exc)
            else:
                self._after_read()

        self.runner.submit("sync-state", read, show, failed)

    def _after_read(self) -> None:
        self._refreshing = False
        if self._again:
            self._again = False
            self.refresh()
        else:
            self.refreshed.emit()

    def _show(self, snap: dict[str, Any], page: dict[str, Any]) -> None:
        status = snap["status"]
        cutover = status.get("cutover") or {}
        text = str(cutover.get("text", "")).replace("Only a baseline changes it.", BASELINE_NOTE)
        self.cutover.setText(ISO_MOMENT.sub(lambda m: when(m.group(0)), text))  # dates as the tables show them
        self.runs_box.show_page(page)
        self.errors_box.set_rows(snap["errors"])
        self.conflicts_box.set_rows(snap["conflicts"])
        self._counts()
        self._update_buttons()
        self._after_read()

    def _counts(self) -> None:
        """The inbox tabs name how many items wait in each (an operator sees them from the run list)."""
        n_err, n_conf = len(self.errors.rows), len(self.conflicts.rows)
        set_tab_text(self.parts, 1, f"Error inbox ({n_err})" if n_err else "Error inbox")
        set_tab_text(self.parts, 2, f"Conflicts ({n_conf})" if n_conf else "Conflicts")

    def _read_failed(self, exc: BaseException) -> None:
        self.state_reason.show_error(gs.failure(exc))
        self._after_read()

    # ------------------------------------------------------------------ health
    def show_health(self, text: str, tone: str, tip: str, problem: dict[str, str] | None = None) -> None:
        """The badge shows the profile's health, which the window computes from the worker's state,
        the last runs, the open errors and conflicts and the budgets (``app.health``); the worker's
        state alone would read "idle" while every run fails. A failure (``problem``) is spelled out
        in the panel under the badge as well."""
        self.state.set(text, tone)
        self.state.setToolTip(tip)
        self.state.setAccessibleName(f"Sync health: {text}")
        if tone == "error" and problem:
            self.state_reason.show_error(problem)


def _no_run_yet(worker: Any) -> str:
    """Before the first run this window sees: where the runs are (the service's run below)."""
    if getattr(worker, "remote", False):
        return "The background service runs this profile; its runs are listed below as they happen."
    return "No run yet in this window."
