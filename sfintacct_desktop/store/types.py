"""Portable column types and JSON encoding for the state store.

Why custom types: SQLite has no timezone-aware timestamps and no exact decimals. ``UTCDateTime``
stores UTC and always hands back aware datetimes on both SQLite and PostgreSQL; ``Money`` is
NUMERIC(18,2) on PostgreSQL and exact text on SQLite (whose NUMERIC affinity would go through
float). JSON columns hold JSON-native values only: ``to_json`` turns Decimal into a string and
dates into ISO strings so a base value read back equals the value written, byte for byte.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

_NATIVE = frozenset({str, int, bool, type(None)})  # exact types: a str or int subclass (an Enum) is converted


def to_json(value: Any) -> Any:
    """Return a JSON-native copy: Decimal -> str, date/datetime/time -> ISO str, tuple -> list.

    Exact-type checks first (why: a busy cycle converts some 100,000 bases and audit values,
    nearly all plain text, and the isinstance chain was most of the store's Python time).
    """
    kind = type(value)
    if kind in _NATIVE:
        return value
    if kind is dict:
        return {k if type(k) is str else str(k): v if type(v) in _NATIVE else to_json(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [v if type(v) in _NATIVE else to_json(v) for v in value]
    return _to_json_other(value)


def _to_json_other(value: Any) -> Any:
    if isinstance(value, bool | int | str):  # subclasses (a str Enum), as JSON encodes them
        return value
    if isinstance(value, float):
        raise TypeError("floats are not stored in the state store: use Decimal (money) or int")
    if isinstance(value, Enum):
        return to_json(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


def _is_native(value: Any) -> bool:
    """Whether ``value`` is JSON-native already (exact types, text keys): what ``to_json`` returns."""
    kind = type(value)
    if kind in _NATIVE:
        return True
    if kind is dict:
        return all(type(k) is str and (type(v) in _NATIVE or _is_native(v)) for k, v in value.items())
    if kind is list:
        return all(type(v) in _NATIVE or _is_native(v) for v in value)
    return False


def json_dumps(value: Any) -> str:
    """Serializer for the engine: canonical (sorted keys), and strict about what it accepts.

    The repositories hand over ``to_json`` output, so it is only checked, not copied again.
    """
    native = value if _is_native(value) else to_json(value)
    return json.dumps(native, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp stored as UTC; naive values are refused (they hide clock bugs)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the state store; use an aware datetime")
        if value.tzinfo is not UTC:
            value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def bind_processor(self, dialect: Dialect) -> Any:
        """The usual processing, remembering the last value: a batch of rows shares one ``now``.

        Why: a busy cycle binds some 100,000 timestamps, most of them the same object per batch
        (created/updated of its links); a datetime is immutable, and the memo holds it, so the
        same object always gives the same answer.
        """
        inner = super().bind_processor(dialect)
        if inner is None:
            return None
        memo: list[tuple[Any, Any]] = [(object(), None)]

        def process(value: Any) -> Any:
            last = memo[0]
            if value is last[0]:
                return last[1]
            out = inner(value)
            memo[0] = (value, out)
            return out

        return process

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Money(TypeDecorator[Decimal]):
    """NUMERIC(18,2); exact text on SQLite. Values are quantized to cents on the way in."""

    impl = sa.Numeric(18, 2)
    cache_ok = True
    _CENT = Decimal("0.01")

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.String(32))
        return dialect.type_descriptor(sa.Numeric(18, 2, asdecimal=True))

    def process_bind_param(self, value: Decimal | int | str | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if isinstance(value, float):
            raise TypeError("money must be Decimal, never float")
        amount = Decimal(value).quantize(self._CENT)
        return str(amount) if dialect.name == "sqlite" else amount

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return Decimal(str(value)).quantize(self._CENT)
