"""The conflict inbox: one open conflict per (link, field); neither side is written until resolved."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from ...domain.state import Conflict, ConflictStatus, Entity, Resolution
from ..errors import InvalidTransitionError
from ..models import ConflictRow, LinkRow
from ..types import to_json, utcnow
from ._base import Repo


def _to_conflict(row: ConflictRow) -> Conflict:
    return Conflict(
        id=row.id,
        entity=Entity(row.entity),
        link_id=row.link_id,
        field=row.field,
        base_value=row.base_value,
        sf_value=row.sf_value,
        ia_value=row.ia_value,
        status=ConflictStatus(row.status),
        resolution=Resolution(row.resolution) if row.resolution else None,
        resolved_value=row.resolved_value,
        created_at=row.created_at,
        updated_at=row.updated_at,
        resolved_at=row.resolved_at,
    )


class ConflictRepo(Repo):
    def open(self, link_id: int, field: str, *, base: Any, sf_value: Any, ia_value: Any) -> Conflict:
        """Open a conflict, or refresh the open one for this link and field with the latest values."""
        link = self._get(LinkRow, link_id)
        row = self._open_row(link_id, field)
        if row is None:
            row = ConflictRow(link_id=link_id, entity=link.entity, field=field, status=ConflictStatus.OPEN.value)
            self._s.add(row)
        row.base_value = to_json(base)
        row.sf_value = to_json(sf_value)
        row.ia_value = to_json(ia_value)
        row.updated_at = utcnow()
        self._s.flush()
        return _to_conflict(row)

    def get(self, conflict_id: int) -> Conflict:
        return _to_conflict(self._get(ConflictRow, conflict_id))

    def list_open(self, entity: Entity | str | None = None) -> list[Conflict]:
        query = sa.select(ConflictRow).where(ConflictRow.status == ConflictStatus.OPEN.value).order_by(ConflictRow.id)
        if entity is not None:
            query = query.where(ConflictRow.entity == Entity(entity).value)
        return [_to_conflict(r) for r in self._s.scalars(query)]

    def open_for_link(self, link_id: int) -> dict[str, Conflict]:
        """Open conflicts of one link by field: the merge leaves these fields alone."""
        rows = self._s.scalars(
            sa.select(ConflictRow).where(
                ConflictRow.link_id == link_id, ConflictRow.status == ConflictStatus.OPEN.value
            )
        )
        return {r.field: _to_conflict(r) for r in rows}

    def count_open(self) -> int:
        query = sa.select(sa.func.count()).select_from(ConflictRow)
        return int(self._s.scalar(query.where(ConflictRow.status == ConflictStatus.OPEN.value)) or 0)

    def resolve(self, conflict_id: int, resolution: Resolution | str, value: Any = None) -> Conflict:
        """Pick a side (its value is taken) or an explicit value (``Resolution.VALUE``)."""
        row = self._get(ConflictRow, conflict_id)
        if row.status != ConflictStatus.OPEN.value:
            raise InvalidTransitionError(f"conflict {conflict_id} is already resolved")
        resolution = Resolution(resolution)
        chosen = {Resolution.SALESFORCE: row.sf_value, Resolution.INTACCT: row.ia_value}.get(resolution, value)
        row.status = ConflictStatus.RESOLVED.value
        row.resolution = resolution.value
        row.resolved_value = to_json(chosen)
        row.resolved_at = row.updated_at = utcnow()
        self._s.flush()
        return _to_conflict(row)

    def _open_row(self, link_id: int, field: str) -> ConflictRow | None:
        return self._s.scalar(
            sa.select(ConflictRow).where(
                ConflictRow.link_id == link_id,
                ConflictRow.field == field,
                ConflictRow.status == ConflictStatus.OPEN.value,
            )
        )
