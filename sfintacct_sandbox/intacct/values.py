"""Intacct's wire values: amounts, dates and timestamps as the gateway writes and reads them.

Why a module of its own: the company's master data, its order entry, its order updates and its
payments all parse and print these the same way, and none of them should import another just for
a formatter.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import fail

Record = dict[str, Any]
TS_FORMAT = "%m/%d/%Y %H:%M:%S"
DATE_FORMAT = "%m/%d/%Y"


def flatten(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested create input -> dotted UPPER names (lists are kept as they are for the caller)."""
    out: dict[str, Any] = {}
    for key, val in value.items():
        name = f"{prefix}{str(key).upper()}"
        if isinstance(val, dict):
            out.update(flatten(val, name + "."))
        else:
            out[name] = val
    return out


def money(value: Decimal) -> str:
    """Amounts the way the gateway prints them: no trailing zeros (``5900``, ``125.5``, ``0``)."""
    q = value.quantize(Decimal("0.01"))
    text = format(q.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def to_decimal(text: Any, field: str) -> Decimal:
    try:
        return Decimal(str(text).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise fail("BL03000018", f"Illegal format for {field} : {text}", "Enter a number.") from None


def parse_date(value: Any, field: str) -> date:
    """Accept the generic ``mm/dd/yyyy``, ISO ``yyyy-mm-dd`` or the legacy ``{year, month, day}``."""
    try:
        if isinstance(value, dict):
            return date(int(value["year"]), int(value["month"]), int(value["day"]))
        text = str(value).strip()
        if "/" in text:
            return datetime.strptime(text, DATE_FORMAT).date()
        return date.fromisoformat(text)
    except (KeyError, ValueError, TypeError):
        raise fail("BL03000018", f"Illegal format for {field} : {value}", "Use the format mm/dd/yyyy.") from None
