"""Accessible names for every interactive widget, and a check that none is left without one.

Why: a screen reader announces a control by its accessible name. Qt guesses one for a button from
its text, but not for a field whose label sits beside it, a table or an icon-only button, so the
window names them: explicitly where a widget is built (``setAccessibleName``), and here, once the
window is built, from what a sighted user reads next to the control (its text, its label, its
placeholder, its tooltip). ``unnamed`` is what a test asserts is empty.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QWindow
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollBar,
    QTabBar,
    QTextEdit,
    QWidget,
)

INTERACTIVE = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractSpinBox,
    QAbstractItemView,
    QAbstractSlider,
    QTextEdit,
    QPlainTextEdit,
    QScrollBar,
    QTabBar,
)


def _clean(text: str) -> str:
    return " ".join(text.replace("&&", "\0").replace("&", "").replace("\0", "&").split()).rstrip(":")


def _interactive(root: QWidget) -> list[QWidget]:
    found = [w for w in root.findChildren(QWidget) if isinstance(w, INTERACTIVE)]
    if isinstance(root, INTERACTIVE):
        found.insert(0, root)
    return [w for w in found if not _part_of_another(w)]


def _part_of_another(widget: QWidget) -> bool:
    """Scroll bars, table headers, a combo box's popup list, Qt's own ``qt_*`` helpers: parts of a
    compound control, announced through it (a table's headers through the table's model)."""
    if isinstance(widget, (QScrollBar, QHeaderView)):
        return True
    if widget.objectName().startswith("qt_") and not isinstance(widget, QTabBar):
        return True
    if isinstance(widget.parentWidget(), QLineEdit):
        return True  # a line edit's clear button: the field is what a reader announces
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, (QComboBox, QAbstractSpinBox)):
            return True
        parent = parent.parentWidget()
    return False


def _labels(root: QWidget) -> dict[int, str]:
    """Label text per field, from buddies and form layouts (what a sighted user reads beside it)."""
    names: dict[int, str] = {}
    for label in root.findChildren(QLabel):
        buddy = label.buddy()
        if buddy is not None and label.text():
            names[id(buddy)] = _clean(label.text())
    for form in root.findChildren(QFormLayout):
        for row in range(form.rowCount()):
            label_item = form.itemAt(row, QFormLayout.ItemRole.LabelRole)
            field_item = form.itemAt(row, QFormLayout.ItemRole.FieldRole)
            label = label_item.widget() if label_item else None
            field = field_item.widget() if field_item else None
            if isinstance(label, QLabel) and field is not None and label.text():
                names.setdefault(id(field), _clean(label.text()))
    return names


def _guess(widget: QWidget, labels: dict[int, str]) -> str:
    if id(widget) in labels:
        return labels[id(widget)]
    if isinstance(widget, QAbstractButton) and widget.text():
        return _clean(widget.text())
    if isinstance(widget, QLineEdit) and widget.placeholderText():
        return _clean(widget.placeholderText())
    if isinstance(widget, QTabBar) and widget.count():
        return "Tabs: " + ", ".join(_clean(widget.tabText(i)).split(" (")[0] for i in range(widget.count()))
    if widget.toolTip():
        return _clean(widget.toolTip().split("\n", 1)[0])
    return ""


def name_widgets(root: QWidget) -> int:
    """Give every unnamed interactive widget under ``root`` the name a user reads beside it.

    Returns how many were named. Widgets with no text, label, placeholder or tooltip stay unnamed
    (and ``unnamed`` reports them): those need an explicit name where they are built.
    """
    labels = _labels(root)
    count = 0
    for widget in _interactive(root):
        if widget.accessibleName():
            continue
        guess = _guess(widget, labels)
        if guess:
            widget.setAccessibleName(guess)
            count += 1
    return count


def unnamed(root: QWidget) -> list[str]:
    """Each interactive widget under ``root`` without an accessible name, described for a report."""
    return [
        f"{type(w).__name__} {w.objectName() or ''} in {type(w.parentWidget()).__name__}".strip()
        for w in _interactive(root)
        if not w.accessibleName().strip()
    ]


class _NameOnShow(QObject):
    """Names a window's widgets each time it is shown, and those of every window opened over it
    (a dialog, a message box), which it starts watching when Qt polishes it for its first show;
    any other window (a dialog opened from inside a page) when it becomes the active window.

    Why per window, not one filter on the application: an application-wide event filter is a
    Python call for every event of every object, about 13,000 in an operator's first hour on a
    large company (100 ms of the GUI thread); a window's own events are a few hundred.
    """

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Show:
            if obj.isWidgetType() and obj.isWindow():
                name_widgets(obj)  # type: ignore[arg-type]
        elif kind == QEvent.Type.ChildPolished:
            child = event.child()  # type: ignore[attr-defined]
            if child is not None and child.isWidgetType() and child.isWindow():
                child.installEventFilter(self)  # its Show follows its polish
        return False

    def activated(self, window: QWindow | None) -> None:
        if window is None:
            return
        for widget in QApplication.topLevelWidgets():
            if widget.windowHandle() is window and widget.isVisible():
                name_widgets(widget)
                return


def install(window: QWidget) -> None:
    """Name ``window``'s widgets whenever it, or a window opened over it, is shown."""
    owner = QApplication.instance() or window  # the watcher lives as long as the application
    watcher = owner.findChild(_NameOnShow, "sfintacct_a11y")
    if watcher is None:
        watcher = _NameOnShow(owner)
        watcher.setObjectName("sfintacct_a11y")
        if isinstance(owner, QApplication):
            owner.focusWindowChanged.connect(watcher.activated)
    window.installEventFilter(watcher)
