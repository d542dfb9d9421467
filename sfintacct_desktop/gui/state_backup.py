"""File > Back up the sync state now: the same backup as ``sfintacct state backup``, from the window.

Why in the window: before a risky change (a new mapping, a restore of Salesforce data) an operator
wants a copy of the links and cursors now, not at the next daily backup. The copy is SQLite's own
online backup, so the sync may go on meanwhile; it runs on the task runner, never on the GUI thread.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QMessageBox

from ..app import gui_support as gs
from .widgets import answer_box, problem_box


class StateBackup:
    """Takes a backup of the window's profile and says where it went (or why not)."""

    def __init__(self, window: Any) -> None:
        self.window = window
        self.box: QMessageBox | None = None  # the last answer shown (the tests read it)
        self.running = False

    def backup_now(self) -> None:
        w = self.window
        if self.running or w.is_closed:
            return
        self.running = True
        session = w.session
        w.status.setText(f"Backing up the sync state of {session.name}…")
        w.runner.submit("state-backup", lambda _task: gs.backup_state(session), self._done, self._failed)

    def _done(self, report: dict[str, Any]) -> None:
        self.running = False
        made = report["backup"]
        kept = len(report.get("backups") or [])
        self.window.status.setText(f"Profile: {report['profile']}")
        self.box = answer_box(
            self.window,
            QMessageBox.Icon.Information,
            "Sync state backed up",
            f"Backed up to {made['path']} ({made['bytes']:,} bytes).\n\n"
            f"{kept:,} backup{'' if kept == 1 else 's'} {'is' if kept == 1 else 'are'} kept beside the state store; "
            "File > Restore the sync state from a backup… goes back to one of them.",
        )

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        self.window.status.setText(f"Profile: {self.window.session.name}")
        self.box = problem_box(self.window, gs.failure(exc))
