"""Key/value settings of the database itself (schema notes, the baseline cut-over date, ...)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ..models import MetaRow
from ..types import to_json, utcnow
from ._base import Repo


class MetaRepo(Repo):
    def get(self, key: str, default: Any = None) -> Any:
        row = self._s.get(MetaRow, key)
        return row.value if row else default

    def set(self, key: str, value: Any) -> None:
        """Store ``value``; an unchanged value is not written again (every cycle stores the Intacct
        probe's state, often thousands of seen rows, most often exactly as it was)."""
        row = self._s.get(MetaRow, key)
        stored = to_json(value)
        if row is None:
            self._s.add(MetaRow(key=key, value=stored))
        elif _same(row.value, stored):
            return
        else:
            row.value = stored
            row.updated_at = utcnow()
        self._s.flush()

    def all(self) -> dict[str, Any]:
        return {r.key: r.value for r in self._s.scalars(sa.select(MetaRow).order_by(MetaRow.key))}


def _same(a: Any, b: Any) -> bool:
    """Equal as stored JSON (keys are stored sorted): the same types (True is not 1) and values."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)
