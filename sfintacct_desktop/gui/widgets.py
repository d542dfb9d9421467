"""Small shared widgets: section headings, status badges, the title/message/hint error panel, tables."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHeaderView,
    QLabel,
    QMessageBox,
    QSizePolicy,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from .models.rows import RowsModel

STYLES = {
    "ok": ("#1e7b34", "#e8f5ec"),
    "warn": ("#9a6700", "#fff6dd"),
    "error": ("#b42318", "#fdecea"),
    "idle": ("#344054", "#f2f4f7"),
}


class WrapLabel(QLabel):
    """A word-wrapped label that measures its height for a width once per text.

    Why: Qt asks a wrapped label's height for its width on every relayout of its window (any
    label's new text elsewhere), and a rich-text or selectable label answers by laying its text
    out again, which also repaints it unchanged: on a large review page that was a 40-60 kpx
    repaint per filter change, in every page holding such a note.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self._heights: dict[int, int] = {}
        self._measured = text  # the text the heights are for (setText, clear, setNum alike)

    def heightForWidth(self, width: int) -> int:
        text = self.text()
        if text != self._measured:
            self._heights.clear()
            self._measured = text
        height = self._heights.get(width)
        if height is None:
            height = self._heights[width] = super().heightForWidth(width)
        return height

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in _REMEASURE:
            self._heights.clear()
        super().changeEvent(event)


_REMEASURE = frozenset((QEvent.Type.FontChange, QEvent.Type.StyleChange, QEvent.Type.ContentsRectChange))


