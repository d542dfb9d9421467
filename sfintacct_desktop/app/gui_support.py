"""The few use cases the desktop window needs beyond the CLI's, kept Qt-free.

Why a module of its own: the GUI talks to ``app`` only (layer rule), and another engineer owns the
other ``app`` modules. Nothing here may import the sandbox (only app/cli wiring and ``__main__``
start it: import-linter checks the GUI's whole import chain). Everything here is plain Python,
safe to call from the GUI's background threads; none of it touches Qt.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from ..config import profiles as cfg
from ..config.paths import app_paths
from ..domain import ErrorInfo, SyncError
from ..engine.baseline.export import read_plan, write_plan
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
from . import (
    baseline_service,
    connections,
    health,
    invoices_service,
    remote_worker,
    run_history,
    service_jobs,
    sf_deploy,
    signin,
    state_admin,
    state_service,
    state_target,
    sync_service,
)
from . import profiles as app_profiles
from .child_worker import ChildWorker
from .errors import Surface, one_shot_hint, present, present_info, present_signin_attempt
from .inbox import SyncState
from .service_setup import start_background_service, stop_background_service
from .session import Session

log = logging.getLogger(__name__)
ProfileRef = str | Session  # a profile by name (older callers) or the window's session of it

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
    "Session",
    "SyncError",
    "SyncWorker",
    "apply_reviewed_plan",
    "backup_state",
    "check_connections",
    "failure",
    "invoice_lookup",
    "open_worker",
    "plan_baseline",
    "profile_interval",
    "profile_names",
    "rebuild_state",
    "restore_state",
    "sign_in",
    "sign_out",
    "signin_status",
    "start_background_service",
    "start_worker",
    "state_problem",
    "stop_background_service",
    "stop_worker",
    "sync_snapshot",
]


def _name(profile: ProfileRef) -> str:
    return profile.name if isinstance(profile, Session) else profile


def _session(profile: ProfileRef) -> Session | None:
    return profile if isinstance(profile, Session) else None


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
    # a button's task ran once: nothing retries it by itself
    return {"title": info.title, "message": info.message, "hint": one_shot_hint(info.hint, window=True)}


# ------------------------------------------------------------------------------ connections
def check_connections(profile: ProfileRef) -> dict[str, Any]:
    session = _session(profile)
    return connections.check_connections(
        _name(profile), window=True, resolved=session.resolved if session is not None else None
    )


def deploy_salesforce(profile: ProfileRef, *, check_only: bool) -> dict[str, Any]:
    """The shipped Salesforce metadata to the profile's org (``check_only``: Salesforce changes nothing)."""
    session = _session(profile)
    return sf_deploy.deploy_metadata(
        _name(profile), check_only=check_only, window=True, resolved=session.resolved if session is not None else None
    )


# ------------------------------------------------------------------------------ Salesforce sign-in
def signin_status(profile: ProfileRef) -> dict[str, Any]:
    """How the profile signs in and whether it is signed in (keyring read only, no network)."""
    session = _session(profile)
    return signin.signin_status(_name(profile), resolved=session.resolved if session is not None else None)


def sign_in(profile: ProfileRef, *, show_url: Callable[[str], None], cancelled: Callable[[], bool]) -> dict[str, Any]:
    """The browser sign-in: ``show_url`` gets the address (to show for copy-paste) before the
    system browser opens it; ``cancelled`` is polled while the loopback listener waits."""

    def open_url(url: str) -> None:
        show_url(url)
        signin.system_browser(url)

    return signin.sign_in(_name(profile), open_url=open_url, cancelled=cancelled)


def sign_out(profile: ProfileRef) -> dict[str, Any]:
    return signin.sign_out(_name(profile))


