"""Jobs on the sync worker: queued behind a running cycle, run on its thread with its engine,
cancelled by their own stop check, and never left hanging when the worker stops."""

from __future__ import annotations

import threading

import pytest

from sfintacct_desktop.engine.events import RunFinished
from sfintacct_desktop.engine.worker import SyncWorker, WorkerStopped
from tests.unit.test_worker import WAIT, Harness, _next, _shutdown, _start, threads_before


def test_a_job_waits_for_the_running_cycle_and_runs_on_the_worker_thread(threads_before):
    gate = threading.Event()
    h = Harness(gate=gate)
    worker = _start(h)
    worker.sync_now()
    assert h_wait(h)  # the cycle is inside its batch
    order: list[str] = []
    future = worker.submit_job("probe", lambda engine: order.append("job") or (engine, threading.current_thread()))
    assert not future.done()  # queued behind the cycle, not beside it
    order.append("cycle released")
    gate.set()
    engine, thread = future.result(WAIT)
    assert order == ["cycle released", "job"]
    assert engine is h.engine and thread is worker
    _next(worker, RunFinished)
    _shutdown(worker)


def test_a_jobs_cancel_stops_the_engine_between_batches(threads_before):
    h = Harness()
    worker = _start(h)
    cancelled = threading.Event()
    cancelled.set()
    seen = worker.submit_job("apply", lambda engine: engine.should_stop(), should_stop=cancelled.is_set)
    assert seen.result(WAIT) is True
    assert worker.submit_job("after", lambda engine: engine.should_stop()).result(WAIT) is False
    _shutdown(worker)


def test_a_failing_job_reaches_its_caller_and_the_worker_goes_on(threads_before):
    worker = _start(Harness())
    with pytest.raises(ZeroDivisionError):
        worker.submit_job("bad", lambda engine: 1 / 0).result(WAIT)
    assert worker.submit_job("good", lambda engine: 42).result(WAIT) == 42
    _shutdown(worker)


def test_jobs_still_queued_when_the_worker_stops_fail_instead_of_hanging(threads_before):
    gate = threading.Event()
    h = Harness(gate=gate)
    worker = _start(h)
    worker.sync_now()
    assert h_wait(h)
    worker.stop()  # queued before the job: the job never runs
    future = worker.submit_job("late", lambda engine: "ran")
    gate.set()
    worker.join(WAIT)
    assert not worker.is_alive()
    with pytest.raises(WorkerStopped):
        future.result(WAIT)


def h_wait(h: Harness) -> bool:
    """Wait until the fake engine exists and is inside a batch."""
    built = threading.Event()

    def check() -> bool:
        return h.engine is not None and h.engine.in_batch.is_set()

    for _ in range(int(WAIT * 100)):
        if check():
            return True
        built.wait(0.01)
    return False


__all__ = ["SyncWorker", "threads_before"]


def test_a_job_whose_result_settles_the_pausing_error_leaves_the_worker_idle(threads_before):
    from sfintacct_desktop.domain.errors import ErrorInfo, ErrorKind
    from sfintacct_desktop.engine.events import EngineStateChanged

    needed = ErrorInfo(ErrorKind.SCHEMA, "Baseline needed", "both populated", "Apply it.", code="BASELINE_REQUIRED")
    h = Harness()
    worker = _start(h)
    _next(worker, EngineStateChanged, state="idle")
    h_engine = worker.submit_job("build", lambda engine: engine).result(WAIT)
    h_engine.next_error = needed
    worker.sync_now()
    _next(worker, EngineStateChanged, state="paused")

    def lifts(result: str) -> tuple[str, ...]:
        return ("BASELINE_REQUIRED",) if result == "done" else ()

    # a load that did not finish settles nothing: still paused, Sync now still refused
    assert worker.submit_job("load", lambda engine: "stopped", lifts=lifts).result(WAIT) == "stopped"
    assert worker.state == "paused"
    assert worker.submit_job("load", lambda engine: "done", lifts=lifts).result(WAIT) == "done"
    _next(worker, EngineStateChanged, state="idle")
    worker.sync_now()
    finished = _next(worker, RunFinished)
    assert finished.summary.status == "ok" and ("run_cycle", "manual") in h_engine.calls
    _shutdown(worker)


def test_a_pause_by_the_user_is_not_lifted_by_a_job(threads_before):
    h = Harness()
    worker = _start(h)
    worker.pause()
    worker.submit_job("load", lambda engine: "done", lifts=lambda result: ("BASELINE_REQUIRED",)).result(WAIT)
    assert worker.state == "paused"
    _shutdown(worker)
