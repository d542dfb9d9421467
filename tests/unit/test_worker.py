"""The sync worker thread with a fake engine: commands in, events out, pause/stop, fatal errors, no leaks."""

from __future__ import annotations

import queue
import threading
from datetime import UTC, datetime

import pytest

from sfintacct_desktop.domain.errors import ErrorInfo, ErrorKind, SyncError
from sfintacct_desktop.engine.events import (
    EngineStateChanged,
    ErrorRaised,
    Event,
    RunFinished,
    RunStarted,
    RunSummary,
)
from sfintacct_desktop.engine.worker import SyncWorker

WAIT = 10.0  # generous bound for a queue to deliver; never a sleep


def _now() -> datetime:
    return datetime.now(UTC)


AUTH = ErrorInfo(ErrorKind.AUTH, "Salesforce login failed", "INVALID_LOGIN", "Check the password.")


class FakeEngine:
    """Records calls; each cycle runs ``batches`` batches, checking should_stop between them."""

    def __init__(self, emit, should_stop, *, batches: int = 1, gate: threading.Event | None = None) -> None:
        self.emit, self.should_stop = emit, should_stop
        self.calls: list[tuple] = []
        self.batches = batches
        self.gate = gate  # when set: each batch waits for it (lets a test act mid-cycle)
        self.in_batch = threading.Event()
        self.next_error: ErrorInfo | None = None
        self.raise_next: BaseException | None = None
        self.emit_finished = False
        self.closed = False
        self.run_id = 0

    def recover(self) -> int:
        self.calls.append(("recover",))
        return 0

    def _summary(self, status: str = "ok", error: ErrorInfo | None = None) -> RunSummary:
        self.run_id += 1
        return RunSummary(self.run_id, status, _now(), _now(), error=error)

    def run_cycle(self, trigger: str = "manual") -> RunSummary:
        self.calls.append(("run_cycle", trigger))
        if self.raise_next is not None:
            exc, self.raise_next = self.raise_next, None
            raise exc
        self.emit(RunStarted(_now(), self.run_id + 1, trigger))
        for _ in range(self.batches):
            if self.should_stop():
                return self._summary("interrupted")
            self.in_batch.set()
            if self.gate is not None:
                assert self.gate.wait(WAIT)
        error, self.next_error = self.next_error, None
        summary = self._summary("failed" if error else "ok", error)
        if self.emit_finished:
            self.emit(RunFinished(_now(), summary))
        return summary

    def retry(self, inbox_id: int | None = None) -> RunSummary:
        self.calls.append(("retry", inbox_id))
        return self._summary()

    def resolve(self, conflict_id: int, take: str) -> RunSummary:
        self.calls.append(("resolve", conflict_id, take))
        return self._summary()

    def close(self) -> None:
        self.closed = True


class Harness:
    def __init__(self, **engine_kw) -> None:
        self.engine: FakeEngine | None = None
        self.engine_kw = engine_kw
        self.built = 0

    def factory(self, emit, should_stop) -> FakeEngine:
        self.built += 1
        self.engine = FakeEngine(emit, should_stop, **self.engine_kw)
        return self.engine


def _next(worker: SyncWorker, kind: type[Event], seen: list[Event] | None = None, **match) -> Event:
    while True:
        try:
            event = worker.events.get(timeout=WAIT)
        except queue.Empty:
            pytest.fail(f"no {kind.__name__} {match} within {WAIT}s; seen {seen}")
        if seen is not None:
            seen.append(event)
        if isinstance(event, kind) and all(getattr(event, k) == v for k, v in match.items()):
            return event


def _drain(worker: SyncWorker) -> list[Event]:
    out = []
    while True:
        try:
            out.append(worker.events.get_nowait())
        except queue.Empty:
            return out


@pytest.fixture
def threads_before():
    before = set(threading.enumerate())
    yield before
    assert set(threading.enumerate()) == before


def _start(harness: Harness, **kw) -> SyncWorker:
    worker = SyncWorker(harness.factory, **kw)
    worker.start()
    return worker


def _shutdown(worker: SyncWorker) -> None:
    worker.stop()
    worker.join(WAIT)
    assert not worker.is_alive()


def test_sync_now_publishes_running_finished_idle_and_stop_leaves_no_thread(threads_before):
    h = Harness()
    worker = _start(h)
    worker.sync_now()
    seen: list[Event] = []
    finished = _next(worker, RunFinished, seen)
    assert finished.summary.status == "ok" and finished.summary.run_id == 1
    _next(worker, EngineStateChanged, seen, state="idle")
    states = [e.state for e in seen if isinstance(e, EngineStateChanged)]
    assert states == ["idle", "running", "idle"]
    assert any(isinstance(e, RunStarted) for e in seen)  # the engine's own events reach the same queue
    assert h.engine.calls == [("recover",), ("run_cycle", "manual")]  # recover before any new work
    _shutdown(worker)
    assert h.engine.closed
    assert [e.state for e in _drain(worker) if isinstance(e, EngineStateChanged)] == ["stopped"]


