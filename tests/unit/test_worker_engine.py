"""The worker driving the real engine (built by app.sync_service from the sandbox profile).

The emulators run in-process on loopback; the state store is on disk under SFINTACCT_HOME. A pause
requested mid-cycle stops between batches, and resuming finishes the work without doing any twice.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sfintacct_desktop.app import sync_service
from sfintacct_desktop.app.inbox import SyncState
from sfintacct_desktop.config.profiles import save_profile, save_sandbox_profile
from sfintacct_desktop.engine.events import EngineStateChanged, Event, Progress, RecordApplied, RunFinished
from sfintacct_desktop.engine.worker import SyncWorker
from sfintacct_sandbox.runner import Sandbox, SandboxOptions
from tests.support.sync_env import sf_connector

WAIT = 60.0


@pytest.fixture()
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    monkeypatch.setenv("SFINTACCT_HOME", str(tmp_path))
    sb = Sandbox(SandboxOptions(seed="empty")).start()
    try:
        save_sandbox_profile(sb.connection_info())
        yield sb
    finally:
        sb.stop()


def _until(worker: SyncWorker, kind: type[Event], seen: list[Event], **match: object) -> Event:
    while True:
        try:
            event = worker.events.get(timeout=WAIT)
        except queue.Empty:
            pytest.fail(f"no {kind.__name__} within {WAIT}s; seen {seen}")
        seen.append(event)
        if isinstance(event, kind) and all(getattr(event, k) == v for k, v in match.items()):
            return event


def test_worker_with_the_real_engine_pauses_between_batches_and_resumes(sandbox: Sandbox) -> None:
    before = set(threading.enumerate())
    profile = dict(sandbox.connection_info())
    profile.pop("profile", None)
    save_profile("sandbox", {"kind": "sandbox", **profile, "sync": {"batch_size": 1}})  # one record per batch
    user = sf_connector(sandbox)
    ids = [str(r.id) for r in user.client.create_many("Account", [{"Name": f"Firm {n}"} for n in range(3)])]
    user.client.close()

    factory = sync_service.engine_factory("sandbox")
    worker: SyncWorker
    once = threading.Event()

    def pausing_factory(emit, should_stop):  # pause as the second batch starts: it runs, the third does not
        def emit_and_pause(event: Event) -> None:
            emit(event)
            if isinstance(event, Progress) and event.stream == "customer" and event.done == 1 and not once.is_set():
                once.set()
                worker.pause()

        return factory(emit_and_pause, should_stop)

    worker = SyncWorker(pausing_factory)
    worker.start()
    try:
        seen: list[Event] = []
        worker.sync_now()
        first = _until(worker, RunFinished, seen).summary
        assert first.status == "interrupted", first.error
        paused = _until(worker, EngineStateChanged, seen, state="paused")
        assert paused.reason == "Paused by the user."
        created = [e for e in seen if isinstance(e, RecordApplied) and e.target == "intacct"]
        assert len(created) == 2

        worker.resume()
        second = _until(worker, RunFinished, seen).summary
        assert second.status == "ok", second.error
        assert second.writes >= 1
        worker.sync_now()
        quiet = _until(worker, RunFinished, seen).summary
        assert quiet.status == "ok" and quiet.writes == 0
    finally:
        worker.stop()
        worker.join(WAIT)
    assert not worker.is_alive()
    assert set(threading.enumerate()) == before

    applied = [e for e in seen if isinstance(e, RecordApplied) and e.target == "intacct" and e.operation == "create"]
    assert len(applied) == 3  # each Account created once in Intacct, across the pause
    with SyncState.open("sandbox") as state:
        status = state.status()
    assert status["links"]["customer"] == 3
    assert [r["status"] for r in status["runs"]] == ["ok", "ok", "interrupted"]
    assert len(set(ids)) == 3
