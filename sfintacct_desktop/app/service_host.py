"""The background sync service: one process, one sync worker per profile, a control channel.

Why a process of its own: the sync runs when no window is open (a per-user systemd unit, launchd
agent or scheduled task starts ``sfintacct service run``), and a window that is open attaches to it
instead of running the engine in its own process, where the worker thread competed with the GUI
thread for the GIL. The service holds each profile's writer lock for its whole life, so the lock
file names it as the holder; a profile another process holds (a window that opened first) is
tried again every ``BUSY_RETRY`` seconds and taken as soon as it is free.

Stopping (SIGTERM, SIGINT): the control channel stops accepting, each worker is asked to stop, it
stops after its current batch (an interrupted batch was never committed, its cursors did not move,
and order intents make an interrupted send safe to settle at the next start), the workers are
joined, the locks released, exit 0. A SIGKILL skips all that; the kernel drops the locks with the
process, so the next start takes them at once and its ``recover`` settles what was in flight.

A window's private service (``private=True``): one profile, started by the window when no service
runs it, in a folder of its own (so it never meets the user's service). It behaves as the window's
own worker did: no first cycle at start, the window's schedule, the window's wording of errors, and
the profile's writer lock taken by the worker's engine at its first run or job (a profile another
process holds reads as that worker's "busy" error, as in the window). It also runs the window's
heavy jobs (:mod:`.service_jobs`).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from ..config.profiles import ProfileError
from ..domain import ErrorInfo, ErrorKind, SyncError
from ..engine.events import Command, CommandKind
from . import service_jobs, sync_service
from . import service_protocol as sp
from .errors import present_both
from .event_codec import error_to_json
from .profile_lock import ProfileLock
from .profiles import list_profiles
from .service_channel import ControlServer, Dispatcher
from .service_hub import ProfileHub

log = logging.getLogger(__name__)

BUSY_RETRY = 30.0  # seconds between tries of a profile another process holds
RESCAN = 10.0  # seconds between looks at the profile list (a service of all profiles follows it)
POLL = 0.2  # how often the main loop looks at the stop request (signals need the main thread)

WorkerStarter = Callable[[str, float | None], Any]


def _start_worker(profile: str, interval: float | None) -> Any:
    """A started SyncWorker of the profile on its own schedule (or ``interval``), as `sync --watch`."""
    every = interval or sync_service.profile_interval(profile)
    return sync_service.start_worker(profile, interval=every, surface="cli")


class ServiceAlreadyRunning(SyncError):
    def __init__(self, holder: dict[str, Any]) -> None:
        pid = holder.get("pid")
        super().__init__(
            ErrorInfo(
                ErrorKind.BUSY,
                "The background service is already running",
                f"Another service process{f' ({pid})' if pid else ''} runs the sync for this user.",
                "Stop it first (`sfintacct service uninstall`, or stop the process), or leave it running.",
                code="SERVICE_RUNNING",
            )
        )


class SyncService(Dispatcher):
    """Runs the named profiles (all of them by default) until asked to stop."""

    def __init__(
        self,
        profiles: Iterable[str] = (),
        *,
        interval: float | None = None,
        start_worker: WorkerStarter = _start_worker,
        busy_retry: float = BUSY_RETRY,
        rescan: float = RESCAN,
        private: bool = False,
    ) -> None:
        named = list(dict.fromkeys(profiles))
        self.private = private
        self.follow = not named  # all profiles: one added or removed later is started or stopped
        self.wanted = named or [row["name"] for row in list_profiles()]
        self.rescan = rescan
        self.interval = interval
        self._start_worker = start_worker
        self.busy_retry = busy_retry
        self.hubs: dict[str, ProfileHub] = {}
        self.busy: dict[str, dict[str, Any]] = {}  # profile -> what its lock's holder recorded
        self.failed: dict[str, dict[str, str]] = {}  # profile -> why it could not start (title/message/hint)
        self._lock = threading.Lock()
        self._service_lock: ProfileLock | None = None
        self.server: ControlServer | None = None
        self.started_at = time.time()

    # ------------------------------------------------------------------ life
    def start(self) -> SyncService:
        lock = ProfileLock("service", sp.lock_file())
        sp.private_dir()
        try:
            lock.acquire()
        except SyncError:
            raise ServiceAlreadyRunning(lock.holder()) from None
        self._service_lock = lock
        try:
            for profile in self.wanted:
                self._open(profile)
            self.server = ControlServer(self).start()
        except BaseException:
            self.shutdown()
            raise
        return self

    def _open(self, profile: str) -> None:
        """Take the profile's lock and start its worker; a busy profile is noted and tried again later."""
        lock: ProfileLock | None = None if self.private else ProfileLock(profile)
        try:
            sync_service.budget_check_seconds(profile)  # reads the profile file: a missing one fails here
            if lock is not None:  # a window's worker takes it with its engine, at its first run or job
                lock.acquire()
        except SyncError as exc:
            if exc.info.kind is ErrorKind.BUSY and lock is not None:
                holder = lock.holder()
                if profile not in self.busy:
                    log.warning("Profile %s is held by process %s; trying again every %.0fs",
                                profile, holder.get("pid", "?"), self.busy_retry)  # fmt: skip
                self.busy[profile] = holder
                return
            raise
        try:
            worker = self._start_worker(profile, self.interval)
        except (SyncError, ProfileError) as exc:
            if lock is None:
                raise
            lock.release()
            info = getattr(exc, "info", None)
            self.failed[profile] = {
                "title": getattr(info, "title", "Profile problem"),
                "message": getattr(info, "message", str(exc)),
                "hint": getattr(info, "hint", getattr(exc, "hint", "")),
            }
            log.error("Profile %s cannot be synced: %s", profile, self.failed[profile]["message"])
            return
        hub = ProfileHub(profile, worker, lock).start()
        with self._lock:
            self.hubs[profile] = hub
            self.busy.pop(profile, None)
        if not self.private:  # a window's worker syncs on its schedule or when asked, as before
            worker.submit(Command(CommandKind.SYNC_NOW, {"trigger": "schedule"}))  # a first cycle at once
        log.info("Syncing profile %s every %ss", profile, worker.interval)

    def serve(self, should_stop: Callable[[], bool]) -> int:
        """Run until ``should_stop()``; then stop cleanly. Returns the exit status (0)."""
        next_try = time.monotonic() + self.busy_retry
        next_scan = time.monotonic() + self.rescan
        try:
            while not should_stop():
                time.sleep(POLL)
                if self.busy and time.monotonic() >= next_try:
                    for profile in list(self.busy):
                        self._open(profile)
                    next_try = time.monotonic() + self.busy_retry
                if self.follow and time.monotonic() >= next_scan:
                    self.follow_profiles()
                    next_scan = time.monotonic() + self.rescan
        finally:
            self.shutdown()
        return 0

    def follow_profiles(self) -> None:
        """Start a profile added since the service started; stop (after its batch) one that was removed."""
        try:
            names = [row["name"] for row in list_profiles()]
        except (ProfileError, SyncError, OSError) as exc:  # a half-written file: look again at the next scan
            log.warning("Cannot read the profile list: %s", getattr(exc, "message", exc))
            return
        for profile in names:
            if profile not in self.wanted:
                log.info("Profile %s was added: syncing it", profile)
                self.wanted.append(profile)
                self._open(profile)
        for profile in [p for p in self.wanted if p not in names]:
            log.info("Profile %s was removed: stopping its sync", profile)
            self.wanted.remove(profile)
            self.busy.pop(profile, None)
            self.failed.pop(profile, None)
            with self._lock:
                hub = self.hubs.pop(profile, None)
            if hub is not None:
                hub.worker.stop()
                hub.worker.join()
                hub.join(5)
                if hub.lock is not None:
                    hub.lock.release()

    def shutdown(self) -> None:
        """Ask every worker to stop after its current batch, join them, then close the channel and locks."""
        with self._lock:
            hubs = list(self.hubs.values())
        log.info("Stopping the sync of %d profile(s) after the current batch", len(hubs))
        for hub in hubs:
            hub.worker.stop()
        for hub in hubs:
            hub.worker.join()
            hub.join(5)  # the hub passes the "stopped" state on to listeners before the channel closes
        if self.server is not None:
            self.server.close()
            self.server = None
        for hub in hubs:
            if hub.lock is not None:
                hub.lock.release()
        if self._service_lock is not None:
            self._service_lock.release()
            self._service_lock = None
        log.info("Background service stopped")

    # ------------------------------------------------------------------ the channel's requests
    def hello(self) -> dict[str, Any]:
        with self._lock:
            return {"pid": os.getpid(), "profiles": sorted(self.hubs)}

    def hub(self, profile: str) -> ProfileHub | None:
        with self._lock:
            return self.hubs.get(profile)

    def handle(self, request: sp.Request) -> dict[str, Any]:
        if request.op == "status":
            return self._status(request.profile)
        hub = self.hub(str(request.profile))
        if hub is None:
            return self._not_run(str(request.profile))
        worker, args = hub.worker, request.args
        if request.op == "sync_now":
            worker.sync_now()
        elif request.op == "pause":
            worker.pause()
        elif request.op == "resume":
            worker.resume()
        elif request.op == "cancel":
            worker.cancel()
        elif request.op == "retry":
            worker.retry(args.get("id"))
        elif request.op == "resolve":
            worker.resolve(int(args["id"]), str(args["take"]))
        return sp.ok(status=hub.snapshot())

    def run_job(
        self, request: sp.Request, progress: Callable[[Any], None], should_stop: Callable[[], bool]
    ) -> dict[str, Any]:
        """A named job of a profile this service runs (the load and refresh as its worker's jobs)."""
        profile = str(request.profile)
        hub = self.hub(profile)
        if hub is None:
            return self._not_run(profile)
        name, params = request.args["name"], request.args["params"]
        log.info("Running the %s job of profile %s for a client", name, profile)
        try:
            result = service_jobs.run(
                profile, name, params, worker=hub.worker, progress=progress, should_stop=should_stop
            )
        except SyncError as exc:
            return {"ok": False, "error": error_to_json(exc.info)}
        except Exception as exc:  # never a traceback over the channel: worded like every other failure
            log.exception("The %s job of profile %s failed", name, profile)
            return {"ok": False, "error": error_to_json(present_both(exc, profile=profile, doing=name))}
        return sp.ok(result=result)

    def _status(self, profile: str | None) -> dict[str, Any]:
        with self._lock:
            hubs = dict(self.hubs)
        if profile is not None:
            hub = hubs.get(profile)
            return sp.ok(profiles=[hub.snapshot()]) if hub is not None else self._not_run(profile)
        rows = [hubs[name].snapshot() for name in sorted(hubs)]
        rows += [{"profile": p, "state": "busy", "holder": h} for p, h in sorted(self.busy.items())]
        rows += [{"profile": p, "state": "failed", "error": e} for p, e in sorted(self.failed.items())]
        return sp.ok(pid=os.getpid(), started_at=self.started_at, profiles=rows)

    def _not_run(self, profile: str) -> dict[str, Any]:
        if profile in self.busy:
            pid = self.busy[profile].get("pid")
            return sp.refusal(
                "Profile held by another process",
                f"The service waits for profile {profile}: process {pid or '?'} holds it.",
                "The service takes it over as soon as that process stops.",
            )
        if profile in self.failed:
            e = self.failed[profile]
            return sp.refusal(e["title"], e["message"], e["hint"])
        return sp.refusal(
            "Profile not run by the service",
            f"The background service does not sync profile {profile}.",
            "Restart the service to pick up a profile added since it started.",
        )


__all__ = ["BUSY_RETRY", "ServiceAlreadyRunning", "SyncService"]
