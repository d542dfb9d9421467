"""The baseline wizard on the demo company: plan with counts, review, apply, report."""

from __future__ import annotations

from PySide6.QtCore import Qt

from sfintacct_desktop.gui.baseline_tab import APPLY, REPORT, REVIEW
from sfintacct_desktop.gui.main_window import MainWindow


def test_wizard_plans_reviews_and_applies(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    tab = window.baseline_tab
    with qtbot.waitSignal(tab.planned, timeout=60_000) as planned:
        tab.plan_button.click()
    doc = planned.args[0]
    assert tab.pages.currentIndex() == REVIEW
    counts = doc["counts"]
    assert counts["customer"]["links_auto"] > 0
    assert f"{counts['customer']['links_auto']} links proposed" in tab.counts.text()
    assert tab.model.rowCount() == len(doc["actions"]) > 0
    assert tab.model.accepted_count() == 0 and not tab.apply_button.isEnabled()

    # a reason is shown for what needs review, and the filter narrows to those
    tab.only_review.setChecked(True)
    assert 0 < tab.proxy.rowCount() < tab.model.rowCount()
    tab.only_review.setChecked(False)

    tab.accept_all.click()
    accepted = tab.model.accepted_count()
    assert accepted > 0 and tab.apply_button.isEnabled()
    assert not any(a.get("accepted") for a in tab.model.rows if a.get("status") == "review" or a["action"] == "review")
    # untick one through the check box, as a person does
    row = next(i for i, a in enumerate(tab.model.rows) if a.get("accepted") and a["action"] == "create")
    assert tab.model.setData(tab.model.index(row, 0), Qt.CheckState.Unchecked.value, Qt.ItemDataRole.CheckStateRole)
    assert tab.model.accepted_count() == accepted - 1

    with qtbot.waitSignal(tab.applied, timeout=120_000) as applied:
        tab.apply_button.click()
        assert tab.pages.currentIndex() == APPLY
    report = applied.args[0]
    assert report["status"] == "ok", report
    assert report["accepted_actions"] == accepted - 1
    assert tab.pages.currentIndex() == REPORT
    assert "live sync is ready" in tab.report.text()


def test_cancelled_plan_shows_the_error_panel(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    tab = window.baseline_tab
    tab.plan_button.click()
    tab.cancel()  # before the first page: the extract stops and nothing is written
    qtbot.waitUntil(lambda: window.runner.idle, timeout=60_000)
    if tab.pages.currentIndex() != REVIEW:  # a very fast plan may finish before the flag is seen
        assert not tab.error.isHidden() and tab.error.title.text() == "Cancelled"
        assert tab.plan_button.isEnabled()


def test_review_table_shows_a_creates_plausible_partner_and_why_a_pair_is_reviewed(qtbot) -> None:  # type: ignore[no-untyped-def]
    from sfintacct_desktop.gui.models.plan import COLUMNS, PlanModel

    partner = {
        "system": "intacct",
        "key": "C-5",
        "name": "Acme Corp",
        "score": 0.004,
        "evidence": ["same phone", "different address"],
        "paired_with": None,
        "why": "not proposed: the names and the address differ",
    }
    rows = [
        {"id": 1, "entity": "customer", "action": "create", "target": "intacct", "status": "suggested",
         "salesforce": "001A", "name": "Northwind", "accepted": False, "partner": partner, "writes": []},
        {"id": 2, "entity": "customer", "action": "review", "status": "review", "salesforce": "001B",
         "intacct": "C-6", "name": "Globex", "accepted": False, "score": 0.3, "writes": [],
         "reasons": {"name": 0.2, "phone": "same", "review_because": "same phone; the names differ"}},
    ]  # fmt: skip
    model = PlanModel()
    model.set_rows(rows)
    col = {c.title: i for i, c in enumerate(COLUMNS)}
    text = model.data(model.index(0, col["Plausible partner"]))
    assert text == "C-5 (Acme Corp): same phone, different address; not proposed: the names and the address differ"
    assert model.data(model.index(1, col["Plausible partner"])) == ""
    assert model.data(model.index(1, col["Reason"])).startswith("same phone; the names differ (")