def test_engine_is_built_on_the_worker_thread():
    built_on: list[str] = []

    def factory(emit, should_stop):
        built_on.append(threading.current_thread().name)
        return FakeEngine(emit, should_stop)

    worker = SyncWorker(factory, name="sync-under-test")
    worker.start()
    worker.sync_now()
    _next(worker, RunFinished)
    _shutdown(worker)
    assert built_on == ["sync-under-test"]


def test_a_run_finished_by_the_engine_is_not_published_twice():
    h = Harness()
    worker = _start(h)
    worker.sync_now()
    _next(worker, RunFinished)
    h.engine.emit_finished = True
    worker.sync_now()
    _next(worker, RunFinished)
    worker.sync_now()
    _next(worker, RunFinished)
    _shutdown(worker)
    assert [e for e in _drain(worker) if isinstance(e, RunFinished)] == []


def test_retry_and_resolve_reach_the_engine_with_their_arguments():
    h = Harness()
    worker = _start(h)
    worker.retry(7)
    _next(worker, RunFinished)
    worker.retry()
    _next(worker, RunFinished)
    worker.resolve(3, "intacct")
    _next(worker, RunFinished)
    _shutdown(worker)
    assert h.engine.calls[1:] == [("retry", 7), ("retry", None), ("resolve", 3, "intacct")]


def test_fatal_error_pauses_once_blocks_syncs_and_resume_tries_again():
    h = Harness()
    worker = _start(h, interval=0.01)  # the schedule must not run while paused
    worker.sync_now()
    _next(worker, RunFinished)
    h.engine.next_error = AUTH
    seen: list[Event] = []
    paused = _next(worker, EngineStateChanged, seen, state="paused")
    assert "Salesforce login failed" in paused.reason and "Check the password." in paused.reason
    worker.sync_now()  # refused while paused: answered, engine not called
    refused = _next(worker, RunFinished, seen)
    assert refused.summary.run_id == 0 and refused.summary.error == AUTH
    n = len(h.engine.calls)
    worker.resume()
    resumed = _next(worker, RunFinished, seen)
    assert resumed.summary.status == "ok"
    assert h.engine.calls[n] == ("run_cycle", "resume")
    _shutdown(worker)
    pauses = [e for e in seen + _drain(worker) if isinstance(e, EngineStateChanged) and e.state == "paused"]
    assert len(pauses) == 1  # shown once


def test_factory_failure_is_a_failed_summary_and_fatal_pause():
    def factory(emit, should_stop):
        raise SyncError(AUTH)

    worker = SyncWorker(factory)
    worker.start()
    worker.sync_now()
    seen: list[Event] = []
    finished = _next(worker, RunFinished, seen)
    assert finished.summary.status == "failed" and finished.summary.run_id == 0
    assert finished.summary.error == AUTH
    assert any(isinstance(e, ErrorRaised) and e.error == AUTH for e in seen)
    _next(worker, EngineStateChanged, seen, state="paused")
    _shutdown(worker)


def test_transient_factory_failure_does_not_pause_and_the_next_request_builds_again():
    attempts: list[int] = []

    def factory(emit, should_stop):
        attempts.append(1)
        if len(attempts) == 1:
            raise SyncError(ErrorInfo(ErrorKind.CONNECTION, "Cannot reach Intacct", "refused", "Is it running?"))
        return FakeEngine(emit, should_stop)

    worker = SyncWorker(factory)
    worker.start()
    worker.sync_now()
    assert _next(worker, RunFinished).summary.error.kind is ErrorKind.CONNECTION
    worker.sync_now()
    assert _next(worker, RunFinished).summary.status == "ok"
    _shutdown(worker)
    assert len(attempts) == 2


def test_a_bug_in_the_engine_does_not_kill_the_worker():
    h = Harness()
    worker = _start(h)
    worker.sync_now()
    _next(worker, RunFinished)
    h.engine.raise_next = KeyError("boom")
    worker.sync_now()
    failed = _next(worker, RunFinished)
    assert failed.summary.error.kind is ErrorKind.INTERNAL
    assert "boom" not in failed.summary.error.message  # no internals shown to the person
    worker.sync_now()
    assert _next(worker, RunFinished).summary.status == "ok"
    _shutdown(worker)


