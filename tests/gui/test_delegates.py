"""The tables' one-call-per-cell delegates draw the same pixels as Qt's own delegate reading the
models' roles: tones kept on selected rows, check boxes, numbers to the right, IDs elided in the
middle of the review table."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QStyledItemDelegate, QTableView

from sfintacct_desktop.gui.main_window import STYLE
from sfintacct_desktop.gui.models.plan import IA_KEY, SF_KEY, PlanModel, ReviewFilter
from sfintacct_desktop.gui.models.rows import Column, RowsModel
from sfintacct_desktop.gui.review_delegate import ReviewDelegate
from sfintacct_desktop.gui.widgets import ToneDelegate, light_selection, table

REPO = Path(__file__).resolve().parents[2]


class _RolesDelegate(ToneDelegate):
    """What the review table drew with before: Qt's own reading of every role, plus the two rules."""

    def initStyleOption(self, option: Any, index: Any) -> None:
        super().initStyleOption(option, index)
        if index.column() in (SF_KEY, IA_KEY):
            option.textElideMode = Qt.TextElideMode.ElideMiddle


def _actions() -> list[dict[str, Any]]:
    actions: list[dict[str, Any]] = []
    for i in range(1, 30):
        name = f"Northwind {i}" if i % 5 else f"Northwind Trading and Logistics Partners of the Pacific {i}"
        a: dict[str, Any] = {"id": i, "entity": "customer", "writes": [], "name": name,
                             "salesforce": f"0015e000000{i:04d}QAAQXYZ", "accepted": i % 3 == 0}  # fmt: skip
        if i % 4 == 0:
            a.update(action="review", status="review", intacct=f"C-{i}", score=0.4,
                     reasons={"name": 0.2, "review_because": "the names differ"})  # fmt: skip
        elif i % 4 == 1:
            a.update(action="link", status="existing", intacct=f"C-{i}", score=1.0)
        elif i % 4 == 2:
            a.update(action="create", target="intacct", status="suggested")
        else:
            a.update(action="link", status="auto", intacct=f"C-{i}", intacct_name=f"Northwind {i} Inc", score=0.97)
        actions.append(a)
    return actions


