"""Partial update bodies: send only the fields a write decided to change (plus the keys).

Why: a full-record update overwrites every field with the value read at the start of the cycle,
so a user's edit of another field between that read and the write would be lost (a lost update).
The field names are native ones, as the mapping lists them (dotted paths inside ``<CUSTOMER>``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

FieldSets = Sequence[Collection[str] | None] | None
# Native fields that go with another one (written together by the connector).
COMPANIONS = {
    "NAME": ("DISPLAYCONTACT.PRINTAS",),
    "BillingCountry": ("BillingCountryCode",),
}


def per_record(fields: FieldSets, n: int) -> list[Collection[str] | None]:
    """One field set per record; ``None`` (send everything) when not given."""
    if fields is None:
        return [None] * n
    if len(fields) != n:
        raise ValueError("one field set (or None) per record")
    return list(fields)


def allowed(fields: Collection[str] | None, keys: Collection[str]) -> set[str] | None:
    if fields is None:
        return None
    out = set(fields) | set(keys)
    for name in list(out):
        out.update(COMPANIONS.get(name, ()))
    return out


def only(body: dict[str, Any], fields: Collection[str] | None, keys: Collection[str]) -> dict[str, Any]:
    """``body`` restricted to ``fields`` and ``keys`` (dotted paths reach into nested elements)."""
    names = allowed(fields, keys)
    if names is None:
        return body

    def walk(node: dict[str, Any], prefix: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, value in node.items():
            path = f"{prefix}{name}"
            if isinstance(value, dict):
                sub = walk(value, path + ".")
                if sub:
                    out[name] = sub
            elif path in names:
                out[name] = value
        return out

    return walk(body, "")
