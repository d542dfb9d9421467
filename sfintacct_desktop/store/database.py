"""Engine setup: SQLite durability pragmas, BEGIN IMMEDIATE for the writer, integrity check.

Why: the intent rows are the idempotency ledger, so a commit must survive a power cut
(``synchronous=FULL`` in WAL); the GUI reads while the worker writes (WAL); and the writer takes the
write lock at BEGIN (``IMMEDIATE``) so it never fails half-way with "database is locked" on an
upgrade from a read lock. pysqlite's own BEGIN handling is switched off as SQLAlchemy's SQLite
dialect documents, so SAVEPOINT and transactional DDL work too. Nothing here is SQLite-only for
other dialects: on PostgreSQL the hooks are simply not installed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url

from ..config.private import ensure_dir
from .types import json_dumps

BUSY_TIMEOUT_MS = 5000
BEGIN_OPTION = "sfintacct_begin"  # execution option read by the "begin" hook: "IMMEDIATE" or "DEFERRED"


def to_url(target: str | Path | URL) -> URL:
    """A path means a SQLite file (parents created); anything with ``://`` is a SQLAlchemy URL."""
    if isinstance(target, URL):
        return target
    text = str(target)
    if "://" in text:
        return make_url(text)
    path = Path(text).expanduser().resolve()
    ensure_dir(path.parent)
    return URL.create("sqlite+pysqlite", database=str(path))


def sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL, or None for other databases and in-memory SQLite."""
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database)


def display(target: str | Path | URL) -> str:
    """A store's path, or its URL with any password masked: the only form that reaches a message or log."""
    if isinstance(target, Path):
        return str(target)
    url = to_url(target) if isinstance(target, URL) or "://" in str(target) else None
    if url is None:
        return str(target)
    path = sqlite_path(url)
    return str(path) if path is not None else url.render_as_string(hide_password=True)


def is_postgres(target: str | Path | URL) -> bool:
    return isinstance(target, URL | str) and "://" in str(target) and to_url(target).get_backend_name() == "postgresql"


PG_CONNECT_ARGS = {"connect_timeout": 10, "application_name": "sfintacct-desktop"}


def create_state_engine(target: str | Path | URL, **kwargs: Any) -> Engine:
    url = to_url(target)
    if url.get_backend_name() == "postgresql":
        # pre_ping: a pooled connection the server closed (restart, idle timeout) is replaced, not failed on
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("connect_args", dict(PG_CONNECT_ARGS))
    engine = sa.create_engine(url, json_serializer=json_dumps, json_deserializer=json.loads, **kwargs)
    if url.get_backend_name() == "sqlite":
        _install_sqlite_hooks(engine)
    return engine


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves (see module docstring)
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        mode = conn.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == "IMMEDIATE" else "BEGIN")


def writer_engine(engine: Engine) -> Engine:
    """The same pool, but transactions begin IMMEDIATE (takes the SQLite write lock up front)."""
    return engine.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})


def integrity_check(engine: Engine) -> list[str]:
    """``PRAGMA integrity_check`` + ``foreign_key_check``: an empty list means healthy (SQLite only)."""
    if engine.dialect.name != "sqlite":
        return []
    with engine.connect() as conn:
        rows = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA integrity_check")]
        problems = [] if rows == ["ok"] else rows
        problems += [f"foreign key: {tuple(r)}" for r in conn.exec_driver_sql("PRAGMA foreign_key_check")]
    return problems
