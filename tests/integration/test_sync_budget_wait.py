"""A watching sync waits for a spent API budget and resumes by itself (real HTTP, both emulators).

- Salesforce: the emulator's rolling 24-hour allocation runs out; the worker waits (state
  ``waiting``, the wait recorded for ``status``), checks again with one ``limits/`` call, and runs
  again once the emulator's clock has moved a day on and the allocation has freed up;
- Intacct: the monthly budget (local count) is spent; the wait lasts until the next month of the
  engine's (injected) clock and costs no call at all;
- ``sfintacct sync --watch`` keeps running through it, and ``sfintacct status`` says it is waiting.

No real sleeping: the checks run every few hundredths of a second, the clocks are moved by hand.
"""

from __future__ import annotations

import json
import queue
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from sfintacct_desktop.app.inbox import SyncState
from sfintacct_desktop.engine.cycle import EngineSettings, SyncEngine
from sfintacct_desktop.engine.events import EngineStateChanged, Event, RunFinished
from sfintacct_desktop.engine.mapping import load_mapping
from sfintacct_desktop.engine.worker import SyncWorker
from sfintacct_desktop.store import StateStore
from sfintacct_sandbox.runner import Sandbox, SandboxOptions
from tests.integration.test_cli_sync import TIMEOUT, Bench, bench, cli, spawn  # noqa: F401
from tests.support.sync_env import ia_connector, sf_connector

WAIT = 60.0
CHECK = 0.02  # seconds between cheap checks while waiting: no real sleeping in the test
ALLOCATION = 40


@pytest.fixture()
def small_org(tmp_path: Path) -> Iterator[Sandbox]:
    sb = Sandbox(SandboxOptions(seed="empty", salesforce_options={"daily_api_limit": ALLOCATION})).start()
    try:
        yield sb
    finally:
        sb.stop()


