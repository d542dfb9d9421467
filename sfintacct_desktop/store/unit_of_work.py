"""Units of work: one Session, one transaction, every repository on it.

Why: the engine must commit links, bases, audit rows and the cursor together, so a crash between
them can never advance a cursor past records whose links were not saved. ``StateStore.write()``
yields a :class:`WriteTx` whose repositories share one transaction (commit on exit, rollback on
any exception); ``read()`` yields a :class:`ReadTx` for the GUI and CLI that never commits.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from .repos import AuditRepo, CacheRepo, ConflictRepo, CursorRepo, InboxRepo, IntentRepo, LinkRepo, MetaRepo, RunRepo


class ReadTx:
    """Repositories over one read transaction (a consistent snapshot on SQLite WAL)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.links = LinkRepo(session)
        self.cursors = CursorRepo(session)
        self.runs = RunRepo(session)
        self.intents = IntentRepo(session)
        self.inbox = InboxRepo(session)
        self.conflicts = ConflictRepo(session)
        self.audit = AuditRepo(session)
        self.meta = MetaRepo(session)
        self.cache = CacheRepo(session)


class WriteTx(ReadTx):
    """The writer's unit of work; ``savepoint()`` isolates one record inside a batch."""

    def savepoint(self):  # type: ignore[no-untyped-def]
        """``with tx.savepoint():`` rolls back only that block on error (the batch goes on)."""
        return self.session.begin_nested()

    def flush(self) -> None:
        self.session.flush()
        self.audit.flush_staged()
