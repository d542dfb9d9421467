"""Pure parsers of Salesforce REST bodies and headers (tested against the recorded corpus).

Why separate: they hold the wire facts (``statusCode`` in collection results, ``errorCode`` in
whole-call errors, ``nextRecordsUrl`` only while ``done`` is false) and must stay testable
without a server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, NamedTuple

_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")


@dataclass(frozen=True)
class QueryPage:
    """One page of a query. ``records`` keep their ``attributes`` (type and url) as sent."""

    records: list[dict[str, Any]]
    total_size: int
    done: bool
    next_records_url: str | None


class RecordError(NamedTuple):
    """One per-record error, a tuple (statusCode, message, fields)."""

    status_code: str
    message: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordResult:
    """The outcome of one record of a collection call, at its input ``index``."""

    index: int
    id: str | None
    success: bool
    created: bool | None = None
    errors: list[RecordError] = field(default_factory=list)

    def has_error(self, code: str) -> bool:
        return any(e.status_code == code for e in self.errors)


def parse_query_page(body: Any) -> QueryPage:
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise ValueError("not a query result: expected an object with a records array")
    done = bool(body.get("done", True))
    next_url = body.get("nextRecordsUrl") if not done else None
    if not done and not next_url:
        raise ValueError("query result says done=false without a nextRecordsUrl")
    return QueryPage(
        records=list(body["records"]),
        total_size=int(body.get("totalSize", len(body["records"]))),
        done=done,
        next_records_url=str(next_url) if next_url else None,
    )


def parse_api_errors(body: Any) -> list[tuple[str, str, tuple[str, ...]]]:
    """A whole-call error body as (code, message, fields): JSON ``[{"errorCode","message","fields"}]``
    or the XML Salesforce sends when asked for XML, ``<Errors><Error><errorCode>…<message>…``."""
    if isinstance(body, bytes | str) and body.lstrip()[:1] in ("<", b"<"):
        return _xml_errors(body)
    items = body if isinstance(body, list) else [body] if isinstance(body, dict) else []
    out: list[tuple[str, str, tuple[str, ...]]] = []
    for item in items:
        if isinstance(item, dict):
            code = str(item.get("errorCode") or item.get("statusCode") or item.get("error") or "")
            message = str(item.get("message") or item.get("error_description") or "")
            out.append((code, message, tuple(str(f) for f in item.get("fields") or ())))
    return out


def _xml_errors(body: bytes | str) -> list[tuple[str, str, tuple[str, ...]]]:
    """``<Errors><Error>`` (or a lone ``<Error>``) items; a DTD or unreadable XML gives none."""
    from lxml import etree

    from ..xml_safe import UnsafeXmlError, parse_untrusted

    raw = body.encode("utf-8") if isinstance(body, str) else body
    try:
        root = parse_untrusted(raw, "Salesforce's error answer")  # never expands entities from an answer
    except UnsafeXmlError:
        return []
    items = [root] if etree.QName(root).localname == "Error" else [e for e in root if _local(e) == "Error"]
    out: list[tuple[str, str, tuple[str, ...]]] = []
    for item in items:
        text = {_local(c): c.text or "" for c in item if isinstance(c.tag, str)}
        fields = tuple((c.text or "").strip() for c in item if isinstance(c.tag, str) and _local(c) == "fields")
        code = (text.get("errorCode") or text.get("statusCode") or "").strip()
        out.append((code, text.get("message", ""), tuple(f for f in fields if f)))
    return out


def _local(el: Any) -> str:
    return el.tag.rsplit("}", 1)[-1] if isinstance(el.tag, str) else ""


def _record_error(item: Any) -> RecordError:
    if not isinstance(item, dict):
        return RecordError("UNKNOWN_EXCEPTION", str(item))
    code = str(item.get("statusCode") or item.get("errorCode") or "UNKNOWN_EXCEPTION")
    return RecordError(code, str(item.get("message", "")), tuple(str(f) for f in item.get("fields") or ()))


def parse_record_results(body: Any, indexes: list[int]) -> list[RecordResult]:
    """A collection answer (one result per record, in order) mapped to the callers' input indexes."""
    if not isinstance(body, list) or len(body) != len(indexes):
        raise ValueError(f"expected {len(indexes)} record results, got {type(body).__name__}")
    results = []
    for index, item in zip(indexes, body, strict=True):
        if not isinstance(item, dict):
            raise ValueError("a record result is not an object")
        created = item.get("created")
        results.append(
            RecordResult(
                index=index,
                id=item.get("id") or None,
                success=bool(item.get("success")),
                created=bool(created) if created is not None else None,
                errors=[_record_error(e) for e in item.get("errors") or ()],
            )
        )
    return results


def parse_limit_info(header: str | None) -> tuple[int, int] | None:
    """``Sforce-Limit-Info: api-usage=18/5000[; per-app-api-usage=...]`` → (used, total)."""
    if not header:
        return None
    match = _USAGE.search(header)
    return (int(match.group(1)), int(match.group(2))) if match else None


def parse_http_date(header: str | None) -> datetime | None:
    """``Date: Sun, 06 Dec 2026 06:14:46 GMT`` (RFC 7231 IMF-fixdate) → aware UTC, None if absent or unreadable.

    A date without a zone (``-0000``, the obsolete forms) is refused: a clock of unknown zone is no clock.
    """
    if not header:
        return None
    try:
        when = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return when.astimezone(UTC)
