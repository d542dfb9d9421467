"""The natural first path in the window: Sync now is refused (baseline needed), the Baseline tab plans
and applies, and then the live sync runs: a new Salesforce Account reaches Intacct."""

from __future__ import annotations

import threading
from typing import Any

from sfintacct_desktop.gui.baseline_tab import REPORT, REVIEW
from sfintacct_desktop.gui.main_window import MainWindow
from sfintacct_sandbox.runner import Sandbox
from tests.gui.helpers import sync_once
from tests.support.sync_env import ia_connector, sf_connector


def plan_in_window(qtbot: Any, win: MainWindow) -> dict[str, Any]:
    tab = win.baseline_tab
    win.tabs.setCurrentWidget(tab)
    with qtbot.waitSignal(tab.planned, timeout=60_000) as planned:
        tab.plan_button.click()
    qtbot.waitUntil(lambda: tab.pages.currentIndex() == REVIEW and tab.model.rowCount() > 0, timeout=30_000)
    return planned.args[0]


def test_sync_runs_after_a_baseline_applied_in_the_window(qtbot, window: MainWindow, sandbox: Sandbox) -> None:  # type: ignore[no-untyped-def]
    refused = sync_once(qtbot, window).summary
    assert refused.status == "failed" and refused.error.code == "BASELINE_REQUIRED"
    qtbot.waitUntil(lambda: window.worker.state == "paused", timeout=10_000)

    tab = window.baseline_tab
    plan_in_window(qtbot, window)
    tab.accept_all.click()
    with qtbot.waitSignal(tab.applied, timeout=120_000) as applied:
        tab.apply_button.click()
        assert tab.confirm_dialog is not None and tab.confirm_dialog.isVisible()
        tab.confirm_dialog.apply.click()
    assert applied.args[0]["status"] == "ok", applied.args[0]
    assert tab.pages.currentIndex() == REPORT
    assert "live sync is ready" in tab.report.toPlainText()

    # the refusal was about the missing baseline: it is gone, so is the pause
    qtbot.waitUntil(lambda: window.worker.state == "idle", timeout=10_000)
    qtbot.waitUntil(window.sync_tab.sync_button.isEnabled, timeout=10_000)
    sf = sf_connector(sandbox)
    created = sf.client.create_many("Account", [{"Name": "First Path Co", "AccountNumber": "FP-1"}])[0]
    assert created.success, created
    summary = sync_once(qtbot, window).summary
    assert summary.status == "ok", summary.error
    assert ia_connector(sandbox).customers_by_ids(["FP-1"])[0].name == "First Path Co"
    qtbot.waitUntil(lambda: window.sync_tab.state.text() == "Up to date", timeout=10_000)


def test_a_scheduled_window_syncs_by_itself_after_the_baseline(qtbot, sandbox: Sandbox) -> None:  # type: ignore[no-untyped-def]
    """With a schedule, the refused first tick pauses the worker; the applied baseline lets the
    next tick run without anyone pressing Sync now."""
    before = {t.ident for t in threading.enumerate()}
    win = MainWindow("sandbox", interval=1.0)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.worker.state == "paused", timeout=30_000)  # the first tick: baseline needed
        tab = win.baseline_tab
        plan_in_window(qtbot, win)
        tab.accept_all.click()
        with qtbot.waitSignal(tab.applied, timeout=120_000) as applied:
            tab.apply_button.click()
            tab.confirm_dialog.apply.click()
        assert applied.args[0]["status"] == "ok", applied.args[0]
        assert "It syncs every 1 seconds" in tab.report.toPlainText()
        sf = sf_connector(sandbox)
        assert sf.client.create_many("Account", [{"Name": "Scheduled Co", "AccountNumber": "FP-2"}])[0].success
        ia = ia_connector(sandbox)
        qtbot.waitUntil(lambda: bool(ia.customers_by_ids(["FP-2"])), timeout=60_000)
        assert win.worker.state in ("idle", "running")
    finally:
        win.close()
    assert not win.worker.is_alive()
    qtbot.waitUntil(lambda: {t.ident for t in threading.enumerate()} <= before, timeout=20_000)