def test_pause_interrupts_between_batches_and_resume_continues(threads_before):
    gate = threading.Event()
    h = Harness(batches=3, gate=gate)
    worker = _start(h)
    worker.sync_now()
    _next(worker, RunStarted)
    assert h.engine.in_batch.wait(WAIT)
    worker.pause()  # requested mid-batch: should_stop turns true at once
    assert worker.should_stop()
    gate.set()
    seen: list[Event] = []
    finished = _next(worker, RunFinished, seen)
    assert finished.summary.status == "interrupted"
    paused = _next(worker, EngineStateChanged, seen, state="paused")
    assert paused.reason == "Paused by the user."
    assert not worker.should_stop()
    worker.resume()
    assert _next(worker, RunFinished).summary.status == "ok"
    assert h.engine.calls == [("recover",), ("run_cycle", "manual"), ("run_cycle", "resume")]
    assert h.built == 1
    _shutdown(worker)


def test_stop_interrupts_a_running_cycle_and_joins(threads_before):
    gate = threading.Event()
    h = Harness(batches=5, gate=gate)
    worker = _start(h)
    worker.sync_now()
    _next(worker, RunStarted)
    assert h.engine.in_batch.wait(WAIT)
    worker.stop()
    gate.set()
    worker.join(WAIT)
    assert not worker.is_alive()
    finished = [e for e in _drain(worker) if isinstance(e, RunFinished)]
    assert [f.summary.status for f in finished] == ["interrupted"]
    assert h.engine.closed


def test_watch_mode_runs_on_the_interval(threads_before):
    h = Harness()
    worker = _start(h, interval=0.01)
    _next(worker, RunFinished)
    _next(worker, RunFinished)
    _shutdown(worker)
    assert ("run_cycle", "schedule") in h.engine.calls


def test_without_interval_nothing_runs_until_asked():
    h = Harness()
    worker = _start(h)
    _next(worker, EngineStateChanged, state="idle")
    _shutdown(worker)
    assert h.built == 0  # no engine (no login) until there is work


def test_pause_when_idle_stops_the_schedule_and_refuses_sync_requests():
    h = Harness()
    worker = _start(h, interval=0.01)
    _next(worker, RunFinished)
    worker.pause()
    _next(worker, EngineStateChanged, state="paused")
    worker.sync_now()
    refused = _next(worker, RunFinished)
    assert refused.summary.status == "paused" and refused.summary.error.title == "Sync is paused"
    n = len(h.engine.calls)
    worker.retry(5)  # a person's explicit retry still runs while paused, and keeps the pause
    assert _next(worker, RunFinished).summary.status == "ok"
    assert h.engine.calls[n:] == [("retry", 5)]
    assert worker.state == "paused"
    _shutdown(worker)
    assert all(c != ("run_cycle", "schedule") for c in h.engine.calls[n:])


def test_sync_now_while_one_runs_or_is_queued_is_coalesced_into_it(threads_before):
    gate = threading.Event()
    h = Harness(batches=1, gate=gate)
    worker = _start(h)
    worker.sync_now()
    seen: list[Event] = []
    _next(worker, RunStarted, seen)
    assert worker.sync_pending
    worker.sync_now()  # a double click while the first cycle runs
    worker.sync_now()
    gate.set()
    _next(worker, RunFinished, seen)
    _next(worker, EngineStateChanged, seen, state="idle")
    assert not worker.sync_pending
    worker.sync_now()  # once answered, a new request runs a new cycle
    _next(worker, RunFinished, seen)
    _shutdown(worker)
    assert [c for c in h.engine.calls if c[0] == "run_cycle"] == [("run_cycle", "manual")] * 2
    assert len([e for e in seen + _drain(worker) if isinstance(e, RunFinished)]) == 2


def test_two_requests_queued_behind_a_job_run_one_cycle(threads_before):
    h = Harness()
    worker = _start(h)
    release, started = threading.Event(), threading.Event()

    def busy(engine):  # a job holding the worker (a baseline load, say)
        started.set()
        return release.wait(WAIT)

    done = worker.submit_job("busy", busy)
    assert started.wait(WAIT)
    worker.sync_now()
    worker.sync_now()
    release.set()
    assert done.result(WAIT) is True
    _next(worker, RunFinished)
    _shutdown(worker)
    assert [c[0] for c in h.engine.calls].count("run_cycle") == 1
    assert [e for e in _drain(worker) if isinstance(e, RunFinished)] == []


def test_cancel_ends_the_running_cycle_and_the_worker_stays_idle_not_paused(threads_before):
    gate = threading.Event()
    h = Harness(batches=2, gate=gate)
    worker = _start(h)
    worker.sync_now()
    seen: list[Event] = []
    _next(worker, RunStarted, seen)
    assert h.engine is not None and h.engine.in_batch.wait(WAIT)
    worker.cancel()
    gate.set()
    finished = _next(worker, RunFinished, seen)
    assert finished.summary.status == "interrupted"
    _next(worker, EngineStateChanged, seen, state="idle")
    assert "paused" not in [e.state for e in seen if isinstance(e, EngineStateChanged)]
    worker.sync_now()  # the next cycle runs in full: the cancel was spent on the first
    assert _next(worker, RunFinished).summary.status == "ok"
    _shutdown(worker)
