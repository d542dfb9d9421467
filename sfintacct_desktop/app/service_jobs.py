"""The named jobs a service runs for a window: the baseline plan and load, a live invoice or customer refresh.

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
from . import baseline_service, customer_service, invoices_service

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
            )
        if name == "invoice_refresh":
            return invoices_service.refresh_customer(profile, str(params["customer_id"]), worker=worker)
        if name == "customer_refresh":
            return customer_service.refresh_customer(profile, str(params["customer_id"]), worker=worker)
    except baseline_service.PlanError as exc:
        raise SyncError(
            ErrorInfo(ErrorKind.VALIDATION, "The plan cannot be used", "; ".join(exc.problems), "Plan again.")
        ) from None
    except baseline_service.ExtractCancelled as exc:
        raise SyncError(
            ErrorInfo(ErrorKind.INTERNAL, "Cancelled", str(exc), "Nothing was written; start again.", code=CANCELLED)
        ) from None
    raise SyncError(ErrorInfo(ErrorKind.VALIDATION, "Unknown job", f"No job is called {name!r}.", ""))


__all__ = ["CANCELLED", "run"]
