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
        row = self._s.get(MetaRow, key)
        if row is None:
            self._s.add(MetaRow(key=key, value=to_json(value)))
        else:
            row.value = to_json(value)
            row.updated_at = utcnow()
        self._s.flush()

    def all(self) -> dict[str, Any]:
        return {r.key: r.value for r in self._s.scalars(sa.select(MetaRow).order_by(MetaRow.key))}
