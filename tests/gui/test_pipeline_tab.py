"""The Pipeline tab on the demo sandbox: Refresh (off the GUI thread, one Salesforce API call) fills the
tables, totals, chart and waiting list; Export writes the CSV; a stopped Salesforce reads as an error."""

from __future__ import annotations

import csv
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from sfintacct_desktop.gui.main_window import MainWindow


def _open_by_stage(sandbox: Any) -> dict[str, tuple[int, Decimal]]:
    """The expectation, from the emulator's own rows (not through SOQL)."""
    out: dict[str, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for row in sandbox.salesforce.org.rows("Opportunity"):
        if not row.get("IsDeleted") and not row.get("IsClosed"):
            out[row["StageName"]][0] += 1
            out[row["StageName"]][1] += Decimal(str(row.get("Amount") or 0))
    return {k: (n, a) for k, (n, a) in out.items()}


def test_refresh_fills_the_tab_in_one_api_call(qtbot, window: MainWindow, sandbox: Any, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    tab = window.pipeline_tab
    window.tabs.setCurrentWidget(tab)
    assert tab.refresh_button.text() == "Refresh (1 Salesforce API call)"
    assert not tab.export_button.isEnabled() and tab.stage_model.rowCount() == 0  # nothing read before Refresh
    before = sandbox.salesforce.stats.snapshot()["api_calls"]
    with qtbot.waitSignal(tab.loaded, timeout=60_000) as loaded:
        tab.refresh_button.click()
        assert not tab.refresh_button.isEnabled()  # the read runs in the background; the window stays live
    assert sandbox.salesforce.stats.snapshot()["api_calls"] - before == 1
    p = loaded.args[0]
    want = _open_by_stage(sandbox)
    shown = {tab.stage_model.row(i)["key"]: tab.stage_model.row(i) for i in range(tab.stage_model.rowCount())}
    assert set(shown) == set(want) | {"Total"}
    for stage, (n, amount) in want.items():
        assert shown[stage]["count"] == n and shown[stage]["amount"] == amount
    assert shown["Total"]["amount"] == sum(a for _, a in want.values())
    assert tab.month_model.rowCount() == len(p.read.by_month) + 1
    assert tab.waiting_model.rowCount() == len(p.read.waiting)
    assert "Open: " in tab.totals.text() and "USD" in tab.totals.text()
    assert len(tab.chart.plotItem.items) >= 2  # amount and weighted bars
    assert tab.export_button.isEnabled()

    target = tmp_path / "pipeline.csv"
    calls = sandbox.salesforce.stats.snapshot()["api_calls"]
    tab.export_csv(str(target))
    qtbot.waitUntil(lambda: target.exists() and "Exported" in tab.status.text(), timeout=10_000)
    rows = list(csv.DictReader(target.open(newline="")))
    assert {r["key"] for r in rows if r["section"] == "stage"} == set(want)
    assert sandbox.salesforce.stats.snapshot()["api_calls"] == calls  # the export reads nothing again


def test_refresh_when_salesforce_is_down_shows_an_error(qtbot, window: MainWindow, sandbox: Any) -> None:  # type: ignore[no-untyped-def]
    tab = window.pipeline_tab
    window.tabs.setCurrentWidget(tab)
    sandbox.sf_server.stop()
    tab.refresh_button.click()
    qtbot.waitUntil(lambda: tab.refresh_button.isEnabled() and tab.error.isVisible(), timeout=60_000)
    assert tab.stage_model.rowCount() == 0 and not tab.export_button.isEnabled()
    assert "could not be read" in tab.status.text()
