"""The sync worker: one plain thread that owns the engine and is the only writer of the state store.

Why a thread of its own: the GUI thread must never do network or long database work, and the
state store wants exactly one writer. Everything crosses the thread boundary through two queues:
:class:`~.events.Command` objects go in, frozen :class:`~.events.Event` objects come out (the
engine's ``emit`` puts its events on the same queue). No Qt here; the GUI drains ``events`` on a timer.

Contract for callers (CLI, GUI, tests):

- every ``sync_now`` / ``retry`` / ``resolve`` request ends with exactly one :class:`RunFinished`
  (a failure before a run could start, e.g. a refused login, is reported as a ``failed`` summary
  with ``run_id == 0`` and its error), unless ``stop()`` comes first;
- ``pause()``, ``cancel()`` and ``stop()`` interrupt a running cycle between batches (``should_stop``);
  the engine's cursors and intents make the next cycle resume where this one stopped, after
  ``recover()``. ``cancel()`` ends the running cycle only: the worker goes back to idle (and its
  schedule) instead of pausing; with no cycle running it does nothing;
- a ``sync_now()`` while a cycle of one is running or already queued is coalesced into it (a double
  click runs one cycle): the one ``RunFinished`` answers both;
- with ``run_logs`` (a folder), each run's log lines and events are kept, redacted, in
  ``run-<id>.log`` there (:mod:`.run_log`);
- a fatal error (auth, schema, budget, insecure, hostile response) pauses the worker and is
  announced once, as ``EngineStateChanged("paused", reason)``; ``resume()`` tries again;
- except a spent API budget in a scheduled worker (``interval``): it is not a fault anyone can fix,
  it frees up by itself. The worker announces ``EngineStateChanged("waiting", text)``, asks the
  engine to check again cheaply (``probe_budget``) every ``budget_check`` seconds at most, and runs a
  cycle by itself as soon as the budget allows;
- ``stop()`` then ``join()`` leaves no thread behind; the engine's ``close()`` (if any) runs on this thread;
- ``submit_job(name, fn)`` runs ``fn(engine)`` on this thread, queued behind or between cycles like
  any command, and answers through the returned :class:`~concurrent.futures.Future`. This is how
  every other write (the baseline load, a live invoice refresh) reaches the state store: the worker
  is the only writer, in fact. A job's own stop check (its Cancel button) is added to the worker's,
  so the engine stops it between batches; a job still queued when the worker stops fails with
  :class:`WorkerStopped`;
- a job may settle the error that paused the worker (``lifts``: from the job's result, the error
  codes it made obsolete, e.g. a completed baseline load and "baseline needed"). The worker is then
  idle again and syncs on its schedule; a pause by the user or by any other error stays.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from ..domain.errors import ErrorInfo, ErrorKind, SyncError
from .events import (
    Command,
    CommandKind,
    EngineStateChanged,
    ErrorRaised,
    Event,
    RunFinished,
    RunSummary,
)
from .run_log import RunLog

log = logging.getLogger(__name__)

IDLE, RUNNING, PAUSED, STOPPED, WAITING = "idle", "running", "paused", "stopped", "waiting"
DEFAULT_BUDGET_CHECK = 900.0  # seconds between cheap checks of a spent budget (the engine may say sooner)


class EngineLike(Protocol):
    """What the worker needs of :class:`~.cycle.SyncEngine` (a fake in unit tests)."""

    def recover(self) -> int: ...
    def run_cycle(self, trigger: str = "manual") -> RunSummary: ...
    def retry(self, inbox_id: int | None = None) -> RunSummary: ...
    def resolve(self, conflict_id: int, take: str) -> RunSummary: ...


Emit = Callable[[Event], None]
ShouldStop = Callable[[], bool]
# Called on the worker thread: builds the engine wired to the worker's emit and should_stop.
EngineFactory = Callable[[Emit, ShouldStop], EngineLike]


def _now() -> datetime:
    return datetime.now(UTC)


class WorkerStopped(SyncError):
    """A job that never ran: the worker stopped first."""

    def __init__(self) -> None:
        super().__init__(
            ErrorInfo(
                ErrorKind.INTERNAL,
                "The sync worker stopped",
                "The job was not run: the sync worker stopped before its turn came.",
                "Start it again.",
            )
        )


def _never() -> bool:
    return False


def _lifts_nothing(result: Any) -> tuple[str, ...]:
    return ()


@dataclass
class Job:
    """One callable to run on the worker's engine; its outcome arrives in ``future``."""

    name: str
    fn: Callable[[Any], Any]
    should_stop: Callable[[], bool] = _never
    lifts: Callable[[Any], Iterable[str]] = _lifts_nothing  # codes of pausing errors its result settles
    future: Future[Any] = field(default_factory=Future)