# ------------------------------------------------------------------------------ the state store
def state_problem(profile: ProfileRef) -> dict[str, Any] | None:
    """Why the window cannot open on this profile's state store (title/message/hint...), or None.

    Checked before the window starts its worker, so a damaged, locked or missing store is shown on a
    page of its own with buttons to fix it, never as a crash. A brand-new store of a profile that
    never synced costs a login to both systems here (once): they may already be linked. Given the
    window's session, that login uses the session's secrets (no second keyring read).
    """
    name, session = _name(profile), _session(profile)
    try:
        store = state_service.open_state_store(name)
        try:
            fresh = store.is_empty() and not cfg.state_marker(name).get("synced_before")
        finally:
            store.close()
        if fresh:
            state_admin.check_linked_elsewhere(name, session=session)
    except state_service.StateUnavailable as exc:
        return exc.problem.as_dict("gui")
    except cfg.ProfileError:
        return None  # the Connections tab shows a missing profile
    return None


def backup_state(profile: ProfileRef) -> dict[str, Any]:
    """A backup of the profile's state store now, beside it (a sync may be running)."""
    return state_admin.backup(_name(profile))


def restore_state(profile: ProfileRef, name: str | None = None) -> dict[str, Any]:
    """Restore the named backup, else the newest good one (the current file is kept aside)."""
    return state_admin.restore(_name(profile), name)


def list_backups(profile: ProfileRef) -> dict[str, Any]:
    """The profile's backups, newest first, each with its integrity check (``ok``)."""
    return state_admin.list_backups(_name(profile))


def state_location(profile: ProfileRef) -> dict[str, Any]:
    """Where the profile's state lives now, for a sentence (a PostgreSQL URL's password masked), and
    whether the profile keeps a PostgreSQL password in its keyring (the sandbox profile does not)."""
    name = _name(profile)
    target = state_target.state_target(name)
    sandbox = cfg.get_profile(name).get("kind") == cfg.KIND_SANDBOX  # its database password is never stored
    where, postgres = state_target.where(target), state_target.is_postgres(target)
    return {"where": where, "postgres": postgres, "keeps_password": not sandbox}


def move_state(profile: ProfileRef, to: str, *, password: str | None = None, replace: bool = False) -> dict[str, Any]:
    """Copy the profile's state to ``to`` (a PostgreSQL URL, or ``sqlite``: its own file) and switch to it.

    A PostgreSQL password goes to the profile's keyring first (never into the URL, which is saved in
    the profiles file); the sync must be stopped (the copy takes the profile's lock).
    """
    if password:
        state_target.save_password(_name(profile), password)
    return state_admin.migrate(_name(profile), to, replace=replace)


def rebuild_state(profile: ProfileRef) -> dict[str, Any]:
    """Re-create the state from both systems' cross-reference fields (reads only)."""
    return state_admin.rebuild(_name(profile), force=False)


# ------------------------------------------------------------------------------ the sync worker
INPROCESS_ENV = "SFINTACCT_INPROCESS_WORKER"  # "1": the window's sync runs in its own process, as before


def start_worker(profile: ProfileRef, *, interval: float | None = None, events: Any = None) -> SyncWorker:
    """The window's in-process sync worker; given a session, its engine uses the session's secrets."""
    return sync_service.start_worker(
        _name(profile), interval=interval, surface="gui", session=_session(profile), daemon=True, events=events
    )


def open_worker(profile: ProfileRef, *, interval: float | None = None) -> Any:
    """The worker the window drives: the background service's, when a service runs the profile
    (a :class:`~.remote_worker.RemoteWorker`, ``remote`` True), else the window's own, which runs in
    a private child process (:class:`~.child_worker.ChildWorker`, started without waiting; the
    in-process worker when the child cannot start or ``SFINTACCT_INPROCESS_WORKER=1``)."""
    attached = remote_worker.attach(_name(profile))
    if attached is not None:
        return attached
    if os.environ.get(INPROCESS_ENV, "").strip() not in ("", "0"):
        return start_worker(profile, interval=interval)

    def fallback(events: Any) -> SyncWorker:
        return start_worker(profile, interval=interval, events=events)

    return ChildWorker(_name(profile), interval=interval, fallback=fallback)


def is_remote(worker: Any) -> bool:
    """Whether the background service runs this worker (the window only drives it)."""
    return bool(getattr(worker, "remote", False))


def stop_worker(worker: Any) -> None:
    """Stop a worker (it stops after its current batch) and wait for its thread: call off the GUI thread."""
    worker.stop()
    worker.join()


