"""The state store of one profile: open (integrity check, migrate with backup), then read/write.

Threading: the sync worker is the only writer; ``write()`` opens a fresh Session on the calling
thread whose transaction begins IMMEDIATE on SQLite. Readers (GUI, CLI) call ``read()`` on their
own thread and get their own Session; WAL lets them read committed data while the writer works.
Sessions are never shared between threads: each ``write()``/``read()`` block is one Session.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.engine import URL, Engine
from sqlalchemy.orm import Session, sessionmaker

from . import migrate
from .database import create_state_engine, integrity_check, sqlite_path, writer_engine
from .errors import DatabaseCorruptError, NestedWriteError
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
    def open(cls, target: str | Path | URL, *, upgrade: bool = True, backup: bool = True) -> StateStore:
        """Open (creating if needed) the database at a path or URL, check it, migrate it to head."""
        engine = create_state_engine(target)
        problems = integrity_check(engine)
        if problems:
            engine.dispose()
            raise DatabaseCorruptError(str(engine.url), problems)
        result = migrate.upgrade(engine, backup=backup) if upgrade else None
        return cls(engine, result)

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
                yield WriteTx(session)
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
