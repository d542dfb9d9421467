"""Small, pure conversions shared by both mappings: money, dates, timestamps, empty values.

Why one place: money must be ``Decimal`` from the wire text (never via a lossy float path), and the
two systems' date and time formats must be parsed the same way everywhere.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

IA_DATE = "%m/%d/%Y"
IA_TIMESTAMP = "%m/%d/%Y %H:%M:%S"
_IA_TIMESTAMP = re.compile(r"(\d\d)/(\d\d)/(\d{4}) (\d\d):(\d\d):(\d\d)")


def text(value: Any) -> str:
    """A field value as stripped text; None and missing become ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def money(value: Any) -> Decimal | None:
    """Decimal from a wire value: JSON numbers via their shortest repr, XML text as is; "" → None."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"not a number: {value!r}") from None


def money0(value: Any) -> Decimal:
    """Like :func:`money` but an empty value is zero (totals that are always present)."""
    got = money(value)
    return got if got is not None else Decimal("0")


def json_number(value: Decimal | None) -> float | int | None:
    """A Decimal for a Salesforce JSON body (currency/double fields refuse JSON strings)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)


def flag(value: Any) -> bool:
    """Booleans from JSON (true/false) or Intacct text (true/false, T/F)."""
    if isinstance(value, bool):
        return value
    return text(value).lower() in ("true", "t", "1", "yes")


def sf_datetime(value: Any) -> datetime | None:
    """Salesforce ``2026-11-28T08:03:34.545+0000`` → aware UTC datetime."""
    return _sf_datetime(text(value))


@functools.lru_cache(maxsize=1 << 14)
def _sf_datetime(raw: str) -> datetime | None:
    """Cached by text (datetimes are immutable): a read of thousands of Accounts written in a burst
    repeats the same few stamps (the overlap window's 2,000 stamp-only rows every cycle)."""
    if not raw:
        return None
    if len(raw) == 28 and raw[19] == "." and raw[23] in "+-":  # the usual form: fast (strptime is slow)
        try:
            return datetime.fromisoformat(raw).astimezone(UTC)
        except ValueError:
            pass
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(raw, fmt).astimezone(UTC)
        except ValueError:
            continue
    parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def sf_date(value: Any) -> date | None:
    raw = text(value)
    return date.fromisoformat(raw[:10]) if raw else None


def ia_date(value: Any) -> date | None:
    """Intacct dates are ``MM/DD/YYYY`` (ISO accepted too)."""
    raw = text(value)
    if not raw:
        return None
    if "/" in raw:
        return datetime.strptime(raw[:10], IA_DATE).date()
    return date.fromisoformat(raw[:10])


def ia_timestamp(value: Any, zone: ZoneInfo) -> datetime | None:
    """WHENMODIFIED ``MM/DD/YYYY HH:MM:SS`` is wall time in the company's zone: made aware there."""
    raw = text(value)
    if not raw:
        return None
    try:
        found = _IA_TIMESTAMP.fullmatch(raw)  # the usual spelling without strptime (100,000 rows a baseline)
        if found:
            mo, d, y, h, mi, sec = map(int, found.groups())
            naive = datetime(y, mo, d, h, mi, sec)
        else:
            naive = datetime.strptime(raw, IA_TIMESTAMP)
    except ValueError:
        naive = datetime.fromisoformat(raw)
        if naive.tzinfo is not None:
            return naive
    return naive.replace(tzinfo=zone)


def ia_wall_time(moment: datetime, zone: ZoneInfo) -> str:
    """An aware datetime as the company's wall time, for a WHENMODIFIED filter."""
    if moment.tzinfo is None:
        raise ValueError("cursor must be timezone-aware")
    return moment.astimezone(zone).strftime(IA_TIMESTAMP)


def ia_date_text(day: date | None) -> str:
    return day.strftime(IA_DATE) if day else ""


def decimal_text(value: Decimal | None) -> str:
    """A Decimal as plain text for Intacct (no exponent)."""
    return "" if value is None else format(value, "f")
