"""Help -> Getting started: the guide opens beside the window (F1) and names only what the window has.

The guide is the window's own first-run walk-through, so every tab, button and menu item it names in
bold must exist under that exact label, and it must never tell a window user to type a command.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtWidgets import QTextBrowser

from sfintacct_desktop.app.guide import GUIDE, named_controls
from sfintacct_desktop.gui.main_window import MainWindow

GUI = Path(__file__).resolve().parents[2] / "sfintacct_desktop" / "gui"


def _labels_in_gui_source() -> set[str]:
    """Every string literal of the gui package, mnemonics (&) removed."""
    labels: set[str] = set()
    for path in GUI.glob("*.py"):
        for literal in re.findall(r'"((?:[^"\\]|\\.)*)"', path.read_text(encoding="utf-8")):
            labels.add(literal.replace("&", ""))
    return labels


def test_f1_opens_the_guide_beside_the_window(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    menus = window.menus
    assert menus.guide.shortcut().toString() == "F1"
    menus.guide.trigger()
    dialog = menus.guide_dialog
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=5_000)
    assert not dialog.isModal()  # the user follows the steps in the window while reading
    text = dialog.findChild(QTextBrowser).toPlainText()
    for heading in ("Connect your systems", "Prepare both systems", "Baseline", "Live sync"):
        assert heading in text
    menus.guide.trigger()  # a second F1 brings the same dialog back, not a second one
    assert menus.guide_dialog is dialog
    dialog.close()


def test_the_guide_names_only_controls_the_window_has(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    names = named_controls()
    assert len(names) >= 10
    tabs = {window.tabs.tabText(i).replace("&", "").split(" (")[0] for i in range(window.tabs.count())}
    assert {"Connections", "Baseline", "Sync", "Invoices"} <= tabs
    in_source = _labels_in_gui_source()
    missing = [n for n in names if n not in tabs and n not in in_source]
    assert not missing, f"the guide names controls the window does not have: {missing}"


def test_the_guide_never_tells_a_window_user_to_type_a_command() -> None:
    import argparse

    from sfintacct_desktop.cli import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    for command in sub.choices:
        assert f"sfintacct {command}" not in GUIDE, command
    assert not re.search(r"(^|\s)--[a-z]", GUIDE)  # no option to type
    assert "`" not in GUIDE  # no code to type
