"""The operator's journey, end to end, through the window's own widgets against the sandbox.

First run (no profile) → Try the sandbox → the main window on the demo company → a baseline planned,
reviewed, confirmed and applied in the Baseline tab → the live sync runs (up to date) → Intacct stops:
failing in the badge, the window title and the tray → Intacct is back on the same port: up to date
again. Separate tests take an error from the inbox to a retry and a conflict to its resolution.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sfintacct_desktop.__main__ import ensure_sandbox
from sfintacct_desktop.app import health as hl
from sfintacct_desktop.app.profile_editing import first_run
from sfintacct_desktop.gui.app import Launcher
from sfintacct_desktop.gui.baseline_tab import REPORT, REVIEW
from sfintacct_desktop.gui.main_window import MainWindow
from sfintacct_desktop.gui.welcome import WelcomeWindow
from sfintacct_desktop.wire.intacct import create, update
from sfintacct_sandbox.httpserver import EmulatorServer
from sfintacct_sandbox.runner import Sandbox
from tests.support.sync_env import ia_connector, sf_connector

LONG = 60_000  # generous: the machine is shared with other test runs


def settled(win: MainWindow, state: str) -> bool:
    """The health reads ``state`` and no re-read is in flight (the next one could change it)."""
    return win.health.health.state == state and not win.health._reading


def press_sync_now(qtbot: Any, win: MainWindow) -> Any:
    """Press Sync now on the Sync tab once it can be pressed; the finished run's summary."""
    tab = win.sync_tab
    win.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.sync_button.isEnabled(), timeout=LONG)
    with qtbot.waitSignal(win.bridge.run_finished, timeout=LONG) as done:
        tab.sync_button.click()
    return done.args[0].summary


def baseline_in_window(qtbot: Any, win: MainWindow) -> dict[str, Any]:
    """Plan, review (accept every suggestion), confirm and apply in the Baseline tab; the report."""
    tab = win.baseline_tab
    win.tabs.setCurrentWidget(tab)
    with qtbot.waitSignal(tab.planned, timeout=LONG):
        tab.plan_button.click()
    qtbot.waitUntil(lambda: tab.pages.currentIndex() == REVIEW and tab.model.rowCount() > 0, timeout=LONG)
    tab.accept_all.click()
    assert tab.apply_button.isEnabled()
    with qtbot.waitSignal(tab.applied, timeout=120_000) as applied:
        tab.apply_button.click()
        dialog = tab.confirm_dialog
        assert dialog is not None and dialog.isVisible()
        assert "Intacct" in dialog.text() and "Salesforce" in dialog.text()  # counts per system
        dialog.apply.click()
    report = applied.args[0]
    assert report["status"] == "ok", report
    qtbot.waitUntil(lambda: tab.pages.currentIndex() == REPORT, timeout=LONG)
    assert "live sync is ready" in tab.report.toPlainText()
    return report


def test_first_run_to_a_failure_and_back(qtbot, home: Path) -> None:  # type: ignore[no-untyped-def]
    before = {t.ident for t in threading.enumerate()}
    assert first_run()
    launcher = Launcher("sandbox", first_run=True, start_sandbox=lambda: ensure_sandbox("sandbox"))
    restarted: EmulatorServer | None = None
    try:
        page = launcher.start()
        assert isinstance(page, WelcomeWindow) and page.isVisible()
        page.sandbox_button.click()
        qtbot.waitUntil(lambda: launcher.window is not None and launcher.window.isVisible(), timeout=LONG)
        win = launcher.window
        assert win is not None and win.session.name == "sandbox" and win.kind_badge.text() == "Sandbox"
        assert not page.isVisible() and not first_run()
        sandbox: Sandbox = launcher.sandbox
        assert sandbox is not None  # the welcome page started it; the launcher stops it on quit
        qtbot.waitUntil(lambda: win.worker.state in ("idle", "paused"), timeout=LONG)

        baseline_in_window(qtbot, win)
        qtbot.waitUntil(lambda: win.worker.state == "idle", timeout=LONG)  # a refused first tick's pause lifts

        tab = win.sync_tab
        seen: dict[str, Any] = {}

        def started(_ev: Any) -> None:  # what the operator sees while the cycle runs
            seen.setdefault("buttons", (tab.sync_button.isEnabled(), win.menus.sync_now.isEnabled()))

        win.bridge.run_started.connect(started)
        summary = press_sync_now(qtbot, win)
        win.bridge.run_started.disconnect(started)
        assert summary.status == "ok", summary.error
        assert seen["buttons"] == (False, False)  # no second cycle while one runs
        qtbot.waitUntil(lambda: settled(win, hl.UP_TO_DATE), timeout=LONG)
        assert tab.state.text() == "Up to date" and tab.state.tone == "ok"
        assert win.windowTitle() == "sfintacct — sandbox: up to date"
        assert win.tray.icon.toolTip().startswith("sfintacct — sandbox: up to date")

        port = sandbox.ia_server.port
        sandbox.ia_server.stop()  # Intacct goes away
        failed = press_sync_now(qtbot, win)
        assert failed.status == "failed" and failed.error is not None
        qtbot.waitUntil(lambda: settled(win, hl.FAILING), timeout=LONG)
        title = failed.error.title
        assert tab.state.text() == f"Failing: {title}" and tab.state.tone == "error"
        assert win.windowTitle() == "sfintacct — sandbox: failing"
        tip = win.tray.icon.toolTip()
        assert tip.startswith("sfintacct — sandbox: failing") and title in tip
        assert not tab.state_reason.isHidden() and tab.state_reason.title.text() == title

        restarted = EmulatorServer(sandbox.intacct, "127.0.0.1", port).start()  # back on the same port
        sandbox.ia_server = restarted
        recovered = press_sync_now(qtbot, win)
        assert recovered.status == "ok", recovered.error
        qtbot.waitUntil(lambda: settled(win, hl.UP_TO_DATE), timeout=LONG)
        assert tab.state.text() == "Up to date" and tab.state_reason.isHidden()
        assert win.windowTitle() == "sfintacct — sandbox: up to date"
        assert "up to date" in win.tray.icon.toolTip()
    finally:
        if launcher.window is not None:
            launcher.window.close()
        launcher.shutdown()  # joins the worker, then stops the emulators the welcome page started
        if restarted is not None:
            restarted.stop()  # stopping twice is harmless; its thread must end with the test
    assert launcher.sandbox is None
    qtbot.waitUntil(lambda: {t.ident for t in threading.enumerate()} <= before, timeout=LONG)


