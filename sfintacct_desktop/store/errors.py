"""Store exceptions: precise types so the engine can tell a broken rule from a broken database."""

from __future__ import annotations


class StoreError(Exception):
    """Base of every state store error."""


class StoreOpenError(StoreError):
    """The database cannot be used: which file, what is wrong (``problem``, one of PROBLEMS), details.

    Why one type with a code: the CLI and the window turn every one of these into the same kind of
    message (title, which file, what is wrong, what to do) and choose the remedy by ``problem``.
    """

    PROBLEMS = (
        "empty",
        "not_a_database",
        "truncated",
        "malformed",
        "integrity",
        "locked",
        "unreadable",
        "unreachable",  # a database server (PostgreSQL) that cannot be reached or refuses the login
    )

    def __init__(self, path: str, problem: str, detail: str) -> None:
        super().__init__(f"state database {path}: {detail}")
        self.path, self.problem, self.detail = str(path), problem, detail

    @property
    def damaged(self) -> bool:
        """The file itself is bad (as opposed to locked or unreadable): restore or rebuild it."""
        return self.problem not in ("locked", "unreadable", "unreachable")


class DatabaseCorruptError(StoreOpenError):
    """``PRAGMA integrity_check`` failed at open: the database must be restored from a backup."""

    def __init__(self, path: str, problems: list[str]) -> None:
        shown = "; ".join(problems[:3]) + (f" (and {len(problems) - 3} more)" if len(problems) > 3 else "")
        super().__init__(path, "integrity", f"it failed its integrity check: {shown}")
        self.problems = problems


class NotFoundError(StoreError):
    """The id or key names no row."""


class DuplicateError(StoreError):
    """A uniqueness rule would be broken (a second link for a record, a second intent for a key)."""


class InvalidTransitionError(StoreError):
    """A state change outside the allowed graph (intents, runs, inbox items, conflicts)."""


class NestedWriteError(StoreError):
    """``write()`` opened inside another ``write()`` on the same thread (one writer, one transaction)."""
