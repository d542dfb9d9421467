"""The probe's bookkeeping: which audit rows are new, where its window starts, what it keeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sfintacct_desktop.engine.ia_probe import (
    MARGIN,
    ProbeState,
    fold_back,
    new_rows,
    next_state,
    row_id,
    window_start,
)

LA = ZoneInfo("America/Los_Angeles")


def row(objtype: str, key: str, when: str, mode: str = "M") -> dict[str, str]:
    return {"OBJECTTYPE": objtype, "OBJECTKEY": key, "ACCESSMODE": mode, "ACCESSTIME": when}


def test_a_row_is_new_unless_the_last_probe_returned_it_counted() -> None:
    a = row("customer", "7", "03/08/2026 10:00:00")
    twin = dict(a)  # the same record changed twice in the same second: two rows alike
    seen = {row_id(a): 1}
    assert new_rows([a], seen) == []
    assert new_rows([a, twin], seen) == [twin]
    assert new_rows([a], {}) == [a]


def test_the_window_starts_at_the_newest_row_seen_in_intaccts_own_clock() -> None:
    now = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    state = ProbeState(high="07/01/2026 19:59:30", at=now)  # e.g. GMT wall time, whatever our zone guess
    assert window_start(state, LA, None, now) == "07/01/2026 19:57:30"
    assert window_start(state, LA, "gmt", now) == "07/01/2026 19:57:30"


def test_without_a_row_seen_the_window_covers_both_clocks() -> None:
    now = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    start = window_start(ProbeState(at=now), LA, None, now)
    assert start == (now - MARGIN).astimezone(LA).strftime("%m/%d/%Y %H:%M:%S")  # the earlier of the two


def test_after_a_fall_back_transition_the_window_reaches_back_an_hour() -> None:
    # 2026-11-01 09:00 UTC is 01:00 PST, just after 01:59:59 PDT repeated the hour
    now = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    assert fold_back(LA, "company", now - timedelta(minutes=1), now) == timedelta(hours=1)
    assert fold_back(LA, "gmt", now - timedelta(minutes=1), now) == timedelta(0)
    assert fold_back(LA, None, now - timedelta(minutes=1), now + timedelta(hours=3)) == timedelta(0)
    state = ProbeState(high="11/01/2026 01:59:50", at=now - timedelta(minutes=1))
    assert window_start(state, LA, "company", now) == "11/01/2026 00:57:50"


def test_the_state_keeps_a_failed_streams_new_rows_in_view() -> None:
    old = ProbeState(high="03/08/2026 10:00:00", seen={})
    cust = row("customer", "1", "03/08/2026 10:00:10")
    inv = row("arinvoice", "9", "03/08/2026 10:00:05")
    rows = [inv, cust]
    now = datetime(2026, 3, 8, 18, 1, tzinfo=UTC)
    moved = next_state(old, rows, rows, set(), now, full=False)
    assert moved.high == "03/08/2026 10:00:10" and set(moved.seen) == {row_id(cust), row_id(inv)}
    held = next_state(old, rows, rows, {"arinvoice"}, now, full=False)
    assert held.high == "03/08/2026 10:00:05"  # not past the row the failed read still owes
    assert set(held.seen) == {row_id(cust)}  # the invoice row stays new for the next probe
    assert held.full_at is None and next_state(old, rows, rows, set(), now, full=True).full_at == now


def test_seen_rows_older_than_the_margin_are_dropped() -> None:
    old_row = row("item", "3", "03/08/2026 09:00:00")
    new_row = row("item", "4", "03/08/2026 10:00:00")
    state = next_state(None, [old_row, new_row], [old_row, new_row], set(), datetime.now(UTC), full=True)
    assert set(state.seen) == {row_id(new_row)}


def test_while_the_window_reaches_back_the_rows_it_covers_stay_seen() -> None:
    early = row("customer", "1", "11/01/2026 01:10:00")  # first pass of the repeated hour
    late = row("customer", "2", "11/01/2026 01:59:00")
    now = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
    narrow = next_state(None, [early, late], [early, late], set(), now, full=True)
    wide = next_state(None, [early, late], [early, late], set(), now, full=True, reach=timedelta(hours=1))
    assert set(narrow.seen) == {row_id(late)} and set(wide.seen) == {row_id(early), row_id(late)}