def _pictures(
    qtbot: Any, delegate: str, style: str = "", then: str | None = None, rtl: bool = False
) -> list[QImage]:
    """The review table drawn with ``delegate``; with ``then``, drawn again after that style sheet."""
    model, rows = PlanModel(), ReviewFilter()
    model.set_rows(_actions())
    rows.setSourceModel(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setStyleSheet(style)
    if rtl:
        view.setLayoutDirection(Qt.LayoutDirection.RightToLeft)
    view.setModel(rows)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    light_selection(view)
    view.setColumnWidth(SF_KEY, 90)
    view.setColumnWidth(IA_KEY, 60)
    if delegate == "roles":
        view.setItemDelegate(QStyledItemDelegate(view))
        for col in range(rows.columnCount()):
            view.setItemDelegateForColumn(col, _RolesDelegate(view))
    else:
        view.setItemDelegate(ReviewDelegate(rows, view))
    # an existing (green), a needs-review (amber) and a ticked row selected
    pictures = _selected_pictures(qtbot, view, (1200, 700), (0, 3, 4))
    if then is not None:
        view.setStyleSheet(then)
        pictures += _selected_pictures(qtbot, view, (1200, 700), (0, 3, 4))
    return pictures


def _selected_pictures(qtbot: Any, view: QTableView, size: tuple[int, int], rows: tuple[int, ...]) -> list[QImage]:
    """The table shown at ``size``, drawn once with each of ``rows`` selected."""
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    pictures = []
    for row in rows:
        view.selectRow(row)
        qtbot.wait(20)
        pictures.append(view.viewport().grab().toImage())
    return pictures


@pytest.mark.parametrize("style", ["", STYLE, STYLE + "QWidget { font-size: 26px; }"], ids=["plain", "window", "large"])
def test_the_review_delegate_draws_what_the_roles_draw(qtbot: Any, style: str) -> None:
    """The same pixels with and without the window's style sheet, and at a large font: long names
    elided at the right, numbers to the right, status colours, selected rows."""
    ours, roles = _pictures(qtbot, "review", style), _pictures(qtbot, "roles", style)
    assert len(ours) == len(roles) == 3
    for mine, theirs in zip(ours, roles, strict=True):
        assert not mine.isNull() and mine.size() == theirs.size()
        assert mine == theirs


def test_the_review_delegate_follows_a_new_font_and_palette(qtbot: Any) -> None:
    """The delegate keeps the font's metrics and the palette's colours between cells: a style
    sheet set while the table is shown (another font size, another selection colour) is drawn as Qt draws it."""
    then = STYLE + "QWidget { font-size: 17px; } QTableView { selection-background-color: #fde68a; }"
    ours, roles = _pictures(qtbot, "review", "", then), _pictures(qtbot, "roles", "", then)
    assert len(ours) == len(roles) == 6
    assert ours[0] != ours[3]  # the new look is drawn
    for mine, theirs in zip(ours, roles, strict=True):
        assert mine == theirs


def test_the_review_delegate_draws_right_to_left_as_qt_does(qtbot: Any) -> None:
    """A right-to-left layout mirrors each cell's alignment: the delegate leaves those cells to Qt."""
    ours, roles = _pictures(qtbot, "review", STYLE, rtl=True), _pictures(qtbot, "roles", STYLE, rtl=True)
    for mine, theirs in zip(ours, roles, strict=True):
        assert mine == theirs


def _run_pictures(qtbot: Any, delegate: str) -> list[QImage]:
    columns = [
        Column("id", "#", right=True),
        Column("status", "Status", tone=lambda r: {"ok": "ok", "failed": "error"}.get(r["status"], "")),
        Column("errors", "Err.", right=True, tone=lambda r: "error" if r["errors"] else ""),
        Column("problem", "Problem", fmt=lambda r: r["problem"] or "—"),
    ]
    model = RowsModel(columns)
    model.set_rows([{"id": i, "status": ("ok", "failed", "running")[i % 3], "errors": i % 2,
                     "problem": "Could not reach Intacct" if i % 3 == 1 else ""} for i in range(1, 15)])  # fmt: skip
    view = table(model)
    qtbot.addWidget(view)
    if delegate == "roles":
        view.setItemDelegate(QStyledItemDelegate(view))
        for col in (1, 2):
            view.setItemDelegateForColumn(col, ToneDelegate(view))
    return _selected_pictures(qtbot, view, (700, 420), (0, 1, 4))


def test_the_rows_delegate_draws_what_the_roles_draw(qtbot: Any) -> None:
    ours, roles = _run_pictures(qtbot, "rows"), _run_pictures(qtbot, "roles")
    for mine, theirs in zip(ours, roles, strict=True):
        assert not mine.isNull() and mine == theirs


def test_the_review_delegate_draws_what_the_roles_draw_at_fractional_and_double_scaling() -> None:
    """At 150% and 200% (another process: the scale is read when Qt starts) the text lands on the
    same device pixels as Qt's, whose positions are fractions of a logical pixel there."""
    if os.environ.get("SFINTACCT_TEST_SCALED"):
        pytest.skip("already the scaled run")
    for factor in ("1.5", "2"):
        env = {**os.environ, "QT_SCALE_FACTOR": factor, "SFINTACCT_TEST_SCALED": "1", "QT_QPA_PLATFORM": "offscreen"}
        argv = [sys.executable, "-m", "pytest", "-q", "-n0", "-p", "no:cacheprovider", f"{__file__}::{_SAME.__name__}"]
        proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=str(REPO), timeout=120)
        assert proc.returncode == 0 and " passed" in proc.stdout, f"at {factor}x:\n{proc.stdout[-3000:]}"


_SAME = test_the_review_delegate_draws_what_the_roles_draw
