"""What the connectors hand back besides records: per-record write outcomes and deletions.

Why here and not in wire: the engine must never see wire types. A ``WriteResult`` carries a domain
``ErrorInfo`` for a refused record, so the engine can put it in the error inbox as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..domain import ErrorInfo


@dataclass(frozen=True)
class WriteResult:
    """The outcome of one record of a write, at its ``index`` in the caller's list.

    ``key`` is the caller's natural key of the record (cross_ref or own key), ``id`` the record's
    own key on the written system after the write (Account Id, CUSTOMERID) and ``record_no`` the
    Intacct RECORDNO where there is one.
    """

    index: int
    key: str
    ok: bool
    id: str = ""
    record_no: str = ""
    created: bool | None = None
    error: ErrorInfo | None = None


@dataclass(frozen=True)
class Deletion:
    """A record deleted on its system: its own key (Id; CUSTOMERID/ITEMID), RECORDNO, and when."""

    key: str
    deleted_at: datetime | None = None
    record_no: str = ""
