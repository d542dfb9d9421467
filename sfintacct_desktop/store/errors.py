"""Store exceptions: precise types so the engine can tell a broken rule from a broken database."""

from __future__ import annotations


class StoreError(Exception):
    """Base of every state store error."""


class DatabaseCorruptError(StoreError):
    """``PRAGMA integrity_check`` failed at open: the database must be restored from a backup."""

    def __init__(self, path: str, problems: list[str]) -> None:
        super().__init__(f"state database {path} failed its integrity check: {'; '.join(problems[:5])}")
        self.problems = problems


class NotFoundError(StoreError):
    """The id or key names no row."""


class DuplicateError(StoreError):
    """A uniqueness rule would be broken (a second link for a record, a second intent for a key)."""


class InvalidTransitionError(StoreError):
    """A state change outside the allowed graph (intents, runs, inbox items, conflicts)."""


class NestedWriteError(StoreError):
    """``write()`` opened inside another ``write()`` on the same thread (one writer, one transaction)."""
