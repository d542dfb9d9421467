"""The profile's sync-state marker and the words of a state problem (CLI: commands; window: buttons)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from sfintacct_desktop.app import state_service
from sfintacct_desktop.app.state_service import StateProblem
from sfintacct_desktop.config import profiles as cfg
from sfintacct_desktop.store.backups import Backup

INFO = {
    "salesforce": {"url": "http://127.0.0.1:1", "login_url": "http://127.0.0.1:1"},
    "intacct": {"url": "http://127.0.0.1:2/ia/xml/xmlgw.phtml"},
}


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SFINTACCT_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_the_marker_is_written_once_and_survives_a_new_sandbox_serve() -> None:
    cfg.save_sandbox_profile(INFO)
    assert cfg.state_marker("sandbox") == {}
    state_service.note_synced("sandbox")
    first = cfg.state_marker("sandbox")["synced_before"]
    state_service.note_synced("sandbox", cutover="2025-02-01", baseline_applied=True)
    marker = cfg.state_marker("sandbox")
    assert marker["synced_before"] == first and marker["cutover_date"] == "2025-02-01"
    cfg.save_sandbox_profile({**INFO, "salesforce": {"url": "http://127.0.0.1:3"}})  # serve again, new ports
    assert cfg.state_marker("sandbox") == marker
    assert cfg.get_profile("sandbox")["salesforce"]["url"] == "http://127.0.0.1:3"


def test_the_profiles_file_is_private(home: Path) -> None:
    cfg.save_sandbox_profile(INFO)
    assert (home / "config" / "profiles.json").stat().st_mode & 0o777 == 0o600
    assert (home / "config").stat().st_mode & 0o777 == 0o700


def test_a_problem_names_commands_on_the_cli_and_buttons_in_the_window(tmp_path: Path) -> None:
    db = tmp_path / "acme.sqlite3"
    taken = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
    backup = Backup(tmp_path / "acme.sqlite3.bak-daily-20250301T120000Z", "daily", taken)
    problem = StateProblem("acme", db, "malformed", "SQLite reports the database disk image is malformed", backup)
    cli, gui = problem.info("cli"), problem.info("gui")
    assert cli.title == gui.title == "The sync state of profile acme is damaged"
    assert cli.message == gui.message and str(db) in cli.message
    assert "`sfintacct state restore --profile acme`" in cli.hint and backup.name in cli.hint
    assert "2025-03-01 12:00 UTC" in cli.hint
    assert "click Restore backup" in gui.hint and "`" not in gui.hint and backup.name in gui.hint
    running = problem.info("window").hint  # in the running window the buttons are on the start-up page
    assert "close this window and open it again, then click Restore backup" in running and "`" not in running
    bare = StateProblem("acme", db, "malformed", "x")
    assert "No backup of it exists" in bare.hint() and "restore" not in bare.hint()
    assert cli.fatal and cli.code == "STATE_DAMAGED"
