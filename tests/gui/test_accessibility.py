"""Every interactive widget a user can reach has an accessible name (what a screen reader announces).

Walks the real window on the demo sandbox through each tab, the baseline review, the profile editor
and a run's detail, and the first-run welcome page, and lists any control left unnamed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication, QWidget

from sfintacct_desktop.gui.accessibility import install, name_widgets, unnamed
from tests.gui.helpers import sync_once


def _all_windows() -> list[QWidget]:
    return [w for w in QApplication.topLevelWidgets() if w.isVisible()]


def _check(where: str) -> list[str]:
    return [f"{where}: {line}" for window in _all_windows() for line in unnamed(window)]


def test_every_interactive_widget_of_the_window_has_an_accessible_name(qtbot: Any, window: Any) -> None:
    missing: list[str] = []
    for index in range(window.tabs.count()):
        window.tabs.setCurrentIndex(index)
        missing += _check(window.tabs.tabText(index))
    # the baseline review page, built when a plan arrives
    window.tabs.setCurrentWidget(window.baseline_tab)
    window.baseline_tab.start_plan()
    qtbot.waitUntil(lambda: window.baseline_tab.model.rowCount() > 0, timeout=60_000)
    missing += _check("baseline review")
    # the profile editor (a dialog over the Connections tab)
    window.tabs.setCurrentWidget(window.connections_tab)
    editor = window.connections_tab.open_editor(None)
    qtbot.waitUntil(editor.isVisible, timeout=5_000)
    missing += _check("profile editor")
    editor.reject()
    # the sync rules (a dialog over the Connections tab), each record type's page once its rules are read
    rules = window.connections_tab.open_rules("sandbox")
    qtbot.waitUntil(lambda: rules.rules is not None and not rules.busy, timeout=10_000)
    for index in range(rules.tabs.count()):
        rules.tabs.setCurrentIndex(index)
        missing += _check(f"sync rules, {rules.tabs.tabText(index)}")
    rules.reject()
    # a run's detail
    window.tabs.setCurrentWidget(window.sync_tab)
    finished = sync_once(qtbot, window)
    window.sync_tab.open_detail(finished.summary.run_id)
    qtbot.waitUntil(lambda: window.sync_tab.detail is not None and window.sync_tab.detail.isVisible(), timeout=5_000)
    missing += _check("run detail")
    window.sync_tab.detail.close()
    assert not missing, "\n".join(missing)


def test_the_check_finds_an_unnamed_control(qtbot: Any) -> None:
    """The check itself: a bare table and an icon-only button are reported until they get a name."""
    from PySide6.QtWidgets import QPushButton, QTableView, QVBoxLayout

    root = QWidget()
    qtbot.addWidget(root)
    layout = QVBoxLayout(root)
    table, button = QTableView(), QPushButton()
    layout.addWidget(table)
    layout.addWidget(button)
    name_widgets(root)
    assert len(unnamed(root)) == 2
    button.setToolTip("Refresh the list")
    table.setAccessibleName("Runs")
    name_widgets(root)
    assert unnamed(root) == [] and button.accessibleName() == "Refresh the list"


def test_the_welcome_page_names_its_controls(qtbot: Any, home: Any) -> None:
    from sfintacct_desktop.gui.welcome import WelcomeWindow

    page = WelcomeWindow()  # it watches itself for its first show
    qtbot.addWidget(page)
    page.show()
    qtbot.waitUntil(page.isVisible, timeout=5_000)
    assert unnamed(page) == []
    page.close()



def test_a_dialog_opened_over_a_watched_window_is_named_when_shown(qtbot: Any) -> None:
    """Windows are watched one by one (no application-wide filter): a dialog over one is found at its polish."""
    from PySide6.QtWidgets import QDialog, QMainWindow, QPushButton, QVBoxLayout

    window = QMainWindow()
    qtbot.addWidget(window)
    install(window)
    window.show()
    dialog = QDialog(window)
    button = QPushButton()
    button.setToolTip("Retry the selected record")
    QVBoxLayout(dialog).addWidget(button)
    assert not button.accessibleName()
    dialog.show()
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    assert button.accessibleName() == "Retry the selected record"
    dialog.close()
