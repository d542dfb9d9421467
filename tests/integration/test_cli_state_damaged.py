"""Every command meets a damaged, locked or missing state store with the same clear error (real CLI).

Real SQLite files broken in real ways (tests/support/damage.py), the CLI run as a subprocess: exit 1,
title, message (which file, what is wrong) and hint on stderr, never a traceback (that goes to the
log file); the hint names a backup only when one exists. ``state restore`` puts a good backup back
and keeps the damaged file aside; it refuses while another process holds the profile's writer lock.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from sfintacct_desktop.config.profiles import save_sandbox_profile, update_state_marker
from sfintacct_desktop.store import backups
from sfintacct_sandbox.runner import Sandbox, SandboxOptions
from tests.support.cli_env import cli_env, run_cli
from tests.support.damage import DAMAGE, make_store, stale_lock

PROFILE = "sandbox"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    sb = Sandbox(SandboxOptions(seed="empty")).start()
    yield sb
    sb.stop()


@dataclass
class Home:
    root: Path
    env: dict[str, str]

    @property
    def db(self) -> Path:
        return self.root / "data" / "state" / f"{PROFILE}.sqlite3"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(self.env, *args)

    def log(self) -> str:
        path = self.root / "logs" / "sfintacct.log"
        return path.read_text(encoding="utf-8") if path.exists() else ""


@pytest.fixture
def home(tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Home:
    root = tmp_path / "home"
    monkeypatch.setenv("SFINTACCT_HOME", str(root))
    save_sandbox_profile(sandbox.connection_info(PROFILE))
    update_state_marker(PROFILE, synced_before="2025-01-02T03:04:05+00:00")
    make_store(root / "data" / "state" / f"{PROFILE}.sqlite3")
    return Home(root, cli_env(root, tmp_path / "keyring.json"))


def assert_clear_failure(run: subprocess.CompletedProcess[str], title: str, db: Path) -> list[str]:
    """Exit 1; stderr is title: message (naming the file), then 'Hint: ...'; no traceback anywhere."""
    assert run.returncode == 1, (run.stdout, run.stderr)
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    head = next(line for line in lines if line.startswith(title))
    assert str(db) in head, head
    hints = [line for line in lines if line.startswith("Hint: ")]
    assert hints and len(hints[0]) > 20, run.stderr
    return [head, hints[0]]


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_a_damaged_store_gives_every_command_the_same_clear_error(home: Home, kind: str) -> None:
    DAMAGE[kind](home.db)
    before = home.db.read_bytes()
    seen = []
    for args in (["status"], ["errors"], ["state", "check"], ["invoices"]):
        run = home.run(*args)
        seen.append(assert_clear_failure(run, f"The sync state of profile {PROFILE} is damaged", home.db))
    assert all(s == seen[0] for s in seen), seen  # the same words from every command
    head, hint = seen[0]
    assert "syncing without it would send records and sales orders a second time" in head
    assert "No backup of it exists" in hint and "sfintacct state rebuild" in hint
    assert "kept beside it" in hint
    assert home.db.read_bytes() == before  # refused without touching the file
    assert "Traceback" in home.log()  # the details are in the log file


def test_json_output_is_one_object_with_the_error(home: Home) -> None:
    DAMAGE["garbled_header"](home.db)
    run = home.run("state", "check", "--json")
    assert run.returncode == 1 and "Traceback" not in run.stderr
    (line,) = run.stdout.splitlines()
    out = json.loads(line)
    assert out["ok"] is False and out["error"]["title"].endswith("is damaged")
    assert str(home.db) in out["error"]["message"] and out["error"]["hint"]
    run = home.run("status", "--json")
    assert run.returncode == 1
    assert json.loads(run.stdout.splitlines()[0])["error"]["title"] == out["error"]["title"]


def test_the_hint_names_the_newest_good_backup_when_one_exists(home: Home) -> None:
    older = backups.take_backup(home.db, backups.DAILY)
    DAMAGE["integrity"](home.db)
    _head, hint = assert_clear_failure(home.run("status"), "The sync state of profile", home.db)
    assert older.name in hint and f"sfintacct state restore --profile {PROFILE}" in hint
    assert "No backup" not in hint


def test_sync_refuses_a_damaged_store_and_writes_nothing(home: Home, sandbox: Sandbox) -> None:
    DAMAGE["truncated"](home.db)
    stats = [f"{sandbox.sf_server.url}/__sandbox__/stats", f"{sandbox.ia_server.url}/__sandbox__/stats"]
    before = [requests.get(u, timeout=10).json()["writes"] for u in stats]
    run = home.run("sync", "--once")
    assert_clear_failure(run, f"The sync state of profile {PROFILE} is damaged", home.db)
    assert [requests.get(u, timeout=10).json()["writes"] for u in stats] == before


def test_a_store_locked_by_a_stopped_process(home: Home) -> None:
    with stale_lock(home.db):
        head, hint = assert_clear_failure(home.run("status"), f"The sync state of profile {PROFILE} is locked", home.db)
    assert "another process holds a lock" in head
    assert "hung or crashed" in hint and "restore" not in hint


def test_a_missing_store_of_a_profile_that_synced_before_is_refused_not_recreated(home: Home) -> None:
    home.db.unlink()
    head, hint = assert_clear_failure(home.run("status"), f"The sync state of profile {PROFILE} is missing", home.db)
    assert "synced before (first on 2025-01-02)" in head
    assert "sfintacct state rebuild" in hint and "damaged file" not in hint
    assert not home.db.exists()
    home.db.write_bytes(b"")  # an empty file is no better
    assert_clear_failure(home.run("status"), f"The sync state of profile {PROFILE} is damaged", home.db)


def test_an_empty_store_of_a_profile_that_synced_before_is_refused(home: Home, tmp_path: Path) -> None:
    home.db.unlink()
    make_store(home.db, links=0)  # a valid database with no sync state in it
    run = home.run("status")
    head, _hint = assert_clear_failure(run, f"The sync state of profile {PROFILE} is missing", home.db)
    assert "holds no sync state" in head


def test_restore_puts_the_newest_good_backup_back_and_keeps_the_damaged_file(home: Home) -> None:
    good = backups.take_backup(home.db, backups.MANUAL)
    DAMAGE["garbled_header"](home.db)
    damaged = home.db.read_bytes()
    run = home.run("state", "restore", "--json")
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["restored_from"]["name"] == good.name and out["links"]["customer"] == 300
    aside = [Path(p) for p in out["kept_aside"]]
    assert aside and aside[0].name.startswith(f"{PROFILE}.sqlite3.damaged-")
    assert aside[0].read_bytes() == damaged  # never deleted, byte for byte
    assert home.run("status").returncode == 0
    assert good.path.exists()  # the backup itself stays
    check = json.loads(home.run("state", "check", "--json").stdout)
    assert check["ok"] is True and check["private"] is True
    assert {r["name"] for r in check["kept_aside"]} == {p.name for p in aside}  # listed, for the operator to remove
    text = home.run("state", "check").stdout
    assert "Kept aside by earlier restores" in text and aside[0].name in text


def test_restore_of_a_named_damaged_backup_is_refused(home: Home) -> None:
    bad = backups.take_backup(home.db, backups.MANUAL)
    DAMAGE["truncated"](bad.path)
    run = home.run("state", "restore", bad.name)
    assert run.returncode == 1 and "That backup is damaged" in run.stderr and "Traceback" not in run.stderr


def test_restore_refuses_the_live_store_as_its_own_backup(home: Home) -> None:
    before = home.db.read_bytes()
    Path(f"{home.db}-wal").touch(exist_ok=True)  # its write-ahead log: part of the store too
    for name in (home.db.name, str(home.db), f"{home.db.name}-wal"):
        run = home.run("state", "restore", name)
        assert run.returncode == 1 and "That is the current state, not a backup" in run.stderr, run.stderr
    assert home.db.read_bytes() == before
    assert not [p for p in home.db.parent.iterdir() if ".replaced-" in p.name or ".damaged-" in p.name]


def test_restore_without_any_backup_says_so(home: Home) -> None:
    DAMAGE["zero_bytes"](home.db)
    run = home.run("state", "restore")
    assert run.returncode == 1 and "No good backup to restore" in run.stderr
    assert "sfintacct state rebuild" in run.stderr
    assert home.db.exists() and home.db.stat().st_size == 0  # left exactly as it was


HOLD_LOCK = textwrap.dedent(
    """
    import sys
    from sfintacct_desktop.app.profile_lock import ProfileLock
    with ProfileLock(sys.argv[1]):
        print("holding", flush=True)
        sys.stdin.readline()
    """
)


def test_restore_refuses_while_a_sync_holds_the_profile_lock(home: Home) -> None:
    backups.take_backup(home.db, backups.MANUAL)
    DAMAGE["garbled_header"](home.db)
    damaged = home.db.read_bytes()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, PROFILE],
        env=home.env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        run = home.run("state", "restore")
        assert run.returncode == 1 and "Traceback" not in run.stderr
        assert "Another sync is running" in run.stderr and f"process {holder.pid}" in run.stderr
        assert home.db.read_bytes() == damaged  # nothing touched
    finally:
        holder.communicate("\n", timeout=30)
    assert home.run("state", "restore").returncode == 0


def test_usage_errors_exit_2(home: Home) -> None:
    assert home.run("state").returncode == 2
    assert home.run("state", "restore", "a", "b").returncode == 2
    assert home.run("state", "check", "--bogus").returncode == 2
