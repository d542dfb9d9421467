"""The error inbox: records a side refused. One open item per (entity, target, record, operation);
a repeat failure updates that item (attempts, last_seen, latest message) instead of piling up."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from ...domain.errors import ErrorInfo
from ...domain.records import System
from ...domain.state import InboxItem, InboxStatus
from ..errors import InvalidTransitionError
from ..models import InboxRow
from ..types import to_json, utcnow
from ._base import Repo

_UNRESOLVED = (InboxStatus.OPEN.value, InboxStatus.RETRYING.value)
_CHUNK = 500  # below SQLite's bound-parameter limit


def _to_item(row: InboxRow) -> InboxItem:
    return InboxItem(
        id=row.id,
        entity=row.entity,
        source=System(row.source),
        target=System(row.target),
        record_key=row.record_key,
        operation=row.operation,
        code=row.code,
        title=row.title,
        message=row.message,
        hint=row.hint,
        payload=dict(row.payload or {}),
        status=InboxStatus(row.status),
        attempts=row.attempts,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        run_id=row.run_id,
    )


class InboxRepo(Repo):
    def record(
        self,
        entity: str,
        source: System | str,
        target: System | str,
        record_key: str,
        operation: str,
        error: ErrorInfo,
        payload: Mapping[str, Any] | None = None,
        *,
        run_id: int | None = None,
    ) -> InboxItem:
        """Open an item, or update the unresolved one for the same record and operation."""
        target = System(target)
        row = self._unresolved(str(entity), target, record_key, operation)
        now = utcnow()
        if row is None:
            row = InboxRow(
                entity=str(entity),
                source=System(source).value,
                target=target.value,
                record_key=record_key,
                operation=operation,
                attempts=1,
                first_seen=now,
            )
            self._s.add(row)
        else:
            row.attempts += 1
        row.code = error.code
        row.title = error.title
        row.message = error.message
        row.hint = error.hint
        row.payload = to_json(dict(payload or {}))
        row.status = InboxStatus.OPEN.value
        row.last_seen = now
        row.run_id = run_id
        self._s.flush()
        return _to_item(row)

    def get(self, item_id: int) -> InboxItem:
        return _to_item(self._get(InboxRow, item_id))

    def find_open(self, entity: str, target: System | str, record_key: str, operation: str) -> InboxItem | None:
        row = self._unresolved(entity, System(target), record_key, operation)
        return _to_item(row) if row else None

    def list(self, status: InboxStatus | str | None = InboxStatus.OPEN, entity: str | None = None) -> list[InboxItem]:
        query = sa.select(InboxRow).order_by(InboxRow.id)
        if status is not None:
            query = query.where(InboxRow.status == InboxStatus(status).value)
        if entity is not None:
            query = query.where(InboxRow.entity == entity)
        return [_to_item(r) for r in self._s.scalars(query)]

    def for_run(self, run_id: int) -> list[InboxItem]:
        """The items a run raised or last saw (any status), oldest first."""
        query = sa.select(InboxRow).where(InboxRow.run_id == run_id).order_by(InboxRow.id)
        return [_to_item(r) for r in self._s.scalars(query)]

    def count_open(self) -> int:
        query = sa.select(sa.func.count()).select_from(InboxRow).where(InboxRow.status.in_(_UNRESOLVED))
        return int(self._s.scalar(query) or 0)

    def any_open(self, entity: str, operation: str) -> bool:
        """Whether any item of ``entity``/``operation`` is open (one cheap query before a batch's look)."""
        query = sa.select(InboxRow.id).where(
            InboxRow.entity == entity, InboxRow.operation == operation, InboxRow.status == InboxStatus.OPEN.value
        )
        return self._s.scalar(query.limit(1)) is not None

    def unresolved_payloads(
        self, entity: str, operation: str, record_keys: Iterable[str]
    ) -> dict[str, list[tuple[InboxStatus, dict[str, Any]]]]:
        """The unresolved items of these records: status and payload per record key (one query per 500)."""
        keys = sorted(set(record_keys))
        out: dict[str, list[tuple[InboxStatus, dict[str, Any]]]] = {}
        for i in range(0, len(keys), _CHUNK):
            rows = self._s.execute(
                sa.select(InboxRow.record_key, InboxRow.status, InboxRow.payload).where(
                    InboxRow.entity == entity,
                    InboxRow.operation == operation,
                    InboxRow.record_key.in_(keys[i : i + _CHUNK]),
                    InboxRow.status.in_(_UNRESOLVED),
                )
            )
            for key, status, payload in rows:
                out.setdefault(key, []).append((InboxStatus(status), dict(payload or {})))
        return out

    def mark_retrying(self, item_id: int) -> InboxItem:
        row = self._get(InboxRow, item_id)
        if row.status == InboxStatus.RESOLVED.value:
            raise InvalidTransitionError(f"inbox item {item_id} is already resolved")
        row.status = InboxStatus.RETRYING.value
        self._s.flush()
        return _to_item(row)

    def resolve(self, item_id: int) -> InboxItem:
        row = self._get(InboxRow, item_id)
        row.status = InboxStatus.RESOLVED.value
        row.last_seen = utcnow()
        self._s.flush()
        return _to_item(row)

    def resolve_for(self, entity: str, target: System | str, record_key: str, operation: str) -> InboxItem | None:
        """A later write of the same record succeeded: close its item, if any."""
        row = self._unresolved(entity, System(target), record_key, operation)
        return self.resolve(row.id) if row else None

    def resolve_many(self, entity: str, operation: str, record_keys: Iterable[str]) -> int:
        """Later writes of these records succeeded on both sides: close their open items, if any.

        One UPDATE per 500 keys for a whole batch (a record with no item costs nothing more);
        returns how many items were closed.
        """
        keys = sorted(set(record_keys))
        closed = 0
        now = utcnow()
        for i in range(0, len(keys), _CHUNK):
            result = self._s.execute(
                sa.update(InboxRow)
                .where(
                    InboxRow.entity == entity,
                    InboxRow.operation == operation,
                    InboxRow.record_key.in_(keys[i : i + _CHUNK]),
                    InboxRow.status.in_(_UNRESOLVED),
                )
                .values(status=InboxStatus.RESOLVED.value, last_seen=now)
                .execution_options(synchronize_session="fetch")
            )
            closed += int(getattr(result, "rowcount", 0) or 0)
        return closed

    def _unresolved(self, entity: str, target: System, record_key: str, operation: str) -> InboxRow | None:
        return self._s.scalar(
            sa.select(InboxRow).where(
                InboxRow.entity == entity,
                InboxRow.target == target.value,
                InboxRow.record_key == record_key,
                InboxRow.operation == operation,
                InboxRow.status.in_(_UNRESOLVED),
            )
        )
