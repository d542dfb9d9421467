"""Repositories, one per table group. Each works inside the session of its unit of work and returns
frozen ``domain.state`` values, never ORM rows."""

from .audit import AuditRepo
from .cache import CacheRepo
from .conflicts import ConflictRepo
from .cursors import CursorRepo
from .inbox import InboxRepo
from .intents import IntentRepo
from .links import LinkRepo
from .meta import MetaRepo
from .runs import RunRepo

__all__ = [
    "AuditRepo",
    "CacheRepo",
    "ConflictRepo",
    "CursorRepo",
    "InboxRepo",
    "IntentRepo",
    "LinkRepo",
    "MetaRepo",
    "RunRepo",
]
