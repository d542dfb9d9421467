"""Intents: the idempotency ledger. A remote write is PLANNED and committed before the call.

Every state change goes through ``IntentState.can_become`` (the graph lives in ``domain.state``);
anything else raises, so a bug can never confirm a write that was never sent or resend one that
was already confirmed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa

from ...domain.errors import ErrorInfo
from ...domain.records import System
from ...domain.state import Intent, IntentState
from ..errors import DuplicateError, InvalidTransitionError, NotFoundError
from ..models import IntentRow
from ..types import to_json, utcnow
from ._base import Repo

_CHUNK = 500  # below SQLite's bound-parameter limit


def _to_intent(row: IntentRow) -> Intent:
    return Intent(
        id=row.id,
        key=row.key,
        kind=row.kind,
        target=System(row.target),
        state=IntentState(row.state),
        payload=dict(row.payload or {}),
        result=row.result,
        attempts=row.attempts,
        last_error=row.last_error,
        run_id=row.run_id,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _error_json(error: ErrorInfo | Mapping[str, Any] | None) -> dict[str, Any] | None:
    if error is None:
        return None
    return error.as_dict() if isinstance(error, ErrorInfo) else to_json(dict(error))


class IntentRepo(Repo):
    def plan(
        self,
        key: str,
        kind: str,
        target: System | str,
        payload: Mapping[str, Any] | None = None,
        *,
        run_id: int | None = None,
    ) -> Intent:
        """Record a write before making it; a second intent for the same key is refused."""
        if self._row(key) is not None:
            raise DuplicateError(f"an intent with key {key!r} already exists")
        row = IntentRow(
            key=key,
            kind=kind,
            target=System(target).value,
            state=IntentState.PLANNED.value,
            payload=to_json(dict(payload or {})),
            attempts=0,
            run_id=run_id,
        )
        self._s.add(row)
        self._s.flush()
        return _to_intent(row)

    def get_or_plan(
        self,
        key: str,
        kind: str,
        target: System | str,
        payload: Mapping[str, Any] | None = None,
        *,
        run_id: int | None = None,
    ) -> tuple[Intent, bool]:
        """The existing intent for ``key`` (False), or a new PLANNED one (True)."""
        existing = self.get(key)
        if existing is not None:
            return existing, False
        return self.plan(key, kind, target, payload, run_id=run_id), True

    def get(self, key: str) -> Intent | None:
        row = self._row(key)
        return _to_intent(row) if row else None

    def by_id(self, intent_id: int) -> Intent:
        return _to_intent(self._get(IntentRow, intent_id))

    def mark_sent(self, key: str) -> Intent:
        """About to call (commit this first): counts the attempt."""
        row = self._move(key, IntentState.SENT)
        row.attempts += 1
        self._s.flush()
        return _to_intent(row)

    def confirm(self, key: str, result: Mapping[str, Any] | None = None) -> Intent:
        row = self._move(key, IntentState.CONFIRMED)
        row.result = to_json(dict(result or {}))
        self._s.flush()
        return _to_intent(row)

    def mark_unknown(self, key: str, error: ErrorInfo | Mapping[str, Any] | None = None) -> Intent:
        """The call's outcome is ambiguous: look it up by its key before anything is resent."""
        row = self._move(key, IntentState.UNKNOWN)
        row.last_error = _error_json(error)
        self._s.flush()
        return _to_intent(row)

    def quarantine(self, key: str, error: ErrorInfo | Mapping[str, Any] | None = None) -> Intent:
        row = self._move(key, IntentState.QUARANTINED)
        if error is not None:
            row.last_error = _error_json(error)
        self._s.flush()
        return _to_intent(row)

    def replan(self, key: str, payload: Mapping[str, Any] | None = None) -> Intent:
        """A quarantined write whose cause changed: PLANNED again, same key (so the same controlid)."""
        row = self._move(key, IntentState.PLANNED)
        if payload is not None:
            row.payload = to_json(dict(payload))
        self._s.flush()
        return _to_intent(row)

    # ------------------------------------------------------------- a batch at once
    def get_many(self, keys: Iterable[str]) -> dict[str, Intent]:
        """The intents that exist among ``keys`` (one query per 500 keys)."""
        return {row.key: _to_intent(row) for row in self._rows(keys)}

    def plan_sent_many(
        self,
        intents: Iterable[tuple[str, str, System | str, Mapping[str, Any]]],
        *,
        run_id: int | None = None,
    ) -> None:
        """:meth:`plan` then :meth:`mark_sent` for a batch, in one statement (commit it before the call).

        Each item is ``(key, kind, target, payload)``. Any key that exists already is refused
        (DuplicateError) and nothing is written, as one :meth:`plan` would refuse it.
        """
        items = list(intents)
        keys = [key for key, *_ in items]
        clash = list(self._states(keys))
        if clash or len(set(keys)) != len(keys):
            raise DuplicateError(f"intents already exist: {sorted(clash) or keys}")
        assert IntentState.PLANNED.can_become(IntentState.SENT)
        now = utcnow()
        rows = [
            {
                "key": key,
                "kind": kind,
                "target": System(target).value,
                "state": IntentState.SENT.value,
                "payload": to_json(dict(payload)),
                "attempts": 1,
                "run_id": run_id,
                "created_at": now,
                "updated_at": now,
            }
            for key, kind, target, payload in items
        ]
        if rows:
            self._s.execute(sa.insert(IntentRow.__table__), rows)  # one executemany

    def confirm_many(self, results: Mapping[str, Mapping[str, Any]]) -> None:
        """:meth:`confirm` for a batch: one read of the states, one executemany.

        Why Core: the ORM loaded every intent (its payload decoded) and flushed row by row.
        Intent rows already loaded in this session are flushed first and not refreshed after.
        """
        self._s.flush()
        states = self._states(results)
        now = utcnow()
        rows = []
        for key, result in results.items():
            state = states.get(key)
            if state is None:
                raise NotFoundError(f"no intent with key {key!r}")
            self._check_state(state, key, IntentState.CONFIRMED)
            rows.append({"_key": key, "result": to_json(dict(result))})
        if rows:
            table = IntentRow.__table__
            stmt = (
                sa.update(table)
                .where(table.c.key == sa.bindparam("_key"))
                .values(state=IntentState.CONFIRMED.value, updated_at=now, result=sa.bindparam("result"))
            )
            self._s.execute(stmt, rows)

    def _states(self, keys: Iterable[str]) -> dict[str, str]:
        """``{key: state}`` of the intents that exist among ``keys`` (plain columns, one query per 500)."""
        wanted = sorted(set(keys))
        table = IntentRow.__table__
        found: dict[str, str] = {}
        for i in range(0, len(wanted), _CHUNK):
            query = sa.select(table.c.key, table.c.state).where(table.c.key.in_(wanted[i : i + _CHUNK]))
            found.update((key, state) for key, state in self._s.execute(query))
        return found

    def _rows(self, keys: Iterable[str]) -> list[IntentRow]:
        wanted = sorted(set(keys))
        rows: list[IntentRow] = []
        for i in range(0, len(wanted), _CHUNK):
            rows.extend(self._s.scalars(sa.select(IntentRow).where(IntentRow.key.in_(wanted[i : i + _CHUNK]))))
        return rows

    def in_state(self, *states: IntentState | str, kind: str | None = None) -> list[Intent]:
        query = sa.select(IntentRow).where(IntentRow.state.in_([IntentState(s).value for s in states]))
        if kind is not None:
            query = query.where(IntentRow.kind == kind)
        return [_to_intent(r) for r in self._s.scalars(query.order_by(IntentRow.id))]

    def unresolved(self) -> list[Intent]:
        """SENT or UNKNOWN: to reconcile at start-up before any new work."""
        return self.in_state(IntentState.SENT, IntentState.UNKNOWN)

    def _row(self, key: str) -> IntentRow | None:
        return self._s.scalar(sa.select(IntentRow).where(IntentRow.key == key))

    def _move(self, key: str, target: IntentState) -> IntentRow:
        row = self._row(key)
        if row is None:
            raise NotFoundError(f"no intent with key {key!r}")
        self._check(row, key, target)
        row.state = target.value
        row.updated_at = utcnow()
        return row

    @staticmethod
    def _check(row: IntentRow, key: str, target: IntentState) -> None:
        IntentRepo._check_state(row.state, key, target)

    @staticmethod
    def _check_state(state: str, key: str, target: IntentState) -> None:
        current = IntentState(state)
        if not current.can_become(target):
            raise InvalidTransitionError(f"intent {key!r}: {current} -> {target} is not allowed")
