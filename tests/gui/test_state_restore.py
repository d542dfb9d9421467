"""File > Restore the sync state from a backup: the operator picks an older backup while the store is healthy.

The real window on the demo sandbox: a backup is taken, the state then goes wrong (the product links
lost, as a bad change would leave it), and the window lists the backups (a damaged one cannot be
chosen), stops its sync, restores the chosen one, keeps the current file aside and syncs again.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox

from sfintacct_desktop.app import gui_support as gs
from sfintacct_desktop.app import state_service as ss
from sfintacct_desktop.gui.accessibility import unnamed
from sfintacct_desktop.gui.main_window import MainWindow
from tests.gui.helpers import apply_baseline, sync_once


def _product_links(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM links WHERE entity = 'product'").fetchone()[0])


def test_the_operator_restores_a_chosen_backup_from_the_window(qtbot: Any, window: MainWindow) -> None:
    apply_baseline()
    assert sync_once(qtbot, window).summary.status == "ok"
    db = ss.state_path("sandbox")
    links = _product_links(db)
    assert links > 0
    good = gs.backup_state(window.session)["backup"]
    damaged = db.with_name(f"{db.name}.bak-manual-20000101T000000Z")  # older, and not a database at all
    damaged.write_bytes(b"not a database" * 100)
    with sqlite3.connect(db) as conn:  # a bad change: every product link lost
        conn.execute("DELETE FROM links WHERE entity = 'product'")
    assert _product_links(db) == 0

    window.menus.update(window.health.health, window.worker.state, True)
    assert window.menus.restore.isEnabled()
    dialog = window.ask_restore_state()
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.model.rowCount() >= 2, timeout=30_000)
    assert not unnamed(dialog), unnamed(dialog)  # every control named for assistive tools
    rows = dialog.model.rows
    paths = [r["path"] for r in rows]
    assert good["path"] in paths and paths[-1] == str(damaged)  # newest first (the sync's daily one beside)
    assert all(r["ok"] for r in rows[:-1]) and not rows[-1]["ok"]
    assert dialog.chosen() == rows[0] and dialog.restore.isEnabled()  # the newest good one is chosen
    dialog.view.selectRow(len(rows) - 1)
    assert dialog.chosen() is None and not dialog.restore.isEnabled()  # a damaged one cannot be
    check = [c.key for c in dialog.model.columns].index("ok")
    assert dialog.model.data(dialog.model.index(len(rows) - 1, check)).startswith("Damaged")
    dialog.view.selectRow(paths.index(good["path"]))
    assert dialog.chosen() is not None and dialog.chosen()["path"] == good["path"]

    old_worker = window.worker
    dialog.restore.click()
    qtbot.waitUntil(lambda: window.state_restore.box is not None, timeout=60_000)
    box = window.state_restore.box
    assert box is not None and box.windowTitle() == "Sync state restored", box.text()
    assert box.icon() == QMessageBox.Icon.Information
    assert f"{links:,} product links" in box.text() and "sfintacct" not in box.text()
    assert _product_links(db) == links
    assert any(p.name.startswith(f"{db.name}.replaced-") for p in db.parent.iterdir())  # the state before: kept
    # the window's sync stopped for the restore and runs again
    assert window.worker is not old_worker and window.switching is None and window.tabs.isEnabled()
    # the Sync now button comes back once the new worker's first state reached the window
    qtbot.waitUntil(window.sync_tab.sync_button.isEnabled, timeout=20_000)
    assert sync_once(qtbot, window).summary.status == "ok"
    assert _product_links(db) == links


def test_when_no_backup_is_good_the_dialog_says_why_and_what_to_do(qtbot: Any, window: MainWindow) -> None:
    apply_baseline()
    assert sync_once(qtbot, window).summary.status == "ok"
    db = ss.state_path("sandbox")
    for kept in db.parent.glob(f"{db.name}.bak-*"):
        kept.unlink()
    damaged = db.with_name(f"{db.name}.bak-manual-20000101T000000Z")
    damaged.write_bytes(b"not a database" * 100)
    dialog = window.ask_restore_state()
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 1, timeout=30_000)
    status = dialog.status.text()
    assert status.startswith("The only backup cannot be restored") and "Back up the sync state now" in status
    check = [c.key for c in dialog.model.columns].index("ok")
    reason = dialog.model.data(dialog.model.index(0, check))
    assert reason.startswith("Damaged: ") and len(reason) > len("Damaged: ") + 5  # the reason, not only the verdict
    assert not dialog.restore.isEnabled() and dialog.chosen() is None
    dialog.reject()


def test_restore_is_not_offered_while_the_background_service_runs_the_sync(window: MainWindow) -> None:
    window.menus.update(window.health.health, window.worker.state, True, remote=True)
    assert not window.menus.restore.isEnabled()
    window.menus.update(window.health.health, window.worker.state, False)
    assert not window.menus.restore.isEnabled()  # nor while switching profile or closing
