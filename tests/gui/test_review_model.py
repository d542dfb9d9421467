"""The review table's model: a sort puts the rows in each column's prepared order (sorting again
changes nothing), the filter's answers and the selection move with their rows, and the accepted
count follows every tick."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt

from sfintacct_desktop.gui.models.plan import ACCEPT, COLUMNS, ID, SCORE, SF_NAME, PlanModel, ReviewFilter, _sort_key

DESC, ASC = Qt.SortOrder.DescendingOrder, Qt.SortOrder.AscendingOrder


def _actions(n: int = 60) -> list[dict[str, Any]]:
    names = ("Northwind", "globex", "Initech", "acme", "Umbrella", "Acme")
    return [
        {"id": i, "entity": "customer", "action": ("link", "create", "review")[i % 3], "target": "intacct",
         "status": ("auto", "suggested", "review")[i % 3], "salesforce": f"001{i:03d}", "intacct": f"C-{i}",
         "name": f"{names[i % 6]} {i % 7}", "accepted": i % 4 == 0, "score": round((i * 37 % 100) / 100, 2),
         "writes": []}
        for i in range(1, n + 1)
    ]  # fmt: skip


def _model() -> tuple[PlanModel, ReviewFilter]:
    model, rows = PlanModel(), ReviewFilter()
    model.set_rows(_actions())
    rows.setSourceModel(model)
    return model, rows


def test_each_column_sorts_into_the_order_of_its_keys_both_ways(qtbot: Any) -> None:
    model, rows = _model()
    for column in range(1, len(COLUMNS)):
        for order in (ASC, DESC):
            rows.sort(column, order)
            expected = sorted(model.rows, key=lambda r, c=column: _sort_key(r, c), reverse=order == DESC)
            assert [r.id for r in model.rows] == [r.id for r in expected], (COLUMNS[column][0], order)
            assert [rows.index(i, ID).data() for i in range(3)] == [str(r.id) for r in expected[:3]]


def test_sorting_again_by_the_same_column_changes_nothing_but_the_accept_column_follows_ticks(qtbot: Any) -> None:
    model, rows = _model()
    rows.sort(SF_NAME, ASC)
    moved: list[int] = []
    model.layoutChanged.connect(lambda *_: moved.append(1))
    rows.sort(SF_NAME, ASC)  # what QTableView.sortByColumn asks a second time
    assert moved == []
    rows.sort(ACCEPT, DESC)
    assert model.actions[0]["accepted"] and model.rows[0].id == 60  # ticked first, the highest number first
    model.set_all(False, suggested_only=False)
    lowest = min(i for i, r in enumerate(model.rows) if r.decidable and r.id < 10)
    model.setData(model.index(lowest, ACCEPT), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    ticked = model.rows[lowest].id
    rows.sort(ACCEPT, DESC)  # the same column and order: sorted again, the one tick comes first
    assert len(moved) == 2 and model.rows[0].id == ticked and model.actions[0]["accepted"]


def test_the_filter_and_the_selection_move_with_their_rows_through_a_sort(qtbot: Any) -> None:
    model, rows = _model()
    rows.set_filter(text="acme")
    shown_ids = {rows.index(i, ID).data() for i in range(rows.rowCount())}
    assert shown_ids and all("acme" in model.haystack[src] for src in rows.shown)
    selection = QItemSelectionModel(rows)
    chosen = rows.index(2, ID)
    chosen_id = chosen.data()
    selection.select(chosen, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
    for column, order in ((SCORE, DESC), (SF_NAME, ASC), (ID, DESC)):
        rows.sort(column, order)
        assert {rows.index(i, ID).data() for i in range(rows.rowCount())} == shown_ids  # the same rows pass
        picked = selection.selectedRows(ID)
        assert [i.data() for i in picked] == [chosen_id]  # the selected row is still the one chosen
        model.criteria = model.criteria  # judged afresh: the moved answers agree
        assert rows.shown == model.passing()
    rows.set_filter(text="")
    assert [i.data() for i in selection.selectedRows(ID)] == [chosen_id]


def test_the_accepted_count_follows_every_tick(qtbot: Any) -> None:
    model, _ = _model()

    def counted() -> int:
        return sum(1 for r, a in zip(model.rows, model.actions, strict=True) if r.decidable and a.get("accepted"))

    assert model.accepted_count() == counted() > 0
    row = next(i for i, r in enumerate(model.rows) if r.decidable and not model.actions[i].get("accepted"))
    model.setData(model.index(row, ACCEPT), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole)
    assert model.accepted_count() == counted()
    model.set_all(False, suggested_only=False)
    assert model.accepted_count() == 0
    model.accept_above(0.5)
    assert model.accepted_count() == counted() > 0
    model.set_rows(_actions(10))
    assert model.accepted_count() == counted()
