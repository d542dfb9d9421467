"""How each object is read incrementally: cursor field, delete detection and page size.

Small data (Singer/Airbyte style), so that the engine's cycle is generic over streams and a
cursor is advanced only after the records it covers are committed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from .records import System


class DeleteDetection(StrEnum):
    GET_DELETED = "get_deleted"  # Salesforce sobjects/T/deleted/ (15 days of history)
    QUERY_ALL = "query_all"  # Salesforce queryAll ... IsDeleted = true
    AUDIT_HISTORY = "audit_history"  # Intacct AUDITHISTORY rows with ACCESSMODE D
    STATUS_FIELD = "status_field"  # soft deletes only: STATUS=inactive / IsActive=false
    NONE = "none"


@dataclass(frozen=True)
class StreamSpec:
    """One readable stream: ``name`` is stable and used as the cursor key in the state store."""

    name: str
    system: System
    object: str
    key_field: str
    cursor_field: str
    deletes: DeleteDetection
    page_size: int
    overlap: timedelta = timedelta(minutes=5)
    cursor_is_wall_time: bool = False  # Intacct WHENMODIFIED: wall time in the company zone