def profile_interval(profile: ProfileRef) -> float:
    """The profile's watch-mode interval: the window syncs on the same schedule as ``sync --watch``."""
    session = _session(profile)
    return session.sync_interval if session is not None else sync_service.profile_interval(_name(profile))


def sync_state(profile: ProfileRef, query: dict[str, Any], worker: Any = None) -> dict[str, Any]:
    """The Sync tab's read (``snap``: status of the last run, errors, conflicts; ``page``: the runs
    ``query`` asks for), made in the window's sync process when it has one: the store's SQL is
    Python that would hold the GIL beside the window's GUI thread. Read here when the child cannot
    answer (still starting, gone, an answer too long for its channel): never a stale table."""
    if sync_service.jobs_elsewhere(worker):
        try:
            return dict(worker.run_job("sync_state", {"runs": 1, **query}))
        except Exception:
            log.info("The sync process could not read the Sync tab's state; reading it here", exc_info=True)
    return {"snap": sync_snapshot(profile, runs=1), "page": run_history.runs_page(profile, **query)}


def health_facts(profile: ProfileRef, worker: Any = None) -> Any:
    """The health's store facts (``health.read_facts``), read in the window's sync process when it
    has one (as :func:`sync_state`), else here."""
    session = profile if isinstance(profile, Session) else Session(profile)
    if sync_service.jobs_elsewhere(worker):
        try:
            return health.facts_from_json(worker.run_job("health_facts", {}))
        except Exception:
            log.info("The sync process could not read the health's facts; reading them here", exc_info=True)
    return health.read_facts(session)


def sync_snapshot(profile: ProfileRef, runs: int = 10) -> dict[str, Any]:
    """Status, open errors and open conflicts in one read (what the sync tab shows)."""
    with SyncState.open(_name(profile)) as state:
        return {"status": state.status(runs), "errors": state.errors(), "conflicts": state.conflicts()}


# ------------------------------------------------------------------------------ baseline
def plan_baseline(
    profile: ProfileRef,
    *,
    cutover: date | None = None,
    progress: Callable[[str, int], None] = lambda s, n: None,
    should_stop: Callable[[], bool] = lambda: False,
    worker: Any = None,
) -> tuple[dict[str, Any], Path]:
    """The baseline plan and its file; read in the window's sync process when it has one (``worker``)."""
    if sync_service.jobs_elsewhere(worker):
        try:
            result = worker.run_job(
                "baseline_plan",
                {"cutover": cutover.isoformat() if cutover else None},
                progress=lambda value: progress(str(value[0]), int(value[1])),
                should_stop=should_stop,
            )
        except SyncError as exc:
            if exc.info.code == service_jobs.CANCELLED:
                raise baseline_service.ExtractCancelled(exc.info.message) from None
            raise
        path = Path(result["plan_path"])
        return read_plan(path, profile=_name(profile)), path
    doc, json_path, _csv = baseline_service.plan_baseline(
        _name(profile), cutover=cutover, progress=progress, should_stop=should_stop, session=_session(profile)
    )
    return doc, json_path


def apply_reviewed_plan(
    profile: ProfileRef, doc: dict[str, Any], *, should_stop: Callable[[], bool] = lambda: False, worker: Any = None
) -> dict[str, Any]:
    """Write the reviewed plan (the person's accept/reject choices) as the newest plan, then apply it.

    Why a new file: the plan on disk is the audit record of what was decided; the original stays.
    The load runs as a job of the window's sync worker (``worker``), queued behind a running cycle.
    """
    json_path, _csv = write_plan(doc, app_paths().plans_dir)
    return baseline_service.apply_baseline(_name(profile), plan_path=json_path, should_stop=should_stop, worker=worker)


# ------------------------------------------------------------------------------ invoices
def invoice_lookup(
    profile: ProfileRef,
    customer: str | None = None,
    *,
    open_only: bool = False,
    refresh: bool = False,
    worker: Any = None,
) -> dict[str, Any]:
    """The invoice lookup; a live refresh runs as a job of the window's sync worker (``worker``)."""
    return invoices_service.lookup(
        _name(profile), customer or None, open_only=open_only, refresh=refresh, worker=worker
    )
