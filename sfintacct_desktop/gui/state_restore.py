"""File > Restore the sync state from a backup: choose one of the backups kept beside the store.

Why in the window: the window offered only the newest good backup, and only when the store could not be
opened. An operator who finds the links wrong after a bad change (a mapping edited by mistake, a
Salesforce data restore) wants an older copy while the store is still healthy. The restore is the
CLI's ``state restore``: the current file is kept aside, changes since the backup are read again at the
next sync, and sales orders sent since then are found by their Opportunity Id before anything is sent.

The window's own sync stops after its current batch first (the restore needs the profile's lock) and
starts again afterwards, whether the restore worked or not. Listing the backups checks each one's
integrity, so it runs on the task runner like the restore itself.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QMessageBox, QVBoxLayout, QWidget

from ..app import gui_support as gs
from .accessibility import install as install_naming
from .models.rows import Column, RowsModel
from .state_change import StateChange
from .widgets import fit_columns, note, table

KINDS = {"daily": "Daily", "manual": "Taken by hand", "pre-migration": "Before an upgrade", "other": "Other"}
COLUMNS = [
    Column("taken_at", "Taken (UTC)", fmt=lambda r: plain_time(str(r.get("taken_at") or ""))),
    Column("kind", "Kind", fmt=lambda r: KINDS.get(str(r.get("kind")), str(r.get("kind") or ""))),
    Column("bytes", "Size", fmt=lambda r: f"{int(r.get('bytes') or 0) / 1024:,.0f} KB", right=True),
    Column(
        "ok",
        "Check",
        fmt=lambda r: "Good" if r.get("ok") else f"Damaged: {r.get('problem') or 'it fails its integrity check'}",
        tone=lambda r: "ok" if r.get("ok") else "error",
        tooltip=lambda r: "" if r.get("ok") else str(r.get("problem") or ""),
    ),
    Column("name", "File", tooltip=lambda r: str(r.get("path") or "")),
]
EXPLAIN = (
    "The sync state (the links between records, the cursors, the run history) goes back to the chosen "
    "backup. The current state is kept beside it, renamed, so nothing is lost. Changes made in either "
    "system since the backup are read again at the next sync; sales orders sent since then are looked "
    "up by their Opportunity Id first, so none is sent twice. The window's sync stops after its current "
    "batch for the restore and starts again afterwards."
)


def backups_text(n: int) -> str:
    return f"{n:,} backup{'' if n == 1 else 's'}"


def plain_time(iso: str) -> str:
    """``2026-12-06T21:18:44+00:00`` (a backup's ``taken_at``, UTC) as ``2026-12-06 21:18:44``."""
    return iso.replace("T", " ")[:19]


def when(iso: str) -> str:
    """The same with its zone, for a sentence: ``2026-12-06 21:18:44 UTC``."""
    return f"{plain_time(iso)} UTC" if iso else ""


class RestoreDialog(QDialog):
    """The backups, newest first; Restore is enabled for a good one."""

    def __init__(self, profile: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        install_naming(self)  # named when shown, whatever it was opened from
        self.setWindowTitle(f"Restore the sync state of {profile}")
        self.setAccessibleName("Restore the sync state from a backup")
        self.setModal(True)
        lay = QVBoxLayout(self)
        intro = QLabel(EXPLAIN)
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.status = note("Reading the backups and checking each one…")
        self.status.setAccessibleName("Backups found")
        lay.addWidget(self.status)
        self.model = RowsModel(COLUMNS, self)
        self.view = table(self.model, stretch="name")
        self.view.setAccessibleName("Backups of the sync state")
        self.view.setMinimumHeight(160)
        lay.addWidget(self.view, 1)
        self.buttons = QDialogButtonBox()
        self.restore = self.buttons.addButton("Restore this backup", QDialogButtonBox.ButtonRole.AcceptRole)
        self.restore.setAccessibleName("Restore this backup")
        self.restore.setEnabled(False)
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel the restore")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.resize(760, 420)

    def show_backups(self, rows: list[dict[str, Any]]) -> None:
        self.model.set_rows(rows)
        fit_columns(self.view)
        good = sum(1 for r in rows if r.get("ok"))
        if not rows:
            self.status.setText(
                "No backup is kept for this profile yet. File > Back up the sync state now takes one; a daily "
                "backup is taken by the sync itself."
            )
            return
        if not good:
            which = (
                "The only backup cannot be restored (the reason is in its Check column)."
                if len(rows) == 1
                else f"None of the {backups_text(len(rows))} can be restored (each reason is in its Check column)."
            )
            self.status.setText(
                f"{which} While the sync state is healthy, File > Back up the sync state now takes a good one."
            )
            return
        self.status.setText(f"{backups_text(len(rows))}, {good:,} good. Choose the one to go back to.")
        first_good = next((i for i, r in enumerate(rows) if r.get("ok")), None)
        if first_good is not None:
            self.view.selectRow(first_good)

    def show_problem(self, problem: dict[str, str]) -> None:
        self.status.setText(f"{problem['title']}: {problem['message']} {problem['hint']}".strip())

    def chosen(self) -> dict[str, Any] | None:
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None
        row = self.model.rows[rows[0].row()]
        return row if row.get("ok") else None

    def _selected(self) -> None:
        self.restore.setEnabled(self.chosen() is not None)


class StateRestore(StateChange):
    """Opens the dialog for the window's profile and runs the chosen restore (``window``: the main window)."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.dialog: RestoreDialog | None = None

    def ask(self) -> RestoreDialog | None:
        w = self.window
        if not self.available():
            return None
        session = w.session
        dialog = self.dialog = RestoreDialog(session.name, w)
        dialog.accepted.connect(lambda: self._restore(session, dialog.chosen()))
        self.open_dialog(
            dialog, "state-backups", lambda: gs.list_backups(session), lambda r: dialog.show_backups(r["backups"])
        )
        return dialog

    def _restore(self, session: Any, row: dict[str, Any] | None) -> None:
        if row is None or self.refused(session, "Nothing was restored", "File > Restore"):
            return
        self.run(
            session,
            "state-restore",
            "Restoring the sync state…",
            lambda: gs.restore_state(session, str(row["path"])),
            self._done,
        )

    def _done(self, report: dict[str, Any], cut: bool = False) -> None:
        links = report.get("links") or {}
        aside = report.get("kept_aside") or []
        text = (
            f"Restored from the backup of {when(str(report['restored_from']['taken_at']))} "
            f"({links.get('customer', 0):,} customer and {links.get('product', 0):,} product links).\n\n"
            + (f"The state before the restore is kept as {aside[0]}.\n\n" if aside else "")
            + (
                "The run in progress was stopped after its current batch for the restore.\n\n"
                if cut
                else ""
            )
            + "The run history goes back to the backup too. The sync has started again: changes since the "
            "backup are read at its next run, and sales orders sent since then are looked up before "
            "anything is sent."
        )
        self.show(QMessageBox.Icon.Information, "Sync state restored", text)
