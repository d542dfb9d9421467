"""The baseline wizard on the demo company: plan, review (sort, filter, bulk accept, details),
confirmation with the counts the load then writes, progress, a stopped load and its continuation,
and the CSV exports."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from sfintacct_desktop.app.baseline_review import write_counts
from sfintacct_desktop.config.profiles import get_profile, save_profile
from sfintacct_desktop.gui.baseline_tab import APPLY, REPORT, REVIEW
from sfintacct_desktop.gui.main_window import MainWindow
from sfintacct_desktop.gui.models.plan import ACCEPT, ID, SCORE, PlanModel, ReviewFilter
from sfintacct_sandbox.runner import Sandbox
from tests.gui.test_baseline_first_path import plan_in_window
from tests.support.sync_env import ia_connector, sf_connector


def _record_counts(sandbox: Sandbox) -> dict[str, int]:
    """Accounts and Products in Salesforce, CUSTOMERs and ITEMs in Intacct, read over the wire."""
    sf, ia = sf_connector(sandbox), ia_connector(sandbox)
    return {
        "Account": len(sf.client.query_all("SELECT Id FROM Account")),
        "Product": len(sf.client.query_all("SELECT Id FROM Product2")),
        "CUSTOMER": sum(len(page) for page in ia.read_customers()),
        "ITEM": sum(len(page) for page in ia.read_products()),
    }


def _created(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: after[k] - before[k] for k in before}


def _apply(qtbot: Any, tab: Any) -> dict[str, Any]:
    with qtbot.waitSignal(tab.applied, timeout=120_000) as applied:
        tab.apply_button.click() if tab.pages.currentIndex() == REVIEW else tab.report_page.apply_again.click()
        tab.confirm_dialog.apply.click()
    return applied.args[0]


def test_review_sorts_filters_and_bulk_accepts_above_a_score(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    tab = window.baseline_tab
    doc = plan_in_window(qtbot, window)
    assert tab.model.rowCount() == len(doc["actions"]) and tab.proxy.rowCount() == len(doc["actions"])
    assert f"link {doc['counts']['customer']['links_auto']}" in tab.counts.text()
    assert tab.model.accepted_count() == 0 and not tab.apply_button.isEnabled()

    # sort by score, highest first: numbers as numbers
    tab.view.sortByColumn(SCORE, Qt.SortOrder.DescendingOrder)
    shown = [tab.proxy.index(i, SCORE).data() for i in range(tab.proxy.rowCount())]
    scores = [float(x) if x else -1.0 for x in shown]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0 and scores[-1] == -1.0
    tab.view.selectRow(0)
    selected = tab.model.rows[tab.proxy.mapToSource(tab.view.currentIndex()).row()].id
    tab.view.sortByColumn(ID, Qt.SortOrder.AscendingOrder)
    ids = [int(tab.proxy.index(i, ID).data()) for i in range(tab.proxy.rowCount())]
    assert ids == sorted(ids)
    assert tab.model.rows[tab.proxy.mapToSource(tab.view.currentIndex()).row()].id == selected  # kept

    # filter by text, by proposed action, by status
    name = next(a["name"] for a in doc["actions"] if a["action"] == "link" and a["entity"] == "customer")
    tab.review.search.setText(name)
    assert 1 <= tab.proxy.rowCount() < 5
    assert name in tab.proxy.index(0, 6).data()
    tab.review.search.setText("")
    tab.review.decision.setCurrentIndex(tab.review.decision.findData("create_salesforce"))
    creates = sum(1 for a in doc["actions"] if a["action"] == "create" and a.get("target") == "salesforce")
    assert tab.proxy.rowCount() == creates > 0
    assert f"{creates:,} of {len(doc['actions']):,} shown" == tab.review.shown.text()
    tab.review.decision.setCurrentIndex(0)
    tab.review.status.setCurrentIndex(tab.review.status.findData("review"))
    review = sum(1 for a in doc["actions"] if a["action"] == "review" or a.get("status") == "review")
    assert tab.proxy.rowCount() == review > 0

    # the details of a row: every reason, side by side
    tab.view.selectRow(0)
    source = tab.model.rows[tab.proxy.mapToSource(tab.proxy.index(0, 0)).row()]
    assert tab.review.detail.toPlainText() == source.details and "Salesforce:" in source.details
    tab.review.status.setCurrentIndex(0)

    # bulk accept above a score: exactly the decidable actions scored that high
    tab.review.threshold.setValue(0.99)
    tab.review.accept_above.click()
    high = [a for a in doc["actions"] if isinstance(a.get("score"), float | int) and a["score"] >= 0.99]
    assert tab.model.accepted_count() == len(high) > 0 and tab.apply_button.isEnabled()
    tab.review.status.setCurrentIndex(tab.review.status.findData("accepted"))
    assert tab.proxy.rowCount() == len(high)
    tab.review.status.setCurrentIndex(0)
    tab.review.reject_all.click()
    assert tab.model.accepted_count() == 0

    tab.accept_all.click()  # every suggestion, none needing review
    accepted = tab.model.accepted_count()
    assert not any(a.get("accepted") for a in doc["actions"] if a["action"] == "review" or a.get("status") == "review")
    row = next(i for i, a in enumerate(tab.model.actions) if a.get("accepted") and a["action"] == "create")
    untick = Qt.CheckState.Unchecked.value
    assert tab.model.setData(tab.model.index(row, ACCEPT), untick, Qt.ItemDataRole.CheckStateRole)
    assert tab.model.accepted_count() == accepted - 1


def test_confirmation_counts_match_what_the_load_writes_and_the_exports_read_back(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, sandbox: Sandbox, tmp_path: Path
) -> None:
    tab = window.baseline_tab
    plan_in_window(qtbot, window)
    tab.accept_all.click()
    doc = tab.doc  # the reviewed plan, with the person's ticks
    planned = write_counts(doc)
    tab.apply_button.click()
    dialog = tab.confirm_dialog
    assert dialog is not None and dialog.isVisible()
    text = dialog.text()
    accounts = planned["salesforce"]["customer"]["create"]
    customers = planned["intacct"]["customer"]["create"]
    assert f"Salesforce: {accounts:,} Accounts created, {planned['salesforce']['customer']['update']:,} updated" in text
    assert f"Intacct: {customers:,} CUSTOMERs created" in text
    before = _record_counts(sandbox)
    with qtbot.waitSignal(tab.applied, timeout=120_000) as applied:
        dialog.apply.click()
        assert tab.pages.currentIndex() == APPLY
    report = applied.args[0]
    assert report["status"] == "ok", report
    created = _created(before, _record_counts(sandbox))
    assert created == {
        "Account": accounts,
        "Product": planned["salesforce"]["product"]["create"],
        "CUSTOMER": customers,
        "ITEM": planned["intacct"]["product"]["create"],
    }
    assert report["applied"]["customer salesforce create"] == accounts
    for system in ("salesforce", "intacct"):  # every planned write happened, updates too
        for entity, ops in planned[system].items():
            for op, n in ops.items():
                assert report["applied"].get(f"{entity} {system} {op}") == n, (entity, system, op)
    shown = tab.apply_page.bars["customer"]
    assert shown.value() == shown.maximum() > 0  # the bar reached every accepted customer
    assert tab.pages.currentIndex() == REPORT
    text = tab.report.toPlainText()
    assert f"Salesforce: {accounts:,} Accounts created" in text and "live sync is ready" in text
    assert "{" not in text  # words, no dict

    for export, name in ((tab.export_review, "review.csv"), (tab.export_report, "report.csv")):
        with qtbot.waitSignal(tab.exported, timeout=30_000) as done:
            export(str(tmp_path / name))
        assert done.args == [str(tmp_path / name), done.args[1]]
    with (tmp_path / "review.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == len(doc["actions"])
    assert sum(r["accepted"] == "true" for r in rows) == tab.model.accepted_count()
    with (tmp_path / "report.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    account_row = next(r for r in rows if r["object"] == "Accounts" and r["operation"] == "create")
    assert int(account_row["planned"]) == int(account_row["done"]) == accounts


def _stop_when_customers_started(tab: Any) -> Any:
    def on_progress(*_: Any) -> None:
        if tab.apply_page.bars["customer"].value() > 0 and tab.task is not None:
            tab.apply_page.stop.click()

    return on_progress


@pytest.fixture
def small_batches(sandbox: Sandbox) -> None:
    """Batches of 25 records (before the window opens), so a load has many batches to stop between."""
    profile = get_profile("sandbox")
    save_profile("sandbox", {**profile, "sync": {**(profile.get("sync") or {}), "batch_size": 25}})


def test_a_stopped_load_reports_what_was_written_and_applying_again_continues(  # type: ignore[no-untyped-def]
    qtbot, small_batches: None, window: MainWindow, sandbox: Sandbox
) -> None:
    tab = window.baseline_tab
    plan_in_window(qtbot, window)
    tab.accept_all.click()
    doc = tab.doc  # the reviewed plan, with the person's ticks
    planned = write_counts(doc)
    before = _record_counts(sandbox)
    tab.apply_button.click()
    stopper = _stop_when_customers_started(tab)
    tab.apply_page.bars["customer"].valueChanged.connect(stopper)
    with qtbot.waitSignal(tab.applied, timeout=120_000) as applied:
        tab.confirm_dialog.apply.click()
    report = applied.args[0]
    assert report["status"] == "interrupted", report
    created = _created(before, _record_counts(sandbox))
    done = report["applied"]
    assert created["Account"] == done.get("customer salesforce create", 0)
    assert created["CUSTOMER"] == done.get("customer intacct create", 0)
    assert created["Product"] == created["ITEM"] == 0  # stopped in the customers: products never started
    text = tab.report.toPlainText()
    assert "stopped" in text and "Not written yet:" in text and "continues" in text
    progress = report["progress"]["customer"]
    assert f"customers {progress['done']:,} of" in text and progress["done"] < progress["total"]
    assert f"{created['Account']:,} Accounts created" in text or created["Account"] == 0
    assert "live sync is ready" not in text
    assert not tab.report_page.apply_again.isHidden()

    # the live sync stays refused meanwhile (nothing is duplicated) and says what to do
    def not_the_load(event: Any) -> bool:
        return bool(event.summary.run_id != report["run_id"])

    qtbot.waitUntil(window.sync_tab.sync_button.isEnabled, timeout=10_000)  # the load's run has ended there too
    with qtbot.waitSignal(window.bridge.run_finished, timeout=60_000, check_params_cb=not_the_load) as refused:
        window.sync_tab.sync_button.click()
    assert refused.args[0].summary.error is not None, refused.args[0].summary
    assert refused.args[0].summary.error.title == "Baseline load not finished"

    tab.apply_page.bars["customer"].valueChanged.disconnect(stopper)
    second = _apply(qtbot, tab)
    assert second["status"] == "ok", second
    created = _created(before, _record_counts(sandbox))
    assert created["Account"] == planned["salesforce"]["customer"]["create"]  # no duplicate, none missing
    assert created["CUSTOMER"] == planned["intacct"]["customer"]["create"]
    text = tab.report.toPlainText()  # both runs added up: what the two systems gained
    assert "Written in total:" in text and f"Intacct: {created['CUSTOMER']:,} CUSTOMERs created" in text
    assert f"run {report['run_id']} stopped, run {second['run_id']} finished" in text
    qtbot.waitUntil(lambda: window.worker.state == "idle", timeout=10_000)


def test_review_model_alone_sorts_numbers_and_keeps_review_rows_out_of_accept_all(qtbot) -> None:  # type: ignore[no-untyped-def]
    rows = [
        {"id": 1, "entity": "customer", "action": "create", "target": "intacct", "status": "suggested",
         "salesforce": "001A", "name": "Northwind", "accepted": False, "writes": [],
         "partner": {"key": "C-5", "name": "Acme Corp", "evidence": ["same phone"], "why": "names differ"}},
        {"id": 2, "entity": "customer", "action": "review", "status": "review", "salesforce": "001B",
         "intacct": "C-6", "name": "Globex", "accepted": False, "score": 0.3, "writes": [],
         "reasons": {"name": 0.2, "phone": "same", "review_because": "same phone; the names differ"}},
        {"id": 10, "entity": "customer", "action": "link", "status": "auto", "salesforce": "001C",
         "intacct": "C-7", "name": "Initech", "intacct_name": "Initech Inc", "accepted": False, "score": 0.97,
         "writes": []},
    ]  # fmt: skip
    model = PlanModel()
    model.set_rows(rows)
    proxy = ReviewFilter()
    proxy.setSourceModel(model)
    proxy.sort(ID, Qt.SortOrder.DescendingOrder)
    assert [proxy.index(i, ID).data() for i in range(3)] == ["10", "2", "1"]  # 10 after 2: numbers
    by_id = {r.id: i for i, r in enumerate(model.rows)}  # the model itself holds the sorted order
    assert "Plausible partner: C-5 (Acme Corp)" in model.rows[by_id[1]].details
    assert model.rows[by_id[2]].reason.startswith("same phone; the names differ (")
    assert model.data(model.index(by_id[10], 8)) == "Initech Inc"  # each side's own name
    assert model.set_all(True) == 2 and not rows[1]["accepted"]
    assert model.accept_above(0.25) == 1 and rows[1]["accepted"]
    proxy.set_filter(text="globex")
    assert proxy.rowCount() == 1


def test_the_rows_shown_are_the_rows_each_passing_the_filter(qtbot) -> None:  # type: ignore[no-untyped-def]
    """``passing`` (one pass, run by every filter and sort) agrees with ``passes`` row by row."""
    rows = [
        {"id": i, "entity": "customer", "action": ("link", "create", "review")[i % 3], "target": "intacct",
         "status": ("auto", "suggested", "review")[i % 3], "salesforce": f"001{i}", "intacct": f"C-{i}",
         "name": ("Northwind", "Globex", "Initech")[i % 3] + f" {i}", "accepted": i % 4 == 0,
         "score": round(i / 40, 2), "writes": []}
        for i in range(1, 40)
    ]  # fmt: skip
    model = PlanModel()
    model.set_rows(rows)
    every = (("", "", ""), ("glob", "", ""), ("", "create", ""), ("", "", "review"), ("", "", "accepted"),
             ("", "", "not_accepted"), ("init", "", "accepted"), ("zzz", "", ""))  # fmt: skip
    for criteria in every:
        model.criteria = criteria
        shown = model.passing()
        model.criteria = criteria  # judged afresh for the row-by-row answer
        assert shown == [i for i in range(len(rows)) if model.passes(i)], criteria
    assert model.passing() == []  # nothing matches "zzz"
