"""A plan file's JSON read one action at a time, so no single C call holds the GIL for long.

Why: a plan of a large company is a 5 MB file (2,700 actions). ``json.loads`` of it is one C call
that holds the GIL from start to end (35-80 ms on a loaded machine), and the window reads plans on
a background thread of its own process: its GUI thread, which needs the GIL for every repaint and
timer, stood still meanwhile. Here the top-level object is
walked in Python and each element of a top-level list (the actions) is one short C call, so the
interpreter can hand the GIL over between two of them. The result is exactly ``json.loads``'s
(errors raise ``json.JSONDecodeError`` with the position). Writing needs no such care: with an
indent, ``json.dumps`` encodes in Python and hands the GIL over as any Python code does.
"""

from __future__ import annotations

import json
import re
from typing import Any

_SPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()


def _skip(text: str, at: int) -> int:
    return _SPACE.match(text, at).end()  # type: ignore[union-attr] (the pattern matches the empty string)


def _list(text: str, at: int) -> tuple[list[Any], int]:
    """The list starting at ``text[at] == "["``, one element per C call; returns it and where it ends."""
    out: list[Any] = []
    at = _skip(text, at + 1)
    if text.startswith("]", at):
        return out, at + 1
    while True:
        value, at = _DECODER.raw_decode(text, at)
        out.append(value)
        at = _skip(text, at)
        if text.startswith(",", at):
            at = _skip(text, at + 1)
        elif text.startswith("]", at):
            return out, at + 1
        else:
            raise json.JSONDecodeError("Expecting ',' delimiter", text, at)


def loads(text: str) -> Any:
    """``json.loads(text)``; a top-level object's list values are read element by element."""
    at = _skip(text, 0)
    if not text.startswith("{", at):
        return json.loads(text)
    out: dict[str, Any] = {}
    at = _skip(text, at + 1)
    if text.startswith("}", at):
        at += 1
    else:
        while True:
            if not text.startswith('"', at):
                raise json.JSONDecodeError("Expecting property name enclosed in double quotes", text, at)
            key, at = _DECODER.raw_decode(text, at)
            at = _skip(text, at)
            if not text.startswith(":", at):
                raise json.JSONDecodeError("Expecting ':' delimiter", text, at)
            at = _skip(text, at + 1)
            if text.startswith("[", at):
                out[key], at = _list(text, at)
            else:
                out[key], at = _DECODER.raw_decode(text, at)
            at = _skip(text, at)
            if text.startswith(",", at):
                at = _skip(text, at + 1)
            elif text.startswith("}", at):
                at += 1
                break
            else:
                raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
    if _skip(text, at) != len(text):
        raise json.JSONDecodeError("Extra data", text, _skip(text, at))
    return out
