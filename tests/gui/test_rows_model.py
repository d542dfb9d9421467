"""The generic rows model re-shows a re-read table without a reset when the same records came back."""

from __future__ import annotations

from typing import Any

from sfintacct_desktop.gui.models.rows import Column, RowsModel

COLUMNS = [Column("id", "#"), Column("status", "Status")]


def _signals(model: RowsModel) -> list[str]:
    seen: list[str] = []
    model.modelReset.connect(lambda: seen.append("reset"))
    model.dataChanged.connect(lambda a, b, *_: seen.append(f"changed {a.row()}-{b.row()}"))
    return seen


def test_the_same_records_update_in_place_and_others_reset(qtbot: Any) -> None:
    model = RowsModel(COLUMNS)
    model.set_rows([{"id": 1, "status": "ok"}, {"id": 2, "status": "running"}])
    seen = _signals(model)
    assert model.update_rows([{"id": 1, "status": "ok"}, {"id": 2, "status": "running"}], "id") == "same"
    assert seen == []
    assert model.update_rows([{"id": 1, "status": "ok"}, {"id": 2, "status": "failed"}], "id") == "changed"
    assert seen == ["changed 1-1"] and model.rows[1]["status"] == "failed"
    assert (
        model.update_rows([{"id": 3, "status": "ok"}, {"id": 1, "status": "ok"}, {"id": 2, "status": "failed"}], "id")
        == "reset"
    )
    assert seen[-1] == "reset" and [r["id"] for r in model.rows] == [3, 1, 2]
    assert (
        model.update_rows([{"id": 1, "status": "ok"}, {"id": 3, "status": "ok"}, {"id": 2, "status": "failed"}], "id")
        == "reset"
    )
