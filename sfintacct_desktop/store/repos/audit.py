"""The audit trail: every remote write (and deliberate non-write) with before and after values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ...domain.records import System
from ...domain.state import AuditEntry, AuditOperation
from ..models import AuditRow
from ..types import to_json, utcnow
from ._base import Repo


def _to_entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        run_id=row.run_id,
        entity=row.entity,
        link_id=row.link_id,
        target=System(row.target) if row.target else None,
        operation=AuditOperation(row.operation),
        record_key=row.record_key,
        before=row.before,
        after=row.after,
        reason=row.reason,
    )


def _row_values(
    entity: str,
    operation: AuditOperation | str,
    target: System | str | None,
    record_key: str,
    link_id: int | None,
    run_id: int | None,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    reason: str,
) -> dict[str, Any]:
    """An audit row's columns (but ``at``), checked and JSON-ready: one form for add and stage."""
    return {
        "entity": str(entity),
        "operation": AuditOperation(operation).value,
        "target": System(target).value if target else None,
        "record_key": record_key,
        "link_id": link_id,
        "run_id": run_id,
        "before": to_json(dict(before)) if before is not None else None,
        "after": to_json(dict(after)) if after is not None else None,
        "reason": reason,
    }


class AuditRepo(Repo):
    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._staged: list[dict[str, Any]] = []

    def add(
        self,
        entity: str,
        operation: AuditOperation | str,
        *,
        target: System | str | None = None,
        record_key: str = "",
        link_id: int | None = None,
        run_id: int | None = None,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
        reason: str = "",
    ) -> AuditEntry:
        row = AuditRow(**_row_values(entity, operation, target, record_key, link_id, run_id, before, after, reason))
        self._s.add(row)
        self._s.flush()
        return _to_entry(row)

    def stage(
        self,
        entity: str,
        operation: AuditOperation | str,
        *,
        target: System | str | None = None,
        record_key: str = "",
        link_id: int | None = None,
        run_id: int | None = None,
        before: Mapping[str, Any] | None = None,
        after: Mapping[str, Any] | None = None,
        reason: str = "",
    ) -> None:
        """:meth:`add` for a batch: the row is inserted with the others before the transaction commits.

        Why: a batch of 200 creates wrote 200 audit rows one INSERT at a time; staged rows go in
        one executemany (:meth:`flush_staged`, called by the unit of work before it commits).
        """
        values = _row_values(entity, operation, target, record_key, link_id, run_id, before, after, reason)
        self._staged.append({"at": utcnow(), **values})

    def flush_staged(self) -> int:
        """Insert the staged rows (one statement); how many there were."""
        rows, self._staged = self._staged, []
        if rows:
            self._s.execute(sa.insert(AuditRow.__table__), rows)
        return len(rows)

    def list(
        self,
        *,
        link_id: int | None = None,
        run_id: int | None = None,
        operation: AuditOperation | str | None = None,
        limit: int = 200,
    ) -> list[AuditEntry]:
        """Newest first."""
        self.flush_staged()
        query = sa.select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if link_id is not None:
            query = query.where(AuditRow.link_id == link_id)
        if run_id is not None:
            query = query.where(AuditRow.run_id == run_id)
        if operation is not None:
            query = query.where(AuditRow.operation == AuditOperation(operation).value)
        return [_to_entry(r) for r in self._s.scalars(query)]

    def count(self, *, run_id: int | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(AuditRow)
        if run_id is not None:
            query = query.where(AuditRow.run_id == run_id)
        return int(self._s.scalar(query) or 0)
