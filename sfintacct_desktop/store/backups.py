"""Backups of a SQLite state store, next to it: before each migration, once a day, and on request.

Why SQLite's online backup API and not a file copy: a copy of a database in WAL mode taken while
the sync writes can miss committed pages that still sit in the ``-wal`` file, or catch a page
half-written. The backup API copies a consistent snapshot through SQLite itself. Each copy is
written to a temporary file, switched to a self-contained rollback journal, checked with
``PRAGMA integrity_check`` and only then renamed into place, so a backup that exists is a good one.

Names: ``<db>.bak-<tag>-<UTC stamp>`` where the tag is ``daily``, ``manual``, or the schema
revision a migration started from (a pre-migration backup). Kept: the newest ``KEEP['daily']``
daily and ``KEEP['manual']`` manual ones; every pre-migration backup (there is one per upgrade).
Every file is private (0600).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ..config.private import create_file, make_private
from .errors import StoreError
from .health import check_copy

log = logging.getLogger(__name__)

DAILY, MANUAL, PRE_MIGRATION = "daily", "manual", "pre-migration"
KEEP = {DAILY: 7, MANUAL: 10}
DAILY_EVERY = timedelta(hours=24)
_STAMP = "%Y%m%dT%H%M%SZ"


class BackupError(StoreError):
    """A backup could not be taken (the source is unreadable, or the copy failed its check)."""


@dataclass(frozen=True)
class Backup:
    path: Path
    kind: str  # daily | manual | pre-migration
    taken_at: datetime
    revision: str = ""  # for a pre-migration backup: the schema revision it holds

    @property
    def name(self) -> str:
        return self.path.name

    def as_dict(self) -> dict[str, object]:
        return {
            "path": str(self.path),
            "name": self.name,
            "kind": self.kind,
            "taken_at": self.taken_at.isoformat(timespec="seconds"),
            "revision": self.revision,
            "bytes": self.path.stat().st_size if self.path.exists() else 0,
        }


def _pattern(db: Path) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(db.name)}\.bak-(?P<tag>[A-Za-z0-9_.-]+?)-(?P<stamp>\d{{8}}T\d{{6}}Z)(-\d+)?$")


def parse(db: Path, path: Path) -> Backup | None:
    """The backup a file name describes, or None when it is not one of ``db``'s backups."""
    match = _pattern(db).match(path.name)
    if match is None:
        return None
    taken = datetime.strptime(match["stamp"], _STAMP).replace(tzinfo=UTC)
    tag = match["tag"]
    if tag in (DAILY, MANUAL):
        return Backup(path, tag, taken)
    return Backup(path, PRE_MIGRATION, taken, revision=tag)


def list_backups(db: Path) -> list[Backup]:
    """Every backup of ``db`` beside it, newest first."""
    db = Path(db)
    if not db.parent.exists():
        return []
    found = [b for p in db.parent.iterdir() if p.is_file() and (b := parse(db, p)) is not None]
    return sorted(found, key=lambda b: (b.taken_at, b.path.name), reverse=True)


def newest_good(db: Path) -> Backup | None:
    """The newest backup that passes its integrity check (older ones are tried in turn)."""
    for backup in list_backups(db):
        if not check_copy(backup.path):
            return backup
        log.warning("backup %s failed its check; trying an older one", backup.path)
    return None


def daily_due(db: Path, now: datetime | None = None) -> bool:
    """True when no daily backup was taken in the last 24 hours."""
    now = now or datetime.now(UTC)
    daily = [b for b in list_backups(db) if b.kind == DAILY]
    return not daily or now - daily[0].taken_at >= DAILY_EVERY


def _target(db: Path, tag: str, now: datetime) -> Path:
    base = f"{db.name}.bak-{tag}-{now.strftime(_STAMP)}"
    target, n = db.with_name(base), 1
    while target.exists():
        target = db.with_name(f"{base}-{n}")
        n += 1
    return target


def copy_database(source: Path, target: Path) -> None:
    """Consistent copy of ``source`` (which may be in use) to a new private ``target``, then checked."""
    if not source.exists():
        raise BackupError(f"{source} does not exist")
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.unlink(missing_ok=True)
    create_file(tmp)  # 0600 before SQLite writes a byte (its journal copies the mode)
    try:
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            dest = sqlite3.connect(tmp)
            try:
                src.backup(dest)
                dest.execute("PRAGMA journal_mode=DELETE")  # a backup is one self-contained file
                dest.commit()
            finally:
                dest.close()
        finally:
            src.close()
        problems = check_copy(tmp)
        if problems:
            raise BackupError(f"the copy of {source} failed its check: {'; '.join(problems[:3])}")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        make_private(target)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot copy {source}: {exc}") from None
    finally:
        for leftover in (tmp, Path(f"{tmp}-journal")):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)


def take_backup(db: Path, kind: str = MANUAL, *, revision: str = "", now: datetime | None = None) -> Backup:
    """Back ``db`` up beside it and prune old ones of the same kind; returns the new backup."""
    db = Path(db)
    now = now or datetime.now(UTC)
    tag = (revision or "none") if kind == PRE_MIGRATION else kind
    target = _target(db, tag, now)
    copy_database(db, target)
    log.info("state database %s backed up to %s (%s)", db, target, kind)
    prune(db)
    backup = parse(db, target)
    assert backup is not None
    return backup


def prune(db: Path) -> list[Path]:
    """Delete the daily and manual backups beyond the ones kept; returns what was deleted."""
    gone: list[Path] = []
    for kind, keep in KEEP.items():
        for old in [b for b in list_backups(db) if b.kind == kind][keep:]:
            with contextlib.suppress(OSError):
                old.path.unlink()
                gone.append(old.path)
    return gone


__all__ = [
    "DAILY",
    "MANUAL",
    "PRE_MIGRATION",
    "Backup",
    "BackupError",
    "copy_database",
    "daily_due",
    "list_backups",
    "newest_good",
    "parse",
    "prune",
    "take_backup",
]
