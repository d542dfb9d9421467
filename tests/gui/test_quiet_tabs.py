"""The window's tab widgets repaint what changed, not every page, when a page's text changes, and
still follow a new tab title and a page that needs more room."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QLabel, QMainWindow, QTabWidget, QVBoxLayout, QWidget

from sfintacct_desktop.gui.widgets import QuietTabs


class _Area(QObject):
    """The pixels each widget repaints."""

    def __init__(self) -> None:
        super().__init__()
        self.painted = 0

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.painted += event.rect().width() * event.rect().height()  # type: ignore[attr-defined]
        return False


def _window(qtbot: Any, tabs: QTabWidget) -> tuple[QMainWindow, QLabel, QWidget]:
    window = QMainWindow()
    page = QWidget()
    lay = QVBoxLayout(page)
    count = QLabel("1 of 10 shown")
    lay.addWidget(count)
    lay.addStretch(1)
    tabs.addTab(page, "Review")
    tabs.addTab(QWidget(), "Sync")
    window.setCentralWidget(tabs)
    qtbot.addWidget(window)
    window.resize(800, 500)
    window.show()
    qtbot.waitExposed(window)
    qtbot.wait(50)
    return window, count, page


def _repainted_by_a_count(qtbot: Any, tabs: QTabWidget) -> int:
    window, count, _ = _window(qtbot, tabs)
    area = _Area()
    tabs.installEventFilter(area)  # the tab widget paints wherever its pages are repainted under it
    for n in (20, 300, 4000):
        count.setText(f"{n} of 10000 shown")
        qtbot.wait(30)
    window.close()
    return area.painted


def test_a_count_on_a_page_does_not_repaint_the_whole_tab_widget(qtbot: Any) -> None:
    assert _repainted_by_a_count(qtbot, QTabWidget()) >= 800 * 400  # Qt's own: all of it, each time
    assert _repainted_by_a_count(qtbot, QuietTabs()) < 800 * 400 / 4


def test_a_new_tab_title_and_a_page_needing_room_still_lay_the_tabs_out(qtbot: Any) -> None:
    tabs = QuietTabs()
    window, _, page = _window(qtbot, tabs)
    bar = tabs.tabBar().width()
    tabs.setTabText(1, "Sync (12 errors, 3 conflicts to look at)")
    qtbot.waitUntil(lambda: tabs.tabBar().width() > bar, timeout=2_000)
    wide = QLabel("x" * 10)
    wide.setMinimumWidth(1200)
    page.layout().addWidget(wide)
    qtbot.waitUntil(lambda: window.minimumSizeHint().width() >= 1200, timeout=2_000)
    window.close()
