"""The few use cases the desktop window needs beyond the CLI's, kept Qt-free.

Why a module of its own: the GUI talks to ``app`` only (layer rule), and another engineer owns the
other ``app`` modules. Nothing here may import the sandbox (only app/cli wiring and ``__main__``
start it: import-linter checks the GUI's whole import chain). Everything here is plain Python,
safe to call from the GUI's background threads; none of it touches Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from ..config import profiles as cfg
from ..config.paths import app_paths
from ..domain import ErrorInfo, SyncError
from ..engine.baseline.export import write_plan
from ..engine.events import (
    ConflictRaised,
    EngineStateChanged,
    ErrorRaised,
    Event,
    Progress,
    RecordApplied,
    RunFinished,
    RunStarted,
    RunSummary,
)
from ..engine.worker import SyncWorker
from ..wire.salesforce import SalesforceSignInError, SalesforceSignInRequired
from . import baseline_service, connections, invoices_service, signin, state_admin, state_service, sync_service
from . import profiles as app_profiles
from .errors import Surface, present, present_info, present_signin_attempt
from .inbox import SyncState

__all__ = [
    "ConflictRaised",
    "EngineStateChanged",
    "ErrorRaised",
    "Event",
    "Progress",
    "RecordApplied",
    "RunFinished",
    "RunStarted",
    "RunSummary",
    "SyncError",
    "SyncWorker",
    "apply_reviewed_plan",
    "check_connections",
    "failure",
    "invoice_lookup",
    "plan_baseline",
    "profile_interval",
    "profile_names",
    "rebuild_state",
    "restore_state",
    "sign_in",
    "sign_out",
    "signin_status",
    "start_worker",
    "state_problem",
    "sync_snapshot",
]


def profile_names() -> list[str]:
    return [row["name"] for row in app_profiles.list_profiles()]


def shown(info: ErrorInfo) -> dict[str, str]:
    """An error the worker or engine reported, worded for the window (its hint names buttons and tabs)."""
    info = present_info(info, Surface.WINDOW)
    return {"title": info.title, "message": info.message, "hint": info.hint}


def failure(exc: BaseException) -> dict[str, str]:
    """Any failure as title / message / hint for the error panel (never a traceback)."""
    if isinstance(exc, state_service.StateUnavailable):  # the window's hint names buttons, not commands
        info = exc.problem.info("window")
        return {"title": info.title, "message": info.message, "hint": info.hint}
    if isinstance(exc, baseline_service.PlanError):
        return {"title": "The plan cannot be used", "message": "; ".join(exc.problems), "hint": "Plan again."}
    if isinstance(exc, SalesforceSignInError | SalesforceSignInRequired):
        info = present_signin_attempt(exc, Surface.WINDOW)
        return {"title": info.title, "message": info.message, "hint": info.hint}
    if isinstance(exc, baseline_service.ExtractCancelled):
        return {"title": "Cancelled", "message": str(exc), "hint": "Nothing was written; start again when ready."}
    info = present(exc, Surface.WINDOW)  # one voice with the CLI; the hint names buttons and tabs
    return {"title": info.title, "message": info.message, "hint": info.hint}


# ------------------------------------------------------------------------------ connections
def check_connections(profile: str) -> dict[str, Any]:
    return connections.check_connections(profile, window=True)


# ------------------------------------------------------------------------------ Salesforce sign-in
def signin_status(profile: str) -> dict[str, Any]:
    """How the profile signs in and whether it is signed in (keyring read only, no network)."""
    return signin.signin_status(profile)


def sign_in(profile: str, *, show_url: Callable[[str], None], cancelled: Callable[[], bool]) -> dict[str, Any]:
    """The browser sign-in: ``show_url`` gets the address (to show for copy-paste) before the
    system browser opens it; ``cancelled`` is polled while the loopback listener waits."""

    def open_url(url: str) -> None:
        show_url(url)
        signin.system_browser(url)

    return signin.sign_in(profile, open_url=open_url, cancelled=cancelled)


def sign_out(profile: str) -> dict[str, Any]:
    return signin.sign_out(profile)


# ------------------------------------------------------------------------------ the state store
def state_problem(profile: str) -> dict[str, Any] | None:
    """Why the window cannot open on this profile's state store (title/message/hint...), or None.

    Checked before the window starts its worker, so a damaged, locked or missing store is shown on a
    page of its own with buttons to fix it, never as a crash. A brand-new store of a profile that
    never synced costs a login to both systems here (once): they may already be linked.
    """
    try:
        store = state_service.open_state_store(profile)
        try:
            fresh = store.is_empty() and not cfg.state_marker(profile).get("synced_before")
        finally:
            store.close()
        if fresh:
            state_admin.check_linked_elsewhere(profile)
    except state_service.StateUnavailable as exc:
        return exc.problem.as_dict("gui")
    except cfg.ProfileError:
        return None  # the Connections tab shows a missing profile
    return None


def restore_state(profile: str) -> dict[str, Any]:
    """Restore the newest good backup (the current file is kept aside)."""
    return state_admin.restore(profile)


def rebuild_state(profile: str) -> dict[str, Any]:
    """Re-create the state from both systems' cross-reference fields (reads only)."""
    return state_admin.rebuild(profile, force=False)


# ------------------------------------------------------------------------------ the sync worker
def start_worker(profile: str, *, interval: float | None = None) -> SyncWorker:
    return sync_service.start_worker(profile, interval=interval, surface="gui")


def profile_interval(profile: str) -> float:
    """The profile's watch-mode interval: the window syncs on the same schedule as ``sync --watch``."""
    return sync_service.profile_interval(profile)


def sync_snapshot(profile: str, runs: int = 10) -> dict[str, Any]:
    """Status, open errors and open conflicts in one read (what the sync tab shows)."""
    with SyncState.open(profile) as state:
        return {"status": state.status(runs), "errors": state.errors(), "conflicts": state.conflicts()}


# ------------------------------------------------------------------------------ baseline
def plan_baseline(
    profile: str,
    *,
    cutover: date | None = None,
    progress: Callable[[str, int], None] = lambda s, n: None,
    should_stop: Callable[[], bool] = lambda: False,
) -> tuple[dict[str, Any], Path]:
    doc, json_path, _csv = baseline_service.plan_baseline(
        profile, cutover=cutover, progress=progress, should_stop=should_stop
    )
    return doc, json_path


def apply_reviewed_plan(
    profile: str, doc: dict[str, Any], *, should_stop: Callable[[], bool] = lambda: False, worker: Any = None
) -> dict[str, Any]:
    """Write the reviewed plan (the person's accept/reject choices) as the newest plan, then apply it.

    Why a new file: the plan on disk is the audit record of what was decided; the original stays.
    The load runs as a job of the window's sync worker (``worker``), queued behind a running cycle.
    """
    json_path, _csv = write_plan(doc, app_paths().plans_dir)
    return baseline_service.apply_baseline(profile, plan_path=json_path, should_stop=should_stop, worker=worker)


# ------------------------------------------------------------------------------ invoices
def invoice_lookup(
    profile: str, customer: str | None = None, *, open_only: bool = False, refresh: bool = False, worker: Any = None
) -> dict[str, Any]:
    """The invoice lookup; a live refresh runs as a job of the window's sync worker (``worker``)."""
    return invoices_service.lookup(profile, customer or None, open_only=open_only, refresh=refresh, worker=worker)
