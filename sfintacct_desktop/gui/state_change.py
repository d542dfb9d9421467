"""What the File menu's changes of the sync state share (a restore from a backup, a move to another store).

Why one place: each needs the profile's lock, so the window's own sync stops after its current batch
first and starts again afterwards on whatever store the profile then uses, whether the change worked
or not; each is offered only while the window runs the sync itself (not the background service, not
during a profile switch or a baseline load), and a change confirmed after the window moved on to
another profile is refused with the reason instead of touching the wrong one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QMessageBox

from ..app import gui_support as gs
from .widgets import answer_box, problem_box


class StateChange:
    """Runs one change of the profile's sync state around a stop and restart of the window's sync."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.box: QMessageBox | None = None  # the last answer shown (the tests read it)

    def available(self) -> bool:
        return self.window.can_hand_over and not gs.is_remote(self.window.worker)

    def open_dialog(
        self, dialog: Any, name: str, read: Callable[[], dict[str, Any]], shown: Callable[[dict[str, Any]], None]
    ) -> None:
        """Open ``dialog`` at once and fill it with ``read()`` from the task runner (a failure: its
        ``show_problem``): what the dialog shows may take a keyring or file check."""
        self.window.runner.submit(name, lambda _task: read(), shown, lambda exc: dialog.show_problem(gs.failure(exc)))
        dialog.open()

    def refused(self, session: Any, title: str, menu: str) -> bool:
        """True (and why, in a box titled ``title``) when the change can no longer be made for ``session``."""
        w = self.window
        if session is w.session and self.available():
            return False
        why = (
            f"The window now shows profile {w.session.name}, not {session.name}."
            if session is not w.session
            else "The window is busy with another change of its sync (a profile switch, the background "
            "service, a baseline load)."
        )
        self.show(QMessageBox.Icon.Warning, title, f"{why} Open {menu} again if needed.")
        return True

    def run(
        self,
        session: Any,
        name: str,
        text: str,
        work: Callable[[], dict[str, Any]],
        done: Callable[[dict[str, Any], bool], None],
    ) -> None:
        """Stop the window's sync, run ``work`` on the task runner, start the sync again, then ``done(report,
        cut)`` (``cut``: a run in progress was stopped after its current batch) or the failure in a box."""
        w = self.window
        old = w.worker
        cut = old.state == "running"
        w.begin_handover(text)

        def task(_task: Any) -> dict[str, Any]:
            gs.stop_worker(old)
            return work()

        def finished(report: dict[str, Any]) -> None:
            w.end_handover(session)
            done(report, cut)

        def failed(exc: BaseException) -> None:
            w.end_handover(session)
            self.box = problem_box(w, gs.failure(exc))

        w.runner.submit(name, task, finished, failed)

    def show(self, icon: QMessageBox.Icon, title: str, text: str) -> None:
        self.box = answer_box(self.window, icon, title, text)
