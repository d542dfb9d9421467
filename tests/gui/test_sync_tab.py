"""Sync now through the worker, the last-runs table from events, the error inbox with hint and Retry."""

from __future__ import annotations

from sfintacct_desktop.gui.main_window import MainWindow
from sfintacct_desktop.wire.intacct import create, update
from sfintacct_sandbox.runner import Sandbox
from tests.gui.helpers import apply_baseline, sync_once
from tests.support.sync_env import ia_connector


def test_sync_now_runs_a_cycle_and_updates_the_last_runs(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    apply_baseline()
    tab = window.sync_tab
    finished = sync_once(qtbot, window)
    assert finished.summary.status == "ok", finished.summary.error
    qtbot.waitUntil(lambda: any(r["run_id"] == finished.summary.run_id for r in tab.runs.rows), timeout=30_000)
    top = tab.runs.row(0)
    assert top["status"] == "ok" and top["api_calls"]["salesforce"] >= 1
    assert tab.streams.rowCount() > 0  # per-stream counters of the selected run
    assert f"Last run {finished.summary.run_id}" in tab.summary.text()
    qtbot.waitUntil(lambda: "Cut-over" in tab.cutover.text(), timeout=30_000)
    assert "set by the baseline" in tab.cutover.text() and "Baseline tab" in tab.cutover.text()


def test_without_baseline_the_refusal_is_shown_with_its_hint(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    finished = sync_once(qtbot, window)
    assert finished.summary.status == "failed"
    panel = window.sync_tab.state_reason
    qtbot.waitUntil(lambda: not panel.isHidden(), timeout=10_000)
    assert "baseline" in panel.hint.text().lower()


def test_error_inbox_shows_the_hint_and_retry_fixes_it(qtbot, window: MainWindow, sandbox: Sandbox) -> None:  # type: ignore[no-untyped-def]
    apply_baseline()
    user = ia_connector(sandbox)
    # Salesforce's BillingCity holds 40 characters, Intacct's CITY more: Salesforce refuses this one.
    body = {"CUSTOMERID": "C-GUI1", "NAME": "Long City GUI Co", "DISPLAYCONTACT": {"MAILADDRESS": {"CITY": "Y" * 60}}}
    assert user.client.call([create("CUSTOMER", body)])[0].ok
    tab = window.sync_tab
    sync_once(qtbot, window)
    qtbot.waitUntil(lambda: any(r["record"] and "C-GUI1" in str(r["record"]) for r in tab.errors.rows), timeout=30_000)
    item = next(r for r in tab.errors.rows if "C-GUI1" in str(r["record"]))
    assert item["hint"]
    assert tab.hint.isHidden() and not tab.retry_button.isEnabled()  # nothing chosen yet: nothing to retry
    tab.errors_view.selectRow(tab.errors.rows.index(item))
    assert not tab.hint.isHidden() and item["hint"] in tab.hint.text() and tab.retry_button.isEnabled()
    col = [c.key for c in tab.errors.columns].index("title")
    tooltip = tab.errors.data(tab.errors.index(0, col), 3)  # ToolTipRole carries the hint
    assert tooltip == tab.errors.row(0)["hint"]

    fix = {"CUSTOMERID": "C-GUI1", "DISPLAYCONTACT": {"MAILADDRESS": {"CITY": "Short"}}}
    assert user.client.call([update("CUSTOMER", fix)])[0].ok
    tab.errors_view.selectRow(tab.errors.rows.index(item))
    with qtbot.waitSignal(window.bridge.run_finished, timeout=60_000) as retried:
        tab.retry_button.click()
    assert retried.args[0].summary.status == "ok", retried.args[0].summary.error
    qtbot.waitUntil(lambda: not any("C-GUI1" in str(r["record"]) for r in tab.errors.rows), timeout=30_000)


def test_event_bridge_can_be_drained_directly(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    apply_baseline()
    window.bridge.stop()  # the test drives the bridge itself
    seen: list[object] = []
    window.bridge.run_finished.connect(seen.append)
    window.worker.sync_now()
    qtbot.waitUntil(lambda: window.bridge.drain() >= 0 and bool(seen), timeout=60_000)
    assert type(seen[0]).__name__ == "RunFinished"
