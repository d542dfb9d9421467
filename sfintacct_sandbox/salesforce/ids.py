"""Salesforce record ids: 15 case-sensitive characters plus the 3-character case-safe suffix.

Clients (and our own product) compare 18-character ids and convert 15-character ones, so the
emulator must mint ids whose suffix is the real checksum, and accept either length on input.
"""

from __future__ import annotations

import re

_SUFFIX_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ID_RE = re.compile(r"^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$")
# "5e" pod + one reserved character, as in real ids such as 0015e00000AbCdEFGH
_POD = "5e0"


def checksum(id15: str) -> str:
    """The 3-character suffix: per 5-char chunk, a bit per upper-case letter, looked up in A-Z0-5."""
    out = []
    for chunk in range(3):
        bits = 0
        for i, ch in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= ch <= "Z":
                bits |= 1 << i
        out.append(_SUFFIX_ALPHABET[bits])
    return "".join(out)


def to18(id15: str) -> str:
    return id15 + checksum(id15)


def base62(n: int, width: int) -> str:
    digits = []
    while n:
        n, r = divmod(n, 62)
        digits.append(_BASE62[r])
    return "".join(reversed(digits)).rjust(width, "0")


def make_id(prefix: str, counter: int) -> str:
    """An 18-character id for the ``counter``-th record of the object with key ``prefix``."""
    return to18(prefix + _POD + base62(counter, 9))


def normalize(value: object) -> str | None:
    """The 18-character form of a 15/18-character id, or None when it is not a well-formed id."""
    if not isinstance(value, str) or not _ID_RE.match(value):
        return None
    if len(value) == 15:
        return to18(value)
    if checksum(value[:15]) != value[15:]:
        return None
    return value
