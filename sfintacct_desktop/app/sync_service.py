"""Build a sync engine from a profile: settings, secrets, wire clients, connectors, state store, mapping.

Why a factory and not an engine: the worker calls :func:`engine_factory`'s result on its own
thread, so the logins (network) and the state store's sessions belong to the thread that uses them,
and a refused login becomes a fatal error the worker shows once instead of a crash in the GUI.
Every failure leaves as :class:`SyncError` with a title, a message and a hint.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import logging
import queue
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..config import profiles as cfg
from ..config.paths import app_paths
from ..config.profiles import DEFAULT_TIMEZONE, KIND_SANDBOX, ProfileError
from ..connectors import IntacctConnector, SalesforceConnector, to_sync_error
from ..domain import ErrorInfo, ErrorKind, SyncError, System
from ..engine.cycle import EngineSettings, SyncEngine
from ..engine.events import Event, RunSummary
from ..engine.worker import EngineFactory, SyncWorker, WorkerStopped
from ..secrets import CredentialStoreError, register_secret
from ..store import StateStore
from ..wire.intacct import IntacctClient
from ..wire.salesforce import SalesforceClient, SalesforceSettings
from ..wire.transport import WireError
from . import attempts, state_service
from .connections import error_info, intacct_config, salesforce_config
from .errors import present_both
from .mapping_file import load_profile_mapping, mapping_path, mapping_stamp
from .profile_lock import ProfileLock
from .profiles import ResolvedProfile, StoreFactory, default_store, resolve_profile
from .session import Session
from .sf_profile import token_store

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 60.0  # seconds between watch-mode cycles: the Salesforce poll (Closed Won reaches Intacct fast)
DEFAULT_INTACCT_INTERVAL = 60.0  # Intacct is polled at most this often in watch mode (one billed probe)


# ------------------------------------------------------------------------------ settings
def engine_settings(profile: ResolvedProfile) -> EngineSettings:
    """EngineSettings from the profile (an optional ``sync`` section overrides the defaults)."""
    ia = profile.settings.get("intacct") or {}
    sync = profile.settings.get("sync") or {}
    orders = profile.settings.get("orders") or {}
    base = EngineSettings(profile=profile.name, company_timezone=str(ia.get("timezone") or DEFAULT_TIMEZONE))
    line_price = str(orders.get("line_price") or base.order_line_price)
    if line_price not in ("opportunity", "price_list"):
        raise ProfileError(
            f"The orders.line_price of profile {profile.name!r} is {line_price!r}.",
            "Set it to opportunity (the negotiated price) or price_list (the linked price list's price).",
        )
    try:
        return dataclasses.replace(
            base,
            overlap=timedelta(minutes=float(sync.get("overlap_minutes", base.overlap.total_seconds() / 60))),
            salesforce_daily_share=float(sync.get("salesforce_daily_share", base.salesforce_daily_share)),
            intacct_monthly_budget=int(sync.get("intacct_monthly_budget", base.intacct_monthly_budget)),
            batch_size=int(sync.get("batch_size", base.batch_size)),
            allow_without_baseline=bool(sync.get("allow_without_baseline", False)),
            salesforce_interval_seconds=sync_interval(profile),
            intacct_interval_seconds=float(sync.get("intacct_interval_seconds", DEFAULT_INTACCT_INTERVAL)),
            order_transaction_type=str(orders.get("transaction_type") or "Sales Order"),
            order_line_price=line_price,
            order_price_alert_percent=(
                None
                if orders.get("price_alert_percent", 10.0) is None
                else float(orders.get("price_alert_percent", 10.0))
            ),
            budget_check_seconds=float(sync.get("budget_check_seconds", base.budget_check_seconds)),
            intacct_safety_net_seconds=60
            * float(sync.get("intacct_safety_net_minutes", base.intacct_safety_net_seconds / 60)),
        )
    except (TypeError, ValueError):
        raise ProfileError(
            f"The sync settings of profile {profile.name!r} are not numbers.",
            "Fix the 'sync' section of the profile in the profiles file.",
        ) from None


def sync_interval(profile: ResolvedProfile | None) -> float:
    """The watch-mode loop of a profile: ``sync.salesforce_interval_seconds`` (older name
    ``sync.interval_seconds``), else the default. Intacct has its own interval (also 60 s by default)."""
    sync = (profile.settings.get("sync") or {}) if profile else {}
    try:
        value = float(sync.get("salesforce_interval_seconds", sync.get("interval_seconds", DEFAULT_INTERVAL)))
    except (TypeError, ValueError):
        value = DEFAULT_INTERVAL
    return value if value > 0 else DEFAULT_INTERVAL


def budget_check_seconds(profile_name: str) -> float:
    """How often a watching sync checks a spent API budget again: ``sync.budget_check_seconds``.

    Read from the profile file alone (no keyring): the worker is built on the caller's thread.
    """
    try:
        sync = cfg.get_profile(profile_name).get("sync") or {}
        value = float(sync.get("budget_check_seconds", EngineSettings.budget_check_seconds))
    except (ProfileError, TypeError, ValueError):
        value = EngineSettings.budget_check_seconds
    return value if value > 0 else EngineSettings.budget_check_seconds


def _session_budget_check(session: Session) -> float:
    """``budget_check_seconds`` of a session's already-validated settings (no file read, no keyring)."""
    try:
        return session.profile.sync.budget_check_seconds or EngineSettings.budget_check_seconds
    except ProfileError:
        return EngineSettings.budget_check_seconds


