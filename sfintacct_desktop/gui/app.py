"""QApplication setup and an orderly quit: stop the worker, join it, close; stop the embedded sandbox."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from PySide6.QtWidgets import QApplication

from ..app import gui_support as gs
from .main_window import MainWindow

log = logging.getLogger(__name__)


def run(profile: str = "sandbox", argv: list[str] | None = None, on_quit: Callable[[], None] | None = None) -> int:
    """Open the window for ``profile``; ``on_quit`` runs after the worker is joined (stops the sandbox)."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("sfintacct-desktop")
    window = None
    try:
        window = MainWindow(profile, interval=gs.profile_interval(profile))
        window.show()
        code = app.exec()
    finally:
        if window is not None:
            window.shutdown()
        if on_quit is not None:
            on_quit()
    return int(code)