def test_an_inbox_error_fixed_at_the_source_and_retried(qtbot, window: MainWindow, sandbox: Sandbox) -> None:  # type: ignore[no-untyped-def]
    baseline_in_window(qtbot, window)
    ia = ia_connector(sandbox)
    # Salesforce's BillingCity holds 40 characters, Intacct's CITY more: Salesforce refuses this one
    body = {"CUSTOMERID": "C-JNY1", "NAME": "Journey Long City", "DISPLAYCONTACT": {"MAILADDRESS": {"CITY": "Y" * 60}}}
    assert ia.client.call([create("CUSTOMER", body)])[0].ok
    assert press_sync_now(qtbot, window).status == "ok"  # the run went through; the record did not
    tab = window.sync_tab
    qtbot.waitUntil(lambda: any("C-JNY1" in str(r["record"]) for r in tab.errors.rows), timeout=LONG)
    qtbot.waitUntil(lambda: settled(window, hl.ATTENTION), timeout=LONG)
    assert tab.state.text().startswith("Needs attention")
    assert window.windowTitle() == "sfintacct — sandbox: needs attention"

    fix = {"CUSTOMERID": "C-JNY1", "DISPLAYCONTACT": {"MAILADDRESS": {"CITY": "Short"}}}
    assert ia.client.call([update("CUSTOMER", fix)])[0].ok
    tab.parts.setCurrentIndex(1)  # the Error inbox
    row = next(n for n, r in enumerate(tab.errors.rows) if "C-JNY1" in str(r["record"]))
    tab.errors_view.selectRow(row)
    assert tab.retry_button.isEnabled()
    with qtbot.waitSignal(window.bridge.run_finished, timeout=LONG) as retried:
        tab.retry_button.click()
    assert retried.args[0].summary.status == "ok", retried.args[0].summary.error
    qtbot.waitUntil(lambda: not any("C-JNY1" in str(r["record"]) for r in tab.errors.rows), timeout=LONG)
    qtbot.waitUntil(lambda: settled(window, hl.UP_TO_DATE), timeout=LONG)
    sf = sf_connector(sandbox)
    try:
        got = sf.client.query_all("SELECT Name, BillingCity FROM Account WHERE Name = 'Journey Long City'")
    finally:
        sf.client.close()
    assert [r["BillingCity"] for r in got] == ["Short"]


def test_a_conflict_resolved_from_the_sync_tab(qtbot, window: MainWindow, sandbox: Sandbox) -> None:  # type: ignore[no-untyped-def]
    baseline_in_window(qtbot, window)
    sf, ia = sf_connector(sandbox), ia_connector(sandbox)
    made = sf.client.create_many("Account", [{"Name": "Journey Base", "AccountNumber": "JNYCF"}])[0]
    assert made.success, made
    assert press_sync_now(qtbot, window).status == "ok"  # the two are linked
    assert sf.client.update_many("Account", [{"Id": made.id, "Name": "Journey SF"}])[0].success
    assert ia.client.call([update("CUSTOMER", {"CUSTOMERID": "JNYCF", "NAME": "Journey IA"})])[0].ok
    assert press_sync_now(qtbot, window).status == "ok"
    tab = window.sync_tab
    qtbot.waitUntil(lambda: any(r["record"] == "JNYCF" for r in tab.conflicts.rows), timeout=LONG)
    qtbot.waitUntil(lambda: settled(window, hl.ATTENTION), timeout=LONG)

    tab.parts.setCurrentIndex(tab.parts.indexOf(tab.conflicts_box))
    tab.conflicts_view.selectRow(next(n for n, r in enumerate(tab.conflicts.rows) if r["record"] == "JNYCF"))
    assert tab.take_ia.isEnabled()
    with qtbot.waitSignal(window.bridge.run_finished, timeout=LONG) as done:
        tab.take_ia.click()
    assert done.args[0].summary.status == "ok", done.args[0].summary.error
    qtbot.waitUntil(lambda: tab.conflicts.rowCount() == 0, timeout=LONG)
    qtbot.waitUntil(lambda: settled(window, hl.UP_TO_DATE), timeout=LONG)
    assert sf.client.query_all(f"SELECT Id, Name FROM Account WHERE Id = '{made.id}'")[0]["Name"] == "Journey IA"
    assert ia.customers_by_ids(["JNYCF"])[0].name == "Journey IA"
    sf.client.close()
