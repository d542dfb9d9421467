"""Per-stream cursors, written in the same transaction as the records they cover."""

from __future__ import annotations

import sqlalchemy as sa

from ...domain.state import Cursor
from ..models import CursorRow
from ..types import utcnow
from ._base import Repo


def _to_cursor(row: CursorRow) -> Cursor:
    return Cursor(stream=row.stream, value=row.value, updated_at=row.updated_at)


class CursorRepo(Repo):
    def get(self, stream: str) -> Cursor | None:
        row = self._s.get(CursorRow, stream)
        return _to_cursor(row) if row else None

    def value(self, stream: str) -> str | None:
        row = self._s.get(CursorRow, stream)
        return row.value if row else None

    def set(self, stream: str, value: str) -> Cursor:
        row = self._s.get(CursorRow, stream)
        if row is None:
            row = CursorRow(stream=stream, value=value)
            self._s.add(row)
        else:
            row.value = value
            row.updated_at = utcnow()
        self._s.flush()
        return _to_cursor(row)

    def all(self) -> list[Cursor]:
        return [_to_cursor(r) for r in self._s.scalars(sa.select(CursorRow).order_by(CursorRow.stream))]

    def delete(self, stream: str) -> None:
        """Forget a cursor (the next cycle re-reads the stream in full; re-reading is harmless)."""
        self._s.execute(sa.delete(CursorRow).where(CursorRow.stream == stream))
