"""A wrapped label measures its height once per text and width, so a relayout of its page (a
neighbour's new text) no longer repaints it; the review page's counts keep the page's layout still."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from sfintacct_desktop.gui import baseline_pages
from sfintacct_desktop.gui.baseline_pages import ReviewPage
from sfintacct_desktop.gui.widgets import WrapLabel

RICH = "<b>Customers:</b> link 1,204 (31 to review) · create 300 in Intacct · leave out 4<br><b>Products:</b> link 9"


class _Paints(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[QObject] = []

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.seen.append(obj)
        return False


def _counts_repaints(qtbot: Any) -> int:
    """How often the review page's plan counts repaint while the counts beside the filters change."""
    window, page = QWidget(), ReviewPage()
    pages = QStackedWidget()  # as in the Baseline tab
    pages.addWidget(page)
    QVBoxLayout(window).addWidget(pages)
    qtbot.addWidget(window)
    window.resize(1024, 500)
    window.show()
    qtbot.waitExposed(window)
    page.counts.setText(RICH)
    page.show_counts(0, 2748, 2748)
    qtbot.wait(50)
    paints = _Paints()
    page.counts.installEventFilter(paints)
    for shown in (12, 2748, 300, 1):
        page.show_counts(shown // 2, shown, 2748)
        page.layout().invalidate()  # what a neighbour's new size hint does
        qtbot.wait(30)
    page.counts.removeEventFilter(paints)
    return len(paints.seen)


def _qt_label() -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    return label


def test_a_relayout_does_not_repaint_the_wrapped_plan_counts(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _counts_repaints(qtbot) == 0
    monkeypatch.setattr(baseline_pages, "WrapLabel", _qt_label)
    assert _counts_repaints(qtbot) > 0  # Qt's own wrapped label does: the reason for WrapLabel


def test_heights_follow_the_text_the_width_and_the_font(qtbot: Any) -> None:
    label, reference = WrapLabel("short"), QLabel("short")
    reference.setWordWrap(True)
    for w in (label, reference):
        qtbot.addWidget(w)
    assert label.heightForWidth(200) == reference.heightForWidth(200)
    longer = " ".join(["a longer text that wraps"] * 8)
    label.setText(longer)
    reference.setText(longer)
    assert label.heightForWidth(200) == reference.heightForWidth(200) > reference.heightForWidth(2000)
    assert label.heightForWidth(2000) == reference.heightForWidth(2000)
    big = QFont(label.font())
    big.setPointSize(label.font().pointSize() * 3)
    label.setFont(big)
    reference.setFont(big)
    assert label.heightForWidth(200) == reference.heightForWidth(200)


def test_the_review_counts_are_sized_for_the_plan(qtbot: Any) -> None:
    page = ReviewPage()
    qtbot.addWidget(page)
    page.resize(1024, 500)
    page.show()
    page.show_counts(0, 12, 2748)
    width = page.shown.width()
    assert page.shown.text() == "12 of 2,748 shown" and page.accepted_label.text() == "0 accepted"
    page.show_counts(2748, 2748, 2748)
    qtbot.wait(20)
    assert page.shown.text() == "2,748 of 2,748 shown" and page.accepted_label.text() == "2,748 accepted"
    assert page.shown.width() == width  # the widest text fitted from the start: nothing beside it moved
    assert page.shown.fontMetrics().horizontalAdvance(page.shown.text()) <= page.shown.contentsRect().width()
