"""Shared core of the Intacct query languages: errors, typed value keys and predicates.

Both ``<query>`` (``querylang``) and ``readByQuery`` (``readbyquery``) compare values the way the
Oracle database behind Intacct does and use SQL three-valued logic; this module holds that logic
once so the two languages cannot drift apart.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

FieldTypes = Callable[[str], str | None]
Tri = bool | None  # SQL three-valued logic: None is "unknown"
Pred = Callable[[dict], Tri]

GENERIC_ERROR = "There was an error processing the request."
NUMERIC_TYPES = frozenset({"integer", "decimal"})
TEMPORAL_TYPES = frozenset({"date", "timestamp"})
AGGREGATES = ("count", "avg", "min", "max", "sum")
MAX_PAGESIZE = 2000
DEFAULT_PAGESIZE = 100
MAX_IN_VALUES = 1000
# Element order of the XSD's xs:all, used for libxml2-style "Expected is one of (...)" texts.
QUERY_CHILDREN = ("select", "object", "docparid", "pagesize", "orderby", "options", "offset", "filter")
OPERATORS = (
    "equalto", "notequalto", "lessthan", "lessthanorequalto", "greaterthan", "greaterthanorequalto",
    "between", "in", "notin", "like", "notlike", "isnull", "isnotnull",
)  # fmt: skip
VALUE_COUNTS = {"isnull": (0, 0), "isnotnull": (0, 0), "between": (2, 2), "in": (1, MAX_IN_VALUES)}
VALUE_COUNTS["notin"] = VALUE_COUNTS["in"]
DOCUMENT_OBJECTS = frozenset({"SODOCUMENT", "PODOCUMENT", "INVDOCUMENT"})


class QueryError(Exception):
    """A query the real system rejects; the gateway turns it into a failure ``<result>``."""

    def __init__(self, errorno: str, description2: str, correction: str = "", description: str = "") -> None:
        super().__init__(f"{errorno}: {description2}" + (f" ({description})" if description else ""))
        self.errorno = errorno
        self.description = description
        self.description2 = description2
        self.correction = correction


class QuerySchemaError(QueryError):
    """An XSD violation. Intacct validates the whole request, so the gateway may answer it at control level."""

    def __init__(self, code: int, message: str, element: Any = None) -> None:
        line = getattr(element, "sourceline", None) or 1
        super().__init__("XL03000003", f"XML Parse schema error: Error {code}: {message} Line: {line}, column: 0.")


def object_not_found(name: str) -> QueryError:
    """The error both query functions answer for an unknown object (PHP SDK ``ResultTest``)."""
    return QueryError("Query Failed", f"Object definition {name} not found")


def invalid_field(name: str, obj: str = "") -> QueryError:
    where = f" on object {obj}" if obj else ""
    return QueryError("DL02000001", GENERIC_ERROR, description=f"Invalid field '{name}'{where}")


def bad_value(value: str, ftype: str, name: str) -> QueryError:
    return QueryError("DL02000001", GENERIC_ERROR, description=f"Invalid {ftype} value '{value}' for field {name}")


# ----------------------------------------------------------------------------------------------
# Typed values. Comparable keys: Decimal for numbers, int YYYYMMDDHHMMSS for dates and timestamps,
# bool for booleans, str for text. None is SQL NULL.

_DATE_RE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$")


@functools.lru_cache(maxsize=1 << 16)
def _stored_temporal(text: str) -> int | None:
    """Fast path for stored values, which the model always writes as ``MM/DD/YYYY[ HH:MM:SS]``.

    Cached (a pure function of the text): a filter or sort on ACCESSTIME parses every audit row's
    stamp each query, and a busy trail repeats the same few seconds thousands of times."""
    if len(text) == 19 and text[2] == "/" and text[5] == "/" and text[10] == " ":
        digits = text[6:10] + text[0:2] + text[3:5] + text[11:13] + text[14:16] + text[17:19]
        if digits.isdigit():
            return int(digits)
    if len(text) == 10 and text[2] == "/" and text[5] == "/":
        digits = text[6:10] + text[0:2] + text[3:5]
        if digits.isdigit():
            return int(digits) * 1_000_000
    return parse_temporal(text)


def parse_temporal(text: str) -> int | None:
    """``MM/DD/YYYY`` or ``MM/DD/YYYY HH:MM[:SS]`` -> sortable int, or None if it is not a real date."""
    m = _DATE_RE.match(text)
    if not m:
        return None
    mo, d, y, hh, mi, ss = (int(g) if g else 0 for g in m.groups())
    try:
        datetime(y, mo, d, hh, mi, ss)
    except ValueError:
        return None
    return ((y * 100 + mo) * 100 + d) * 1_000_000 + hh * 10_000 + mi * 100 + ss


def parse_number(text: str) -> Decimal | None:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _parse_bool(text: str) -> bool | None:
    low = text.strip().lower()
    return True if low == "true" else False if low == "false" else None


def literal_key(ftype: str, value: str, name: str, ci: bool = False) -> Any:
    """Typed key of a filter literal; '' is NULL; a malformed number or date is an error, as in Intacct."""
    if value == "":
        return None
    if ftype in NUMERIC_TYPES:
        key: Any = parse_number(value)
    elif ftype in TEMPORAL_TYPES:
        key = parse_temporal(value)
    elif ftype == "boolean":
        key = _parse_bool(value)
    else:
        return value.lower() if ci else value
    if key is None:
        raise bad_value(value, ftype, name)
    return key


def key_getter(name: str, ftype: str, ci: bool = False) -> Callable[[dict], Any]:
    """row -> typed key of a stored value (None for empty or unparsable)."""
    if ftype in NUMERIC_TYPES:
        return lambda row: parse_number(v) if (v := row.get(name)) else None
    if ftype in TEMPORAL_TYPES:
        return lambda row: _stored_temporal(v) if (v := row.get(name)) else None
    if ftype == "boolean":
        return lambda row: _parse_bool(v) if (v := row.get(name)) else None
    if ci:
        return lambda row: v.lower() if (v := row.get(name)) else None
    return lambda row: row.get(name) or None


def like_regex(pattern: str, ci: bool = False) -> re.Pattern[str]:
    """SQL LIKE (``%`` any run, ``_`` one character, no escape character) as an anchored regex."""
    parts = [".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern]
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ci else 0))


def compare_pred(get: Callable[[dict], Any], op: Callable[[Any, Any], bool], lit: Any) -> Pred:
    if lit is None:  # comparing with NULL is never true
        return lambda row: None

    def pred(row: dict) -> Tri:
        k = get(row)
        return None if k is None else op(k, lit)

    return pred


def in_pred(get: Callable[[dict], Any], lits: list[Any], negate: bool) -> Pred:
    values = frozenset(x for x in lits if x is not None)
    has_null = any(x is None for x in lits)

    def pred(row: dict) -> Tri:
        k = get(row)
        if k is None:
            return None
        if k in values:
            return not negate
        return None if has_null else negate  # x NOT IN (..., NULL) is unknown in SQL

    return pred


def like_pred(name: str, pattern: str, ci: bool, negate: bool) -> Pred:
    if pattern == "":
        return lambda row: None
    match = like_regex(pattern, ci).fullmatch

    def pred(row: dict) -> Tri:
        v = row.get(name)
        if not v:
            return None
        return (match(v) is None) if negate else (match(v) is not None)

    return pred


def null_pred(name: str, negate: bool) -> Pred:
    return (lambda row: bool(row.get(name))) if negate else (lambda row: not row.get(name))


def and_pred(preds: list[Pred]) -> Pred:
    def pred(row: dict) -> Tri:
        result: Tri = True
        for p in preds:
            r = p(row)
            if r is False:
                return False
            if r is None:
                result = None
        return result

    return pred


def or_pred(preds: list[Pred]) -> Pred:
    def pred(row: dict) -> Tri:
        result: Tri = False
        for p in preds:
            r = p(row)
            if r is True:
                return True
            if r is None:
                result = None
        return result

    return pred


def not_pred(inner: Pred) -> Pred:
    return lambda row: None if (r := inner(row)) is None else not r


COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {
    "equalto": operator.eq,
    "notequalto": operator.ne,
    "lessthan": operator.lt,
    "lessthanorequalto": operator.le,
    "greaterthan": operator.gt,
    "greaterthanorequalto": operator.ge,
}
