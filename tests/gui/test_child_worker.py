"""The window on a profile no service runs syncs in a private child process of its own.

The window starts ``service run --private`` for its profile and drives it like the background
service, but as its own worker: no "Run by the background service" banner. The baseline plan and
load run in the child as named jobs, the sync's writer lock is held by the child's pid (so the child
writes the run), and closing the window ends the child. A child that cannot start leaves the sync
in the window's process.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from sfintacct_desktop.app import baseline_report, health, run_history
from sfintacct_desktop.app import gui_support as gs
from sfintacct_desktop.app.child_worker import ChildWorker
from sfintacct_desktop.app.gui_support import INPROCESS_ENV
from sfintacct_desktop.app.profile_lock import ProfileLock
from sfintacct_desktop.app.remote_worker import RemoteWorker
from sfintacct_desktop.config.paths import app_paths
from sfintacct_desktop.engine.baseline.export import newest_plan, read_plan
from sfintacct_desktop.engine.worker import SyncWorker
from sfintacct_desktop.gui.baseline_tab import REPORT, REVIEW
from sfintacct_desktop.gui.main_window import MainWindow
from sfintacct_desktop.gui.models.plan import ACCEPT
from tests.support.cli_env import REPO

TIMEOUT_MS = 120_000


@pytest.fixture
def child_env(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.delenv(INPROCESS_ENV, raising=False)
    monkeypatch.setenv("PYTHONPATH", str(REPO))  # the child imports the test keyring backend


def _threads() -> set[str]:
    return {t.name for t in threading.enumerate()}


def test_window_syncs_in_a_child_process_and_closing_ends_it(
    qtbot: Any, sandbox: Any, child_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    win = MainWindow("sandbox")
    win.show()
    worker = win.worker
    assert isinstance(worker, ChildWorker)
    assert not win.service_banner.isVisible()  # the window's own sync, not the background service
    qtbot.waitUntil(lambda: win.health.facts.state == "idle", timeout=TIMEOUT_MS)
    assert worker.in_child and isinstance(worker._inner, RemoteWorker)
    proc = worker.proc
    assert proc is not None and proc.poll() is None and proc.pid != os.getpid()
    assert not win.service_banner.isVisible()
    assert not any(name.startswith("sfintacct-sync-") for name in _threads())  # no worker thread here

    # the baseline plan and load, as the operator does them: named jobs of the child, with progress
    tab = win.baseline_tab
    win.tabs.setCurrentWidget(tab)
    tab.plan_button.click()
    # the review page shows first; its rows land on the next turn of the event loop
    qtbot.waitUntil(lambda: tab.pages.currentIndex() == REVIEW and tab.model.rowCount() > 0, timeout=TIMEOUT_MS)
    tab.accept_all.click()
    decidable = next(i for i, r in enumerate(tab.model.rows) if r.decidable)
    tab.model.setData(tab.model.index(decidable, ACCEPT), Qt.CheckState.Unchecked, Qt.ItemDataRole.CheckStateRole)
    decisions = [bool(a.get("accepted")) for a in tab.doc["actions"]]
    assert not all(decisions) and any(decisions)

    def not_here(*_a: Any, **_k: Any) -> None:
        raise AssertionError("the window's process wrote the plan; its sync process should")

    monkeypatch.setattr(baseline_report, "write_plan", not_here)
    tab.apply_button.click()
    qtbot.waitUntil(lambda: tab.confirm_dialog is not None and tab.confirm_dialog.isVisible(), timeout=10_000)
    applied: list[Any] = []
    tab.applied.connect(applied.append)
    tab.confirm_dialog.apply.click()
    qtbot.waitUntil(lambda: bool(applied) and tab.pages.currentIndex() == REPORT, timeout=TIMEOUT_MS)
    assert applied[0]["status"] == "ok", applied[0]
    # only the decisions crossed to the child, which wrote the newest plan with them
    newest = newest_plan(app_paths().plans_dir, "sandbox")
    assert newest is not None and str(newest) != tab.plan_path
    assert [bool(a.get("accepted")) for a in read_plan(newest)["actions"]] == decisions
    assert ProfileLock("sandbox").holder().get("pid") == proc.pid  # the child's worker is the profile's writer

    # a sync the window asks for runs in the child and is recorded there
    win.tabs.setCurrentWidget(win.sync_tab)
    # the first cycle after the baseline (trigger "baseline") may still be running: Sync now waits for it
    qtbot.waitUntil(lambda: win.sync_tab.sync_button.isEnabled(), timeout=TIMEOUT_MS)
    before = {r["run_id"] for r in run_history.runs_page("sandbox")["runs"]}

    def manual_run(event: Any) -> bool:
        return event.summary.run_id not in before and [
            r["trigger"] for r in run_history.runs_page("sandbox")["runs"] if r["run_id"] == event.summary.run_id
        ] == ["manual"]

    with qtbot.waitSignal(win.bridge.run_finished, timeout=TIMEOUT_MS, check_params_cb=manual_run) as done:
        win.sync_tab.sync_button.click()
    summary = done.args[0].summary
    assert summary.status == "ok" and summary.run_id
    rows = run_history.runs_page("sandbox")["runs"]
    assert [r["trigger"] for r in rows if r["run_id"] == summary.run_id] == ["manual"]
    assert ProfileLock("sandbox").holder().get("pid") == proc.pid

    # the Sync tab's tables and the health's facts are read in the child (no store SQL in the window's
    # process): the child's answers are the same as reads made here, and the tab shows the run
    query = win.sync_tab.runs_box.query()
    from_child = worker.run_job("sync_state", {"runs": 1, **query})
    assert from_child == {
        "snap": gs.sync_snapshot("sandbox", runs=1),
        "page": run_history.runs_page("sandbox", **query),
    }
    assert summary.run_id in [r["run_id"] for r in from_child["page"]["runs"]]
    assert health.facts_from_json(worker.run_job("health_facts", {})) == health.read_facts(win.session)
    with qtbot.waitSignal(win.sync_tab.refreshed, timeout=TIMEOUT_MS):
        win.sync_tab.refresh()
    assert summary.run_id in [r["run_id"] for r in win.sync_tab.runs.rows]
    with qtbot.waitSignal(win.health.read_done, timeout=TIMEOUT_MS):
        win.health.refresh()
    assert win.health.store is not None and win.health.store.runs[0]["run_id"] == summary.run_id

    # a live invoice refresh: a named job of the child too
    tab = win.invoices_tab
    win.tabs.setCurrentWidget(tab)
    tab.open_only.setChecked(True)
    with qtbot.waitSignal(tab.loaded, timeout=TIMEOUT_MS) as listed:
        tab.search_button.click()
    customer = listed.args[0]["invoices"][0]["customer_id"]
    tab.customer.setText(customer)
    with qtbot.waitSignal(tab.loaded, timeout=TIMEOUT_MS) as refreshed:
        tab.refresh_button.click()
    assert refreshed.args[0]["refreshed"] == customer
    assert proc.poll() is None and worker.in_child

    # the customer page's refresh: a named job of the child as well (it reads both systems there)
    page = win.customer_tab
    win.tabs.setCurrentWidget(page)
    page.open_customer(customer)
    qtbot.waitUntil(lambda: page.page is not None and page.refresh_button.isEnabled(), timeout=TIMEOUT_MS)
    with qtbot.waitSignal(page.loaded, timeout=TIMEOUT_MS) as fresh:
        page.refresh_button.click()
    assert fresh.args[0]["customer_id"] == customer and fresh.args[0]["refresh_cost"]["salesforce_calls"] == 1
    assert ProfileLock("sandbox").holder().get("pid") == proc.pid  # the child stayed the only writer

    win.close()
    assert proc.wait(60) == 0  # the window's close ended the child, cleanly
    qtbot.waitUntil(lambda: not worker.is_alive(), timeout=10_000)
    assert not worker.folder.exists()
    assert ProfileLock("sandbox").holder().get("pid") != proc.pid


def test_a_child_that_cannot_start_leaves_the_sync_in_the_window(
    qtbot: Any, sandbox: Any, child_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "sfintacct_desktop.app.child_worker.child_command",
        lambda profile, folder, interval: [os.fspath(Path(REPO) / "no-such-program")],
    )
    win = MainWindow("sandbox")
    win.show()
    try:
        worker = win.worker
        assert isinstance(worker, ChildWorker)
        with qtbot.waitSignal(win.bridge.run_finished, timeout=TIMEOUT_MS) as done:
            worker.sync_now()  # asked while the start settles: held, then passed on to the worker in use
        assert isinstance(worker._inner, SyncWorker)  # the window's own worker ran it
        assert worker.fallback_reason and not worker.in_child
        assert done.args[0].summary.run_id
    finally:
        win.close()
    assert not worker.is_alive()
