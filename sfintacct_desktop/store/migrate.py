"""Bring a state database to the schema head on open, backing it up first when it is behind.

Why a backup: a migration that goes wrong half-way on a user's machine must never cost them their
links and intents (the idempotency ledger). SQLite's online backup API copies a consistent
snapshot even with a WAL, to ``<db>.bak-<fromrev>-<UTC timestamp>`` next to the database
(``backups.py``; pre-migration backups are never pruned).
Alembic is configured in code (no alembic.ini at run time); the scripts ship inside the package.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from . import backups
from .database import sqlite_path, writer_engine

log = logging.getLogger(__name__)
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


@dataclass(frozen=True)
class MigrationResult:
    from_revision: str | None
    to_revision: str | None
    backup: Path | None


def alembic_config(connection: sa.Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@functools.cache
def head_revision() -> str | None:
    """The newest schema revision. Cached: the migration scripts do not change while the process runs,
    and reading them (each script compiled, ~12 ms holding the GIL) happened at every store open."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _has_tables(engine: Engine) -> bool:
    return bool(sa.inspect(engine).get_table_names())


def backup_sqlite(engine: Engine, from_revision: str | None) -> Path | None:
    """Copy the whole database with the SQLite backup API (``backups.take_backup``); returns its path."""
    db = sqlite_path(engine.url)
    if db is None:
        log.warning("no automatic backup for %s databases; back it up before upgrading", engine.dialect.name)
        return None
    saved = backups.take_backup(db, backups.PRE_MIGRATION, revision=from_revision or "none")
    log.info("state database backed up to %s before migrating from %s", saved.path, from_revision)
    return saved.path


def upgrade(engine: Engine, target: str = "head", *, backup: bool = True) -> MigrationResult:
    """Migrate to ``target``; back up first when a non-empty database is behind it."""
    before = current_revision(engine)
    wanted = head_revision() if target == "head" else target
    if before == wanted:
        return MigrationResult(before, before, None)
    saved = backup_sqlite(engine, before) if backup and _has_tables(engine) else None
    with writer_engine(engine).begin() as conn:
        command.upgrade(alembic_config(conn), target)
    return MigrationResult(before, current_revision(engine), saved)


def downgrade(engine: Engine, target: str) -> None:
    """Step the schema back (tests and support tooling only; the app only ever upgrades)."""
    with writer_engine(engine).begin() as conn:
        command.downgrade(alembic_config(conn), target)