def open_state_store(profile_name: str, *, writer: bool = False) -> StateStore:
    """The profile's state store, checked (``state_service.open_state_store``: a clear error or a store).

    An unknown profile raises ProfileError first: a misspelt name must not read as "no invoices"
    from a new, empty store (nor leave that store's file behind)."""
    cfg.get_profile(profile_name)
    return state_service.open_state_store(profile_name, writer=writer)


# ------------------------------------------------------------------------------ the engine
class ProfileEngine:
    """A SyncEngine plus what it owns (state store, HTTP sessions), closed together by the worker."""

    def __init__(
        self,
        engine: SyncEngine,
        closers: list[Callable[[], None]],
        *,
        writer: bool = False,
        lock: ProfileLock | None = None,
        profile: ResolvedProfile | None = None,
    ) -> None:
        self.engine = engine
        self.store = engine.store
        self._closers = closers
        self._writer = writer
        self._lock = lock
        self._profile = profile
        self._rules_stamp = mapping_stamp(profile) if profile is not None else None

    def _before(self) -> None:
        if self._lock is not None:  # a PostgreSQL writer lock lost with its connection is taken again
            self._lock.ensure()
        self._reload_rules()
        if self._writer:  # after a restore: complete the order ledger before anything is sent
            state_service.settle_restore(self.engine)

    def _reload_rules(self) -> None:
        """Rules saved since the last run (the window's editor, a text editor) apply from this run on.

        Why here: the engine outlives many runs (a watching sync, the background service), and a
        restart to take new rules would drop the budget's and the cursors' warm state. A file that
        no longer loads fails this run with its own words and is read again before the next one.
        """
        if self._profile is None:
            return
        stamp = mapping_stamp(self._profile)
        if stamp == self._rules_stamp:
            return
        self.engine.mapping = load_profile_mapping(self._profile)
        self.engine.stamp_memo.clear()
        self._rules_stamp = stamp
        log.info("The sync rules changed (%s); this run uses them", stamp[0] if stamp else "the shipped default")

    def _after(self, summary: RunSummary) -> RunSummary:
        if self._writer:  # the marker that this profile has synced, and the daily backup
            state_service.after_run(self.engine.settings.profile, self.store, summary)
        return summary

    def recover(self) -> int:
        self._before()
        return self.engine.recover()

    def run_cycle(self, trigger: str = "manual") -> RunSummary:
        self._before()
        return self._after(self.engine.run_cycle(trigger))

    def retry(self, inbox_id: int | None = None) -> RunSummary:
        self._before()
        return self._after(self.engine.retry(inbox_id))

    def resolve(self, conflict_id: int, take: str) -> RunSummary:
        self._before()
        return self._after(self.engine.resolve(conflict_id, take))

    def budget_report(self, interval_seconds: float | None = None) -> dict[str, Any]:
        return self.engine.budget_report(interval_seconds)

    def budget_wait(self) -> Any:
        return self.engine.budget_wait()

    def probe_budget(self) -> Any:
        return self.engine.probe_budget()

    def close(self) -> None:
        for close in reversed(self._closers):
            with contextlib.suppress(Exception):
                close()
        self._closers.clear()


