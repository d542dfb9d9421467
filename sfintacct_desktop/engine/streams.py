"""The engine's streams and their cursors: every stream name the engine uses comes from here.

Why cursor objects: a cursor is each system's own modstamp clock. It observes the records of its
stream as they are read and is closed when its partition is done; its new value is written only
after every batch it covers is committed (``CursorSet.commit``), and a stream whose read failed
keeps its old value. Re-reading through the overlap window is harmless (the merge finds nothing).
The names themselves are fixed in ``connectors.streams`` (the connectors read by them too).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from ..connectors.streams import (
    IA_CUSTOMERS,
    IA_INVOICES,
    IA_ITEMS,
    IA_PAYMENTS,
    IA_PRICE_ENTRIES,
    IA_PRICE_LISTS,
    IA_SALES_ORDERS,
    SF_CUSTOMERS,
    SF_OPPORTUNITIES,
    SF_PRICEBOOKS,
    SF_PRODUCTS,
)
from ..store import StateStore, WriteTx

CYCLE_STREAMS = (
    SF_CUSTOMERS,
    SF_PRODUCTS,
    SF_OPPORTUNITIES,
    IA_CUSTOMERS,
    IA_ITEMS,
    IA_INVOICES,
    IA_PAYMENTS,
    IA_PRICE_LISTS,
    IA_PRICE_ENTRIES,
)
BASELINE_OPPORTUNITIES = "baseline.opportunity"  # the baseline load's counters of historical deals


class StreamCursor:
    """One stream's cursor in one cycle: ``observe`` what was read, ``close`` when it is processed."""

    def __init__(self, name: str, start: datetime | None) -> None:
        self.name, self.start = name, start
        self._high: datetime | None = None
        self._failed = False
        self.closed: str | None = None  # the value to commit once closed (None: leave it as it is)

    def observe(self, records: Iterable[Any]) -> None:
        """Note the newest modstamp of records read for this stream."""
        for rec in records:
            stamp = getattr(rec, "modified_at", None)
            if stamp is not None and (self._high is None or stamp > self._high):
                self._high = stamp

    def fail(self) -> None:
        """The stream's read failed: it keeps its cursor whatever was observed."""
        self._failed = True

    def close(self) -> str | None:
        """The partition is done: the value to commit (never behind the start), or None."""
        if self._failed or self._high is None:
            self.closed = None
        else:
            self.closed = (max(self._high, self.start) if self.start else self._high).isoformat()
        return self.closed


class CursorSet:
    """The cursors of one cycle, loaded together and committed together."""

    def __init__(self, cursors: dict[str, StreamCursor]) -> None:
        self._cursors = cursors

    @classmethod
    def load(cls, store: StateStore, names: Iterable[str] = CYCLE_STREAMS) -> CursorSet:
        with store.read() as r:
            values = {name: r.cursors.value(name) for name in names}
        return cls({n: StreamCursor(n, datetime.fromisoformat(v) if v else None) for n, v in values.items()})

    def __getitem__(self, name: str) -> StreamCursor:
        return self._cursors[name]

    def start(self, name: str) -> datetime | None:
        return self._cursors[name].start

    def starts(self) -> dict[str, datetime | None]:
        return {n: c.start for n, c in self._cursors.items()}

    def done(self, name: str, records: Iterable[Any], *, failed: bool = False) -> None:
        """Observe a processed partition's records and close its cursor."""
        cursor = self._cursors[name]
        cursor.observe(records)
        if failed:
            cursor.fail()
        cursor.close()

    def commit(self, tx: WriteTx) -> None:
        """Write every closed cursor that moved (inside the transaction that ends the cycle)."""
        for name, cursor in self._cursors.items():
            if cursor.closed is not None:
                tx.cursors.set(name, cursor.closed)


__all__ = [
    "BASELINE_OPPORTUNITIES",
    "CYCLE_STREAMS",
    "IA_CUSTOMERS",
    "IA_INVOICES",
    "IA_ITEMS",
    "IA_PAYMENTS",
    "IA_PRICE_ENTRIES",
    "IA_PRICE_LISTS",
    "IA_SALES_ORDERS",
    "SF_CUSTOMERS",
    "SF_OPPORTUNITIES",
    "SF_PRICEBOOKS",
    "SF_PRODUCTS",
    "CursorSet",
    "StreamCursor",
]