class QuietTabs(QTabWidget):
    """A tab widget that lays its bar and pages out again only when that can change something.

    Why: Qt's tab widget answers every layout request that rises from a page (a count's new text,
    a line edit's clear button anywhere on it) by placing its bar and page area again and
    repainting all of itself: the whole window's area, 8 Mpx per filter click on the review page,
    where the table alone is 0.5. Where they go depends only on the bar's size hint and the tab
    widget's own size; when neither changed, the request only passes the pages' new size hints on
    to the window (its smallest size), without the repaint.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._laid_out_for: tuple[Any, ...] | None = None

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            laid_out_for = (self.tabBar().sizeHint(), self.size())
            if laid_out_for == self._laid_out_for:
                self.updateGeometry()
                return True
            self._laid_out_for = laid_out_for
        return super().event(event)


def heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName("heading")
    label.setStyleSheet("font-size: 15px; font-weight: 600; margin-top: 6px;")
    return label


def note(text: str = "") -> QLabel:
    label = WrapLabel(text)
    label.setStyleSheet("color: #475467;")
    return label


def message_box(owner: object, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox:
    """A message over ``owner`` (a window, or None), named for assistive tools; the caller sets its
    buttons and opens it (``open``: window-modal, the event loop goes on)."""
    box = QMessageBox(icon, title, text, parent=owner if isinstance(owner, QWidget) else None)
    box.setAccessibleName(title)
    return box


def answer_box(owner: object, icon: QMessageBox.Icon, title: str, text: str) -> QMessageBox:
    """A finished task's answer: a window-modal box with one Close button, opened (not exec'd)."""
    box = message_box(owner, icon, title, text)
    box.setStandardButtons(QMessageBox.StandardButton.Close)
    box.button(QMessageBox.StandardButton.Close).setAccessibleName("Close")
    box.open()
    return box


def problem_box(owner: object, problem: dict[str, str]) -> QMessageBox:
    """A failed task's answer (``gui_support.failure``'s title, message and hint), opened."""
    text = f"{problem['message']}\n\n{problem['hint']}".strip()
    return answer_box(owner, QMessageBox.Icon.Warning, problem["title"], text)


def set_tab_text(tabs: QTabWidget, index: int, text: str) -> None:
    """A tab's label, set only when it changes: Qt lays the whole tab widget out again and repaints
    all of it (every widget of the page shown) on each ``setTabText``, same text or not, and the
    health sets the Sync tab's label on every burst of a run's progress."""
    if tabs.tabText(index) != text:
        tabs.setTabText(index, text)


def status_line(text: str = "") -> QLabel:
    """A one-line note that changes often (a running run's progress): no wrapping and a fixed height.

    Why: a new text in a wrapped label makes Qt lay the window out again, measuring every wrapped
    label's height for its width, and can move what is below it (a repaint of all of it), several
    times a second while a run goes on. Text beyond the width is cut; the table below has it all.
    """
    label = note(text)
    label.setWordWrap(False)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
    label.setMinimumWidth(1)
    label.setFixedHeight(max(22, label.fontMetrics().height() + 6))  # the window's 13 px text, or larger
    return label


class Badge(QLabel):
    """A status in words and colour (never colour alone)."""

    def __init__(self, text: str = "", tone: str = "idle") -> None:
        super().__init__()
        self.set(text, tone)

    def set(self, text: str, tone: str = "idle") -> None:
        """Only what changed: a new style sheet re-polishes the badge, and a new text can move what
        sits beside it (the health is set again every few seconds, mostly unchanged)."""
        if text != self.text():
            self.setText(text)
        if tone != getattr(self, "tone", None):
            self.tone = tone
            fg, bg = STYLES.get(tone, STYLES["idle"])
            self.setStyleSheet(
                f"color: {fg}; background: {bg}; border: 1px solid {fg}; border-radius: 4px;"
                " padding: 2px 8px; font-weight: 600;"
            )


class ErrorPanel(QFrame):
    """What went wrong, in the product's three parts: title, message, hint (also as tooltip)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorPanel")
        self.setStyleSheet(
            "#errorPanel { background: #fdecea; border: 1px solid #b42318; border-radius: 6px; }"
            " QLabel { background: transparent; }"
        )
        layout = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setStyleSheet("color: #b42318; font-weight: 700;")
        self.message = WrapLabel()
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.hint = WrapLabel()
        self.hint.setStyleSheet("color: #344054;")
        for w in (self.title, self.message, self.hint):
            layout.addWidget(w)
        self.hide()

    def show_error(self, error: dict[str, Any] | None) -> None:
        if not error:
            self.clear()
            return
        self.title.setText(str(error.get("title") or "Problem"))
        self.message.setText(str(error.get("message") or ""))
        hint = str(error.get("hint") or "")
        self.hint.setText(f"What to do: {hint}" if hint else "")
        self.hint.setVisible(bool(hint))
        self.setToolTip(hint)
        self.show()

    def clear(self) -> None:
        self.title.setText("")
        self.message.setText("")
        self.hint.setText("")
        self.hide()


class ToneDelegate(QStyledItemDelegate):
    """Keeps a cell's status colour on a selected row too.

    Why: Qt paints selected text in the palette's HighlightedText, so a red error count (or a green
    "ok") turned plain white/black exactly on the run the operator is looking at.
    """

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        brush = index.data(Qt.ItemDataRole.ForegroundRole)
        if isinstance(brush, QBrush):
            option.palette.setBrush(QPalette.ColorRole.HighlightedText, brush)


_FEATURE = QStyleOptionViewItem.ViewItemFeature
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class CellDelegate(QStyledItemDelegate):
    """A delegate that fills a cell's style option itself, with what Qt's reading of the model's
    roles would have given (the same pixels), in one Python call per cell painted or measured.

    Why: Qt's own delegate asks the model seven roles of every cell (font, alignment, colour,
    check state, icon, text, background), each a call into Python; a table's repaint after a run,
    a sort or a filter was hundreds of them. Subclasses find the cell's text and tone and call
    :meth:`fill`; a status colour stays on a selected row (as :class:`ToneDelegate`).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._features: dict[tuple[Any, bool], Any] = {}  # (the view's features, checkable) -> with ours

    def fill(
        self,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
        text: str,
        alignment: Qt.AlignmentFlag,
        brush: QBrush | None = None,
        checked: bool | None = None,
    ) -> None:
        """``checked``: None for a cell without a check box."""
        option.index = index
        key = (option.features, checked is not None)
        features = self._features.get(key)
        if features is None:
            features = key[0] | _FEATURE.HasDisplay
            if key[1]:
                features |= _FEATURE.HasCheckIndicator
            self._features[key] = features
        option.features = features
        if checked is not None:
            option.checkState = Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        option.text = text
        option.displayAlignment = alignment
        if brush is not None:
            palette = option.palette
            palette.setBrush(QPalette.ColorRole.Text, brush)
            palette.setBrush(QPalette.ColorRole.HighlightedText, brush)  # kept on a selected row
            option.palette = palette
        option.styleObject = None  # as Qt's own: no style animations inside item views


class RowsDelegate(CellDelegate):
    """Draws a :class:`RowsModel` table's cells from its rows and columns (see :class:`CellDelegate`)."""

    def __init__(self, model: RowsModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model

    def initStyleOption(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        model, at, col = self.model, index.row(), index.column()
        if not (0 <= at < len(model.rows) and 0 <= col < len(model.columns)):
            super().initStyleOption(option, index)
            return
        column, row = model.columns[col], model.rows[at]
        self.fill(option, index, column.text(row), _RIGHT if column.right else _LEFT, column.brush(row))


SELECTION, SELECTED_TEXT = QColor("#d1e9ff"), QColor("#101828")


def light_selection(view: QTableView) -> None:
    """A light selection, so status colours stay readable on the selected row.

    Set in the view's palette, not a style sheet: a style sheet on a table sends every cell it
    paints through Qt's style-sheet style, a few ms more for each repaint of a full table.
    """
    palette = view.palette()
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        palette.setColor(group, QPalette.ColorRole.Highlight, SELECTION)
        palette.setColor(group, QPalette.ColorRole.HighlightedText, SELECTED_TEXT)
    view.setPalette(palette)


def table(model: RowsModel, *, stretch: str | None = None) -> QTableView:
    """A read-only, row-selecting table with sensible sizing; ``stretch`` names the column that fills."""
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setItemDelegate(RowsDelegate(model, view))  # one Python call per cell painted or measured
    light_selection(view)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(24)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    header.setStretchLastSection(stretch is None)
    keys = [c.key for c in model.columns]
    if stretch in keys:
        header.setSectionResizeMode(keys.index(stretch), QHeaderView.ResizeMode.Stretch)
    return view


def fit_columns(view: QTableView, max_width: int = 260) -> None:
    """Size columns to their contents once rows arrived, capped so one long value never dominates."""
    header = view.horizontalHeader()
    for col in range(view.model().columnCount()):
        if header.sectionResizeMode(col) == QHeaderView.ResizeMode.Stretch:
            continue
        view.resizeColumnToContents(col)
        if header.sectionSize(col) > max_width:
            header.resizeSection(col, max_width)
