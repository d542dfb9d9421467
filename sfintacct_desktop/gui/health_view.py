"""The window's health monitor: follows the worker's events and the state store, emits one Health.

Why a monitor of its own: the badge, the title, the tab labels, the status bar and the tray must
all say the same thing, and none of them may say "up to date" from the worker's state alone. The
monitor keeps what the events said (``WorkerFacts``), re-reads the store off the GUI thread after
each run and each new error or conflict (``StoreFacts``), and asks ``app.health.compute`` for the
answer. It also decides when a change is worth a desktop notification.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from ..app import gui_support as gs
from ..app import health as hl
from ..app.gui_support import Session
from .event_bridge import EventBridge
from .task_runner import TaskRunner

PAUSING = "Pausing after this batch…"
USER_PAUSE = "Paused by the user."  # the worker's reason for a pause someone asked for


class HealthMonitor(QObject):
    changed = Signal(object)  # Health
    notify = Signal(str, str, bool)  # title, message, is an error
    read_done = Signal()  # the store was re-read (tests wait on it)

    def __init__(
        self, runner: TaskRunner, bridge: EventBridge, worker: Any, session: Session, interval: float | None
    ) -> None:
        super().__init__()
        self.runner, self.worker, self.session = runner, worker, session
        self.facts = hl.WorkerFacts(interval=interval)
        self.store: hl.StoreFacts | None = None
        self.health = hl.compute(self.facts, None, datetime.now(UTC))
        self.pausing = False  # a pause was asked for and the worker has not paused yet
        self._reading = False
        self._again = False
        self._closed = False
        bridge.state_changed.connect(self._on_state)
        bridge.progress.connect(self._on_progress)
        bridge.run_finished.connect(self._on_finished)
        bridge.error_raised.connect(lambda ev: self.refresh())
        bridge.conflict_raised.connect(lambda ev: self.refresh())
        self._progress_due = QTimer(self)  # progress of several streams arrives at once: one answer for all
        self._progress_due.setSingleShot(True)
        self._progress_due.setInterval(0)
        self._progress_due.timeout.connect(self._publish)
        self.clock = QTimer(self)  # the schedule's "next run" passes; budgets roll over at midnight
        self.clock.setInterval(30_000)
        self.clock.timeout.connect(self.refresh)
        self.clock.start()
        self.refresh()

    # ------------------------------------------------------------------ inputs
    def set_session(self, session: Session, worker: Any, interval: float | None) -> None:
        """The window switched profile: forget everything about the old one."""
        self.session, self.worker = session, worker
        self.facts = hl.WorkerFacts(interval=interval)
        self.store = None
        self.pausing = False
        self._publish()
        self.refresh()

    def pause_requested(self) -> None:
        """Immediate feedback: the worker pauses only after its current batch."""
        if self.facts.state in ("running", "idle", "waiting"):
            self.pausing = True
            self._publish()

    def _on_state(self, state: str, reason: str) -> None:
        f = self.facts
        # a service's worker says when its state began (its schedule runs from then); ours began now
        f.state, f.reason, f.since = state, reason, getattr(self.worker, "state_since", None) or datetime.now(UTC)
        err = getattr(self.worker, "last_error", None)
        f.paused_error = err if state == "paused" and reason != USER_PAUSE and err is not None and err.fatal else None
        if state != "running":
            f.progress = None
        if state in ("paused", "stopped"):
            self.pausing = False
        self._publish()

    def _on_progress(self, ev: Any) -> None:
        """Each stream's progress is passed on in a burst (the event bridge holds it back); the
        health, the title, the status bar, the menus and the tray are redrawn once after the burst
        rather than once per stream."""
        self.facts.progress = ev
        self._progress_due.start()

    def _on_finished(self, ev: Any) -> None:
        self.facts.last_summary = ev.summary
        self.facts.progress = None
        self._publish()
        self.refresh()

    # ------------------------------------------------------------------ the store
    def refresh(self) -> None:
        """Re-read the store in the background (one read at a time; a request meanwhile reads again)."""
        if self._closed:
            return
        if self._reading:
            self._again = True
            return
        self._reading = True
        session, worker = self.session, self.worker
        self.runner.submit(
            "health",
            lambda task: gs.health_facts(session, worker),  # in the window's sync process when it has one
            lambda facts: self._read(session, facts),
            lambda exc: self._read(session, None),
        )

    def _read(self, session: Session, facts: hl.StoreFacts | None) -> None:
        self._reading = False
        if session is self.session and facts is not None:
            before, self.store = self.store, facts
            self._publish()
            if before is not None and facts.open_errors > before.open_errors:  # not the first read
                self._new_errors(facts.open_errors - before.open_errors, facts.open_errors)
        if self._again and not self._closed:
            self._again = False
            self.refresh()
        else:
            self.read_done.emit()

    def close(self) -> None:
        self._closed = True
        self.clock.stop()
        self._progress_due.stop()

    # ------------------------------------------------------------------ the answer
    def _publish(self) -> None:
        before = self.health
        health = hl.compute(self.facts, self.store, datetime.now(UTC))
        if self.pausing and health.state in (
            hl.SYNCING,
            hl.UP_TO_DATE,
            hl.ATTENTION,
            hl.FAILING,
            hl.WAITING,
            hl.NOT_SYNCED,
            hl.BASELINE,
        ):
            health = hl.Health(
                health.state,
                PAUSING,
                health.problem,
                health.errors,
                health.conflicts,
                health.last_success,
                health.next_run,
                health.budget,
                {"pausing": True},
            )
        self.health = health
        self._notice(before, health)
        self.changed.emit(health)

    def _notice(self, before: hl.Health, now: hl.Health) -> None:
        name = self.session.name
        if now.state == hl.FAILING and before.state != hl.FAILING:
            problem = now.problem or {}
            self.notify.emit(
                f"sfintacct — {name}: failing",
                f"{problem.get('title', '')}: {problem.get('message', '')}".strip(": "),
                True,
            )

    def _new_errors(self, new: int, total: int) -> None:
        self.notify.emit(
            f"sfintacct — {self.session.name}: {new} new error" + ("" if new == 1 else "s"),
            f"{total} record(s) in the error inbox. Open the Sync tab to retry them.",
            False,
        )
