"""How each cell of the baseline review table is drawn: one Python call per painted cell, and a
text cell drawn with one text layout instead of Qt's three or four.

Why: Qt's item delegate asks the model for seven roles of every cell it paints (font, alignment,
colour, check state, icon, text, background), each a call into Python, about 1,400 per repaint
of the review table at 1280x800 and 4-5 ms of the GUI thread each time the operator sorts,
filters or ticks. This delegate reads the prepared row texts directly and fills the style option
with what the roles would have given (the same pixels), so each cell costs one call. It also
keeps a row's status colour when the row is selected, and elides IDs in the middle
('0015e…SAAQ'), whose two ends tell records apart.

Then Qt's item drawing lays each cell's text out three to four times (to place it, to elide it, to
draw it) through the window's style sheet, and the table's repaint after a sort or a filter (about
170 new cells) was 9-15 ms of the GUI thread, the longest beat of each review step. A text cell
(every column but the tick box, and not the cell with the keyboard focus, whose frame Qt draws, nor
a right-to-left layout, where Qt mirrors the alignment) is drawn here as Qt's item style draws it:
the selection's fill, the text elided (IDs in the middle, the rest at the right) within the same
margins, one line at the same baseline, numbers to the right, in the same colour. What the cells
share (the font's metrics, the margin, the palette's colours) is read once until the view's font,
palette, style or direction changes, and each elided text is kept per text and width (sorting back
shows the same texts). The same repaint is 6-9 ms; tests compare the pixels with Qt's own drawing,
with and without the window's style sheet, at another font size, after a change of look, right to
left, and at 150% and 200% scaling.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QModelIndex, QObject, QPersistentModelIndex, QPointF, Qt
from PySide6.QtGui import QFontMetricsF, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyleOptionViewItem, QWidget

from .models.plan import ACCEPT, ALIGNMENT, IA_KEY, SF_KEY, STATUS, ReviewFilter
from .widgets import CellDelegate

_ALIGN = tuple(Qt.AlignmentFlag(a) for a in ALIGNMENT)
_RIGHT = tuple(bool(a & Qt.AlignmentFlag.AlignRight) for a in _ALIGN)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_MIDDLE = frozenset((SF_KEY, IA_KEY))
_IN_MIDDLE = tuple(col in _MIDDLE for col in range(len(_ALIGN)))  # IDs elide in the middle, the rest at the right
_STATE = QStyle.StateFlag
_FOCUS, _SELECTED = _STATE.State_HasFocus.value, _STATE.State_Selected.value
_ENABLED, _ACTIVE = _STATE.State_Enabled.value, _STATE.State_Active.value
_ENABLED_ACTIVE = _ENABLED | _ACTIVE
_GROUPS = {  # the state's enabled and active bits -> the palette's colour group, as Qt's item style picks it
    _ENABLED | _ACTIVE: QPalette.ColorGroup.Normal,
    _ENABLED: QPalette.ColorGroup.Inactive,
    _ACTIVE: QPalette.ColorGroup.Disabled,
    0: QPalette.ColorGroup.Disabled,
}
_LOOK_CHANGES = frozenset(
    (QEvent.Type.FontChange, QEvent.Type.PaletteChange, QEvent.Type.StyleChange, QEvent.Type.LayoutDirectionChange)
)
_ELIDED_KEPT = 50_000  # elided texts kept (a plan's cells are a few tens of thousands)


class ReviewDelegate(CellDelegate):
    """Draws the review's cells from its prepared rows (see the module's docstring)."""

    def __init__(self, rows: ReviewFilter, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows = rows
        self._look: _Look | None = None
        self._watching = False

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

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        col, row, state = index.column(), index.row(), option.state.value  # plain ints: enum flags cost
        shown = self.rows.shown
        if col == ACCEPT or state & _FOCUS or not 0 <= row < len(shown):
            super().paint(painter, option, index)
            return
        plan = self.rows.sourceModel()
        src = shown[row]
        look = self._look or self._look_for(option)
        if look.mirrored:  # right to left: Qt's drawing mirrors the alignment
            super().paint(painter, option, index)
            return
        selected = bool(state & _SELECTED)
        group = _GROUPS[state & _ENABLED_ACTIVE]
        rect = option.rect
        if selected:
            painter.fillRect(rect, look.highlight[group])
        text = plan.display[src][col]
        if not text:
            return
        brush = plan.cell(src, col, _FOREGROUND) if col == STATUS else None
        painter.setPen(brush.color() if brush is not None else look.text[group, selected])
        key = (text, rect.width(), _IN_MIDDLE[col])
        elided = look.elided.get(key)
        if elided is None:
            elided = look.elide(key)
        text, advance = elided
        x = rect.x() + look.margin
        if _RIGHT[col]:
            x += rect.width() - 2 * look.margin - advance
        top = rect.y() + int((rect.height() - look.height) / 2)  # C++'s division: toward zero if taller
        if look.height > rect.height():  # a large font in a short row: Qt's drawing clips to the cell
            painter.save()
            painter.setClipRect(rect)
            painter.drawText(QPointF(x, top + look.ascent), text)
            painter.restore()
        else:
            painter.drawText(QPointF(x, top + look.ascent), text)

    def _look_for(self, option: QStyleOptionViewItem) -> _Look:
        """What every plain cell shares, read once until the view's font, palette or style changes."""
        widget = option.widget
        if widget is not None and not self._watching:
            widget.installEventFilter(self)
            self._watching = True
        style = widget.style() if widget is not None else None
        frame = style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) if style else 2
        self._look = _Look(option, frame + 1)
        return self._look

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _LOOK_CHANGES:
            self._look = None
        return False


class _Look:
    """The font's metrics, the text margin, the palette's colours and the elided texts of one look
    (and whether it is right to left: then Qt draws every cell)."""

    def __init__(self, option: QStyleOptionViewItem, margin: int) -> None:
        self.metrics = QFontMetricsF(option.font)
        self.margin = margin
        self.mirrored = option.direction == Qt.LayoutDirection.RightToLeft
        self.ascent = self.metrics.ascent()
        self.height = math.ceil(self.ascent + self.metrics.descent())  # a text line's height, as Qt rounds it
        palette = option.palette
        groups = set(_GROUPS.values())
        self.highlight = {g: palette.brush(g, QPalette.ColorRole.Highlight) for g in groups}
        self.text = {
            (g, selected): palette.color(g, QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
            for g in groups
            for selected in (False, True)
        }
        self.elided: dict[tuple[str, int, bool], tuple[str, float]] = {}

    def elide(self, key: tuple[str, int, bool]) -> tuple[str, float]:
        """The text as it fits the cell's width less the margins, and its advance (to align it right)."""
        text, width, middle = key
        if len(self.elided) >= _ELIDED_KEPT:
            self.elided.clear()
        mode = Qt.TextElideMode.ElideMiddle if middle else Qt.TextElideMode.ElideRight
        shown = self.metrics.elidedText(text, mode, width - 2 * self.margin)
        self.elided[key] = result = (shown, self.metrics.horizontalAdvance(shown))
        return result
