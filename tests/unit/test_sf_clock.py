"""Salesforce's clock off a ``Date`` header: parsed strictly, trusted only when it agrees with stamps seen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sfintacct_desktop.engine.sf_clock import threshold, trusted
from sfintacct_desktop.wire.salesforce.parse import parse_http_date

T = datetime(2026, 12, 6, 6, 14, 46, tzinfo=UTC)


def test_the_date_header_is_read_as_utc_or_not_at_all() -> None:
    assert parse_http_date("Sun, 06 Dec 2026 06:14:46 GMT") == T
    assert parse_http_date("Sun, 06 Dec 2026 07:14:46 +0100") == T
    for bad in (None, "", "yesterday", "Sun, 06 Dec 2026 06:14:46 -0000", "Sun, 99 Dec 2026 06:14:46 GMT"):
        assert parse_http_date(bad) is None, bad


def test_a_clock_behind_a_stamp_already_seen_is_not_trusted() -> None:
    assert trusted(T, T - timedelta(seconds=1), None) == T
    assert trusted(T, T) == T  # the clock's second may hold stamps already seen
    assert trusted(T, T + timedelta(seconds=1)) is None  # its stamps are ahead of it: skewed
    assert trusted(None, T) is None
    assert trusted(T.replace(tzinfo=None)) is None


def test_the_threshold_is_the_later_of_the_newest_stamp_and_the_clock() -> None:
    later = T + timedelta(seconds=2)
    assert threshold(T, later) == later
    assert threshold(later, T) == later  # a clock older than the answer changes nothing
    assert threshold(T, None) == T
    assert threshold(None, T) == T
    assert threshold(None, None) is None
