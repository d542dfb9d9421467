"""Real damaged SQLite files at open: each is refused with its own problem code and a plain detail."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from sfintacct_desktop.store import DatabaseCorruptError, StateStore, StoreOpenError
from sfintacct_desktop.store.health import check_copy, inspect_file
from tests.support.damage import DAMAGE, make_store, stale_lock

EXPECTED = {
    "garbled_header": ("not_a_database", "not a SQLite database"),
    "truncated": ("truncated", "cut short"),
    "truncated_at_page": ("truncated", "header counts"),
    "integrity": ("integrity", "integrity check"),
    "zero_bytes": ("empty", "0 bytes"),
}


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return make_store(tmp_path / "state" / "acme.sqlite3")


def test_a_healthy_store_opens_and_passes_every_check(db: Path) -> None:
    assert inspect_file(db) is None
    assert check_copy(db) == []
    with StateStore.open(db) as store:
        assert store.integrity_problems() == []
        assert not store.is_empty()


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_a_damaged_store_is_refused_with_what_is_wrong(db: Path, kind: str) -> None:
    DAMAGE[kind](db)
    size = db.stat().st_size
    with pytest.raises(StoreOpenError) as caught:
        StateStore.open(db)
    problem, words = EXPECTED[kind]
    assert caught.value.problem == problem, caught.value
    assert words in caught.value.detail
    assert caught.value.path == str(db) and caught.value.damaged
    assert db.stat().st_size == size  # refused without touching the file
    if kind == "integrity":
        assert isinstance(caught.value, DatabaseCorruptError) and caught.value.problems


def test_garbage_that_is_not_sqlite_at_all_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "notes.sqlite3"
    db.write_text("these are my notes, not a database\n" * 200)
    with pytest.raises(StoreOpenError) as caught:
        StateStore.open(db)
    assert caught.value.problem == "not_a_database"


def test_a_store_locked_by_a_stopped_process_is_refused_as_locked(db: Path) -> None:
    with stale_lock(db), pytest.raises(StoreOpenError) as caught:
        StateStore.open(db)
    assert caught.value.problem == "locked" and not caught.value.damaged
    with StateStore.open(db) as store:  # the holder is gone: the file was never damaged
        assert store.integrity_problems() == []


def test_the_writer_finds_a_held_write_lock_at_open(db: Path) -> None:
    """A hung writer (WAL: readers still read) is found when the one writer opens, not mid-sync."""
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        StateStore.open(db).close()  # a reader is fine
        with pytest.raises(StoreOpenError) as caught:
            StateStore.open(db, probe_write=True)
        assert caught.value.problem == "locked"
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_a_new_store_and_its_wal_files_are_private(tmp_path: Path) -> None:
    db = tmp_path / "fresh" / "acme.sqlite3"
    with StateStore.open(db) as store, store.write() as tx:
        tx.cursors.set("x", "y")
        sides = [Path(f"{db}{s}") for s in ("-wal", "-shm")]
        assert all(p.exists() for p in sides)
        modes = {p.name: p.stat().st_mode & 0o777 for p in (db, *sides)}
    assert set(modes.values()) == {0o600}, modes
    assert db.parent.stat().st_mode & 0o777 == 0o700


def test_sqlite_gives_its_side_files_the_mode_of_the_main_file(tmp_path: Path) -> None:
    """The fact the privacy rule relies on (POSIX): -wal and -shm copy the database file's mode."""
    db = tmp_path / "plain.sqlite3"
    db.touch(mode=0o640)
    db.chmod(0o640)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    try:
        assert (Path(f"{db}-wal").stat().st_mode & 0o777) == 0o640
        assert (Path(f"{db}-shm").stat().st_mode & 0o777) == 0o640
    finally:
        conn.close()


def test_opening_repairs_loose_side_files_left_by_an_older_version(db: Path) -> None:
    db.chmod(0o644)
    with StateStore.open(db) as store, store.write() as tx:
        tx.cursors.set("x", "y")
        assert db.stat().st_mode & 0o777 == 0o600
        assert Path(f"{db}-wal").stat().st_mode & 0o777 == 0o600
