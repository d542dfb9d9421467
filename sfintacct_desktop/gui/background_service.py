"""File > Sync in the background: hand the profile's sync to the per-user service, or take it back.

Why a hand-over and not only an install: the window's own sync holds the profile's lock, so it
stops first (after its current batch), the service is installed and started, and the window waits
until the service answers that it runs the profile before it attaches to it (the banner then says
"Run by the background service"). If any step fails, the window's own sync starts again and the
reason is shown; nothing half-installed is left. Stopping the service removes it and the window
runs the sync itself again.
"""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtWidgets import QMessageBox

from ..app import gui_support as gs
from .widgets import message_box, problem_box

START_TEXT = (
    "The sync of every profile will run as a background service of your user account: it starts when "
    "you log in and keeps syncing when this window is closed. This window then shows it and drives it "
    "(Sync now, Pause, Retry and Resolve go to the service).\n\n"
    "The window's own sync stops after its current batch first."
)
STOP_TEXT = (
    "The background service stops after its current batch and will no longer start when you log in. "
    "This window then runs the sync while it is open."
)


class HandoverHost(Protocol):
    """What the switch needs of the main window."""

    session: Any
    worker: Any
    runner: Any

    @property
    def can_hand_over(self) -> bool: ...
    def begin_handover(self, text: str) -> None: ...
    def end_handover(self, session: Any, keep: Any = None) -> None: ...


class BackgroundSwitch:
    """Starts and stops the background service for ``window`` (its menus call these)."""

    def __init__(self, window: HandoverHost) -> None:
        self.window = window
        self.box: QMessageBox | None = None  # the last confirmation or result shown (the tests read it)

    # ------------------------------------------------------------------ start
    def ask_start(self) -> QMessageBox | None:
        w = self.window
        if not self._free() or gs.is_remote(w.worker):
            return None
        return self._confirm("Sync in the background", START_TEXT, "Start the background service", self.start)

    def start(self) -> None:
        w = self.window
        if not self._free() or gs.is_remote(w.worker):
            return
        session, old = w.session, w.worker
        w.begin_handover(f"Starting the background service for {session.name}…")

        def work(_task: Any) -> dict[str, Any]:
            gs.stop_worker(old)
            return gs.start_background_service(session.name)

        w.runner.submit(
            "service-start", work, lambda _r: w.end_handover(session), lambda exc: self._failed(session, exc)
        )

    # ------------------------------------------------------------------ stop
    def ask_stop(self) -> QMessageBox | None:
        if not self._free() or not gs.is_remote(self.window.worker):
            return None
        return self._confirm("Stop the background service", STOP_TEXT, "Stop the background service", self.stop)

    def stop(self) -> None:
        w = self.window
        if not self._free() or not gs.is_remote(w.worker):
            return
        session, old = w.session, w.worker
        w.begin_handover("Stopping the background service…")

        def work(_task: Any) -> dict[str, Any]:
            report = gs.stop_background_service()
            gs.stop_worker(old)  # the service has gone: its worker's connection ends
            return report

        w.runner.submit(
            "service-stop", work, lambda _r: w.end_handover(session), lambda exc: self._failed(session, exc, old)
        )

    # ------------------------------------------------------------------ shared
    def _free(self) -> bool:
        return self.window.can_hand_over

    def _failed(self, session: Any, exc: BaseException, kept: Any = None) -> None:
        """A step failed: the sync goes on as before (the service's, or the window's own again)."""
        w = self.window
        w.end_handover(session, keep=kept)
        self.box = problem_box(w, gs.failure(exc))

    def _confirm(self, title: str, text: str, button: str, then: Any) -> QMessageBox:
        """A window-modal question that does not block the event loop; ``then`` runs on OK."""
        box = self._box(title, text, QMessageBox.Icon.Question)
        box.setStandardButtons(QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Ok).setText(button)
        box.button(QMessageBox.StandardButton.Ok).setAccessibleName(button)
        box.button(QMessageBox.StandardButton.Cancel).setAccessibleName("Cancel")
        box.accepted.connect(then)
        box.open()
        return box

    def _box(self, title: str, text: str, icon: QMessageBox.Icon) -> QMessageBox:
        self.box = message_box(self.window, icon, title, text)
        return self.box
