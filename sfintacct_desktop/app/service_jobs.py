"""The named jobs a service runs for a window: the baseline plan and load, a live invoice or customer
refresh, and the state reads the window shows after each run (the Sync tab's tables, the health's facts).

Why named jobs and not callables: a job crosses the control channel from the window to the process
that syncs the profile, so only its name and JSON parameters travel. The work itself is the same
code the window ran in its own process before (``baseline_service``, ``invoices_service``): the load
and the refresh run as jobs of the profile's sync worker (so never beside a running cycle); the plan
only reads both systems and runs beside it. Each returns a JSON-ready result.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from ..domain import ErrorInfo, ErrorKind, SyncError
from . import baseline_service, customer_service, health, invoices_service, run_history
from .inbox import SyncState
from .session import Session

Progress = Callable[[Any], None]
CANCELLED = "JOB_CANCELLED"  # the code of a plan the client stopped: it raises ExtractCancelled again


def run(
    profile: str,
    name: str,
    params: dict[str, Any],
    *,
    worker: Any,
    progress: Progress,
    should_stop: Callable[[], bool],
) -> Any:
    """Run job ``name`` of ``profile`` with ``params``; its result, JSON-ready. Errors are raised as
    ``SyncError`` (a plan that cannot be used, a cancelled read: each in its own words)."""
    try:
        if name == "baseline_plan":
            cutover = params.get("cutover")
            _doc, json_path, _csv = baseline_service.plan_baseline(
                profile,
                cutover=date.fromisoformat(cutover) if cutover else None,
                progress=lambda stream, n: progress([stream, n]),
                should_stop=should_stop,
            )
            return {"plan_path": str(json_path)}
        if name == "baseline_apply":
            return baseline_service.apply_baseline(
                profile,
                plan_path=Path(str(params["plan_path"])),
                should_stop=should_stop,
                worker=worker,
                progress=lambda entity, done, total: progress([entity, done, total]),
                accepted=_ids(params["accepted"]) if "accepted" in params else None,
            )
        if name == "invoice_refresh":
            return invoices_service.refresh_customer(profile, str(params["customer_id"]), worker=worker)
        if name == "customer_refresh":
            return customer_service.refresh_customer(profile, str(params["customer_id"]), worker=worker)
        if name == "sync_state":
            return sync_state(profile, params)
        if name == "health_facts":
            return health.facts_to_json(health.read_facts(Session(profile)))
    except baseline_service.PlanError as exc:
        raise SyncError(
            ErrorInfo(ErrorKind.VALIDATION, "The plan cannot be used", "; ".join(exc.problems), "Plan again.")
        ) from None
    except baseline_service.ExtractCancelled as exc:
        raise SyncError(
            ErrorInfo(ErrorKind.INTERNAL, "Cancelled", str(exc), "Nothing was written; start again.", code=CANCELLED)
        ) from None
    raise SyncError(ErrorInfo(ErrorKind.VALIDATION, "Unknown job", f"No job is called {name!r}.", ""))


def _ids(value: Any) -> list[int]:
    """The accepted actions' ids of a ``baseline_apply`` job: a list of whole numbers, or refused."""
    if not isinstance(value, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in value):
        raise SyncError(
            ErrorInfo(
                ErrorKind.VALIDATION,
                "The plan cannot be used",
                "The accepted actions are not a list of ids.",
                "Plan again.",
            )
        )
    return value


def sync_state(profile: str, params: dict[str, Any]) -> dict[str, Any]:
    """What the window's Sync tab shows, in one read: the status (its last ``runs``), the open
    errors and conflicts, and the page of runs its list asks for (``outcome``, ``search``,
    ``offset``, ``limit``). A job, so the window's own process does none of the store's SQL: its
    Python held the GIL the window's GUI thread needs for every repaint."""
    with SyncState.open(profile) as state:
        snap = {
            "status": state.status(int(params.get("runs") or 1)),
            "errors": state.errors(),
            "conflicts": state.conflicts(),
        }
    query = {k: params[k] for k in ("outcome", "search", "offset", "limit") if k in params}
    return {"snap": snap, "page": run_history.runs_page(profile, **query)}


__all__ = ["CANCELLED", "run", "sync_state"]
