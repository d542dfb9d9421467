"""State store: links, merge bases, cursors, runs, intents, inboxes, audit (SQLite or PostgreSQL).

Usage::

    store = StateStore.open(app_paths().state_db(profile))      # integrity check + migrate (+ backup)
    with store.write() as tx:                                    # ONE transaction
        link = tx.links.create("customer", sf_id, "C-1001", sf_base=..., ia_base=...)
        tx.audit.add("customer", "create", target="intacct", record_key="C-1001", link_id=link.id)
        tx.cursors.set("sf.account", "2024-05-01T10:00:00.000+0000")
    with store.read() as r:                                      # GUI / CLI, any thread
        r.inbox.list(), r.conflicts.list_open(), r.runs.recent()
"""

from .errors import (
    DatabaseCorruptError,
    DuplicateError,
    InvalidTransitionError,
    NestedWriteError,
    NotFoundError,
    StoreError,
    StoreOpenError,
)
from .migrate import MigrationResult
from .state_store import StateStore
from .types import to_json
from .unit_of_work import ReadTx, WriteTx

__all__ = [
    "DatabaseCorruptError",
    "DuplicateError",
    "InvalidTransitionError",
    "MigrationResult",
    "NestedWriteError",
    "NotFoundError",
    "ReadTx",
    "StateStore",
    "StoreError",
    "StoreOpenError",
    "WriteTx",
    "to_json",
]
