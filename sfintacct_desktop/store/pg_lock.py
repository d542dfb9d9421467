"""One writer per profile on PostgreSQL: a session-level advisory lock held on its own connection.

Why: the SQLite store's writer lock is a file lock beside the file, which says nothing to a second
machine pointed at the same PostgreSQL database. ``pg_try_advisory_lock`` is taken by the server, so
it holds across processes and machines, never waits (a second writer is refused at once), and is
released by the server when the holder's connection ends, even when the process was killed. The
connection is dedicated (never returned to a pool, where another session could release or reuse
it) and carries the holder's pid, host and command in ``application_name`` so the loser can name it.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL
from sqlalchemy.pool import NullPool

from .database import PG_CONNECT_ARGS, display, to_url
from .errors import StoreOpenError

NAMESPACE = "sfintacct-desktop state writer:"
HOLDER_PREFIX = "sfintacct "  # application_name of a writer's lock connection


def lock_key(profile: str) -> int:
    """A stable signed 64-bit key for the profile (the same on every machine and Python version)."""
    digest = hashlib.sha256((NAMESPACE + profile).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _holder_name() -> str:
    command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else ""
    return f"{HOLDER_PREFIX}{os.getpid()}@{socket.gethostname()[:16]} {command}"[:63]  # 63: the server's limit


class AdvisoryLock:
    """``acquire()`` returns False when another session holds the profile; ``holder()`` says who."""

    def __init__(self, target: str | URL, profile: str) -> None:
        self.url = to_url(target)
        self.profile = profile
        self.key = lock_key(profile)
        self._engine: sa.Engine | None = None
        self._conn: sa.Connection | None = None

    @property
    def held(self) -> bool:
        return self._conn is not None

    def _connect(self) -> sa.Connection:
        args = {**PG_CONNECT_ARGS, "application_name": _holder_name()}
        self._engine = sa.create_engine(self.url, poolclass=NullPool, connect_args=args)
        try:
            return self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except sa.exc.DBAPIError as exc:
            self._engine.dispose()
            self._engine = None
            raise StoreOpenError(display(self.url), "unreachable", f"it cannot be reached ({_reason(exc)})") from None

    def acquire(self) -> bool:
        if self._conn is not None:
            return True
        conn = self._connect()
        got = bool(conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": self.key}).scalar())
        if not got:
            conn.close()
            self._dispose()
            return False
        self._conn = conn
        return True

    def holder(self) -> dict[str, Any]:
        """Who holds the lock (pid, command, host, since) as far as the server tells; {} when unknown."""
        high, low = (self.key >> 32) & 0xFFFFFFFF, self.key & 0xFFFFFFFF
        query = sa.text(
            "SELECT a.application_name, a.client_addr, a.backend_start FROM pg_locks l"
            " JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted"
            " AND l.classid = :high AND l.objid = :low AND l.objsubid = 1"
        )
        engine = sa.create_engine(self.url, poolclass=NullPool, connect_args=dict(PG_CONNECT_ARGS))
        try:
            with engine.connect() as conn:
                row = conn.execute(query, {"high": high, "low": low}).first()
        except sa.exc.DBAPIError:
            return {}
        finally:
            engine.dispose()
        if row is None:
            return {}
        name, addr, since = str(row[0] or ""), row[1], row[2]
        info: dict[str, Any] = {"since": since.isoformat(timespec="seconds") if since else None}
        if name.startswith(HOLDER_PREFIX):
            head, _, command = name[len(HOLDER_PREFIX) :].partition(" ")
            pid, _, host = head.partition("@")
            info.update(pid=int(pid) if pid.isdigit() else None, host=host, command=command)
        elif addr is not None:
            info["host"] = str(addr)
        return info

    def alive(self) -> bool:
        """The lock's connection still answers (a server restart or a cut connection loses the lock)."""
        if self._conn is None:
            return False
        try:
            self._conn.execute(sa.text("SELECT 1"))
        except sa.exc.SQLAlchemyError:  # the connection is gone (or invalidated by an earlier failure)
            return False
        return True

    def release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": self.key})
            except sa.exc.SQLAlchemyError:
                pass  # the connection is gone: so is the lock
            finally:
                with contextlib.suppress(sa.exc.SQLAlchemyError):
                    conn.close()
        self._dispose()

    def _dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def _reason(exc: BaseException) -> str:
    """The driver's first line (host, port and why), which never holds the password."""
    inner = getattr(exc, "orig", None) or exc
    return (str(inner).strip().splitlines() or [type(inner).__name__])[0]


__all__ = ["AdvisoryLock", "lock_key"]
