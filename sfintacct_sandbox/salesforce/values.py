"""Checking and normalising one JSON value for one field, the way the REST API deserialises it.

Salesforce is lenient where Jackson is (a numeric string in a number field, a number in a text
field) and strict elsewhere: a wrong JSON token is ``JSON_PARSER_ERROR``, an over-long text is
``STRING_TOO_LONG``, a bad restricted picklist value is ``INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from . import ids
from .errors import SfError
from .schema import NUMBER_TYPES, STRING_TYPES, Field

_TOKEN = {str: "VALUE_STRING", bool: "VALUE_TRUE", int: "VALUE_NUMBER_INT", float: "VALUE_NUMBER_FLOAT"}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def format_datetime(dt: datetime) -> str:
    """``2024-01-31T12:00:00.000+0000``: the form the REST API shows datetimes in.

    Whole seconds: an org stores datetimes (SystemModstamp and the other audit stamps included)
    without milliseconds, so the fraction is always ``.000`` and several changes within one second
    share one stamp. A sync must cope with that tie, so the emulator never hides it.
    """
    dt = dt.astimezone(UTC)
    return f"{dt:%Y-%m-%dT%H:%M:%S}.000+0000"


def parse_datetime(text: str) -> datetime | None:
    """Parse the ISO forms clients send (``Z``, ``+00:00``, ``+0000``, with or without millis)."""
    t = text.strip()
    if t.endswith("Z"):
        t = t[:-1] + "+00:00"
    m = re.match(r"^(.*[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)([+-]\d{2}):?(\d{2})$", t)
    if m:
        t = f"{m.group(1)}{m.group(2)}:{m.group(3)}"
    try:
        dt = datetime.fromisoformat(t)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def _parser_error(f: Field, value: Any, kind: str) -> SfError:
    if isinstance(value, dict):
        token, shown = "START_OBJECT", "{"
    elif isinstance(value, list):
        token, shown = "START_ARRAY", "["
    else:
        token = "VALUE_FALSE" if value is False else _TOKEN.get(type(value), "VALUE_STRING")
        shown = str(value).lower() if isinstance(value, bool) else str(value)
    return SfError(
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {kind} from {token} value {shown} "
        "or request may be missing a required field at [line:1, column:1]",
    )


def coerce(f: Field, value: Any) -> Any:
    """The stored (JSON-native) value for ``value`` written to field ``f``; raises SfError."""
    if value is None:
        return False if f.type == "boolean" else None
    t = f.type
    if t in STRING_TYPES:
        if isinstance(value, (dict, list)):
            raise _parser_error(f, value, "string" if t != "picklist" else "picklist")
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        if isinstance(value, float) and value.is_integer():
            text = str(int(value))
        if text == "":
            return None
        if f.length and len(text) > f.length:
            raise SfError(
                "STRING_TOO_LONG",
                f"{f.label or f.name}: data value too large: {text[:80]} (max length={f.length})",
                [f.name],
            )
        if t == "picklist" and f.restricted and text not in f.picklist:
            raise SfError(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{f.label or f.name}: bad value for restricted picklist field: {text}",
                [f.name],
            )
        if t == "email" and "@" not in text:
            raise SfError("INVALID_EMAIL_ADDRESS", f"{f.label}: invalid email address: {text}", [f.name])
        return text
    if t in NUMBER_TYPES:
        kind = {"int": "int", "currency": "currency", "percent": "percent"}.get(t, "double")
        if isinstance(value, (bool, dict, list)):
            raise _parser_error(f, value, kind)
        if isinstance(value, str):
            try:
                number = float(value.strip())
            except ValueError:
                raise _parser_error(f, value, kind) from None
        else:
            number = float(value)
        if t == "int":
            return int(number)
        digits = f.precision - f.scale if f.precision else 16
        if abs(number) >= 10**digits:
            raise SfError(
                "NUMBER_OUTSIDE_VALID_RANGE",
                f"{f.label or f.name}: value outside of valid range on numeric field: {value}",
                [f.name],
            )
        return number
    if t == "boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise _parser_error(f, value, "boolean")
    if t == "date":
        if isinstance(value, str):
            text = value.strip()[:10] if "T" in value else value.strip()
            if _DATE_RE.match(text):
                try:
                    return date.fromisoformat(text).isoformat()
                except ValueError:
                    pass
        raise _parser_error(f, value, "date")
    if t == "datetime":
        if isinstance(value, str):
            dt = parse_datetime(value)
            if dt is not None:
                return format_datetime(dt)
        raise _parser_error(f, value, "datetime")
    if t in ("reference", "id"):
        if not isinstance(value, str):
            raise _parser_error(f, value, "id")
        if value == "":
            return None
        norm = ids.normalize(value)
        if norm is None:
            raise SfError("MALFORMED_ID", f"{f.label or f.name}: id value of incorrect type: {value}", [f.name])
        return norm
    return value
