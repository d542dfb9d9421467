"""The probe's bookkeeping: which audit rows are new, where its window starts, what it keeps."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sfintacct_desktop.engine.ia_probe import (
    MARGIN,
    ProbePages,
    ProbeState,
    fold_back,
    new_rows,
    next_state,
    row_id,
    row_of,
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


def test_seen_rows_the_probe_did_not_read_stay_seen_counted_within_the_margin() -> None:
    read = row("customer", "5", "03/08/2026 10:00:10")
    twice = row("customer", "1", "03/08/2026 10:00:01")  # two rows alike, both past the first page
    gone = row("customer", "2", "03/08/2026 09:00:00")  # older than the next window: dropped
    rest = Counter({row_id(twice): 2, row_id(gone): 1})
    state = next_state(None, [read], [read], set(), datetime.now(UTC), full=False, rest=rest)
    assert state.seen == {row_id(read): 1, row_id(twice): 2}
    assert state.high == "03/08/2026 10:00:10"


class _Page:
    """A ``query`` answer's counts, as the probe's page check reads them."""

    def __init__(self, totalcount: int | None, numremaining: int) -> None:
        self.totalcount, self.numremaining = totalcount, numremaining


def _seen(*rows: dict[str, str], exact: bool = True) -> ProbeState:
    return ProbeState(high="03/08/2026 10:00:10", seen={row_id(r): 1 for r in rows}, exact=exact)


SINCE = "03/08/2026 09:58:10"
A, B, C = (row("customer", k, f"03/08/2026 10:00:0{k}") for k in "123")


def test_the_probe_stops_after_a_page_when_the_rest_is_seen() -> None:
    fresh = row("customer", "9", "03/08/2026 10:00:20")
    pages = ProbePages(_seen(A, B, C), ["customer"], SINCE, may_stop=True)
    assert pages.check([fresh, C], _Page(4, 2)) is True  # 4 rows, 3 seen, the 1 new one is on the page
    assert sorted(pages.rest.elements()) == sorted(map(row_id, [A, B]))  # kept seen, not read
    assert pages.exact


def test_a_new_row_past_the_first_page_is_read() -> None:
    # the window: C, B, A and a row committed late (ACCESSTIME 10:00:00), past the page of C and B
    pages = ProbePages(_seen(A, B, C), ["customer"], SINCE, may_stop=True)
    assert pages.check([C, B], _Page(4, 2)) is False  # 4 rows, 3 seen: one new row not on this page
    twice = ProbePages(_seen(A, B, C), ["customer"], SINCE, may_stop=True)
    assert twice.check([C, dict(C)], _Page(5, 3)) is False  # a repeat counts as new: 2 new of 5, 1 read


def test_the_probe_reads_every_page_when_the_counts_may_be_wrong() -> None:
    fresh = row("customer", "9", "03/08/2026 10:00:20")
    inexact = ProbePages(_seen(A, B, C, exact=False), ["customer"], SINCE, may_stop=True)
    assert inexact.check([fresh, C], _Page(4, 2)) is False
    full = ProbePages(_seen(A, B, C), ["customer"], SINCE, may_stop=False)  # the safety net reads all
    assert full.check([fresh, C], _Page(4, 2)) is False
    no_total = ProbePages(_seen(A, B, C), ["customer"], SINCE, may_stop=True)
    assert no_total.check([fresh, C], _Page(None, 2)) is False
    moved = ProbePages(_seen(A, B, C), ["customer"], SINCE, may_stop=True)
    assert moved.check([fresh, C], _Page(5, 3)) is False  # a row written between pages: total moved
    assert moved.check([fresh, C, B, A], _Page(4, 0)) is False and not moved.exact


def test_a_row_id_names_its_row_even_with_a_bar_in_the_key() -> None:
    odd = row("item", "A|B", "03/08/2026 10:00:00", mode="D")
    assert row_of(row_id(odd)) == odd
