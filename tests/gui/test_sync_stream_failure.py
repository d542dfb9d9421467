"""A stream whose Intacct read is refused shows its error on the Sync tab; the run is partial, not failed."""

from __future__ import annotations

from sfintacct_desktop.gui.main_window import MainWindow
from sfintacct_desktop.wire.intacct import create
from sfintacct_sandbox.runner import Sandbox
from tests.gui.helpers import apply_baseline, sync_once
from tests.support.sync_env import ia_connector


def test_a_refused_audit_trail_shows_on_the_stream_and_the_run(qtbot, window: MainWindow, sandbox: Sandbox) -> None:  # type: ignore[no-untyped-def]
    apply_baseline()
    tab = window.sync_tab
    assert sync_once(qtbot, window).summary.status == "ok"
    sandbox.intacct.refuse_reads["AUDITHISTORY:customer"] = "permission"
    user = ia_connector(sandbox)
    assert user.client.call([create("CUSTOMER", {"CUSTOMERID": "C-GUI-AUD", "NAME": "Audit Refused GUI Co"})])[0].ok
    finished = sync_once(qtbot, window)
    assert finished.summary.status == "partial", finished.summary.error
    run_id = finished.summary.run_id
    qtbot.waitUntil(  # the list may first show the run while it is still running
        lambda: bool(tab.runs.rows) and tab.runs.row(0)["run_id"] == run_id and tab.runs.row(0)["status"] != "running",
        timeout=30_000,
    )
    top = tab.runs.row(0)
    assert top["status"] == "partial"
    status_col = [c.key for c in tab.runs.columns].index("status")
    assert tab.runs.columns[status_col].tone(top) == "warn"  # neither OK-green nor failed-red
    qtbot.waitUntil(lambda: any(r["stream"] == "intacct.customers" for r in tab.streams.rows), timeout=10_000)
    row = next(r for r in tab.streams.rows if r["stream"] == "intacct.customers")
    col = [c.key for c in tab.streams.columns].index("failure")
    index = tab.streams.index(tab.streams.rows.index(row), col)
    title = tab.streams.data(index)
    assert title and "audit" in title.lower()
    tooltip = tab.streams.data(index, 3)  # ToolTipRole: message and hint
    assert row["failure"]["hint"] in tooltip and row["failure"]["message"] in tooltip
    problem = [c.key for c in tab.runs.columns].index("error")
    run_problem = tab.runs.data(tab.runs.index(0, problem))
    assert "intacct.customers" in run_problem and finished.summary.error.hint in run_problem
    # the customer itself still reached Salesforce
    names = {a["Name"] for a in window_accounts(sandbox)}
    assert "Audit Refused GUI Co" in names


def window_accounts(sandbox: Sandbox) -> list[dict]:
    from tests.support.sync_env import sf_connector

    return sf_connector(sandbox).client.query_all("SELECT Id, Name FROM Account")
