"""Sync runs: one row per cycle, with per-stream counters and the API cost of each side."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from ...domain.errors import ErrorInfo
from ...domain.state import Run, RunStatus
from ..errors import InvalidTransitionError
from ..models import RunRow
from ..types import to_json, utcnow
from ._base import Repo


def _to_run(row: RunRow) -> Run:
    return Run(
        id=row.id,
        started_at=row.started_at,
        finished_at=row.finished_at,
        status=RunStatus(row.status),
        trigger=row.trigger,
        counters=dict(row.counters or {}),
        sf_api_calls=row.sf_api_calls,
        ia_transactions=row.ia_transactions,
        error=row.error,
    )


class RunRepo(Repo):
    def start(self, trigger: str) -> Run:
        row = RunRow(trigger=trigger, status=RunStatus.RUNNING.value, counters={}, sf_api_calls=0, ia_transactions=0)
        self._s.add(row)
        self._s.flush()
        return _to_run(row)

    def get(self, run_id: int) -> Run:
        return _to_run(self._get(RunRow, run_id))

    def checkpoint(
        self, run_id: int, counters: Mapping[str, Any], *, sf_api_calls: int = 0, ia_transactions: int = 0
    ) -> Run:
        """Save progress of a running cycle (after each batch, in the batch's transaction)."""
        row = self._running(run_id)
        row.counters = to_json(dict(counters))
        row.sf_api_calls = sf_api_calls
        row.ia_transactions = ia_transactions
        self._s.flush()
        return _to_run(row)

    def finish(
        self,
        run_id: int,
        status: RunStatus | str,
        *,
        counters: Mapping[str, Any] | None = None,
        sf_api_calls: int | None = None,
        ia_transactions: int | None = None,
        error: ErrorInfo | Mapping[str, Any] | None = None,
    ) -> Run:
        status = RunStatus(status)
        if status is RunStatus.RUNNING:
            raise InvalidTransitionError("a run finishes as ok, failed or interrupted")
        row = self._running(run_id)
        row.status = status.value
        row.finished_at = utcnow()
        if counters is not None:
            row.counters = to_json(dict(counters))
        if sf_api_calls is not None:
            row.sf_api_calls = sf_api_calls
        if ia_transactions is not None:
            row.ia_transactions = ia_transactions
        if error is not None:
            row.error = error.as_dict() if isinstance(error, ErrorInfo) else to_json(dict(error))
        self._s.flush()
        return _to_run(row)

    def mark_interrupted(self) -> list[int]:
        """At start-up: runs still 'running' were cut short by a crash; returns their ids."""
        rows = list(self._s.scalars(sa.select(RunRow).where(RunRow.status == RunStatus.RUNNING.value)))
        for row in rows:
            row.status = RunStatus.INTERRUPTED.value
            row.finished_at = utcnow()
        self._s.flush()
        return [r.id for r in rows]

    def recent(self, limit: int = 20) -> list[Run]:
        return [_to_run(r) for r in self._s.scalars(sa.select(RunRow).order_by(RunRow.id.desc()).limit(limit))]

    def page(
        self, *, outcome: str | None = None, search: str = "", offset: int = 0, limit: int = 50
    ) -> tuple[list[Run], int]:
        """One page of the run history, newest first, and how many runs match in all.

        ``outcome`` is a shown status: ``ok`` (stored ok, no stream failed), ``partial`` (stored ok,
        some stream failed on its own), ``failed``, ``interrupted``, ``running``. ``search`` matches
        the run number, the trigger or the error's words, case-insensitively.
        """
        query = sa.select(RunRow)
        failed_stream = sa.cast(RunRow.counters, sa.Text).like('%"failure"%')
        if outcome == "partial":
            query = query.where(RunRow.status == RunStatus.OK.value, failed_stream)
        elif outcome == RunStatus.OK.value:
            query = query.where(RunRow.status == RunStatus.OK.value, sa.not_(failed_stream))
        elif outcome:
            query = query.where(RunRow.status == RunStatus(outcome).value)
        words = search.strip()
        if words:
            like = f"%{words.lower()}%"
            match = [
                sa.func.lower(RunRow.trigger).like(like),
                sa.func.lower(sa.cast(RunRow.error, sa.Text)).like(like),
            ]
            if words.lstrip("#").isdigit():
                match.append(RunRow.id == int(words.lstrip("#")))
            query = query.where(sa.or_(*match))
        total = int(self._s.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0)
        rows = self._s.scalars(query.order_by(RunRow.id.desc()).offset(max(0, offset)).limit(max(1, limit)))
        return [_to_run(r) for r in rows], total

    def last(self) -> Run | None:
        runs = self.recent(1)
        return runs[0] if runs else None

    def _running(self, run_id: int) -> RunRow:
        row = self._get(RunRow, run_id)
        if row.status != RunStatus.RUNNING.value:
            raise InvalidTransitionError(f"run {run_id} is already {row.status}")
        return row
