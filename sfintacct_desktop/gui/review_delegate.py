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

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QWidget

from .models.plan import ACCEPT, ALIGNMENT, IA_KEY, SF_KEY, STATUS, ReviewFilter

_FEATURE = QStyleOptionViewItem.ViewItemFeature
_ALIGN = tuple(Qt.AlignmentFlag(a) for a in ALIGNMENT)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_MIDDLE = frozenset((SF_KEY, IA_KEY))
_CHECKED, _UNCHECKED = Qt.CheckState.Checked, Qt.CheckState.Unchecked


class ReviewDelegate(QStyledItemDelegate):
    """Fills a cell's style option from the review's prepared rows (see the module's docstring)."""

    def __init__(self, rows: ReviewFilter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows = rows
        self._features: dict[tuple[Any, bool], Any] = {}  # (the view's features, checkable) -> with ours

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        plan = self.rows.sourceModel()
        row, col = index.row(), index.column()
        if plan is None or not 0 <= row < len(self.rows.shown):
            super().initStyleOption(option, index)
            return
        src = self.rows.shown[row]
        option.index = index
        check = col == ACCEPT
        key = (option.features, check)
        features = self._features.get(key)
        if features is None:
            features = key[0] | _FEATURE.HasDisplay
            features = self._features[key] = features | _FEATURE.HasCheckIndicator if check else features
        option.features = features
        if check:
            option.checkState = _CHECKED if plan.actions[src].get("accepted") else _UNCHECKED
        option.text = plan.display[src][col]
        option.displayAlignment = _ALIGN[col]
        if col == STATUS:
            brush = plan.cell(src, col, _FOREGROUND)
            if brush is not None:
                palette = option.palette
                palette.setBrush(QPalette.ColorRole.Text, brush)
                palette.setBrush(QPalette.ColorRole.HighlightedText, brush)  # kept on a selected row
                option.palette = palette
        elif col in _MIDDLE:
            option.textElideMode = Qt.TextElideMode.ElideMiddle
        option.styleObject = None  # as Qt's own: no style animations inside item views
