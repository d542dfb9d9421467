"""The worker is the only writer: a baseline apply started from the window while a cycle runs waits
for the cycle and then runs on the worker's thread; the two runs never write at the same time."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from sfintacct_desktop.engine.cycle import SyncEngine
from sfintacct_desktop.engine.worker import SyncWorker
from sfintacct_desktop.gui.baseline_tab import REPORT, REVIEW
from sfintacct_desktop.gui.main_window import MainWindow


def test_baseline_apply_from_the_window_waits_for_the_running_cycle(
    qtbot, window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    tab = window.baseline_tab
    with qtbot.waitSignal(tab.planned, timeout=60_000):
        tab.plan_button.click()
    assert tab.pages.currentIndex() == REVIEW
    tab.accept_all.click()
    assert tab.model.accepted_count() > 0

    # Instrument every recorded run (its run row is written first and last) and hold the cycle open
    # until the apply has been asked for, so the apply is requested while the cycle is running.
    intervals: list[tuple[str, str, float, float]] = []
    cycle_running = threading.Event()
    apply_requested = threading.Event()
    real_run = SyncEngine._run
    real_submit_job = SyncWorker.submit_job

    def run(self: SyncEngine, trigger: str, body: Any) -> Any:
        def gated(ctx: Any) -> None:
            if trigger == "manual":
                cycle_running.set()
                apply_requested.wait(timeout=30)
            body(ctx)

        start = time.monotonic()
        try:
            return real_run(self, trigger, gated)
        finally:
            intervals.append((trigger, threading.current_thread().name, start, time.monotonic()))

    def submit_job(self: SyncWorker, name: str, fn: Any, **kw: Any) -> Any:
        future = real_submit_job(self, name, fn, **kw)
        apply_requested.set()
        return future

    monkeypatch.setattr(SyncEngine, "_run", run)
    monkeypatch.setattr(SyncWorker, "submit_job", submit_job)

    window.sync_tab.sync_button.click()
    qtbot.waitUntil(cycle_running.is_set, timeout=30_000)
    with qtbot.waitSignal(tab.applied, timeout=120_000) as applied:
        tab.apply_button.click()
        assert tab.confirm_dialog is not None and tab.confirm_dialog.isVisible()  # what will be written where
        tab.confirm_dialog.apply.click()
    report = applied.args[0]
    assert report["status"] == "ok", report
    assert tab.pages.currentIndex() == REPORT
    assert apply_requested.is_set()

    runs = {trigger: (thread, start, end) for trigger, thread, start, end in intervals}
    assert set(runs) == {"manual", "baseline"}, intervals  # both ran to their end, once each
    cycle, load = runs["manual"], runs["baseline"]
    assert cycle[0] == load[0] == window.worker.name  # both on the worker's thread
    assert cycle[2] <= load[1], intervals  # the load started only after the cycle had finished
