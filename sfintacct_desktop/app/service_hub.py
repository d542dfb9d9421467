"""One profile inside the background service: its worker, what it last said, and who listens.

Why a hub between the worker and the clients: the worker has one event queue, the service has any
number of listeners (windows, ``service status``) that come and go. A pump thread drains the
worker's queue, keeps what a newcomer must know at once (the state, the last finished run, the
running run and its latest progress per stream) and hands every event to each subscriber's own
bounded queue. A subscriber that stops reading is dropped rather than letting memory grow.
"""

from __future__ import annotations

import logging
import queue
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from ..engine.events import EngineStateChanged, Event, Progress, RunFinished, RunStarted, RunSummary
from .event_codec import error_to_json, summary_to_json

log = logging.getLogger(__name__)

SUBSCRIBER_BACKLOG = 10_000  # events a slow subscriber may fall behind before it is dropped
PUMP_POLL = 0.2


class Subscription:
    """The events of one profile for one listener; ``None`` on the queue means: it ended."""

    def __init__(self) -> None:
        self.events: queue.Queue[Event | None] = queue.Queue(SUBSCRIBER_BACKLOG)
        self.dropped = False


class ProfileHub:
    """Follows one :class:`SyncWorker` (or anything with its interface) for the service's clients."""

    def __init__(self, profile: str, worker: Any, lock: Any = None) -> None:
        self.profile, self.worker, self.lock = profile, worker, lock
        self.state, self.reason = "", ""
        self.last_summary: RunSummary | None = None
        self.running: RunStarted | None = None
        self.progress: dict[tuple[str, str], Progress] = {}
        self.next_run: datetime | None = None
        self._subs: list[Subscription] = []
        self._guard = threading.Lock()
        self._pump = threading.Thread(target=self._drain, name=f"sfintacct-hub-{profile}", daemon=True)
        self._done = threading.Event()

    def start(self) -> ProfileHub:
        self._pump.start()
        return self

    # ------------------------------------------------------------------ the pump
    def _drain(self) -> None:
        while True:
            try:
                event = self.worker.events.get(timeout=PUMP_POLL)
            except queue.Empty:
                if not self.worker.is_alive() and self.worker.events.empty():
                    break
                continue
            with self._guard:
                self._note(event)
                for sub in list(self._subs):
                    self._offer(sub, event)
        with self._guard:
            for sub in self._subs:
                self._offer(sub, None)
            self._subs.clear()
        self._done.set()

    def _offer(self, sub: Subscription, event: Event | None) -> None:
        try:
            sub.events.put_nowait(event)
        except queue.Full:
            log.warning("A listener of profile %s fell behind; it is disconnected", self.profile)
            sub.dropped = True
            self._subs.remove(sub)

    def _note(self, event: Event) -> None:
        if isinstance(event, EngineStateChanged):
            self.state, self.reason = event.state, event.reason
            if event.state in ("idle", "waiting") and self.worker.interval:
                self.next_run = event.at + timedelta(seconds=float(self.worker.interval))
            elif event.state in ("paused", "stopped"):
                self.next_run = None
            if event.state != "running":
                self.running, self.progress = None, {}
        elif isinstance(event, RunStarted):
            self.running, self.progress = event, {}
        elif isinstance(event, Progress):
            self.progress[(event.stream, event.phase)] = event
        elif isinstance(event, RunFinished):
            if event.summary.run_id or self.last_summary is None or event.summary.status != "paused":
                self.last_summary = event.summary
            self.running, self.progress = None, {}

    # ------------------------------------------------------------------ listeners
    def subscribe(self) -> tuple[Subscription, list[Event]]:
        """A new listener and what it must replay first (the running run and its latest progress),
        registered atomically with the pump so no event is missed or seen twice."""
        sub = Subscription()
        with self._guard:
            replay: list[Event] = []
            if self.running is not None:
                replay.append(self.running)
                replay.extend(self.progress.values())
            if self._done.is_set():
                sub.events.put_nowait(None)
            else:
                self._subs.append(sub)
            return sub, replay

    def unsubscribe(self, sub: Subscription) -> None:
        with self._guard:
            if sub in self._subs:
                self._subs.remove(sub)

    def snapshot(self) -> dict[str, Any]:
        """What ``status`` says of this profile (JSON-ready)."""
        with self._guard:
            summary = self.last_summary
            error = getattr(self.worker, "last_error", None)
            return {
                "profile": self.profile,
                "state": self.state or "starting",
                "reason": self.reason,
                "interval": self.worker.interval,
                "sync_pending": bool(getattr(self.worker, "sync_pending", False)),
                "last_run": summary_to_json(summary) if summary is not None else None,
                "last_error": error_to_json(error) if error is not None else None,
                "running": {"run_id": self.running.run_id, "trigger": self.running.trigger} if self.running else None,
                "next_run": self.next_run.isoformat() if self.next_run and self.state in ("idle", "waiting") else None,
                "at": datetime.now(UTC).isoformat(),
            }

    def join(self, timeout: float | None = None) -> None:
        self._done.wait(timeout)


__all__ = ["ProfileHub", "Subscription"]
