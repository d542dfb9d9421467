"""Read models of the sync state for people: status, the error inbox, the conflict inbox.

Why plain dicts of JSON values: the CLI prints them (as text or ``--json``) and the GUI shows them
in tables; neither should know the store's repositories. Reading never writes (``store.read()``),
so these are safe on any thread while the worker writes (SQLite WAL).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..config import profiles as cfg
from ..domain import Conflict, InboxItem, InboxStatus, Run
from ..engine.budget_wait import WAIT_META
from ..engine.cutover import describe as describe_cutover
from ..store import StateStore
from .sync_service import open_state_store


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def run_row(run: Run) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "trigger": run.trigger,
        "status": _shown_status(run),
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "streams": run.counters,
        "api_calls": {"salesforce": run.sf_api_calls, "intacct_transactions": run.ia_transactions},
        "error": run.error,
    }


def _shown_status(run: Run) -> str:
    """``partial`` for a run stored as ok whose streams include one that failed on its own."""
    failed = any(isinstance(c, dict) and c.get("failure") for c in (run.counters or {}).values())
    return "partial" if run.status.value == "ok" and failed else run.status.value


def failing_streams(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The streams whose own read failed in the newest finished run: name -> title, message, hint."""
    done = next((r for r in runs if r["status"] != "running"), None)
    streams = (done or {}).get("streams") or {}
    return {name: c["failure"] for name, c in sorted(streams.items()) if isinstance(c, dict) and c.get("failure")}


def error_row(item: InboxItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "entity": item.entity,
        "source": item.source.value,
        "target": item.target.value,
        "record": item.record_key,
        "operation": item.operation,
        "code": item.code,
        "title": item.title,
        "message": item.message,
        "hint": item.hint,
        "status": item.status.value,
        "attempts": item.attempts,
        "first_seen": _iso(item.first_seen),
        "last_seen": _iso(item.last_seen),
    }


def conflict_row(conflict: Conflict, sf_id: str = "", ia_key: str = "") -> dict[str, Any]:
    return {
        "id": conflict.id,
        "entity": conflict.entity.value,
        "record": ia_key or sf_id,
        "salesforce_id": sf_id,
        "intacct_key": ia_key,
        "field": conflict.field,
        "base": conflict.base_value,
        "salesforce": conflict.sf_value,
        "intacct": conflict.ia_value,
        "status": conflict.status.value,
        "created_at": _iso(conflict.created_at),
    }


class SyncState:
    """Read-only views over one profile's state store."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    @classmethod
    def open(cls, profile: str) -> SyncState:
        """Open the profile's store; a profile that does not exist raises ProfileError."""
        cfg.get_profile(profile)
        return cls(open_state_store(profile))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> SyncState:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def errors(self) -> list[dict[str, Any]]:
        """Unresolved items of the error inbox (open and retrying), oldest first."""
        with self.store.read() as r:
            items = r.inbox.list(InboxStatus.OPEN) + r.inbox.list(InboxStatus.RETRYING)
        return [error_row(i) for i in sorted(items, key=lambda i: i.id)]

    def error(self, item_id: int) -> dict[str, Any] | None:
        return next((row for row in self.errors() if row["id"] == item_id), None)

    def conflicts(self) -> list[dict[str, Any]]:
        with self.store.read() as r:
            rows = []
            for c in r.conflicts.list_open():
                link = r.links.get(c.link_id)
                rows.append(conflict_row(c, link.sf_id, link.ia_key))
        return rows

    def conflict(self, conflict_id: int) -> dict[str, Any] | None:
        return next((row for row in self.conflicts() if row["id"] == conflict_id), None)

    def status(self, runs: int = 5) -> dict[str, Any]:
        with self.store.read() as r:
            recent = r.runs.recent(runs)
            cursors = {c.stream: {"value": c.value, "updated_at": _iso(c.updated_at)} for c in r.cursors.all()}
            open_errors = r.inbox.count_open()
            open_conflicts = r.conflicts.count_open()
            links = {"customer": r.links.count("customer"), "product": r.links.count("product")}
            cutover = describe_cutover(r.meta)
            budget_wait = r.meta.get(WAIT_META) or None
        rows = [run_row(x) for x in recent]
        return {
            "runs": rows,
            "failing_streams": failing_streams(rows),
            "cursors": cursors,
            "open_errors": open_errors,
            "open_conflicts": open_conflicts,
            "links": links,
            "cutover": cutover,
            "budget_wait": budget_wait,
        }
