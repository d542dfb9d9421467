"""The first run: no profile yet, so the window offers the sandbox or the profile editor.

Why a page and not the sandbox by default: someone who installed the product to connect their own
systems should not land on demo data without knowing it, and someone who wants to look around
should not have to fill in a form first. Both choices are one button away; whichever is taken,
``chosen`` fires with the profile's session and any start-up problem of its state store, and the
launcher opens the main window (or the start-up problem page). The sandbox starts, and the state
store is checked, off the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QMainWindow, QPushButton, QVBoxLayout, QWidget

from ..app import gui_support as gs
from .accessibility import install as install_naming
from .profile_editor import ProfileEditor
from .task_runner import Task, TaskRunner
from .widgets import ErrorPanel, heading, note


def _choice(title: str, text: str, button: QPushButton) -> QFrame:
    card = QFrame()
    card.setObjectName("choice")
    card.setStyleSheet("#choice { border: 1px solid #d0d5dd; border-radius: 8px; background: #ffffff; }")
    layout = QVBoxLayout(card)
    layout.addWidget(heading(title))
    body = note(text)
    body.setMinimumHeight(60)
    layout.addWidget(body)
    layout.addStretch(1)
    button.setMinimumHeight(34)
    layout.addWidget(button)
    return card


class WelcomeWindow(QMainWindow):
    """Try the sandbox, or Connect my systems."""

    chosen = Signal(object, object)  # the profile's Session, its start-up problem (dict) or None

    def __init__(self, start_sandbox: Callable[[], Any] | None = None) -> None:
        super().__init__()
        install_naming(self)  # its widgets (and its dialogs') get accessible names when shown
        self.setWindowTitle("sfintacct — Salesforce ↔ Sage Intacct: welcome")
        self.resize(900, 560)
        self.runner = TaskRunner(self)
        self._start_sandbox = start_sandbox
        self.sandbox: Any = None  # the emulators this page started; the launcher takes them over
        self.editor: ProfileEditor | None = None
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(32, 24, 32, 24)
        title = QLabel("Welcome to sfintacct")
        title.setStyleSheet("font-size: 22px; font-weight: 700;")
        layout.addWidget(title)
        layout.addWidget(
            note(
                "sfintacct keeps Salesforce and Sage Intacct in sync: customers and products both ways, won "
                "opportunities into sales orders, invoices and payments back onto the account. There is no "
                "connection profile on this computer yet."
            )
        )
        cards = QHBoxLayout()
        self.sandbox_button = QPushButton("Try the sandbox")
        self.sandbox_button.setAccessibleName("Try the sandbox")
        self.connect_button = QPushButton("Connect my systems")
        self.connect_button.setAccessibleName("Connect my systems")
        cards.addWidget(
            _choice(
                "Look around first",
                "Starts two emulators of Salesforce and Intacct on this computer with a demo company, and "
                "opens the window on them. Nothing reaches a real system.",
                self.sandbox_button,
            ),
            1,
        )
        cards.addWidget(
            _choice(
                "Work with your company",
                "Opens the profile editor: sign in with Salesforce, give the Intacct Web Services settings, "
                "test both and save. Secrets go to this computer's keyring.",
                self.connect_button,
            ),
            1,
        )
        layout.addLayout(cards)
        self.status = note()
        self.status.hide()
        layout.addWidget(self.status)
        self.error = ErrorPanel()
        layout.addWidget(self.error)
        layout.addStretch(1)
        foot = note("You can add, edit or remove profiles later on the Connections tab.")
        foot.setAlignment(Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(foot)
        self.setCentralWidget(body)
        self.sandbox_button.clicked.connect(self.try_sandbox)
        self.connect_button.clicked.connect(self.connect_systems)
        self.sandbox_button.setEnabled(start_sandbox is not None)
        if start_sandbox is None:
            self.sandbox_button.setToolTip("The sandbox cannot be started from here.")

    def _busy(self, text: str) -> None:
        for button in (self.sandbox_button, self.connect_button):
            button.setEnabled(not text)
        self.status.setText(text)
        self.status.setVisible(bool(text))

    # ------------------------------------------------------------------ the sandbox
    def try_sandbox(self) -> None:
        if self._start_sandbox is None:
            return
        self.error.clear()
        self._busy("Starting the sandbox with the demo company…")
        start = self._start_sandbox

        def work(task: Task) -> tuple[Any, Any, Any]:
            running = start()
            if task.should_stop():  # the page closed meanwhile: nobody will stop these emulators later
                if running is not None:
                    running.stop()
                return None, None, None
            session = gs.Session("sandbox")
            return running, session, gs.state_problem(session)

        self.runner.submit("sandbox-start", work, self._sandbox_started, self._failed)

    def _sandbox_started(self, started: tuple[Any, Any, Any]) -> None:
        running, session, problem = started
        self.sandbox = running
        self._busy("")
        self.chosen.emit(session, problem)

    # ------------------------------------------------------------------ a real profile
    def connect_systems(self) -> ProfileEditor:
        self.error.clear()
        editor = ProfileEditor(self.runner, None, parent=self)
        editor.saved.connect(self._profile_saved)
        self.editor = editor
        editor.open()
        return editor

    def _profile_saved(self, name: str, _renamed_from: str) -> None:
        self._busy(f"Opening profile {name}…")

        def work(task: Task) -> tuple[Any, Any]:
            session = gs.Session(name)
            try:
                return session, gs.state_problem(session)
            except Exception:  # e.g. not signed in yet: the Connections tab says so and offers the sign-in
                return session, None

        self.runner.submit("profile-open", work, lambda got: self._opened(*got), self._failed)

    def _opened(self, session: Any, problem: Any) -> None:
        self._busy("")
        self.chosen.emit(session, problem)

    def _failed(self, exc: BaseException) -> None:
        self._busy("")
        self.error.show_error(gs.failure(exc))

    def shutdown(self) -> None:
        self.runner.shutdown()

    def closeEvent(self, event: Any) -> None:
        self.shutdown()
        super().closeEvent(event)
