"""Property tests: simple-salesforce's format_soql round-trips, and the parser never crashes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st
from simple_salesforce.format import format_soql

from sfintacct_sandbox.salesforce.soql import Comparison, Literal, SoqlError, parse

from .test_soql_fakes import FakeSource, run

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


def _literal(soql: str) -> Literal:
    cond = parse(soql).where
    assert isinstance(cond, Comparison) and isinstance(cond.value, Literal)
    return cond.value


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_format_soql_string_round_trips(value: str) -> None:
    lit = _literal(format_soql("SELECT Id FROM Account WHERE Name = {}", value))
    assert (lit.kind, lit.value) == ("string", value)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_format_soql_like_escapes_match_literally(value: str) -> None:
    lit = _literal(format_soql("SELECT Id FROM Account WHERE Name LIKE '{:like}'", value))
    assert lit.pattern is not None
    assert re.fullmatch(lit.pattern, value, re.IGNORECASE | re.DOTALL)
    assert lit.value == value


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_format_soql_integers_round_trip(value: int) -> None:
    lit = _literal(format_soql("SELECT Id FROM Account WHERE NumberOfEmployees = {}", value))
    assert (lit.kind, lit.value) == ("number", value)


@settings(max_examples=100, deadline=None)
@given(
    st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2090, 1, 1)),
    st.integers(min_value=-12 * 60, max_value=12 * 60),
)
def test_format_soql_datetimes_match_stored_rows(naive: datetime, offset_minutes: int) -> None:
    moment = naive.replace(microsecond=0, tzinfo=timezone(timedelta(minutes=offset_minutes)))
    org = FakeSource()
    stored = moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    org.add("Account", Name="x", CreatedDate=stored)
    soql = format_soql("SELECT Name FROM Account WHERE CreatedDate = {}", moment)
    assert [r["Name"] for r in run(org, soql).records] == ["x"]
    later = format_soql("SELECT Name FROM Account WHERE CreatedDate > {}", moment - timedelta(seconds=1))
    assert run(org, later).total_size == 1


SOQL_TOKENS = st.sampled_from(
    [
        "SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "LIMIT", "OFFSET",
        "Id", "Name", "Account.Name", "Account", "Opportunity", "COUNT()", "(", ")", ",", "=", "!=", "<",
        ">=", "'a'", "'\\'", "null", "TRUE", "1", "-2.5", "2024-01-01", "2024-01-01T00:00:00Z",
        "LAST_N_DAYS:3", "TODAY", "DESC", "NULLS", "LAST", ":", "\\", "'", "Opportunities",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.one_of(TEXT, st.lists(SOQL_TOKENS, max_size=14).map(" ".join)))
def test_parse_and_execute_only_raise_soql_errors(text: str) -> None:
    org = FakeSource()
    org.add("Account", Name="a")
    for soql in (text, "SELECT Id FROM Account " + text, "SELECT Name FROM Opportunity WHERE " + text):
        try:
            run(org, soql)
        except SoqlError as exc:
            assert exc.error_code in {
                "MALFORMED_QUERY",
                "INVALID_FIELD",
                "INVALID_TYPE",
                "INVALID_QUERY_FILTER_OPERATOR",
                "NUMBER_OUTSIDE_VALID_RANGE",
            }
