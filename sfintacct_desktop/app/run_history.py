"""The run history for people: pages of past runs (filtered, searched) and one run's detail.

Why its own module: the Sync tab reads far more than the last few runs (status shows those); a
run's detail joins the audit trail, the error inbox and the run's own log lines. Reads only
(``store.read()``), so safe on any thread while the worker writes.
"""

from __future__ import annotations

from typing import Any

from ..domain import AuditEntry, Link
from ..engine.run_log import read_run_log
from ..store import NotFoundError
from .inbox import error_row, run_row
from .session import Session
from .sync_service import open_state_store, run_logs_dir

OUTCOMES = ("ok", "partial", "failed", "interrupted", "running")
PAGE = 50
NAME_FIELDS = ("name", "Name", "opportunity", "description")  # first one present names the record


def _name(profile: str | Session) -> str:
    return profile.name if isinstance(profile, Session) else profile


def runs_page(
    profile: str | Session, *, outcome: str | None = None, search: str = "", offset: int = 0, limit: int = PAGE
) -> dict[str, Any]:
    """One page of runs, newest first: ``runs`` (as ``status`` shows them), ``total`` matching, ``offset``."""
    if outcome and outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    store = open_state_store(_name(profile))
    try:
        with store.read() as r:
            runs, total = r.runs.page(outcome=outcome or None, search=search, offset=offset, limit=limit)
    finally:
        store.close()
    return {"runs": [run_row(x) for x in runs], "total": total, "offset": offset, "limit": limit}


def _record_name(entry: AuditEntry, link: Link | None) -> str:
    for values in (entry.after or {}, (link.sf_base if link else None) or {}, (link.ia_base if link else None) or {}):
        for key in NAME_FIELDS:
            if values.get(key):
                return str(values[key])
    return ""


def change_row(entry: AuditEntry, link: Link | None) -> dict[str, Any]:
    return {
        "id": entry.id,
        "at": entry.at.isoformat() if entry.at else None,
        "entity": entry.entity,
        "operation": entry.operation.value,
        "target": entry.target.value if entry.target else "",
        "record": entry.record_key,
        "name": _record_name(entry, link),
        "fields": sorted((entry.after or {}).keys()) if entry.operation.value in ("update", "overwrite_back") else [],
        "reason": entry.reason,
    }


def run_detail(profile: str | Session, run_id: int, *, limit: int = 2000) -> dict[str, Any] | None:
    """What one run did: its row, the records it created, updated or flagged (with their names; the
    newest ``limit`` of them, oldest first), the inbox items it raised, and its kept log lines.
    None when there is no such run."""
    name = _name(profile)
    store = open_state_store(name)
    try:
        with store.read() as r:
            try:
                run = r.runs.get(run_id)
            except NotFoundError:
                return None
            entries = r.audit.list(run_id=run_id, limit=limit)
            written = r.audit.count(run_id=run_id)
            link_ids = sorted({e.link_id for e in entries if e.link_id is not None})
            links = {i: r.links.get(i) for i in link_ids}
            items = r.inbox.for_run(run_id)
    finally:
        store.close()
    changes = [change_row(e, links.get(e.link_id) if e.link_id is not None else None) for e in reversed(entries)]
    return {
        "run": run_row(run),
        "changes": changes,
        "changes_total": written,  # more than ``changes`` when the run wrote more than ``limit``
        "errors": [error_row(i) for i in items],
        "log": read_run_log(run_logs_dir(name), run_id),
    }
