"""Structural comparison of a live emulator response with a recorded real one.

"Same shape" means: the same keys at every level of every object and the same JSON types
(number = int or float; ``null`` on either side matches any type, since a value may be absent in
one record and present in another). Values may differ. Lists are compared element-wise against
the recorded elements: each live element must have the shape of at least one recorded element
(so a recorded list of one row pins every live row). The Intacct side can mirror this for XML by
converting both documents to dicts first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def shape_differences(recorded: Any, live: Any, path: str = "$") -> list[str]:
    """Every structural difference between ``recorded`` and ``live`` (empty list: same shape)."""
    rk, lk = _kind(recorded), _kind(live)
    if "null" in (rk, lk):
        return []
    if rk != lk:
        return [f"{path}: recorded {rk}, live {lk}"]
    if rk == "object":
        out = []
        missing = sorted(set(recorded) - set(live))
        extra = sorted(set(live) - set(recorded))
        if missing:
            out.append(f"{path}: keys missing in live: {missing}")
        if extra:
            out.append(f"{path}: keys not in recorded: {extra}")
        for key in sorted(set(recorded) & set(live)):
            out.extend(shape_differences(recorded[key], live[key], f"{path}.{key}"))
        return out
    if rk == "array":
        if not recorded or not live:
            return []
        out = []
        for i, item in enumerate(live):
            candidates = [shape_differences(r, item, f"{path}[{i}]") for r in recorded]
            best = min(candidates, key=len)
            out.extend(best)
        return out
    return []


def assert_same_shape(recorded: Any, live: Any) -> None:
    """Fail with every difference listed when ``live`` does not have the recorded structure."""
    diffs = shape_differences(recorded, live)
    assert not diffs, "live response differs in shape from the recorded one:\n" + "\n".join(diffs[:40])
