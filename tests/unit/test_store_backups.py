"""Backups beside the store: consistent copies through SQLite, checked, private, pruned by kind."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sfintacct_desktop.store import StateStore, backups
from sfintacct_desktop.store import migrate as store_migrate
from sfintacct_desktop.store.database import create_state_engine
from sfintacct_desktop.store.health import check_copy
from tests.support.damage import garble_header, make_store

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_store(tmp_path / "state" / "acme.sqlite3", links=50)


def _links(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM links").fetchone()[0])
    finally:
        conn.close()


def test_a_backup_is_a_checked_private_self_contained_copy(db: Path) -> None:
    made = backups.take_backup(db, backups.MANUAL, now=T0)
    assert made.path.parent == db.parent
    assert made.path.name == "acme.sqlite3.bak-manual-20250301T120000Z"
    assert made.kind == backups.MANUAL and made.taken_at == T0
    assert made.path.stat().st_mode & 0o777 == 0o600
    assert check_copy(made.path) == []
    assert _links(made.path) == 50
    assert not Path(f"{made.path}-wal").exists()  # one file: a rollback journal, not WAL
    assert not [p for p in db.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_backup_taken_while_a_writer_holds_uncheckpointed_pages_has_them(db: Path) -> None:
    with StateStore.open(db) as store:
        with store.write() as tx:
            tx.links.create("customer", "001999999999999AAA", "C-NEW")
        assert Path(f"{db}-wal").stat().st_size > 0  # committed, still in the WAL
        made = backups.take_backup(db, backups.MANUAL)
    assert _links(made.path) == 51


def test_daily_backups_keep_seven_and_manual_keep_ten_pre_migration_all(db: Path) -> None:
    for day in range(10):
        backups.take_backup(db, backups.DAILY, now=T0 + timedelta(days=day))
    for n in range(12):
        backups.take_backup(db, backups.MANUAL, now=T0 + timedelta(minutes=n))
    for n in range(4):
        backups.take_backup(db, backups.PRE_MIGRATION, revision=f"000{n}", now=T0 + timedelta(hours=n))
    kinds = [b.kind for b in backups.list_backups(db)]
    assert kinds.count(backups.DAILY) == 7 and kinds.count(backups.MANUAL) == 10
    assert kinds.count(backups.PRE_MIGRATION) == 4
    daily = [b.taken_at for b in backups.list_backups(db) if b.kind == backups.DAILY]
    assert min(daily) == T0 + timedelta(days=3)  # the oldest went


def test_daily_is_due_after_24_hours(db: Path) -> None:
    assert backups.daily_due(db, T0)
    backups.take_backup(db, backups.DAILY, now=T0)
    assert not backups.daily_due(db, T0 + timedelta(hours=23))
    assert backups.daily_due(db, T0 + timedelta(hours=24))


def test_the_newest_good_backup_skips_a_damaged_one(db: Path) -> None:
    older = backups.take_backup(db, backups.DAILY, now=T0)
    newer = backups.take_backup(db, backups.MANUAL, now=T0 + timedelta(hours=1))
    assert backups.newest_good(db) == newer
    garble_header(newer.path)
    assert backups.newest_good(db) == older


def test_a_damaged_store_is_not_copied_as_a_backup(db: Path) -> None:
    garble_header(db)
    with pytest.raises(backups.BackupError):
        backups.take_backup(db, backups.MANUAL)
    assert backups.list_backups(db) == []


def test_the_pre_migration_backup_holds_the_old_schema(tmp_path: Path) -> None:
    db = tmp_path / "old.sqlite3"
    engine = create_state_engine(db)
    store_migrate.upgrade(engine, "0001", backup=False)
    engine.dispose()
    with StateStore.open(db) as store:
        saved = store.backup_path
    assert saved is not None
    info = backups.parse(db, saved)
    assert info is not None and info.kind == backups.PRE_MIGRATION and info.revision == "0001"
    conn = sqlite3.connect(saved)
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
    finally:
        conn.close()
