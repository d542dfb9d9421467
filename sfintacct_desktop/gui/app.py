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
from typing import Any

from PySide6.QtWidgets import QApplication, QMainWindow

from ..app import gui_support as gs
from ..app.logging_setup import setup_logging
from .app_icon import install as install_icon
from .first_paint import FirstPaint
from .main_window import PROFILE_INTERVAL, MainWindow
from .startup import StartupProblemWindow
from .welcome import WelcomeWindow

log = logging.getLogger(__name__)


class Launcher:
    """Shows the main window, or the start-up problem page until the problem is fixed.

    ``first_run``: no profile exists yet, so the welcome page comes first; ``start_sandbox`` starts
    the embedded emulators (and writes the sandbox profile) when it offers "Try the sandbox". The
    launcher stops the emulators it was handed on quit.
    """

    def __init__(
        self, profile: str, *, first_run: bool = False, start_sandbox: Callable[[], Any] | None = None
    ) -> None:
        self.profile = profile
        self.session = gs.Session(profile)  # the one session of this run: checks and window share it
        self.window: MainWindow | None = None
        self.page: StartupProblemWindow | None = None
        self.first_run = first_run
        self.start_sandbox = start_sandbox
        self.welcome: WelcomeWindow | None = None
        self.sandbox: Any = None

    def start(self) -> QMainWindow:
        if self.first_run:
            self.welcome = WelcomeWindow(self.start_sandbox)
            self.welcome.chosen.connect(self._chosen)
            self.welcome.show()
            return self.welcome
        return self._open(gs.state_problem(self.session))

    def _chosen(self, session: gs.Session, problem: dict[str, Any] | None) -> None:
        """The welcome page has a profile (the sandbox started, or one saved): open it in its place."""
        self.profile, self.session = session.name, session
        welcome = self.welcome
        if welcome is not None:
            self.sandbox, welcome.sandbox = welcome.sandbox, None
        self._open(problem)
        if welcome is not None:  # after the next window shows, so the app does not quit in between
            welcome.close()

    def _open(self, problem: dict[str, Any] | None) -> QMainWindow:
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
        if self.welcome is not None:
            self.welcome.shutdown()
            self.sandbox = self.sandbox or self.welcome.sandbox
        if self.sandbox is not None:  # after the worker is joined: it may still have been talking to it
            self.sandbox.stop()
            self.sandbox = None


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


def run(
    profile: str = "sandbox",
    argv: list[str] | None = None,
    on_quit: Callable[[], None] | None = None,
    *,
    first_run: bool = False,
    start_sandbox: Callable[[], Any] | None = None,
    screenshot: Path | None = None,
) -> int:
    """Open the window for ``profile``; ``on_quit`` runs after the worker is joined (stops the sandbox).

    ``first_run``: show the welcome page first (see :class:`Launcher`). ``screenshot``: save the
    first painted window there and quit (see :mod:`.first_paint`)."""
    start_logging()
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName("sfintacct-desktop")
    install_icon(app)
    sys.excepthook = _log_unexpected
    launcher = Launcher(profile, first_run=first_run, start_sandbox=start_sandbox)
    if screenshot is not None:
        FirstPaint(screenshot, app)
    code = 1
    try:
        launcher.start()
        code = app.exec()
    finally:
        launcher.shutdown()
        if on_quit is not None:
            on_quit()
    return int(code)
