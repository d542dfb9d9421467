"""The state store of one profile: open (integrity check, migrate with backup), then read/write.

Threading: the sync worker is the only writer; ``write()`` opens a fresh Session on the calling
thread whose transaction begins IMMEDIATE on SQLite. Readers (GUI, CLI) call ``read()`` on their
own thread and get their own Session; WAL lets them read committed data while the writer works.
Sessions are never shared between threads: each ``write()``/``read()`` block is one Session.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session, sessionmaker

from ..config.private import create_file, tighten_sqlite
from . import migrate
from .database import create_state_engine, display, integrity_check, sqlite_path, to_url, writer_engine
from .errors import DatabaseCorruptError, NestedWriteError, StoreOpenError
from .health import classify, inspect_file
from .migrate import MigrationResult
from .unit_of_work import ReadTx, WriteTx


class StateStore:
    def __init__(self, engine: Engine, migration: MigrationResult | None = None) -> None:
        self.engine = engine
        self.migration = migration
        self._writer = sessionmaker(bind=writer_engine(engine), expire_on_commit=False, autoflush=True)
        self._reader = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
        self._local = threading.local()

    @classmethod
    def open(
        cls,
        target: str | Path | URL,
        *,
        upgrade: bool = True,
        backup: bool = True,
        probe_write: bool = False,
    ) -> StateStore:
        """Open (creating if needed) the database at a path or URL, check it, migrate it to head.

        Every reason it cannot be used leaves as :class:`StoreOpenError` (``problem`` says which):
        an empty, garbled or truncated file, SQLite's own "malformed" or "not a database", a failed
        integrity check, or a lock another process holds (``probe_write`` also takes the write lock
        once, for the one writer: a hung process holding it is found now, not half-way through a sync).
        A new SQLite file is created private (0600) before SQLite writes to it.
        """
        url = to_url(target)
        path = sqlite_path(url)
        if path is not None:
            if path.exists():
                problem = inspect_file(path)
                if problem is not None:
                    raise problem
            else:
                create_file(path)
        engine = create_state_engine(url)
        try:
            problems = integrity_check(engine)
            if problems:
                raise DatabaseCorruptError(display(path or url), problems)
            if probe_write:
                with writer_engine(engine).begin():
                    pass
            result = migrate.upgrade(engine, backup=backup) if upgrade else None
        except StoreOpenError:
            engine.dispose()
            raise
        except (sa.exc.DBAPIError, sqlite3.Error) as exc:
            engine.dispose()
            problem = classify(path or display(url), exc)
            if problem is None:
                raise
            raise problem from None
        if path is not None:
            tighten_sqlite(path)  # -wal/-shm left by an older version with looser modes
        return cls(engine, result)

    def is_empty(self) -> bool:
        """True when the store holds no sync state at all (no links, runs or markers; intents need a run)."""
        with self.read() as r:
            return not r.links.count() and r.runs.last() is None and not r.meta.all()

    @property
    def where(self) -> str:
        """The file, or the URL with its password masked (for messages and logs)."""
        return display(self.engine.url)

    @property
    def path(self) -> Path | None:
        return sqlite_path(self.engine.url)

    @property
    def backup_path(self) -> Path | None:
        """The backup taken before migrating at open, if one was needed."""
        return self.migration.backup if self.migration else None

    def integrity_problems(self) -> list[str]:
        return integrity_check(self.engine)

    @contextmanager
    def write(self) -> Iterator[WriteTx]:
        """One write transaction: commit on normal exit, roll back everything on an exception."""
        if getattr(self._local, "writing", False):
            raise NestedWriteError("write() is already open on this thread; use its tx (or tx.savepoint())")
        self._local.writing = True
        try:
            with self._writer() as session, session.begin():
                session.connection()  # BEGIN IMMEDIATE now: take the write lock before any work
                tx = WriteTx(session)
                yield tx
                tx.flush()  # staged batch rows go in before the commit
        finally:
            self._local.writing = False

    @contextmanager
    def read(self) -> Iterator[ReadTx]:
        """One read-only snapshot; anything written through it is rolled back."""
        session: Session = self._reader()
        try:
            with session.begin():
                yield ReadTx(session)
                session.rollback()
        finally:
            session.close()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
