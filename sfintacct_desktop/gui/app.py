"""QApplication setup and an orderly quit: stop the worker, join it, close; stop the embedded sandbox.

Start-up never crashes the window away: the profile's state store is checked first, and a problem
(damaged, locked, missing) is shown on :class:`StartupProblemWindow` with the same title, message
and hint the CLI prints; any other failure to build the main window is shown the same way (its
traceback goes to the log file only).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMainWindow

from ..app import gui_support as gs
from ..app.logging_setup import setup_logging
from .main_window import PROFILE_INTERVAL, MainWindow
from .startup import StartupProblemWindow

log = logging.getLogger(__name__)


class Launcher:
    """Shows the main window, or the start-up problem page until the problem is fixed."""

    def __init__(self, profile: str) -> None:
        self.profile = profile
        self.session = gs.Session(profile)  # the one session of this run: checks and window share it
        self.window: MainWindow | None = None
        self.page: StartupProblemWindow | None = None

    def start(self) -> QMainWindow:
        problem = gs.state_problem(self.session)
        if problem is not None:
            self.page = StartupProblemWindow(self.session, problem)
            self.page.ready.connect(self.open_main)
            self.page.show()
            return self.page
        return self.open_main()

    def open_main(self) -> QMainWindow:
        try:
            window = MainWindow(self.session, interval=PROFILE_INTERVAL)
        except Exception as exc:  # shown as title/message/hint; the traceback goes to the log file
            log.info("the main window could not open", exc_info=True)
            if self.page is None:
                self.page = StartupProblemWindow(self.profile, gs.failure(exc), actions=False)
                self.page.show()
            else:
                self.page.show_problem({**gs.failure(exc), "path": ""})
            return self.page
        self.window = window
        window.show()
        if self.page is not None:  # after the main window shows, so the app does not quit in between
            self.page.close()
        return window

    def shutdown(self) -> None:
        if self.window is not None:
            self.window.shutdown()
        if self.page is not None:
            self.page.shutdown()


def _log_unexpected(kind: type[BaseException], exc: BaseException, tb: object) -> None:
    """An exception no handler caught (e.g. in a Qt slot): one line on stderr, the traceback in the log."""
    log.error("Unexpected error in the window: %s", kind.__name__, exc_info=(kind, exc, tb))  # type: ignore[arg-type]


def start_logging() -> Path | None:
    """The same rotating, redacted log file as the CLI (Help → Open log folder shows its folder).

    Safe when the entry point already set it up (the handlers are replaced, not doubled); a log
    folder that cannot be written never keeps the window from opening.
    """
    try:
        return setup_logging()
    except OSError as exc:
        print(f"Warning: cannot write the log file ({exc.__class__.__name__})", file=sys.stderr)
        return None


def run(profile: str = "sandbox", argv: list[str] | None = None, on_quit: Callable[[], None] | None = None) -> int:
    """Open the window for ``profile``; ``on_quit`` runs after the worker is joined (stops the sandbox)."""
    start_logging()
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("sfintacct-desktop")
    sys.excepthook = _log_unexpected
    launcher = Launcher(profile)
    code = 1
    try:
        launcher.start()
        code = app.exec()
    finally:
        launcher.shutdown()
        if on_quit is not None:
            on_quit()
    return int(code)
