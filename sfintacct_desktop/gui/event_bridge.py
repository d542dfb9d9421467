"""The worker's event queue as Qt signals, emitted from the GUI thread.

Why a timer and not a cross-thread signal: the engine and its worker know nothing of Qt (layer
rule), and no Qt object is touched off the GUI thread. Tests call :meth:`EventBridge.drain`.

Progress is passed on at most every ``PROGRESS_MS`` per stream and phase, the latest value: each
one redraws the run list, the stream bars, the health in the title, the status bar and the tray,
and while the worker runs every redraw has to win the GIL back from it many times over. A stream's
progress held back is passed on before any other event but a record written (a run's last counts
always come before its end), so only values that a newer one replaced within that time are never
shown.
"""

from __future__ import annotations

import queue
import time

from PySide6.QtCore import QObject, QTimer, Signal

from ..app.gui_support import (
    ConflictRaised,
    EngineStateChanged,
    ErrorRaised,
    Event,
    Progress,
    RecordApplied,
    RunFinished,
    RunStarted,
)

PROGRESS_MS = 500  # the shortest time between two progress signals: twice a second reads as live


class EventBridge(QObject):
    """Drains an event queue on a QTimer and re-emits each event as a typed signal."""

    event = Signal(object)  # every event, in order
    run_started = Signal(object)
    progress = Signal(object)
    record_applied = Signal(object)
    error_raised = Signal(object)
    conflict_raised = Signal(object)
    run_finished = Signal(object)  # RunFinished
    state_changed = Signal(str, str)  # state, reason

    def __init__(self, events: queue.Queue[Event], parent: QObject | None = None, poll_ms: int = 50) -> None:
        super().__init__(parent)
        self._events = events
        self.timer = QTimer(self)
        self.timer.setInterval(poll_ms)
        self.timer.timeout.connect(self.drain)
        self._held: dict[tuple[object, str, str], Progress] = {}  # the latest progress not passed on yet
        self._progress_at = 0.0  # when progress was last passed on (time.monotonic)

    def start(self) -> None:
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def set_events(self, events: queue.Queue[Event]) -> None:
        """Follow another worker's queue (the window switched profile); the old queue is dropped unread."""
        self._events = events
        self._held.clear()

    def drain(self, limit: int = 500) -> int:
        """Emit up to ``limit`` queued events (bounded, so a burst never freezes the window)."""
        n = 0
        while n < limit:
            try:
                ev = self._events.get_nowait()
            except queue.Empty:
                break
            n += 1
            if isinstance(ev, Progress):
                self._held[(ev.run_id, ev.stream, ev.phase)] = ev
                continue
            if not isinstance(ev, RecordApplied):  # one per record written: it would undo the holding
                self._pass_progress()
            self._emit(ev)
        if self._held and time.monotonic() - self._progress_at >= PROGRESS_MS / 1000:
            self._pass_progress()
        return n

    def _pass_progress(self) -> None:
        held, self._held = self._held, {}
        for ev in held.values():
            self._emit(ev)
        if held:
            self._progress_at = time.monotonic()

    def _emit(self, ev: Event) -> None:
        self.event.emit(ev)
        if isinstance(ev, RunStarted):
            self.run_started.emit(ev)
        elif isinstance(ev, Progress):
            self.progress.emit(ev)
        elif isinstance(ev, RecordApplied):
            self.record_applied.emit(ev)
        elif isinstance(ev, ErrorRaised):
            self.error_raised.emit(ev)
        elif isinstance(ev, ConflictRaised):
            self.conflict_raised.emit(ev)
        elif isinstance(ev, RunFinished):
            self.run_finished.emit(ev)
        elif isinstance(ev, EngineStateChanged):
            self.state_changed.emit(ev.state, ev.reason)