def _resolve(name: str, store_factory: StoreFactory, session: Session | None = None) -> ResolvedProfile:
    """Settings plus secrets: from ``session`` when given (its one keyring read), else read now."""
    profile = session.resolved() if session is not None else resolve_profile(name, store_factory=store_factory)
    if profile.kind == KIND_SANDBOX:
        for value in profile.secrets.values():
            register_secret(value)  # public constants, but never echo a password in a log line anyway
    return profile


def build_engine(
    profile_name: str,
    *,
    emit: Callable[[Event], None] = lambda e: None,
    should_stop: Callable[[], bool] = lambda: False,
    connect: bool = True,
    store_factory: StoreFactory = default_store,
    allow_without_baseline: bool = False,
    writer: bool | None = None,
    store_opener: Callable[[str], StateStore] | None = None,
    session: Session | None = None,
) -> ProfileEngine:
    """The engine of a profile. ``connect=False`` skips the logins (read-only uses: budget report).

    A ``writer`` engine (default: whenever it connects) holds the profile's exclusive lock until it is
    closed, so two processes never sync one profile at once; a second writer gets a BUSY SyncError.
    ``store_opener`` replaces the profile's own store (``state rebuild`` fills a new one) and skips
    the new-store check. ``session``: the caller's session of this profile (the window's), whose
    secrets were read once, instead of reading the keyring again.
    """
    try:
        profile = _resolve(profile_name, store_factory, session)
    except ProfileError as exc:
        raise SyncError(ErrorInfo(ErrorKind.AUTH, "Profile problem", str(exc), exc.hint)) from None
    except CredentialStoreError as exc:
        raise SyncError(ErrorInfo(ErrorKind.AUTH, exc.title, exc.message, exc.hint)) from None
    settings = engine_settings(profile)
    if allow_without_baseline:  # the CLI flag adds to the profile setting, never takes it away
        settings = dataclasses.replace(settings, allow_without_baseline=True)
    mapping = load_profile_mapping(profile)
    closers: list[Callable[[], None]] = []
    writing = connect if writer is None else writer
    lock: ProfileLock | None = None
    if writing:
        lock = ProfileLock(profile.name).acquire()  # before any login: a busy profile fails at once
        closers.append(lock.release)
    try:
        sf_settings, sf_secrets = salesforce_config(profile)
        sf_settings = dataclasses.replace(sf_settings, max_attempts=SalesforceSettings.max_attempts)
        ia_settings, ia_secrets = intacct_config(profile)
        try:
            tokens = token_store(profile)
            sf_client = (
                SalesforceClient.connect(sf_settings, sf_secrets, token_store=tokens)
                if connect
                else SalesforceClient(sf_settings, sf_secrets, token_store=tokens)
            )
        except WireError as exc:
            raise to_sync_error(exc, System.SALESFORCE, profile=profile.name) from None
        except Exception as exc:  # requests errors below the wire policy, bad settings
            raise SyncError(error_info(exc, System.SALESFORCE)) from None
        closers.append(sf_client.close)
        try:
            ia_client = IntacctClient(ia_settings, ia_secrets)
        except WireError as exc:
            raise to_sync_error(exc, System.INTACCT, profile=profile.name) from None
        http = getattr(ia_client, "_http", None)
        if http is not None:
            closers.append(http.close)
        salesforce = SalesforceConnector(sf_client, profile=profile.name)
        intacct = IntacctConnector(ia_client, settings.company_timezone, profile=profile.name)
        if connect:
            intacct.login()
        if store_opener is not None:
            store = store_opener(profile.name)
            closers.append(store.close)
        else:
            store = open_state_store(profile.name, writer=writing)
            closers.append(store.close)
    except BaseException:
        for close in reversed(closers):
            with contextlib.suppress(Exception):
                close()
        raise
    preflight = None
    if writing and connect and store_opener is None:

        def preflight() -> None:  # a brand-new store on systems an earlier installation already linked
            state_service.guard_new_store(profile.name, store, salesforce, intacct)

    engine = SyncEngine(
        store, salesforce, intacct, mapping, settings, emit=emit, should_stop=should_stop, preflight=preflight
    )
    return ProfileEngine(engine, closers, writer=writing and store_opener is None, lock=lock, profile=profile)


