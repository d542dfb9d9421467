"""The event codec the background service streams with: every event survives JSON both ways,
and malformed messages are refused instead of becoming half an event."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sfintacct_desktop.app.event_codec import CodecError, decode_event, encode_event
from sfintacct_desktop.domain import ErrorInfo, ErrorKind, System
from sfintacct_desktop.engine.events import (
    ConflictRaised,
    EngineStateChanged,
    ErrorRaised,
    Progress,
    RecordApplied,
    RunFinished,
    RunStarted,
    RunSummary,
    StreamCounters,
)

AT = datetime(2025, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)
FULL_ERROR = ErrorInfo(
    ErrorKind.VALIDATION,
    "Salesforce refused a record",
    "Name: required field missing — “Ünïcode” ok",
    "Fix the record, then retry it.",
    System.SALESFORCE,
    "REQUIRED_FIELD_MISSING",
    "ACME1",
    "ctl-42",
    "Fix the record, then press Retry.",
)


def _summary(error: ErrorInfo | None) -> RunSummary:
    return RunSummary(
        7,
        "partial",
        AT,
        AT + timedelta(seconds=3.5),
        (
            StreamCounters("salesforce.customers", 3, 2, 1, 0, 0, 0, 2, 1),
            StreamCounters("intacct.customers", failure={"title": "t", "message": "m", "hint": "h"}),
        ),
        11,
        4,
        2,
        error,
    )


EVENTS = [
    RunStarted(AT, 7, "manual"),
    Progress(AT, 7, "salesforce.customers", "writing", 5, 20),
    Progress(AT, 7, "intacct.items", "reading"),  # total None, done 0
    RecordApplied(AT, "customer", "create", "intacct", "ACME1", ("NAME", "PHONE1")),
    RecordApplied(AT, "product", "link", "salesforce", "P-1"),
    ErrorRaised(AT, FULL_ERROR, 12),
    ErrorRaised(AT, ErrorInfo(ErrorKind.INTERNAL, "t", "m")),
    ConflictRaised(AT, 3, "customer", "ACME1", "Phone"),
    RunFinished(AT, _summary(FULL_ERROR)),
    RunFinished(AT, _summary(None)),
    EngineStateChanged(AT, "paused", "Paused by the user."),
    EngineStateChanged(datetime(2025, 1, 1, tzinfo=timezone(timedelta(hours=-8))), "idle"),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_every_event_round_trips_through_json_text(event: object) -> None:
    text = json.dumps(encode_event(event))  # type: ignore[arg-type]
    back = decode_event(json.loads(text))
    assert back == event
    assert type(back) is type(event)


_text = st.text(max_size=30)


@given(
    kind=st.sampled_from(list(ErrorKind)),
    system=st.none() | st.sampled_from(list(System)),
    parts=st.tuples(_text, _text, _text, _text, _text, _text, _text),
    inbox=st.none() | st.integers(min_value=0, max_value=2**40),
)
def test_any_error_info_round_trips(
    kind: ErrorKind, system: System | None, parts: tuple[str, ...], inbox: int | None
) -> None:
    title, message, hint, code, key, idem, window = parts
    event = ErrorRaised(AT, ErrorInfo(kind, title, message, hint, system, code, key, idem, window), inbox)
    assert decode_event(json.loads(json.dumps(encode_event(event)))) == event


@pytest.mark.parametrize(
    "doc",
    [
        None,
        [],
        {"type": "nope", "at": AT.isoformat()},
        {"type": "run_started", "at": "yesterday", "run_id": 1, "trigger": "manual"},
        {"type": "run_started", "at": AT.isoformat(), "run_id": "1", "trigger": "manual"},
        {"type": "run_started", "at": AT.isoformat(), "run_id": True, "trigger": "manual"},
        {"type": "error_raised", "at": AT.isoformat(), "error": {"kind": "bogus", "title": "t", "message": "m"}},
        {"type": "record_applied", "at": AT.isoformat(), "entity": "e", "operation": "o", "target": "t",
         "record_key": "k", "fields": "NAME"},
        {"type": "run_finished", "at": AT.isoformat(), "summary": {"run_id": 1, "status": "ok",
         "started_at": AT.isoformat(), "finished_at": AT.isoformat(), "streams": [{"stream": "s",
         "failure": {"title": 1}}]}},
    ],
)
def test_malformed_messages_are_refused(doc: object) -> None:
    with pytest.raises(CodecError):
        decode_event(doc)


def test_an_event_type_without_a_wire_form_is_refused() -> None:
    from sfintacct_desktop.engine.events import Event

    with pytest.raises(CodecError):
        encode_event(Event(AT))
