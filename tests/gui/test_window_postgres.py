"""The window on a profile whose state lives in PostgreSQL: it syncs, shows the run and its health,
and writes no SQLite state file. The server is the embedded PostgreSQL the suite starts itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sfintacct_desktop.app import health as hl
from sfintacct_desktop.app import run_history
from sfintacct_desktop.config.paths import app_paths
from sfintacct_desktop.config.profiles import set_state_url
from sfintacct_desktop.gui.main_window import MainWindow
from tests.gui.helpers import apply_baseline, sync_once


def test_the_window_syncs_a_profile_kept_in_postgresql(qtbot: Any, sandbox: Any, home: Path, postgres_url: str) -> None:
    set_state_url("sandbox", postgres_url)
    apply_baseline()
    win = MainWindow("sandbox")
    win.show()
    try:
        qtbot.waitUntil(lambda: win.health.facts.state == "idle", timeout=30_000)
        finished = sync_once(qtbot, win)
        assert finished.summary.status == "ok"
        qtbot.waitUntil(lambda: win.health.health.state == hl.UP_TO_DATE, timeout=30_000)
        qtbot.waitUntil(lambda: win.sync_tab.runs.rowCount() >= 2, timeout=30_000)  # the baseline's run and this one
        runs = run_history.runs_page("sandbox")["runs"]
        assert runs[0]["run_id"] == finished.summary.run_id and runs[0]["trigger"] == "manual"
        assert not app_paths().state_db("sandbox").exists()  # the state is in PostgreSQL only
    finally:
        win.close()
