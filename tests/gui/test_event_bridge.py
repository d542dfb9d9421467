"""The event bridge passes a run's progress on at a bounded rate, never out of order with the run's end."""

from __future__ import annotations

import queue
import time
from datetime import UTC, datetime
from typing import Any

from sfintacct_desktop.app.gui_support import Progress, RecordApplied, RunFinished
from sfintacct_desktop.gui.event_bridge import PROGRESS_MS, EventBridge
from sfintacct_desktop.gui.main_window import MainWindow
from sfintacct_sandbox.runner import Sandbox
from tests.gui.helpers import apply_baseline
from tests.support.sync_env import sf_connector


def _raw_run(qtbot: Any, window: MainWindow) -> list[Any]:
    """A real cycle's events as the worker queued them (the window's bridge is stopped meanwhile)."""
    window.bridge.stop()
    raw: list[Any] = []

    def take() -> bool:
        while True:
            try:
                raw.append(window.worker.events.get_nowait())
            except queue.Empty:
                return any(isinstance(ev, RunFinished) for ev in raw)

    window.worker.sync_now()
    qtbot.waitUntil(take, timeout=60_000)
    return raw


def test_a_runs_progress_is_merged_per_stream_and_comes_before_its_end(
    qtbot: Any, window: MainWindow, sandbox: Sandbox
) -> None:
    apply_baseline()
    sf = sf_connector(sandbox)
    try:
        for first in range(0, 450, 150):  # more than one batch: several writing events per stream
            made = sf.client.create_many("Account", [{"Name": f"Bridge Co {n:03d}"} for n in range(first, first + 150)])
            assert all(r.success for r in made), made
    finally:
        sf.client.close()
    raw = _raw_run(qtbot, window)
    finished = next(ev for ev in raw if isinstance(ev, RunFinished))
    assert finished.summary.status == "ok", finished.summary.error
    events: queue.Queue[Any] = queue.Queue()
    for ev in raw:
        events.put(ev)
    bridge = EventBridge(events)
    seen: list[Any] = []
    progress: list[Any] = []
    bridge.event.connect(seen.append)
    bridge.progress.connect(progress.append)
    assert bridge.drain(limit=len(raw)) == len(raw)

    raw_progress = [ev for ev in raw if isinstance(ev, Progress)]
    last = {(ev.stream, ev.phase): ev for ev in raw_progress}
    assert len(last) < len(raw_progress)  # the run reported some stream's progress more than once
    assert len(progress) < len(raw_progress)  # superseded values were merged
    others = [ev for ev in raw if not isinstance(ev, Progress)]
    assert [ev for ev in seen if not isinstance(ev, Progress)] == others  # everything else, in order
    assert {(ev.stream, ev.phase): ev for ev in progress} == last  # each stream's final counts arrive
    end = seen.index(finished)
    assert all(seen.index(ev) < end for ev in progress)  # before the run's end
    writing = [ev for ev in progress if ev.stream == "salesforce.customers" and ev.phase == "writing"]
    assert writing and writing[-1].done == writing[-1].total


def test_progress_waits_its_turn_then_the_latest_value_is_passed_on(qtbot: Any) -> None:
    events: queue.Queue[Any] = queue.Queue()
    bridge = EventBridge(events)
    progress: list[Any] = []
    applied: list[Any] = []
    bridge.progress.connect(progress.append)
    bridge.record_applied.connect(applied.append)
    now = datetime.now(UTC)

    def put(done: int) -> None:
        events.put(Progress(now, 7, "salesforce.customers", "writing", done, 300))

    put(100)
    bridge.drain()
    assert [ev.done for ev in progress] == [100]  # the first one at once
    passed_at = time.monotonic()
    put(200)
    events.put(RecordApplied(now, "customer", "update", "intacct", "C-1"))  # records do not push progress out
    put(250)
    bridge.drain()
    assert [ev.done for ev in progress] == [100] and len(applied) == 1  # held: one was passed on just now
    qtbot.waitUntil(lambda: bridge.drain() >= 0 and len(progress) == 2, timeout=5_000)
    assert progress[-1].done == 250  # the latest value, not the one it replaced
    assert time.monotonic() - passed_at >= PROGRESS_MS / 1000