def _error_of(exc: BaseException) -> ErrorInfo:
    if isinstance(exc, SyncError):
        return exc.info
    info = getattr(exc, "info", None)  # MappingError and friends carry title/message/hint too
    if isinstance(info, ErrorInfo):
        return info
    title = getattr(exc, "title", "")
    if title:
        return ErrorInfo(ErrorKind.SCHEMA, str(title), str(getattr(exc, "message", exc)), str(getattr(exc, "hint", "")))
    return ErrorInfo(
        ErrorKind.INTERNAL,
        "Unexpected error in the sync engine",
        type(exc).__name__,
        "See the log file for details; please report it.",
    )


class SyncWorker(threading.Thread):
    """Runs the engine on its own thread; drive it with the command methods, read ``events``."""

    def __init__(
        self,
        engine_factory: EngineFactory,
        *,
        interval: float | None = None,
        events: queue.Queue[Event] | None = None,
        name: str = "sfintacct-sync",
        budget_check: float = DEFAULT_BUDGET_CHECK,
        describe: Callable[[BaseException], ErrorInfo] | None = None,
        run_logs: Path | None = None,
        on_failed_attempt: Callable[[RunSummary], None] | None = None,
    ) -> None:
        """``describe`` words a failure for people (the app passes its one presenter; the
        fallback here only knows the engine's own errors). ``on_failed_attempt`` hears of an
        attempt that failed before the engine recorded a run (the app keeps it for ``status``)."""
        super().__init__(name=name, daemon=False)
        self._describe = describe or _error_of
        self._factory = engine_factory
        self.interval = interval if interval and interval > 0 else None
        self.commands: queue.Queue[Command] = queue.Queue()
        self.events: queue.Queue[Event] = events if events is not None else queue.Queue()
        self._interrupt = threading.Event()  # pause/stop requested: the engine checks it between batches
        self._engine: EngineLike | None = None
        self._state = ""  # nothing announced yet
        self._paused_reason = ""
        self._paused_error: ErrorInfo | None = None  # the fatal error that paused the worker, if one did
        self._finished_ids: set[int] = set()
        self.last_error: ErrorInfo | None = None
        self.budget_check = max(0.0, budget_check)
        self._wait_due: float | None = None  # monotonic time of the next budget check while WAITING
        self.waiting_reason = ""
        self._job: Job | None = None  # the job running now (its stop check joins the worker's)
        self.run_logs = run_logs
        self._on_failed_attempt = on_failed_attempt
        self._run_log: RunLog | None = None  # the lines of the engine call running now
        self._sync_lock = threading.Lock()
        self._sync_wanted = False  # a SYNC_NOW is queued or its cycle runs: another one is coalesced
        self._working = False  # an engine call or a job runs (a cancel has something to end)
        self._answering = False  # the running cycle answers the queued sync request

    # ------------------------------------------------------------------ commands (any thread)
    def submit(self, command: Command) -> None:
        if command.kind is CommandKind.SYNC_NOW and command.args.get("trigger", "manual") != "schedule":
            with self._sync_lock:
                if self._sync_wanted:
                    log.info("Sync request coalesced with the cycle already running or queued")
                    return
                self._sync_wanted = True
        if command.kind in (CommandKind.PAUSE, CommandKind.STOP) or (
            command.kind is CommandKind.CANCEL and self._working
        ):
            self._interrupt.set()
        self.commands.put(command)

    def sync_now(self) -> None:
        self.submit(Command(CommandKind.SYNC_NOW))

    def cancel(self) -> None:
        """End the running cycle after its current batch; the worker stays on (no pause)."""
        self.submit(Command(CommandKind.CANCEL))

    @property
    def sync_pending(self) -> bool:
        """True while a requested cycle is queued or running (a new request would be coalesced)."""
        return self._sync_wanted

    def pause(self) -> None:
        self.submit(Command(CommandKind.PAUSE))

    def resume(self) -> None:
        self.submit(Command(CommandKind.RESUME))

    def retry(self, inbox_id: int | None = None) -> None:
        self.submit(Command(CommandKind.RETRY, {"id": inbox_id}))

    def resolve(self, conflict_id: int, take: str) -> None:
        self.submit(Command(CommandKind.RESOLVE, {"id": conflict_id, "take": take}))

    def stop(self) -> None:
        self.submit(Command(CommandKind.STOP))

    def submit_job(
        self,
        name: str,
        fn: Callable[[Any], Any],
        *,
        should_stop: Callable[[], bool] = _never,
        lifts: Callable[[Any], Iterable[str]] = _lifts_nothing,
    ) -> Future[Any]:
        """Queue ``fn(engine)``; the future holds its result or its exception. ``lifts(result)``
        names the error codes the job's result settled: a pause for one of them ends."""
        job = Job(name, fn, should_stop, lifts)
        self.submit(Command(CommandKind.JOB, {"job": job}))
        return job.future

    @property
    def state(self) -> str:
        return self._state

    def should_stop(self) -> bool:
        """True once pause or stop was requested (or the running job was cancelled): the engine
        stops after its current batch."""
        job = self._job
        return self._interrupt.is_set() or (job is not None and job.should_stop())

    # ------------------------------------------------------------------ the thread
    def run(self) -> None:
        try:
            self._loop()
        except BaseException:  # never die silently: the GUI would wait forever
            log.exception("The sync worker failed")
        finally:
            self._drop_jobs()
            self._close_engine()
            self._set_state(STOPPED)

    def _drop_jobs(self) -> None:
        """Fail every job still queued: its caller is waiting on the future."""
        while True:
            try:
                command = self.commands.get_nowait()
            except queue.Empty:
                return
            job = command.args.get("job") if command.kind is CommandKind.JOB else None
            if isinstance(job, Job) and job.future.set_running_or_notify_cancel():
                job.future.set_exception(WorkerStopped())

    def _loop(self) -> None:
        self._set_state(IDLE)
        next_due = time.monotonic() + self.interval if self.interval else None
        while True:
            timeout = None
            due = self._wait_due if self._state == WAITING else next_due
            if due is not None and self._state != PAUSED:
                timeout = max(0.0, due - time.monotonic())
            try:
                command = self.commands.get(timeout=timeout)
            except queue.Empty:
                if self._state == WAITING:
                    self._check_budget()
                    if self._state == WAITING:
                        continue
                command = Command(CommandKind.SYNC_NOW, {"trigger": "schedule"})
            if command.kind is CommandKind.STOP:
                return
            self._handle(command)
            if self.interval:
                next_due = time.monotonic() + self.interval

    def _handle(self, command: Command) -> None:
        kind = command.kind
        if kind is CommandKind.PAUSE:
            self._interrupt.clear()
            self._pause("Paused by the user.")
            return
        if kind is CommandKind.CANCEL:
            self._interrupt.clear()  # the cycle it ended already stopped; the worker goes on
            if self._state == RUNNING:
                self._set_state(IDLE)
            return
        if kind is CommandKind.RESUME:
            if self._state == PAUSED:
                self._paused_reason, self._paused_error = "", None
                self._set_state(IDLE)
                self._work(lambda e: e.run_cycle("resume"))
            return
        if kind is CommandKind.SYNC_NOW:
            trigger = str(command.args.get("trigger", "manual"))
            self._answering = trigger != "schedule"  # its RunFinished frees the next request
            try:
                if self._state == PAUSED:
                    log.info("Sync request ignored while paused (%s)", self._paused_reason)
                    if trigger != "schedule":
                        self._report(self._refused())
                    return
                self._work(lambda e: e.run_cycle(trigger))
            finally:
                self._free_sync()
            return
        if kind is CommandKind.RETRY:
            inbox_id = command.args.get("id")
            self._work(lambda e: e.retry(None if inbox_id is None else int(inbox_id)))
            return
        if kind is CommandKind.RESOLVE:
            conflict_id, take = int(command.args["id"]), str(command.args["take"])
            self._work(lambda e: e.resolve(conflict_id, take))
            return
        if kind is CommandKind.JOB:
            self._run_job(command.args["job"])
            return
        log.warning("Unknown worker command %r ignored", kind)

    # ------------------------------------------------------------------ doing the work
    def _work(self, action: Callable[[EngineLike], RunSummary]) -> None:
        """Run one engine call: a RunFinished always follows; fatal errors pause the worker."""
        started = _now()
        was_paused = self._state == PAUSED  # a manual retry/resolve while paused keeps the pause
        if not was_paused:
            self._set_state(RUNNING)
        self._working = True
        self._run_log = RunLog(self.run_logs).start() if self.run_logs is not None else None
        try:
            try:
                engine = self._ensure_engine()
                summary = action(engine)
            except Exception as exc:
                info = self._describe(exc)
                if info.kind is ErrorKind.INTERNAL:
                    log.error("Sync engine call failed", exc_info=True)
                else:
                    log.info("Sync engine call failed: %s: %s", info.title, info.message)
                summary = RunSummary(0, "failed", started, _now(), error=info)
                self._emit(ErrorRaised(_now(), info))
                self._note_failed_attempt(summary)
            self._report(summary)
        finally:
            self._working = False
            run_log, self._run_log = self._run_log, None
            if run_log is not None:
                run_log.finish()
        error = summary.error
        self.last_error = error
        if error is not None and error.kind is ErrorKind.BUDGET and self.interval and not was_paused:
            self._wait_for_budget(error)
        elif error is not None and error.fatal:
            self._pause(f"{error.title}: {error.message}" + (f" {error.hint}" if error.hint else ""), error)
        elif not was_paused and not self._interrupt.is_set():  # else a queued pause/stop sets the state
            self._set_state(IDLE)

    def _run_job(self, job: Job) -> None:
        """Run one job on the engine; its outcome goes to its future, never to the worker's state.

        Why a paused worker still runs it: like a manual retry, a job is a person's explicit
        request; the pause (a fatal error or the user's) stays as it was.
        """
        if not job.future.set_running_or_notify_cancel():
            return  # cancelled while queued
        was = self._state
        if was not in (PAUSED, WAITING):
            self._set_state(RUNNING)
        self._job = job
        self._working = True
        try:
            result = job.fn(self._ensure_engine())
            if was == PAUSED and self._settled_by(job, result):
                was = IDLE  # the cause of the pause is gone: back to idle below, syncing on schedule
                self._paused_reason, self._paused_error = "", None
            job.future.set_result(result)
        except BaseException as exc:  # the caller waits on the future: it must always be answered
            log.info("Worker job %s failed: %s", job.name, type(exc).__name__, exc_info=not isinstance(exc, SyncError))
            job.future.set_exception(exc)
            if not isinstance(exc, Exception):
                raise
        finally:
            self._job = None
            self._working = False
        if was not in (PAUSED, WAITING) and not self._interrupt.is_set():
            self._set_state(IDLE)

    def _settled_by(self, job: Job, result: Any) -> bool:
        """Whether ``result`` settles the error that paused the worker (never a pause by the user)."""
        error = self._paused_error
        if error is None or not error.code:
            return False
        try:
            return error.code in set(job.lifts(result))
        except Exception:
            log.warning("Reading what job %s settled failed", job.name, exc_info=True)
            return False

    # ------------------------------------------------------------------ a spent API budget
    def _wait_for_budget(self, error: ErrorInfo) -> None:
        """Wait (not pause) for a spent budget: announce it, schedule the next cheap check."""
        wait = None
        engine = self._engine
        if engine is not None and hasattr(engine, "budget_wait"):
            try:
                wait = engine.budget_wait()  # type: ignore[attr-defined]
            except Exception:
                log.warning("Reading the budget wait failed", exc_info=True)
        self._show_wait(wait, error)

    def _show_wait(self, wait: Any, error: ErrorInfo | None) -> None:
        if wait is not None:
            reason = str(wait.text)
            delay = min(self.budget_check, float(getattr(wait, "check_in", self.budget_check)))
        else:  # no engine yet (the login itself was refused): try the whole start again later
            message = error.message if error is not None else "The API budget is spent."
            reason = f"Waiting for the API budget: {message} The sync resumes by itself."
            delay = self.budget_check
        self._wait_due = time.monotonic() + delay
        if self._state != WAITING or reason != self.waiting_reason:
            self.waiting_reason = reason
            self._state = WAITING
            self._emit(EngineStateChanged(_now(), WAITING, reason))

    def _check_budget(self) -> None:
        """The cheap check: the engine's probe (no engine: a new start is the check)."""
        engine = self._engine
        if engine is None or not hasattr(engine, "probe_budget"):
            self._set_state(IDLE)
            return
        try:
            wait = engine.probe_budget()  # type: ignore[attr-defined]
        except Exception:
            log.warning("Checking the API budget failed; checking again later", exc_info=True)
            self._wait_due = time.monotonic() + self.budget_check
            return
        if wait is None:
            self.waiting_reason = ""
            self._set_state(IDLE)
        else:
            self._show_wait(wait, None)

    def _ensure_engine(self) -> EngineLike:
        if self._engine is None:
            engine = self._factory(self._emit, self.should_stop)
            try:
                recovered = engine.recover()
            except BaseException:
                self._close(engine)
                raise
            if recovered:
                log.info("Recovered %d interrupted write(s) from an earlier run", recovered)
            self._engine = engine
        return self._engine

    def _note_failed_attempt(self, summary: RunSummary) -> None:
        if self._on_failed_attempt is None:
            return
        try:
            self._on_failed_attempt(summary)
        except Exception:  # a record of the failure must not become another failure
            log.warning("could not record a failed attempt", exc_info=True)

    def _report(self, summary: RunSummary) -> None:
        """Publish the RunFinished, unless the engine already did for this run."""
        if summary.run_id and summary.run_id in self._finished_ids:
            return
        self._emit(RunFinished(_now(), summary))

    def _refused(self) -> RunSummary:
        """The answer to a sync request while paused: the fatal error again, or 'paused by the user'."""
        now = _now()
        info = self._paused_error or ErrorInfo(
            ErrorKind.INTERNAL, "Sync is paused", self._paused_reason or "Paused.", "Resume the sync to go on."
        )
        return RunSummary(0, "paused", now, now, error=info)

    # ------------------------------------------------------------------ events and state
    def _free_sync(self) -> None:
        """The requested cycle is answered: a new request runs a new cycle."""
        with self._sync_lock:
            self._sync_wanted = False
            self._answering = False

    def _emit(self, event: Event) -> None:
        if isinstance(event, RunFinished) and self._answering:
            self._free_sync()  # before the event goes out: whoever waits on it may ask again at once
        if isinstance(event, RunFinished) and event.summary.run_id:
            self._finished_ids.add(event.summary.run_id)
        run_log = self._run_log
        if run_log is not None and threading.get_ident() == self.ident:
            run_log.event(event)
        self.events.put(event)

    def _pause(self, reason: str, error: ErrorInfo | None = None) -> None:
        if self._state == PAUSED and self._paused_reason == reason:
            return  # shown once
        self._paused_reason, self._paused_error = reason, error
        self._state = PAUSED
        self._emit(EngineStateChanged(_now(), PAUSED, reason))

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self._emit(EngineStateChanged(_now(), state))

    def _close_engine(self) -> None:
        if self._engine is not None:
            self._close(self._engine)
            self._engine = None

    @staticmethod
    def _close(engine: Any) -> None:
        close = getattr(engine, "close", None)
        if callable(close):
            try:
                close()
            except Exception:
                log.warning("Closing the sync engine failed", exc_info=True)
