"""Sync state concepts: links, cursors, runs, intents, the two inboxes and the audit trail.

These are what the state store hands back to the engine, CLI and GUI: frozen values, never ORM
objects, so a reader can keep one after its session has closed and put it on an event queue.
The intent state graph lives here because it is a domain rule (exactly-once writes), not a
storage detail; the store enforces it on every transition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from .records import System

JsonValue = Any  # a JSON-native value: str, int, bool, None, list, dict (Decimal and dates as strings)


class Entity(StrEnum):
    CUSTOMER = "customer"
    PRODUCT = "product"
    PRICEBOOK = "pricebook"  # a custom Pricebook2 <-> an SOPRICELIST, linked by name
    PRICE_ENTRY = "price_entry"  # a PricebookEntry of a custom book <-> an SOPRICELISTENTRY


class LinkState(StrEnum):
    ACTIVE = "active"
    TOMBSTONED = "tombstoned"


@dataclass(frozen=True)
class Link:
    """One record pair: a Salesforce Id and an Intacct key, with the last synced value per side.

    ``sf_base`` / ``ia_base`` map each mapped field to its last synced value in canonical JSON form:
    the base of the three-way merge. ``sf_seen`` / ``ia_seen`` are the last modstamps seen, in each
    system's own clock (never compared with each other).
    """

    id: int
    entity: Entity
    sf_id: str
    ia_key: str
    ia_record_no: str | None
    sf_base: dict[str, JsonValue]
    ia_base: dict[str, JsonValue]
    sf_seen: str | None
    ia_seen: str | None
    sf_deleted_at: datetime | None
    ia_deleted_at: datetime | None
    state: LinkState
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Cursor:
    """Per-stream read position in the source system's own clock (StreamSpec.name is the key)."""

    stream: str
    value: str
    updated_at: datetime


class RunStatus(StrEnum):
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


@dataclass(frozen=True)
class Run:
    """One sync cycle. ``counters`` is per stream: read, applied, skipped, conflicts, errors, writes."""

    id: int
    started_at: datetime
    finished_at: datetime | None
    status: RunStatus
    trigger: str
    counters: dict[str, JsonValue]
    sf_api_calls: int
    ia_transactions: int
    error: dict[str, JsonValue] | None


class IntentState(StrEnum):
    PLANNED = "PLANNED"
    SENT = "SENT"
    CONFIRMED = "CONFIRMED"
    UNKNOWN = "UNKNOWN"
    QUARANTINED = "QUARANTINED"

    def can_become(self, target: IntentState) -> bool:
        return target in INTENT_TRANSITIONS[self]


# The only allowed moves. SENT -> UNKNOWN on any ambiguous outcome; UNKNOWN is resolved by a
# lookup (CONFIRMED), given up on (QUARANTINED) or resent with the same key (SENT).
INTENT_TRANSITIONS: dict[IntentState, frozenset[IntentState]] = {
    IntentState.PLANNED: frozenset({IntentState.SENT}),
    IntentState.SENT: frozenset({IntentState.CONFIRMED, IntentState.UNKNOWN}),
    IntentState.UNKNOWN: frozenset({IntentState.CONFIRMED, IntentState.QUARANTINED, IntentState.SENT}),
    IntentState.CONFIRMED: frozenset(),
    # A definite refusal (e.g. an order blocked by Intacct) is planned again once its cause changes.
    IntentState.QUARANTINED: frozenset({IntentState.PLANNED}),
}


@dataclass(frozen=True)
class Intent:
    """A remote write recorded *before* the call, keyed by its idempotency key."""

    id: int
    key: str
    kind: str
    target: System
    state: IntentState
    payload: dict[str, JsonValue]
    result: dict[str, JsonValue] | None
    attempts: int
    last_error: dict[str, JsonValue] | None
    run_id: int | None
    created_at: datetime
    updated_at: datetime


class InboxStatus(StrEnum):
    OPEN = "open"
    RETRYING = "retrying"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class InboxItem:
    """A record one side refused: shown with title, message and hint, retried by id."""

    id: int
    entity: str
    source: System
    target: System
    record_key: str
    operation: str
    code: str
    title: str
    message: str
    hint: str
    payload: dict[str, JsonValue]
    status: InboxStatus
    attempts: int
    first_seen: datetime
    last_seen: datetime
    run_id: int | None


class ConflictStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Resolution(StrEnum):
    SALESFORCE = "salesforce"
    INTACCT = "intacct"
    VALUE = "value"


@dataclass(frozen=True)
class Conflict:
    """A ``both``-owned field changed differently on both sides since the base."""

    id: int
    entity: Entity
    link_id: int
    field: str
    base_value: JsonValue
    sf_value: JsonValue
    ia_value: JsonValue
    status: ConflictStatus
    resolution: Resolution | None
    resolved_value: JsonValue
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None


class AuditOperation(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DEACTIVATE = "deactivate"
    REACTIVATE = "reactivate"
    LINK = "link"
    CONFLICT = "conflict"
    OVERWRITE_BACK = "overwrite_back"
    SKIP = "skip"


@dataclass(frozen=True)
class AuditEntry:
    """One remote write (or deliberate non-write) with its before and after values."""

    id: int
    at: datetime
    run_id: int | None
    entity: str
    link_id: int | None
    target: System | None
    operation: AuditOperation
    record_key: str
    before: dict[str, JsonValue] | None
    after: dict[str, JsonValue] | None
    reason: str = ""