def engine_factory(
    profile_name: str,
    *,
    store_factory: StoreFactory = default_store,
    allow_without_baseline: bool = False,
    surface: str = "cli",
    session: Session | None = None,
) -> EngineFactory:
    """What :class:`SyncWorker` calls on its thread to build the engine.

    ``surface="gui"``: a state-store problem's hint names the window's buttons instead of commands.
    """

    def factory(emit: Callable[[Event], None], should_stop: Callable[[], bool]) -> ProfileEngine:
        try:
            return build_engine(
                profile_name,
                emit=emit,
                should_stop=should_stop,
                store_factory=store_factory,
                allow_without_baseline=allow_without_baseline,
                session=session,
            )
        except state_service.StateUnavailable as exc:
            if surface == "gui":  # shown in the running window: its start-up page has the buttons
                raise SyncError(exc.problem.info("window")) from None
            raise

    return factory


class _NoRecovery:
    """A profile engine already logged in, whose start-up recovery is skipped (for one refresh)."""

    def __init__(self, pe: ProfileEngine) -> None:
        self.pe, self.engine = pe, pe.engine

    def recover(self) -> int:
        return 0

    def close(self) -> None:
        self.pe.close()


def refresh_factory(profile_name: str, *, salesforce: bool) -> EngineFactory:
    """The engine of a short-lived worker that runs one live refresh: logged in to Intacct (and to
    Salesforce when ``salesforce``), without the start-up recovery.

    Why no recovery: a refresh reads; the recovery (which may send pending orders, and may need the
    system a refresh does not sign in to) belongs to the next sync, and would blur what a refresh costs.
    """

    def factory(emit: Any, should_stop: Any) -> Any:
        pe = build_engine(profile_name, connect=False, writer=True, emit=emit, should_stop=should_stop)
        try:
            pe.engine.ia.login()  # a refused login leaves as SyncError (title, message, hint)
            if salesforce:
                pe.engine.sf.login()
        except BaseException:
            pe.close()
            raise
        return _NoRecovery(pe)

    return factory


def start_worker(
    profile_name: str,
    *,
    interval: float | None = None,
    store_factory: StoreFactory = default_store,
    allow_without_baseline: bool = False,
    surface: str = "cli",
    session: Session | None = None,
    daemon: bool = False,
    events: queue.Queue[Any] | None = None,
) -> SyncWorker:
    """A started worker for a profile (the caller stops and joins it); with ``session``, its engine
    uses the session's secrets and its budget check comes from the session's settings.

    ``daemon``: the window's worker, which a close waits for only a few seconds; if a request hangs,
    the process may end without it (the engine's intents make an interrupted send recoverable)."""
    factory = engine_factory(
        profile_name,
        store_factory=store_factory,
        allow_without_baseline=allow_without_baseline,
        surface=surface,
        session=session,
    )
    check = budget_check_seconds(profile_name) if session is None else _session_budget_check(session)
    worker = SyncWorker(
        factory,
        interval=interval,
        budget_check=check,
        name=f"sfintacct-sync-{profile_name}",
        describe=_describe(profile_name),
        run_logs=run_logs_dir(profile_name),
        events=events,
        on_failed_attempt=lambda summary: attempts.note_failed(profile_name, summary),
    )
    worker.daemon = daemon
    worker.start()
    return worker


def run_logs_dir(profile_name: str) -> Path:
    """Where a profile's runs keep their own log lines (``run-<id>.log``), under the log folder."""
    return app_paths().log_dir / "runs" / profile_name


