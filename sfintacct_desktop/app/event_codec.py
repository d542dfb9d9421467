"""The engine's events as JSON and back: what the background service streams to the window.

Why an explicit codec and not ``dataclasses.asdict``: the wire format is a contract between two
processes that may run different versions for a moment (a window opened while the service was
being upgraded). Every field is named here once, dates travel as ISO 8601 with their offset,
enums as their values, tuples as lists; an unknown event type or a malformed field raises
:class:`CodecError` instead of building half an event. ``decode(encode(e)) == e`` for every event
of :mod:`engine.events` (a round-trip test holds that).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from ..domain import ErrorInfo, ErrorKind, System
from ..engine.events import (
    ConflictRaised,
    EngineStateChanged,
    ErrorRaised,
    Event,
    Progress,
    RecordApplied,
    RunFinished,
    RunStarted,
    RunSummary,
    StreamCounters,
)


class CodecError(ValueError):
    """A message that is not a well-formed event."""


# ------------------------------------------------------------------------------ pieces
def _when(value: datetime) -> str:
    return value.isoformat()


def _date(value: Any) -> datetime:
    if not isinstance(value, str):
        raise CodecError(f"a date must be a string, not {type(value).__name__}")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise CodecError(f"not an ISO 8601 date: {value!r}") from None


def _str(doc: dict[str, Any], key: str, default: str | None = None) -> str:
    value = doc.get(key, default)
    if not isinstance(value, str):
        raise CodecError(f"{key!r} must be a string")
    return value


def _int(doc: dict[str, Any], key: str, default: int | None = None) -> int:
    value = doc.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise CodecError(f"{key!r} must be an integer")
    return value


def _opt_int(doc: dict[str, Any], key: str) -> int | None:
    value = doc.get(key)
    return None if value is None else _int(doc, key)


def error_to_json(info: ErrorInfo) -> dict[str, Any]:
    return {
        "kind": info.kind.value,
        "title": info.title,
        "message": info.message,
        "hint": info.hint,
        "system": info.system.value if info.system else None,
        "code": info.code,
        "record_key": info.record_key,
        "idempotency_key": info.idempotency_key,
        "window_hint": info.window_hint,
    }


def error_from_json(doc: Any) -> ErrorInfo:
    if not isinstance(doc, dict):
        raise CodecError("an error must be an object")
    try:
        kind = ErrorKind(_str(doc, "kind"))
        system = System(doc["system"]) if doc.get("system") else None
    except ValueError as exc:
        raise CodecError(str(exc)) from None
    return ErrorInfo(
        kind,
        _str(doc, "title"),
        _str(doc, "message"),
        _str(doc, "hint", ""),
        system,
        _str(doc, "code", ""),
        _str(doc, "record_key", ""),
        _str(doc, "idempotency_key", ""),
        _str(doc, "window_hint", ""),
    )


def _opt_error(doc: Any) -> ErrorInfo | None:
    return None if doc is None else error_from_json(doc)


def counters_to_json(c: StreamCounters) -> dict[str, Any]:
    return {
        "stream": c.stream,
        "read": c.read,
        "applied": c.applied,
        "skipped": c.skipped,
        "conflicts": c.conflicts,
        "errors": c.errors,
        "writes_salesforce": c.writes_salesforce,
        "writes_intacct": c.writes_intacct,
        "unchanged": c.unchanged,
        "failure": dict(c.failure) if c.failure is not None else None,
    }


_COUNTS = ("read", "applied", "skipped", "conflicts", "errors", "writes_salesforce", "writes_intacct", "unchanged")


def counters_from_json(doc: Any) -> StreamCounters:
    if not isinstance(doc, dict):
        raise CodecError("stream counters must be an object")
    failure = doc.get("failure")
    if failure is not None and not (
        isinstance(failure, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in failure.items())
    ):
        raise CodecError("'failure' must map strings to strings")
    return StreamCounters(_str(doc, "stream"), **{k: _int(doc, k, 0) for k in _COUNTS}, failure=failure)


def summary_to_json(s: RunSummary) -> dict[str, Any]:
    return {
        "run_id": s.run_id,
        "status": s.status,
        "started_at": _when(s.started_at),
        "finished_at": _when(s.finished_at),
        "streams": [counters_to_json(c) for c in s.streams],
        "salesforce_api_calls": s.salesforce_api_calls,
        "intacct_transactions": s.intacct_transactions,
        "intacct_requests": s.intacct_requests,
        "error": error_to_json(s.error) if s.error is not None else None,
    }


def summary_from_json(doc: Any) -> RunSummary:
    if not isinstance(doc, dict):
        raise CodecError("a run summary must be an object")
    streams = doc.get("streams", [])
    if not isinstance(streams, list):
        raise CodecError("'streams' must be a list")
    return RunSummary(
        _int(doc, "run_id"),
        _str(doc, "status"),
        _date(doc.get("started_at")),
        _date(doc.get("finished_at")),
        tuple(counters_from_json(c) for c in streams),
        _int(doc, "salesforce_api_calls", 0),
        _int(doc, "intacct_transactions", 0),
        _int(doc, "intacct_requests", 0),
        _opt_error(doc.get("error")),
    )


# ------------------------------------------------------------------------------ events
def _fields(doc: dict[str, Any]) -> tuple[str, ...]:
    value = doc.get("fields", [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CodecError("'fields' must be a list of strings")
    return tuple(value)


_ENCODE: dict[type[Event], tuple[str, Callable[[Any], dict[str, Any]]]] = {
    RunStarted: ("run_started", lambda e: {"run_id": e.run_id, "trigger": e.trigger}),
    Progress: (
        "progress",
        lambda e: {"run_id": e.run_id, "stream": e.stream, "phase": e.phase, "done": e.done, "total": e.total},
    ),
    RecordApplied: (
        "record_applied",
        lambda e: {
            "entity": e.entity,
            "operation": e.operation,
            "target": e.target,
            "record_key": e.record_key,
            "fields": list(e.fields),
        },
    ),
    ErrorRaised: ("error_raised", lambda e: {"error": error_to_json(e.error), "inbox_id": e.inbox_id}),
    ConflictRaised: (
        "conflict_raised",
        lambda e: {"conflict_id": e.conflict_id, "entity": e.entity, "record_key": e.record_key, "field": e.field},
    ),
    RunFinished: ("run_finished", lambda e: {"summary": summary_to_json(e.summary)}),
    EngineStateChanged: ("state_changed", lambda e: {"state": e.state, "reason": e.reason}),
}

_DECODE: dict[str, Callable[[datetime, dict[str, Any]], Event]] = {
    "run_started": lambda at, d: RunStarted(at, _int(d, "run_id"), _str(d, "trigger")),
    "progress": lambda at, d: Progress(
        at, _int(d, "run_id"), _str(d, "stream"), _str(d, "phase"), _int(d, "done", 0), _opt_int(d, "total")
    ),
    "record_applied": lambda at, d: RecordApplied(
        at, _str(d, "entity"), _str(d, "operation"), _str(d, "target"), _str(d, "record_key"), _fields(d)
    ),
    "error_raised": lambda at, d: ErrorRaised(at, error_from_json(d.get("error")), _opt_int(d, "inbox_id")),
    "conflict_raised": lambda at, d: ConflictRaised(
        at, _int(d, "conflict_id"), _str(d, "entity"), _str(d, "record_key"), _str(d, "field")
    ),
    "run_finished": lambda at, d: RunFinished(at, summary_from_json(d.get("summary"))),
    "state_changed": lambda at, d: EngineStateChanged(at, _str(d, "state"), _str(d, "reason", "")),
}


def encode_event(event: Event) -> dict[str, Any]:
    """An event as a JSON-ready dict: ``{"type": ..., "at": ..., <its fields>}``."""
    entry = _ENCODE.get(type(event))
    if entry is None:
        raise CodecError(f"no wire form for {type(event).__name__}")
    name, fields = entry
    return {"type": name, "at": _when(event.at), **fields(event)}


def decode_event(doc: Any) -> Event:
    """The event a dict of :func:`encode_event` describes; :class:`CodecError` when malformed."""
    if not isinstance(doc, dict):
        raise CodecError("an event must be an object")
    build = _DECODE.get(str(doc.get("type")))
    if build is None:
        raise CodecError(f"unknown event type {doc.get('type')!r}")
    return build(_date(doc.get("at")), doc)


__all__ = [
    "CodecError",
    "decode_event",
    "encode_event",
    "error_from_json",
    "error_to_json",
    "summary_from_json",
    "summary_to_json",
]
