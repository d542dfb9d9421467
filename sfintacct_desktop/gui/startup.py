"""The page shown instead of the main window when the profile's sync state cannot be used.

Why a page and not a crash or a bare dialog: a damaged, locked or missing state store is something
the operator can fix from here, with the same title, message and hint the CLI prints (the hint
names this page's buttons): Restore backup (only when a good backup exists), Rebuild from both
systems (reads both, writes to neither), Try again, Quit. When the store opens, ``ready`` fires and
the main window takes over. Restore and rebuild run off the GUI thread (``TaskRunner``).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QPushButton, QVBoxLayout, QWidget

from ..app import gui_support as gs
from .accessibility import install as install_naming
from .task_runner import TaskRunner
from .widgets import ErrorPanel, heading, note


class StartupProblemWindow(QMainWindow):
    """Title, message and hint of a start-up problem, with the buttons that fix it."""

    ready = Signal()  # the state store opens now: show the main window

    def __init__(self, profile: str | gs.Session, problem: dict[str, Any], *, actions: bool = True) -> None:
        super().__init__()
        install_naming(self)  # its widgets (and its dialogs') get accessible names when shown
        self.session = profile  # the launcher's session: trying again reuses its secrets
        self.profile = profile.name if isinstance(profile, gs.Session) else profile
        self.setWindowTitle(f"sfintacct — cannot open profile {self.profile}")
        self.resize(760, 420)
        self.runner = TaskRunner(self)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(heading("The sync cannot start"))
        self.error = ErrorPanel()
        layout.addWidget(self.error)
        self.outcome = note()
        self.outcome.hide()
        layout.addWidget(self.outcome)
        row = QHBoxLayout()
        self.restore_button = QPushButton("Restore backup")
        self.rebuild_button = QPushButton("Rebuild from both systems")
        self.retry_button = QPushButton("Try again")
        self.quit_button = QPushButton("Quit")
        for button in (self.restore_button, self.rebuild_button, self.retry_button, self.quit_button):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)
        self.path = QLabel()
        self.path.setWordWrap(True)
        self.path.setStyleSheet("color: #667085;")
        layout.addWidget(self.path)
        self.setCentralWidget(body)
        self.restore_button.clicked.connect(lambda: self._run("restore", gs.restore_state))
        self.rebuild_button.clicked.connect(lambda: self._run("rebuild", gs.rebuild_state))
        self.retry_button.clicked.connect(self.try_again)
        self.quit_button.clicked.connect(self.close)
        self._actions = actions
        self.show_problem(problem)

    def show_problem(self, problem: dict[str, Any]) -> None:
        self.problem = problem
        self.error.show_error(problem)
        self.path.setText(f"State file: {problem['path']}" if problem.get("path") else "")
        self.restore_button.setVisible(self._actions and bool(problem.get("backup")))
        fixable = problem.get("damaged") or problem.get("problem") == "linked_elsewhere"
        self.rebuild_button.setVisible(self._actions and bool(fixable))
        self.retry_button.setVisible(self._actions)

    def _busy(self, text: str) -> None:
        for button in (self.restore_button, self.rebuild_button, self.retry_button):
            button.setEnabled(not text)
        self.outcome.setText(text)
        self.outcome.setVisible(bool(text))

    def _run(self, name: str, action: Any) -> None:
        self._busy("Restoring the backup…" if name == "restore" else "Reading both systems to rebuild the state…")
        self.runner.submit(name, lambda task: action(self.profile), self._done, self._failed)

    def _done(self, report: dict[str, Any]) -> None:
        self._busy("")
        if "restored_from" in report:
            text = f"Restored from {report['restored_from']['name']}; the previous file is kept beside it."
        else:
            links = ", ".join(f"{k} {v}" for k, v in (report.get("links") or {}).items())
            text = f"Rebuilt from both systems without writing to either (links: {links})."
        self.outcome.setText(text)
        self.outcome.show()
        self.try_again()

    def _failed(self, exc: BaseException) -> None:
        self._busy("")
        self.error.show_error(gs.failure(exc))

    def try_again(self) -> None:
        """Open the store again: the main window follows when it opens."""
        problem = gs.state_problem(self.session)
        if problem is None:
            self.ready.emit()
            return
        self.show_problem(problem)

    def shutdown(self) -> None:
        self.runner.shutdown()

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)