def _describe(profile_name: str) -> Callable[[BaseException], ErrorInfo]:
    """The worker's wording of a failure: the one presenter, with both surfaces' hints."""
    return lambda exc: present_both(exc, profile=profile_name, doing="syncing")


# ------------------------------------------------------------------------------ jobs
def jobs_elsewhere(worker: Any) -> bool:
    """Whether ``worker`` runs jobs in another process (the window's private sync process): then a
    job goes there by name (``worker.run_job``), since a callable cannot cross the channel."""
    runs_jobs = getattr(worker, "runs_jobs", None)
    return callable(runs_jobs) and bool(runs_jobs())


JOB_POLL = 0.2  # seconds between checks of the caller's cancel while its job waits for its turn


def _never() -> bool:
    return False


def cancelled_job(name: str) -> SyncError:
    return SyncError(
        ErrorInfo(
            ErrorKind.INTERNAL,
            "Cancelled",
            f"The {name} was cancelled before it started; nothing was written.",
            "Start it again when you are ready.",
            code="JOB_CANCELLED",
        )
    )


def run_job(
    profile_name: str,
    name: str,
    fn: Callable[[Any], Any],
    *,
    worker: SyncWorker | None = None,
    should_stop: Callable[[], bool] = _never,
    factory: EngineFactory | None = None,
    store_factory: StoreFactory = default_store,
    lifts: Callable[[Any], Iterable[str]] = lambda result: (),
) -> Any:
    """Run ``fn(engine)`` as a job of the profile's sync worker and return its result.

    Why always a worker: the worker is the only writer of the state store, so a baseline load or a
    live refresh queues behind (or between) cycles instead of writing beside one. With no worker
    running (a CLI command), a short-lived one runs the job under the profile's lock and stops.
    ``should_stop`` is the caller's cancel: while the job waits its turn it withdraws it; once it
    runs, the engine checks it between batches. ``factory`` builds that short-lived worker's engine.
    ``lifts(result)``: the codes of pausing errors the job's result settled (the worker's pause ends).
    """
    own = worker is None
    if worker is None:
        worker = SyncWorker(
            factory or engine_factory(profile_name, store_factory=store_factory),
            budget_check=budget_check_seconds(profile_name),
            name=f"sfintacct-job-{profile_name}",
            describe=_describe(profile_name),
        )
        worker.start()
    try:
        future = worker.submit_job(name, fn, should_stop=should_stop, lifts=lifts)
        while True:
            try:
                return future.result(timeout=JOB_POLL)
            except concurrent.futures.TimeoutError:
                if should_stop() and future.cancel():
                    raise cancelled_job(name) from None
            except concurrent.futures.CancelledError:
                raise cancelled_job(name) from None
    finally:
        if own:
            worker.stop()
            worker.join()


@contextmanager
def offline_engine(profile_name: str, *, store_factory: StoreFactory = default_store) -> Iterator[ProfileEngine]:
    """An engine that has not logged in: for reports that need only the state store."""
    engine = build_engine(profile_name, connect=False, store_factory=store_factory)
    try:
        yield engine
    finally:
        engine.close()


def budget_report(
    profile_name: str, interval: float | None = None, *, store_factory: StoreFactory = default_store
) -> dict[str, Any]:
    """Budgets and the projected cost of the schedule, without any network call."""
    profile = _resolve(profile_name, store_factory)
    seconds = interval or sync_interval(profile)
    with offline_engine(profile_name, store_factory=store_factory) as engine:
        return engine.budget_report(seconds)


def profile_interval(profile_name: str, *, store_factory: StoreFactory = default_store) -> float:
    """The profile's watch-mode loop, from its settings alone: learning it never reads the keyring."""
    return Session(profile_name, store_factory=store_factory).sync_interval


__all__ = [
    "DEFAULT_INTERVAL",
    "ProfileEngine",
    "WorkerStopped",
    "budget_report",
    "build_engine",
    "engine_factory",
    "engine_settings",
    "error_info",
    "load_profile_mapping",
    "mapping_path",
    "open_state_store",
    "profile_interval",
    "run_job",
    "start_worker",
]
