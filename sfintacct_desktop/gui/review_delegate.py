"""How each cell of the baseline review table is drawn: one Python call per painted cell.

Why: Qt's item delegate asks the model for seven roles of every cell it paints (font, alignment,
colour, check state, icon, text, background), each a call into Python, about 1,400 per repaint
of the review table at 1280x800 and 4-5 ms of the GUI thread each time the operator sorts,
filters or ticks. This delegate reads the prepared row texts directly and fills the style option
with what the roles would have given (the same pixels), so each cell costs one call. It also
keeps a row's status colour when the row is selected, and elides IDs in the middle
('0015e…SAAQ'), whose two ends tell records apart.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QStyleOptionViewItem, QWidget

from .models.plan import ACCEPT, ALIGNMENT, IA_KEY, SF_KEY, STATUS, ReviewFilter
from .widgets import CellDelegate

_ALIGN = tuple(Qt.AlignmentFlag(a) for a in ALIGNMENT)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_MIDDLE = frozenset((SF_KEY, IA_KEY))


class ReviewDelegate(CellDelegate):
    """Draws the review's cells from its prepared rows (see the module's docstring)."""

    def __init__(self, rows: ReviewFilter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows = rows

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        plan = self.rows.sourceModel()
        row, col = index.row(), index.column()
        if plan is None or not 0 <= row < len(self.rows.shown):
            super().initStyleOption(option, index)
            return
        src = self.rows.shown[row]
        brush = plan.cell(src, col, _FOREGROUND) if col == STATUS else None
        checked = bool(plan.actions[src].get("accepted")) if col == ACCEPT else None
        self.fill(option, index, plan.display[src][col], _ALIGN[col], brush, checked)
        if col in _MIDDLE:
            option.textElideMode = Qt.TextElideMode.ElideMiddle
