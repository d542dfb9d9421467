"""Sync: the engine's state, the last runs with per-stream counters and API calls, and the two inboxes.

Everything that changes state goes to the worker as a command (Sync now, Pause, Resume, Retry,
Take Salesforce / Take Intacct); the tables are re-read in the background after every finished run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..app import gui_support as gs
from .event_bridge import EventBridge
from .models.rows import Column, RowsModel
from .task_runner import TaskRunner
from .widgets import Badge, ErrorPanel, fit_columns, heading, note, table

STATE_TONES = {
    "idle": ("Idle: waiting for the next sync", "idle"),  # idle says nothing of health: not green
    "running": ("Syncing…", "warn"),
    "waiting": ("Waiting for the API budget", "warn"),
}
RUN_TONES = {
    "ok": "ok",
    "partial": "warn",  # some streams failed on their own; the others synced
    "failed": "error",
    "interrupted": "warn",
    "paused": "warn",
    "running": "warn",
}


def _when(value: Any) -> str:
    if not value:
        return ""
    try:
        return datetime.fromisoformat(str(value)).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return str(value)


def _took(run: dict[str, Any]) -> str:
    try:
        start = datetime.fromisoformat(str(run.get("started_at")))
        end = datetime.fromisoformat(str(run.get("finished_at")))
    except ValueError:
        return ""
    return f"{(end - start).total_seconds():.1f} s"


def _total(run: dict[str, Any], key: str) -> int:
    return sum(int(s.get(key, 0)) for s in (run.get("streams") or {}).values())


def _run_error(run: dict[str, Any]) -> str:
    err = run.get("error")
    if isinstance(err, dict):
        return " — ".join(str(err.get(k)) for k in ("title", "message", "hint") if err.get(k))
    return str(err or "")


RUN_COLUMNS = [
    Column("run_id", "#", right=True, tip="Run number"),
    Column("trigger", "Trigger", tip="What started the run: manual, schedule, baseline, retry, resolve"),
    Column("status", "Status", tone=lambda r: RUN_TONES.get(str(r.get("status")), ""), tooltip=_run_error),
    Column("started_at", "Started", fmt=lambda r: _when(r.get("started_at"))[5:16], tip="Start (month-day time)"),
    Column("took", "Took", fmt=_took, right=True, tip="Duration of the run"),
    Column("read", "Read", fmt=lambda r: str(_total(r, "read")), right=True, tip="Records read on both sides"),
    Column("applied", "Appl.", fmt=lambda r: str(_total(r, "applied")), right=True, tip="Changes applied"),
    Column("conflicts", "Confl.", fmt=lambda r: str(_total(r, "conflicts")), right=True, tip="New conflicts"),
    Column(
        "errors",
        "Err.",
        fmt=lambda r: str(_total(r, "errors")),
        right=True,
        tone=lambda r: "error" if _total(r, "errors") else "",
        tip="Records refused (see the error inbox)",
    ),
    Column(
        "sf_calls",
        "SF",
        fmt=lambda r: str((r.get("api_calls") or {}).get("salesforce", 0)),
        right=True,
        tip="Salesforce API calls (count against the daily limit)",
    ),
    Column(
        "ia_tx",
        "IA tx",
        fmt=lambda r: str((r.get("api_calls") or {}).get("intacct_transactions", 0)),
        right=True,
        tip="Intacct API transactions (billed)",
    ),
    Column("error", "Problem", fmt=_run_error, tooltip=_run_error, tip="Why the run failed or stopped"),
]
STREAM_COLUMNS = [
    Column("stream", "Stream", tip="Source system and record kind"),
    *(
        Column(
            k,
            t,
            right=True,
            tip=tip,
            tone=(lambda r: "error" if int(r.get("errors") or 0) else "") if k == "errors" else None,
        )
        for k, t, tip in (
            ("read", "Read", "Records read"),
            ("applied", "Appl.", "Changes applied"),
            ("skipped", "Same", "Read but unchanged (nothing to write)"),
            ("conflicts", "Confl.", "New conflicts"),
            ("errors", "Err.", "Records refused"),
            ("writes_salesforce", "→SF", "Writes to Salesforce"),
            ("writes_intacct", "→IA", "Writes to Intacct"),
        )
    ),
    Column(
        "failure",
        "Problem",
        fmt=lambda r: str((r.get("failure") or {}).get("title", "")),
        tooltip=lambda r: _run_error({"error": r.get("failure")}),
        tone=lambda r: "error" if r.get("failure") else "",
        tip="Why this stream could not be read (the other streams synced)",
    ),
]
ERROR_COLUMNS = [
    Column("id", "#", right=True),
    Column("entity", "Entity"),
    Column("direction", "Direction", fmt=lambda r: f"{r.get('source', '')} → {r.get('target', '')}"),
    Column("record", "Record"),
    Column("title", "Problem", tooltip=lambda r: str(r.get("hint") or ""), tone=lambda r: "error"),
    Column("code", "Code"),
    Column("attempts", "Attempts", right=True),
    Column("last_seen", "Last seen", fmt=lambda r: _when(r.get("last_seen"))),
    Column("hint", "What to do", tooltip=lambda r: str(r.get("message") or "")),
]
CONFLICT_COLUMNS = [
    Column("id", "#", right=True),
    Column("entity", "Entity"),
    Column("record", "Record"),
    Column("field", "Field"),
    Column("base", "Before"),
    Column("salesforce", "Salesforce value"),
    Column("intacct", "Intacct value"),
    Column("created_at", "Since", fmt=lambda r: _when(r.get("created_at"))),
]


BASELINE_NOTE = "To change it, apply a baseline (Baseline tab)."


class SyncTab(QWidget):
    refreshed = Signal()  # the tables were re-read (tests wait on it)

    def __init__(self, runner: TaskRunner, bridge: EventBridge, worker: Any, profile: str | gs.Session) -> None:
        super().__init__()
        self.runner, self.bridge, self.worker = runner, bridge, worker
        self.session: str | gs.Session = profile  # the window's session (a name when the tab stands alone)
        self.profile = profile.name if isinstance(profile, gs.Session) else profile
        self.last_summary: Any = None
        self._refreshing = False
        self._again = False
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        self.title = heading(f"Sync — profile {self.profile}")
        top.addWidget(self.title)
        self.state = Badge("Starting…", "idle")
        top.addWidget(self.state)
        top.addStretch(1)
        self.sync_button = QPushButton("Sync now")
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.sync_button.setToolTip("Run one sync cycle now: read changes on both sides and apply them.")
        self.pause_button.setToolTip("Stop after the current batch; nothing is lost, the next run resumes.")
        self.resume_button.setToolTip("Resume the sync (after a pause or a fixed login problem).")
        self.sync_button.clicked.connect(self.sync_now)
        self.pause_button.clicked.connect(lambda: self.worker.pause())  # the worker changes with the profile
        self.resume_button.clicked.connect(lambda: self.worker.resume())
        for b in (self.sync_button, self.pause_button, self.resume_button):
            top.addWidget(b)
        layout.addLayout(top)
        self.state_reason = ErrorPanel()
        layout.addWidget(self.state_reason)
        self.summary = note("No run yet in this window.")
        layout.addWidget(self.summary)
        self.cutover = note("")  # the cut-over: which Closed Won deals are history (set once; the baseline changes it)
        layout.addWidget(self.cutover)

        split = QSplitter()
        split.setOrientation(split.orientation().Vertical)
        self.runs = RowsModel(RUN_COLUMNS, self)
        self.streams = RowsModel(STREAM_COLUMNS, self)
        self.errors = RowsModel(ERROR_COLUMNS, self)
        self.conflicts = RowsModel(CONFLICT_COLUMNS, self)
        self.runs_view = table(self.runs, stretch="error")
        self.streams_view = table(self.streams, stretch="stream")
        self.errors_view = table(self.errors, stretch="hint")
        self.conflicts_view = table(self.conflicts, stretch="intacct")
        self.runs_view.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show_streams(cur.row()))
        self.errors_view.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._show_hint(cur.row()))

        runs_box = QWidget()
        rl = QHBoxLayout(runs_box)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self._section("Last runs", self.runs_view), 11)
        rl.addWidget(self._section("Streams of the selected run", self.streams_view), 9)
        split.addWidget(runs_box)

        self.retry_button = QPushButton("Retry selected")
        self.retry_all_button = QPushButton("Retry all")
        self.retry_button.clicked.connect(self.retry_selected)
        self.retry_all_button.clicked.connect(lambda: self.worker.retry(None))
        self.hint = note()
        self.hint.setStyleSheet("color: #344054; background: #f2f4f7; padding: 6px; border-radius: 4px;")
        self.hint.hide()
        split.addWidget(
            self._section(
                "Error inbox: records a system refused",
                self.errors_view,
                [self.retry_button, self.retry_all_button],
                self.hint,
            )
        )
        self.take_sf = QPushButton("Take Salesforce")
        self.take_ia = QPushButton("Take Intacct")
        self.take_sf.clicked.connect(lambda: self.resolve("salesforce"))
        self.take_ia.clicked.connect(lambda: self.resolve("intacct"))
        split.addWidget(
            self._section(
                "Conflicts: the same field changed on both sides", self.conflicts_view, [self.take_sf, self.take_ia]
            )
        )
        layout.addWidget(split, 1)

        bridge.state_changed.connect(self._on_state)
        bridge.run_finished.connect(self._on_finished)
        bridge.progress.connect(self._on_progress)
        self.refresh()

    @staticmethod
    def _section(
        title: str, view: QTableView, buttons: list[QPushButton] | None = None, extra: QWidget | None = None
    ) -> QWidget:
        box = QWidget()
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 0, 0)
        bar = QHBoxLayout()
        bar.addWidget(heading(title))
        bar.addStretch(1)
        for b in buttons or []:
            bar.addWidget(b)
        lay.addLayout(bar)
        lay.addWidget(view, 1)
        if extra is not None:
            lay.addWidget(extra)
        return box

    def set_session(self, session: gs.Session, worker: Any) -> None:
        """The window switched profile: the new profile's worker, heading and tables (the old ones go)."""
        self.session, self.profile, self.worker = session, session.name, worker
        self.title.setText(f"Sync — profile {session.name}")
        self.last_summary = None
        self.state.set("Starting…", "idle")
        self.state.setToolTip("")
        self.state_reason.clear()
        self.summary.setText("No run yet in this window.")
        self.cutover.setText("")
        for model in (self.runs, self.streams, self.errors, self.conflicts):
            model.set_rows([])
        self.hint.hide()
        self.refresh()

    # ------------------------------------------------------------------ commands
    def sync_now(self) -> None:
        self.summary.setText("Sync requested…")
        self.worker.sync_now()

    def retry_selected(self) -> None:
        row = self.errors_view.currentIndex().row()
        if 0 <= row < len(self.errors.rows):
            self.worker.retry(int(self.errors.row(row)["id"]))

    def resolve(self, take: str) -> None:
        row = self.conflicts_view.currentIndex().row()
        if 0 <= row < len(self.conflicts.rows):
            self.worker.resolve(int(self.conflicts.row(row)["id"]), take)

    # ------------------------------------------------------------------ events
    def _on_state(self, state: str, reason: str) -> None:
        text, tone = STATE_TONES.get(state, (state.capitalize(), "idle"))
        if state == "paused":
            text, tone = "Paused", "error" if self.worker.last_error is not None else "warn"
        self.state.set(text, tone)
        self.state.setToolTip(reason)
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

    def _on_progress(self, ev: Any) -> None:
        total = f" of {ev.total}" if ev.total else ""
        self.summary.setText(f"Run {ev.run_id}: {ev.stream} — {ev.phase} {ev.done}{total}")

    def _on_finished(self, ev: Any) -> None:
        s = ev.summary
        self.last_summary = s
        text = (
            f"Last run {s.run_id or '—'}: {s.status}, {s.writes} write(s); API calls: Salesforce "
            f"{s.salesforce_api_calls}, Intacct transactions {s.intacct_transactions}."
        )
        self.summary.setText(text)
        if s.error is not None:
            self.state_reason.show_error(gs.shown(s.error))
        self.refresh()

    # ------------------------------------------------------------------ reading the state
    def refresh(self) -> None:
        if self._refreshing:
            self._again = True
            return
        self._refreshing = True
        session = self.session

        def show(snap: dict[str, Any]) -> None:
            if session is self.session:
                self._show(snap)
            else:  # a read of a profile the window has left: dropped (a new read is queued)
                self._after_read()

        def failed(exc: BaseException) -> None:
            if session is self.session:
                self._read_failed(exc)
            else:
                self._after_read()

        self.runner.submit("sync-state", lambda task: gs.sync_snapshot(session), show, failed)

    def _after_read(self) -> None:
        self._refreshing = False
        if self._again:
            self._again = False
            self.refresh()
        else:
            self.refreshed.emit()

    def _show(self, snap: dict[str, Any]) -> None:
        status = snap["status"]
        cutover = status.get("cutover") or {}
        self.cutover.setText(str(cutover.get("text", "")).replace("Only a baseline changes it.", BASELINE_NOTE))
        self.runs.set_rows(status["runs"])
        self.errors.set_rows(snap["errors"])
        self.conflicts.set_rows(snap["conflicts"])
        for view in (self.runs_view, self.errors_view, self.conflicts_view):
            fit_columns(view)
        if self.runs.rows:
            self.runs_view.selectRow(0)
            self._show_streams(0)
        else:
            self.streams.set_rows([])
        if self.errors.rows:
            self.errors_view.selectRow(0)
            self._show_hint(0)
        else:
            self.hint.hide()
        self._after_read()

    def _read_failed(self, exc: BaseException) -> None:
        self.state_reason.show_error(gs.failure(exc))
        self._after_read()

    def _show_streams(self, row: int) -> None:
        if not 0 <= row < len(self.runs.rows):
            return
        streams = self.runs.row(row).get("streams") or {}
        self.streams.set_rows([{"stream": name, **counts} for name, counts in sorted(streams.items())])
        fit_columns(self.streams_view)

    def _show_hint(self, row: int) -> None:
        if not 0 <= row < len(self.errors.rows):
            self.hint.hide()
            return
        item = self.errors.row(row)
        self.hint.setText(
            f"<b>#{item['id']} {item.get('title', '')}</b><br>{item.get('message', '')}"
            f"<br><b>What to do:</b> {item.get('hint', '')}"
        )
        self.hint.show()

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
