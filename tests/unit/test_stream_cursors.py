"""Stream cursors: observe what was read, close when processed; a failed or empty stream stays put."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sfintacct_desktop.engine.streams import StreamCursor

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@dataclass
class Rec:
    modified_at: datetime | None


def test_a_closed_cursor_moves_to_the_newest_stamp_observed():
    cursor = StreamCursor("salesforce.customers", T0)
    cursor.observe([Rec(T0 + timedelta(minutes=3)), Rec(None), Rec(T0 + timedelta(minutes=1))])
    cursor.observe([Rec(T0 + timedelta(minutes=2))])
    assert cursor.close() == (T0 + timedelta(minutes=3)).isoformat()


def test_a_cursor_never_moves_back_nor_without_records_nor_after_a_failed_read():
    behind = StreamCursor("intacct.items", T0)
    behind.observe([Rec(T0 - timedelta(hours=1))])  # re-read through the overlap window
    assert behind.close() == T0.isoformat()
    assert StreamCursor("intacct.items", T0).close() is None
    failed = StreamCursor("intacct.items", T0)
    failed.observe([Rec(T0 + timedelta(hours=1))])
    failed.fail()
    assert failed.close() is None


def test_a_first_read_starts_the_cursor_at_its_newest_stamp():
    cursor = StreamCursor("intacct.invoices", None)
    cursor.observe([Rec(T0)])
    assert cursor.close() == T0.isoformat()
