"""A read-only table model over a list of dicts, described by :class:`Column` specs.

Why one generic model: every table in the window shows rows the app layer already shaped as
JSON-like dicts (runs, errors, conflicts, invoices); only the columns differ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

Index = QModelIndex | QPersistentModelIndex
ROOT = QModelIndex()

# Status colours always come with the status text (never colour alone).
OK, WARN, BAD = QColor("#1e7b34"), QColor("#9a6700"), QColor("#b42318")
TONES = {"ok": OK, "warn": WARN, "error": BAD}


def money(value: Any) -> str:
    """'12700.00' -> '12,700.00' (blank stays blank)."""
    if value in (None, ""):
        return ""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    fmt: Callable[[dict[str, Any]], str] | None = None  # text from the whole row
    right: bool = False  # numbers and money
    tooltip: Callable[[dict[str, Any]], str] | None = None
    tone: Callable[[dict[str, Any]], str] | None = None  # "ok" | "warn" | "error" | ""
    tip: str = ""  # header tooltip: the full meaning of a short header

    def text(self, row: dict[str, Any]) -> str:
        if self.fmt is not None:
            return self.fmt(row)
        value = row.get(self.key)
        return "" if value is None else str(value)


class RowsModel(QAbstractTableModel):
    def __init__(self, columns: list[Column], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.rows: list[dict[str, Any]] = []

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def row(self, index: int) -> dict[str, Any]:
        return self.rows[index]

    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section].title
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.ToolTipRole:
            return self.columns[section].tip or None
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.TextAlignmentRole:
            right = self.columns[section].right
            return int(Qt.AlignmentFlag.AlignRight if right else Qt.AlignmentFlag.AlignLeft) | int(
                Qt.AlignmentFlag.AlignVCenter
            )
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row, col = self.rows[index.row()], self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            horizontal = Qt.AlignmentFlag.AlignRight if col.right else Qt.AlignmentFlag.AlignLeft
            return int(horizontal) | int(Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ToolTipRole and col.tooltip is not None:
            return col.tooltip(row) or None
        if role == Qt.ItemDataRole.ForegroundRole and col.tone is not None:
            colour = TONES.get(col.tone(row))
            return QBrush(colour) if colour is not None else None
        return None

    def replace_row(self, index: int, row: dict[str, Any]) -> None:
        """Change one row in place (a running run's counts): the view keeps its selection."""
        if not 0 <= index < len(self.rows):
            return
        self.rows[index] = row
        self.dataChanged.emit(self.index(index, 0), self.index(index, len(self.columns) - 1))

    def insert_row(self, index: int, row: dict[str, Any]) -> None:
        """Add one row (the run that just started, at the top)."""
        index = max(0, min(index, len(self.rows)))
        self.beginInsertRows(ROOT, index, index)
        self.rows.insert(index, row)
        self.endInsertRows()
