"""File > Back up the sync state now: a real copy of the store beside it, and where it went."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sfintacct_desktop.app.state_target import state_path
from sfintacct_desktop.store import backups
from tests.gui.helpers import apply_baseline

TIMEOUT_MS = 60_000


def _answer(qtbot: Any, win: Any) -> Any:
    win.state_backup.box = None
    win.menus.backup.trigger()
    qtbot.waitUntil(lambda: win.state_backup.box is not None and win.state_backup.box.isVisible(), timeout=TIMEOUT_MS)
    box = win.state_backup.box
    box.close()
    return box


def test_backup_from_the_window_copies_the_store_and_says_where(qtbot: Any, window: Any, home: Path) -> None:
    db = state_path("sandbox")
    apply_baseline()
    with qtbot.waitSignal(window.bridge.run_finished, timeout=TIMEOUT_MS) as run:
        window.sync_tab.sync_button.click()
    assert run.args[0].summary.status == "ok"
    before = {b.path for b in backups.list_backups(db)}
    box = _answer(qtbot, window)
    assert box.windowTitle() == "Sync state backed up"
    [made] = [b for b in backups.list_backups(db) if b.path not in before]
    assert made.kind == backups.MANUAL and made.path.stat().st_size > 0
    assert str(made.path) in box.text()
    assert window.menus.backup.isEnabled() and not window.state_backup.running
