"""Deterministic Intacct keys (CUSTOMERID, ITEMID) for records created from Salesforce.

The id is chosen *before* the create call and fixed in an intent, so a retried create reuses it
and Intacct refuses a second customer with the same id. Pure: the same inputs give the same id.

Valid id (our rule, stricter than Intacct's UI, after Intacct's "Name and ID best practice"):
1..max characters (CUSTOMERID 20, ITEMID 30, matching ``Intacct_Customer_ID__c`` Text(20) and
``Intacct_Item_ID__c`` Text(30)); letters, digits, ``-``, ``_`` and ``.`` only; no spaces (they
render ambiguously and break filters); no doubled ``--``; it starts with a letter or a non-zero
digit (leading zeros get lost in spreadsheets) and does not end with ``-`` or ``.``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable
from dataclasses import dataclass

CUSTOMER_ID_MAX = 20
ITEM_ID_MAX = 30
_VALID = re.compile(r"[A-Za-z1-9][A-Za-z0-9._-]*")
MAX_PROBES = 100_000  # is_taken() calls before giving up (a full key space is an operator problem)


@dataclass(frozen=True)
class KeyChoice:
    """The chosen id, where it came from (``number`` or ``pattern``) and the sequence used."""

    value: str
    source: str
    seq: int | None = None


def is_valid_intacct_id(value: str, max_length: int = CUSTOMER_ID_MAX) -> bool:
    return (
        0 < len(value) <= max_length
        and _VALID.fullmatch(value) is not None
        and "--" not in value
        and not value.endswith(("-", "."))
    )


def validate_pattern(pattern: str, max_length: int) -> str:
    """'' when ``pattern`` is a usable id pattern, else what is wrong with it."""
    try:
        fields = [f for _, f, spec, _ in string.Formatter().parse(pattern) if f is not None]
    except ValueError as exc:
        return f"bad braces ({exc})"
    if fields != ["seq"]:
        return "it must contain exactly one {seq} placeholder and no other"
    try:
        sample = pattern.format(seq=1)
    except (ValueError, TypeError) as exc:
        return f"the {{seq}} format is invalid ({exc})"
    if not is_valid_intacct_id(sample, max_length):
        return f"it gives {sample!r}, which is not a valid Intacct id of at most {max_length} characters"
    return ""


def choose_id(
    number: str,
    *,
    pattern: str,
    is_taken: Callable[[str], bool],
    start: int = 1,
    use_number: bool = True,
    max_length: int = CUSTOMER_ID_MAX,
) -> KeyChoice:
    """``number`` (stripped) when allowed, valid and free; else ``pattern`` with the first free seq >= start.

    ``start`` lets the caller keep a counter so probing stays short; the result depends only on
    the arguments and the answers of ``is_taken``.
    """
    candidate = (number or "").strip()
    if use_number and is_valid_intacct_id(candidate, max_length) and not is_taken(candidate):
        return KeyChoice(candidate, "number")
    seq = max(1, start)
    for _ in range(MAX_PROBES):
        value = pattern.format(seq=seq)
        if not is_valid_intacct_id(value, max_length):
            raise ValueError(f"pattern {pattern!r} gives {value!r} at seq {seq}: not a valid id")
        if not is_taken(value):
            return KeyChoice(value, "pattern", seq)
        seq += 1
    raise ValueError(f"no free id from pattern {pattern!r} after {MAX_PROBES} tries from seq {start}")


def customer_id(
    account_number: str,
    *,
    pattern: str,
    is_taken: Callable[[str], bool],
    start: int = 1,
    use_account_number: bool = True,
) -> KeyChoice:
    """CUSTOMERID for a new customer from its Account (AccountNumber when valid and free)."""
    return choose_id(
        account_number,
        pattern=pattern,
        is_taken=is_taken,
        start=start,
        use_number=use_account_number,
        max_length=CUSTOMER_ID_MAX,
    )


def item_id(
    product_code: str,
    *,
    pattern: str,
    is_taken: Callable[[str], bool],
    start: int = 1,
    use_product_code: bool = True,
) -> KeyChoice:
    """ITEMID for a new item from its Product2 (ProductCode when valid and free)."""
    return choose_id(
        product_code,
        pattern=pattern,
        is_taken=is_taken,
        start=start,
        use_number=use_product_code,
        max_length=ITEM_ID_MAX,
    )
