"""The background service's worker of one profile, seen from the window: the SyncWorker interface over the channel.

Why the same interface: the window's tabs, health monitor and menus drive "the worker" (sync_now,
pause, resume, retry, resolve, cancel, ``state``, ``last_error``, an ``events`` queue); when a
service runs the profile they get this instead and do not know the difference. A reader thread
turns the ``subscribe`` stream back into events on ``events``; commands go out through a sender
thread, so a busy or gone service never blocks the GUI thread. ``stop()`` only detaches (the
service goes on syncing). When the service goes away by itself the queue gets a ``stopped`` state
with :data:`SERVICE_GONE` as its reason and ``gone`` turns True, so the window can say so and offer
to run the sync itself.

Jobs (the baseline load, a live invoice refresh) cannot cross the channel: :meth:`submit_job`
answers at once with a clear error. They need the profile's writer lock, which the service holds.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from typing import Any

from ..domain import ErrorInfo, ErrorKind, SyncError
from ..engine.events import EngineStateChanged, ErrorRaised, Event, RunFinished
from .event_codec import CodecError, decode_event, error_from_json
from .service_channel import ServiceClient, ServiceUnavailable

log = logging.getLogger(__name__)

SERVICE_GONE = "The background service stopped."
Connect = Callable[[], ServiceClient]


def _now() -> datetime:
    return datetime.now(UTC)


def _since(status: dict[str, Any]) -> datetime:
    """When the service's worker entered its state: for an idle worker, its next run less the interval,
    so the window's "next run" is the service's own and not the moment the window attached."""
    nxt, every = status.get("next_run"), status.get("interval")
    if status.get("state") in ("idle", "waiting") and nxt and every:
        with contextlib.suppress(ValueError, TypeError):
            return datetime.fromisoformat(str(nxt)) - timedelta(seconds=float(every))
    return _now()


def job_refused(name: str) -> SyncError:
    return SyncError(
        ErrorInfo(
            ErrorKind.BUSY,
            "The background service runs this profile",
            f"The {name} has to run in the process that syncs the profile, and that is the background "
            "service. Nothing was written.",
            "Stop the background service (`sfintacct service uninstall`), then try again.",
            code="SERVICE_HOLDS_PROFILE",
            window_hint="Stop the background service, choose Take over in the window, then try again.",
        )
    )


class RemoteWorker:
    """A profile's worker in the background service, driven over the control channel."""

    remote = True  # the window shows "Run by the background service"

    def __init__(
        self,
        profile: str,
        connect: Connect = ServiceClient.connect,
        *,
        events: queue.Queue[Event] | None = None,
        gone_reason: str = SERVICE_GONE,
        on_gone: Callable[[], None] = lambda: None,
    ) -> None:
        """Subscribe at once; raises :class:`ServiceUnavailable` / ``ServiceRefused`` when the
        service is not there or does not run this profile. ``events``: the queue to fill (default a
        new one); ``gone_reason`` and ``on_gone``: what a stream that ends by itself says and calls."""
        self.profile = profile
        self.name = f"sfintacct-remote-{profile}"
        self.events: queue.Queue[Event] = events if events is not None else queue.Queue()
        self._gone_reason, self._on_gone = gone_reason, on_gone
        self._connect = connect
        self._stream = connect()
        try:
            status = self._stream.request("subscribe", profile)["status"]
        except BaseException:
            self._stream.close()
            raise
        self.service_pid = self._stream.service.get("pid")
        self.interval: float | None = status.get("interval")
        self.last_error: ErrorInfo | None = None
        if status.get("last_error"):
            with contextlib.suppress(CodecError):
                self.last_error = error_from_json(status["last_error"])
        self._state = str(status.get("state") or "")
        self._pending = bool(status.get("sync_pending"))
        self.waiting_reason = status.get("reason", "") if self._state == "waiting" else ""
        self.gone = False
        self._detached = threading.Event()
        self._outbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.state_since = _since(status)  # the health's clock for "next run" (the service's, not ours)
        self.events.put(EngineStateChanged(self.state_since, self._state, str(status.get("reason") or "")))
        self._reader = threading.Thread(target=self._read, name=f"{self.name}-reader", daemon=True)
        self._sender = threading.Thread(target=self._send, name=f"{self.name}-sender", daemon=True)
        self._reader.start()
        self._sender.start()

    # ------------------------------------------------------------------ the SyncWorker interface
    @property
    def state(self) -> str:
        return self._state

    @property
    def sync_pending(self) -> bool:
        return self._pending

    def sync_now(self) -> None:
        self._pending = True
        self._post("sync_now")

    def pause(self) -> None:
        self._post("pause")

    def resume(self) -> None:
        self._post("resume")

    def cancel(self) -> None:
        self._post("cancel")

    def retry(self, inbox_id: int | None = None) -> None:
        self._post("retry", id=inbox_id)

    def resolve(self, conflict_id: int, take: str) -> None:
        self._post("resolve", id=int(conflict_id), take=str(take))

    def submit_job(self, name: str, fn: Callable[[Any], Any], **_kw: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_exception(job_refused(name))
        return future

    def stop(self) -> None:
        """Detach from the service (it goes on syncing); the threads end."""
        if self._detached.is_set():
            return
        self._detached.set()
        self._outbox.put(None)
        self._stream.close()

    def is_alive(self) -> bool:
        return self._reader.is_alive() or self._sender.is_alive()

    def join(self, timeout: float | None = None) -> None:
        self._reader.join(timeout)
        self._sender.join(timeout)

    # ------------------------------------------------------------------ threads
    def _post(self, op: str, **args: Any) -> None:
        if not self._detached.is_set():
            self._outbox.put({"op": op, **args})

    def _send(self) -> None:
        """Commands, each on the sender's own connection (the stream's is busy streaming)."""
        client: ServiceClient | None = None
        try:
            while True:
                message = self._outbox.get()
                if message is None:
                    return
                op = message.pop("op")
                try:
                    client = client or self._connect()
                    client.request(op, self.profile, **message)
                except SyncError as exc:  # refused or gone: said in the window, never raised into Qt
                    if client is not None:
                        client.close()
                        client = None
                    if op == "sync_now":
                        self._pending = False
                    if not self._detached.is_set() and not isinstance(exc, ServiceUnavailable):
                        self.events.put(ErrorRaised(_now(), exc.info))
                except (OSError, ValueError):
                    if client is not None:
                        client.close()
                        client = None
                    log.info("A command to the background service failed", exc_info=True)
        finally:
            if client is not None:
                client.close()

    def _read(self) -> None:
        try:
            while True:
                message = self._stream.read()
                if message is None:
                    break
                try:
                    event = decode_event(message.get("event"))
                except CodecError:
                    log.warning("An event from the background service was not understood; skipped")
                    continue
                self._note(event)
                self.events.put(event)
        except Exception:
            log.warning("Reading the background service's events failed", exc_info=True)
        finally:
            self._stream.close()
            self._pending = False
            if not self._detached.is_set():
                self.gone = True
                self._detached.set()
                self._outbox.put(None)
                log.info("The background service went away")
            self._state = "stopped"
            self.events.put(EngineStateChanged(_now(), "stopped", self._gone_reason if self.gone else ""))
            if self.gone:
                self._on_gone()

    def _note(self, event: Event) -> None:
        if isinstance(event, EngineStateChanged):
            self._state, self.state_since = event.state, event.at
            self.waiting_reason = event.reason if event.state == "waiting" else ""
            if event.state in ("paused", "stopped"):
                self._pending = False
        elif isinstance(event, RunFinished):
            self.last_error = event.summary.error
            self._pending = False


def attach(profile: str, connect: Connect = ServiceClient.connect) -> RemoteWorker | None:
    """The service's worker of ``profile``, or None when no service runs it (the window runs its own)."""
    try:
        return RemoteWorker(profile, connect)
    except SyncError as exc:
        log.info("No background service for profile %s: %s", profile, exc.info.message)
        return None


__all__ = ["SERVICE_GONE", "RemoteWorker", "attach", "job_refused"]