class Clock:
    """The engine's clock, moved by the test (the Intacct budget is per calendar month)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def engine_for(sb: Sandbox, store: StateStore, clock: Clock | None = None, **settings: Any) -> SyncEngine:
    settings = {"allow_without_baseline": True, "budget_check_seconds": CHECK, **settings}
    return SyncEngine(
        store,
        sf_connector(sb),
        ia_connector(sb),
        load_mapping(),
        EngineSettings(profile="test", **settings),
        clock=clock,
    )


def until(worker: SyncWorker, seen: list[Event], test: Any) -> Event:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        try:
            event = worker.events.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        seen.append(event)
        if test(event):
            return event
    pytest.fail(f"nothing matched within {WAIT}s; seen {seen[-10:]}")


def waiting(event: Event) -> bool:
    return isinstance(event, EngineStateChanged) and event.state == "waiting"


def run_ok(event: Event) -> bool:
    return isinstance(event, RunFinished) and event.summary.status == "ok"


def start(engine: SyncEngine) -> SyncWorker:
    worker = SyncWorker(lambda emit, stop: engine, interval=0.01, budget_check=CHECK)
    worker.start()
    worker.sync_now()
    return worker


def test_watch_waits_for_the_salesforce_allocation_and_resumes_when_it_frees_up(
    small_org: Sandbox, tmp_path: Path
) -> None:
    others = sf_connector(small_org)  # another integration spends most of the org's allocation
    for _ in range(ALLOCATION - 3):
        others.client.limits()
    others.client.close()
    store = StateStore.open(tmp_path / "state.sqlite3")
    engine = engine_for(small_org, store)
    probes = count_probes(engine)
    worker = start(engine)
    seen: list[Event] = []
    try:
        first = until(worker, seen, waiting)
        assert first.reason.startswith("Waiting for the API budget until it frees up (next check ")
        assert "Salesforce" in first.reason and "resumes by itself" in first.reason
        failed = [e.summary for e in seen if isinstance(e, RunFinished) and e.summary.status == "failed"]
        assert failed and failed[-1].error is not None and failed[-1].error.kind == "budget"
        assert worker.is_alive() and worker.state == "waiting"  # waiting: not paused, not stopped
        status = SyncState(store).status()["budget_wait"]
        assert (status["system"], status["cause"]) == ("salesforce", "allocation")
        assert status["text"].startswith("Waiting for the API budget until")
        checks = _limits(small_org)
        wait_for(lambda: probes["n"] >= 3 and _limits(small_org) >= checks + 2)  # cheap checks, still spent
        assert worker.state == "waiting" and not any(run_ok(e) for e in seen[seen.index(first) :])

        small_org.salesforce.clock.set_offset(86_400 + 120)  # a day later: the rolling window freed up
        resumed = until(worker, seen, run_ok)
        assert resumed.summary.error is None
        assert any(isinstance(e, EngineStateChanged) and e.state == "idle" for e in seen[seen.index(first) :])
    finally:
        worker.stop()
        worker.join(timeout=WAIT)
        engine.sf.client.close()
    assert not worker.is_alive()
    store.close()


def count_probes(engine: SyncEngine) -> dict[str, int]:
    """Count the worker's budget checks (the engine's own method, wrapped)."""
    seen = {"n": 0}
    probe = engine.probe_budget

    def counted() -> Any:
        seen["n"] += 1
        return probe()

    engine.probe_budget = counted  # type: ignore[method-assign]
    return seen


def wait_for(condition: Any) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail("the condition did not come true in time")
        time.sleep(0.01)


def _limits(sb: Sandbox) -> int:
    stats = requests.get(f"{sb.sf_server.url}/__sandbox__/stats", timeout=10).json()
    return int(stats["by_operation"].get("limits", 0))


def test_watch_waits_for_the_intacct_month_without_any_call_and_resumes(small_org: Sandbox, tmp_path: Path) -> None:
    small_org.salesforce.daily_api_limit = 15_000
    store = StateStore.open(tmp_path / "state.sqlite3")
    clock = Clock()
    engine = engine_for(small_org, store, clock, intacct_monthly_budget=12, intacct_interval_seconds=0.01)
    probes = count_probes(engine)
    worker = start(engine)  # every cycle reads Intacct (5 queries): the 12 transactions go fast
    seen: list[Event] = []
    try:
        first = until(worker, seen, waiting)
        assert first.reason.startswith("Waiting for the API budget until 2026-12-01 00:00 UTC")
        assert "Intacct" in first.reason
        wait = SyncState(store).status()["budget_wait"]
        assert (wait["system"], wait["cause"], wait["until"]) == ("intacct", "monthly", "2026-12-01T00:00:00+00:00")
        ia_before = requests.get(f"{small_org.ia_server.url}/__sandbox__/stats", timeout=10).json()["requests"]
        sf_before = _limits(small_org)
        done = probes["n"]
        wait_for(lambda: probes["n"] >= done + 3)  # three checks while the month is spent
        assert worker.state == "waiting"
        ia_after = requests.get(f"{small_org.ia_server.url}/__sandbox__/stats", timeout=10).json()["requests"]
        assert ia_after == ia_before and _limits(small_org) == sf_before  # waiting on a date costs nothing

        clock.now = datetime(2026, 12, 1, 0, 0, 5, tzinfo=UTC)  # the new month: the budget is back
        resumed = until(worker, seen, run_ok)
        assert resumed.summary.error is None
        assert SyncState(store).status()["budget_wait"] is None
    finally:
        worker.stop()
        worker.join(timeout=WAIT)
        engine.sf.client.close()
    store.close()


def test_sync_watch_keeps_running_through_a_spent_allocation_and_status_says_so(bench: Bench) -> None:  # noqa: F811
    path = bench.home / "config" / "profiles.json"
    data = json.loads(path.read_text())
    data["profiles"]["sandbox"]["sync"] = {"budget_check_seconds": 0.05, "allow_without_baseline": True}
    path.write_text(json.dumps(data))
    base = bench.sf_base
    for op, count in (("composite", 1), ("limits", 10_000)):  # refused now, and every check refused too
        body = {"operation": op, "mode": "rate_limit", "count": count}
        requests.post(f"{base}/__sandbox__/faults", json=body, timeout=10).raise_for_status()
    proc = spawn(bench.home, "sync", "--watch", "--interval", "30")
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:  # wait until the watching process recorded the wait
            status = cli(bench.home, "status", "--json")
            wait = json.loads(status.stdout).get("budget_wait") if status.returncode == 0 else None
            if wait or time.monotonic() > deadline or proc.poll() is not None:
                break
        if wait is None or proc.poll() is not None:  # say what the watch did: its output and the last status
            proc.kill()
            out, err = proc.stdout.read(), proc.stderr.read()  # type: ignore[union-attr]
            pytest.fail(
                f"the watch must wait, not exit (exit {proc.wait()}); last status: {status.stdout[-2000:]}"
                f"\nwatch stdout: {out[-2000:]}\nwatch stderr: {err[-4000:]}"
            )
        text = cli(bench.home, "status")
        assert "Waiting for the API budget until" in text.stdout
        requests.delete(f"{base}/__sandbox__/faults", timeout=10).raise_for_status()  # the allocation is back
        while time.monotonic() < deadline:
            status = json.loads(cli(bench.home, "status", "--json").stdout)
            if status["budget_wait"] is None and status["runs"] and status["runs"][0]["status"] == "ok":
                break
        assert status["budget_wait"] is None and status["runs"][0]["status"] == "ok"
        assert proc.poll() is None
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 0, err
    assert "Waiting for the API budget" in err and "Traceback" not in err
    assert "Salesforce API allocation is spent" in err
    lines = [line for line in out.splitlines() if line.startswith("Run ")]
    assert any(" failed " in line for line in lines) and " ok " in lines[-1]


def test_a_wait_is_read_back_and_leaves_with_the_next_good_run(tmp_path: Path, small_org: Sandbox) -> None:
    store = StateStore.open(tmp_path / "state.sqlite3")
    engine = engine_for(small_org, store)
    wait = engine.budget.waits.record(
        engine.budget.waits.make(engine.sf.system, "allocation", "Spent.", None)
    )
    assert engine.budget_wait() == wait and wait.check_in == pytest.approx(CHECK)
    assert wait.next_check - wait.since == timedelta(seconds=CHECK)
    assert engine.run_cycle("manual").status == "ok"
    assert engine.budget_wait() is None
    engine.sf.client.close()
    store.close()
