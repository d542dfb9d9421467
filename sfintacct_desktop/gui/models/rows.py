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


def document_number(docid: str) -> str:
    """``SO0001`` of Intacct's ``Sales Order-SO0001`` (transaction type, a hyphen, the document number).

    Why: the number is what finance reads in Intacct's lists, and it fits a narrow column; the cell's
    tooltip keeps the whole id. The type may hold spaces and hyphens ("Sales Order - Services"), the
    number no space: it starts after the first hyphen with no space after it.
    """
    _type_end, hyphen, number = docid[docid.rfind(" ") + 1 :].partition("-")
    return number if hyphen and number else docid


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

    def brush(self, row: dict[str, Any]) -> QBrush | None:
        """The text's colour for ``row`` (its tone), or None for the palette's own."""
        colour = TONES.get(self.tone(row)) if self.tone is not None else None
        return QBrush(colour) if colour is not None else None


# Roles as plain ints: ``data`` runs for about seven roles of every cell painted or measured.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_ALIGN = int(Qt.ItemDataRole.TextAlignmentRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_LEFT = int(Qt.AlignmentFlag.AlignLeft) | int(Qt.AlignmentFlag.AlignVCenter)
_RIGHT = int(Qt.AlignmentFlag.AlignRight) | int(Qt.AlignmentFlag.AlignVCenter)


class RowsModel(QAbstractTableModel):
    def __init__(self, columns: list[Column], parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.rows: list[dict[str, Any]] = []

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def update_rows(self, rows: list[dict[str, Any]], key: str) -> str:
        """Show ``rows``: "same" when nothing changed, "changed" when the same records (by ``key``,
        in the same order) changed in place (only those rows repaint, the selection stays),
        "reset" otherwise.

        Why: the tables are re-read after every run, and most often hold what they held; a reset
        repaints the whole table and makes the view measure every row again."""
        if len(rows) != len(self.rows) or any(a.get(key) != b.get(key) for a, b in zip(rows, self.rows, strict=True)):
            self.set_rows(rows)
            return "reset"
        changed = False
        for i, (new, old) in enumerate(zip(rows, self.rows, strict=True)):
            if new != old:
                self.replace_row(i, new)
                changed = True
        return "changed" if changed else "same"

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

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        row_at = index.row()
        if row_at < 0:  # an invalid index
            return None
        if role == _DISPLAY:
            return self.columns[index.column()].text(self.rows[row_at])
        if role == _ALIGN:
            return _RIGHT if self.columns[index.column()].right else _LEFT
        if role == _TOOLTIP:
            col = self.columns[index.column()]
            return (col.tooltip(self.rows[row_at]) or None) if col.tooltip is not None else None
        if role == _FOREGROUND:
            return self.columns[index.column()].brush(self.rows[row_at])
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


def order_column(title: str = "Sales order") -> Column:
    """A row's ``sales_order_id`` by its document number, the whole id in the cell's tooltip."""
    return Column(
        "sales_order_id",
        title,
        tip="The Intacct sales order (its document number; the cell's tooltip has its whole id)",
        fmt=lambda r: document_number(str(r.get("sales_order_id") or "")),
        tooltip=lambda r: str(r.get("sales_order_id") or ""),
    )
