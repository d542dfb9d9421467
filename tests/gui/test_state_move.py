"""File > Move the sync state to another database: from the profile's SQLite file to PostgreSQL and back.

The real window on the demo sandbox and a real PostgreSQL (the embedded server the suite starts): the
window stops its sync, copies the state (the run history goes along), keeps the password in the
keyring and out of the profiles file, syncs again on the new store; the way back is refused while
the old file holds state, with a hint that names the check box, and goes through once it is ticked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox
from sqlalchemy.engine import make_url

from sfintacct_desktop.app import run_history
from sfintacct_desktop.app import state_service as ss
from sfintacct_desktop.app.state_target import resolve_url
from sfintacct_desktop.config import profiles as cfg
from sfintacct_desktop.config.paths import app_paths
from sfintacct_desktop.gui.accessibility import unnamed
from sfintacct_desktop.gui.main_window import MainWindow
from sfintacct_desktop.gui.state_move import MoveDialog
from tests.gui.helpers import apply_baseline, sync_once

PASSWORD = "move-test-Secret-7f3a"  # a test value


def _open(qtbot: Any, window: MainWindow, now: str) -> MoveDialog:
    dialog = window.ask_move_state()
    assert isinstance(dialog, MoveDialog)
    qtbot.waitUntil(lambda: dialog.now.text().startswith(now), timeout=30_000)
    return dialog


def _answer(qtbot: Any, window: MainWindow, dialog: MoveDialog) -> QMessageBox:
    window.state_move.box = None
    dialog.move_button.click()
    qtbot.waitUntil(lambda: window.state_move.box is not None, timeout=90_000)
    box = window.state_move.box
    assert box is not None
    # the window's sync runs again, whatever the answer
    qtbot.waitUntil(lambda: window.switching is None and window.sync_tab.sync_button.isEnabled(), timeout=30_000)
    return box


def test_the_operator_moves_the_state_to_postgresql_and_back(
    qtbot: Any, window: MainWindow, home: Path, postgres_url: str
) -> None:
    apply_baseline()
    assert sync_once(qtbot, window).summary.status == "ok"
    before = [r["run_id"] for r in run_history.runs_page("sandbox")["runs"]]
    db = ss.state_path("sandbox")
    assert before and db.exists()

    window.menus.update(window.health.health, window.worker.state, True)
    assert window.menus.move_state.isEnabled()
    dialog = _open(qtbot, window, "Now: a SQLite file on this computer")
    assert not unnamed(dialog), unnamed(dialog)
    assert dialog.to_postgres.isChecked() and not dialog.move_button.isEnabled()  # no address yet
    address = make_url(postgres_url).set(password=None).render_as_string(hide_password=False)
    dialog.address.setText(address)
    assert not dialog.password.isEnabled()  # the sandbox profile keeps no database password
    dialog.password.setText(PASSWORD)  # typed anyway: not kept
    assert dialog.move_button.isEnabled()
    old_worker = window.worker
    box = _answer(qtbot, window, dialog)
    assert box.windowTitle() == "Sync state moved", box.text()
    assert "rows copied" in box.text() and "sfintacct" not in box.text() and PASSWORD not in box.text()
    assert dialog.password.text() == ""  # the secret does not stay in the dialog
    stored = cfg.state_url("sandbox")
    assert stored is not None and stored.startswith("postgresql")
    assert PASSWORD not in (home / "config" / "profiles.json").read_text()
    assert resolve_url("sandbox", stored).password is None  # type: ignore[union-attr]
    assert db.exists()  # the old store is left as it was
    assert window.worker is not old_worker

    # the window syncs on PostgreSQL, and the run history came along
    assert sync_once(qtbot, window).summary.status == "ok"
    after = [r["run_id"] for r in run_history.runs_page("sandbox")["runs"]]
    assert set(before) < set(after)

    # back to the file: it still holds the old state, so the move is refused until Replace is ticked
    dialog = _open(qtbot, window, "Now: a PostgreSQL database")
    assert dialog.to_sqlite.isChecked() and not dialog.address.isEnabled() and dialog.move_button.isEnabled()
    box = _answer(qtbot, window, dialog)
    assert box.windowTitle() == "The state was not migrated" and box.icon() == QMessageBox.Icon.Warning
    assert "Replace what it holds" in box.text() and "--replace" not in box.text(), box.text()
    assert cfg.state_url("sandbox") == stored  # nothing switched

    dialog = _open(qtbot, window, "Now: a PostgreSQL database")
    dialog.replace.setChecked(True)
    box = _answer(qtbot, window, dialog)
    assert box.windowTitle() == "Sync state moved", box.text()
    assert cfg.state_url("sandbox") is None and db.exists()
    assert any(p.name.startswith(f"{db.name}.replaced-") for p in db.parent.iterdir())  # the old file kept aside
    assert sync_once(qtbot, window).summary.status == "ok"
    assert set(after) < {r["run_id"] for r in run_history.runs_page("sandbox")["runs"]}  # PostgreSQL's history
    assert app_paths().state_db("sandbox") == db


def test_a_bad_address_is_said_in_the_window_and_nothing_moves(qtbot: Any, window: MainWindow) -> None:
    dialog = _open(qtbot, window, "Now: a SQLite file on this computer")
    dialog.address.setText("postgresql://sync@/no-host")
    box = _answer(qtbot, window, dialog)
    assert box.windowTitle() == "Not a state store URL", box.text()
    assert "host and a database" in box.text()
    assert cfg.state_url("sandbox") is None


def test_move_is_not_offered_while_the_background_service_runs_the_sync(window: MainWindow) -> None:
    window.menus.update(window.health.health, window.worker.state, True, remote=True)
    assert not window.menus.move_state.isEnabled()
    window.menus.update(window.health.health, window.worker.state, False)
    assert not window.menus.move_state.isEnabled()
