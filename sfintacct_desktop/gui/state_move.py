"""File > Move the sync state to another database: SQLite on this computer <-> a PostgreSQL server.

Why in the window: a team that outgrows the file on one computer (a second machine, the background
service on a server, the company's backups) moves the links, cursors and run history to PostgreSQL,
and an operator who leaves it comes back to the profile's own file. It is the CLI's ``state
migrate``: every table is copied with its ids and counted on both sides, and only then does the
profile switch; the old store is left as it was. A target that already holds sync state is refused
unless the operator ticks "Replace what it holds" (a file is then kept aside).

The PostgreSQL password goes to the profile's keyring, never into the address (which is saved in
the profiles file). The window's own sync stops after its current batch for the move (the copy
takes the profile's lock) and starts again afterwards on whichever store the profile then uses.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ..app import gui_support as gs
from .accessibility import install as install_naming
from .state_change import StateChange
from .widgets import note

EXPLAIN = (
    "The sync state (the links between records, the cursors, the run history, the open errors and "
    "conflicts) is copied to the chosen store and counted on both sides; only then does the profile "
    "use it. The old store is left as it was. The window's sync stops after its current batch for the "
    "move and starts again afterwards."
)
ADDRESS_HINT = "postgresql://USER@HOST:5432/DATABASE"
SQLITE = "sqlite"  # the profile's own file on this computer


class MoveDialog(QDialog):
    """Where the state lives now, and where it should go."""

    def __init__(self, profile: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        install_naming(self)
        self.setWindowTitle(f"Move the sync state of {profile}")
        self.setAccessibleName("Move the sync state to another database")
        self.setModal(True)
        lay = QVBoxLayout(self)
        intro = QLabel(EXPLAIN)
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.now = note("Finding where the state lives now…")
        self.now.setAccessibleName("Where the sync state lives now")
        lay.addWidget(self.now)
        self.to_postgres = QRadioButton("A &PostgreSQL database")
        self.to_sqlite = QRadioButton("This computer: the profile's own &file (SQLite)")
        self.to_postgres.setChecked(True)
        self.keeps_password = False  # until the profile's settings are read
        lay.addWidget(self.to_postgres)
        form = QFormLayout()
        self.address = QLineEdit()
        self.address.setPlaceholderText(ADDRESS_HINT)
        self.address.setAccessibleName("PostgreSQL address")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("PostgreSQL password")
        self.password.setPlaceholderText("kept in the system keyring; empty: PGPASSWORD or ~/.pgpass")
        address_label, password_label = QLabel("&Address:"), QLabel("Pass&word:")
        address_label.setBuddy(self.address)
        password_label.setBuddy(self.password)
        form.addRow(address_label, self.address)
        form.addRow(password_label, self.password)
        lay.addLayout(form)
        lay.addWidget(self.to_sqlite)
        self.replace = QCheckBox("&Replace what it holds (a file is kept aside; a database's rows are overwritten)")
        self.replace.setAccessibleName("Replace the sync state the target already holds")
        lay.addWidget(self.replace)
        self.buttons = QDialogButtonBox()
        self.move_button = self.buttons.addButton("Move the sync state", QDialogButtonBox.ButtonRole.AcceptRole)
        self.move_button.setAccessibleName("Move the sync state")
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel the move")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        for signal in (self.to_postgres.toggled, self.address.textChanged):
            signal.connect(lambda *_: self._changed())
        self._changed()
        self.resize(640, 0)

    def show_location(self, where: dict[str, Any]) -> None:
        kind = "a PostgreSQL database" if where.get("postgres") else "a SQLite file on this computer"
        self.now.setText(f"Now: {kind}, {where.get('where')}.")
        self.keeps_password = bool(where.get("keeps_password"))
        if not self.keeps_password:
            self.password.setPlaceholderText("the sandbox profile keeps none: PGPASSWORD or ~/.pgpass")
        self._changed()
        if where.get("postgres"):
            self.to_sqlite.setChecked(True)  # the way back is the likely wish

    def show_problem(self, problem: dict[str, str]) -> None:
        self.now.setText(f"{problem['title']}: {problem['message']} {problem['hint']}".strip())

    def target(self) -> str:
        """``sqlite`` or the PostgreSQL address as typed (checked by the move itself)."""
        return self.address.text().strip() if self.to_postgres.isChecked() else SQLITE

    def take_password(self) -> str | None:
        """The typed password, once: the field is emptied so the secret does not stay in the dialog."""
        value = self.password.text() or None
        self.password.clear()
        return value if self.to_postgres.isChecked() and self.keeps_password else None

    def _changed(self) -> None:
        postgres = self.to_postgres.isChecked()
        self.address.setEnabled(postgres)
        self.password.setEnabled(postgres and self.keeps_password)
        self.move_button.setEnabled(not postgres or bool(self.address.text().strip()))


class StateMove(StateChange):
    """Opens the dialog for the window's profile and runs the move (``window``: the main window)."""

    def __init__(self, window: Any) -> None:
        super().__init__(window)
        self.dialog: MoveDialog | None = None

    def ask(self) -> MoveDialog | None:
        w = self.window
        if not self.available():
            return None
        session = w.session
        dialog = self.dialog = MoveDialog(session.name, w)
        dialog.accepted.connect(
            lambda: self._move(session, dialog.target(), dialog.take_password(), dialog.replace.isChecked())
        )
        self.open_dialog(dialog, "state-location", lambda: gs.state_location(session), dialog.show_location)
        return dialog

    def _move(self, session: Any, to: str, password: str | None, replace: bool) -> None:
        if self.refused(session, "Nothing was moved", "File > Move"):
            return
        self.run(
            session,
            "state-move",
            "Moving the sync state…",
            lambda: gs.move_state(session, to, password=password, replace=replace),
            self._done,
        )

    def _done(self, report: dict[str, Any], cut: bool) -> None:
        aside = report.get("kept_aside") or []
        text = (
            f"The sync state of {report['profile']} now lives in {report['to']} "
            f"({int(report.get('total') or 0):,} rows copied and counted on both sides).\n\n"
            f"The old store, {report['from']}, was left as it was"
            + (f"; what the target held is kept as {aside[0]}" if aside else "")
            + ".\n\n"
            + ("The run in progress was stopped after its current batch for the move.\n\n" if cut else "")
            + "The sync has started again on the new store."
        )
        self.show(QMessageBox.Icon.Information, "Sync state moved", text)
