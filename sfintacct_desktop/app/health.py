"""A profile's health in one word and one sentence, from everything that is true about it.

Why one function over all the inputs: the worker's own state says only whether it is busy; a worker
that is "idle" after every run failed, or with errors waiting in the inbox, is not healthy. The
health here weighs the worker's state, the last finished run (from the worker's events, which also
carry the failures before a run could start, and from the state store), the open errors and
conflicts, and the API budgets, in that order, so the window can never show "up to date" while
something is wrong. Plain Python, no Qt: the window's badge, title, tab labels, status bar and tray
all show the same :class:`Health`, and the unit tests build it from real engine events and reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..domain import ErrorInfo, ErrorKind
from ..engine.budget import DEFAULT_DAILY_ALLOCATION, Budget
from ..engine.events import Progress, RunSummary
from ..engine.settings import EngineSettings
from .errors import Surface, present_info
from .inbox import SyncState
from .session import Session

UP_TO_DATE = "up_to_date"
SYNCING = "syncing"
ATTENTION = "attention"  # open errors or conflicts, a stream that failed on its own, an interrupted run
FAILING = "failing"  # the last run failed (or a fatal error paused the sync)
PAUSED = "paused"  # paused by the person
WAITING = "waiting"  # a spent API budget; the sync resumes by itself
BASELINE = "baseline"  # the first sync was refused: both systems hold data and no baseline was applied
NOT_SYNCED = "not_synced"  # nothing has run yet: no claim either way
STARTING = "starting"  # the worker has not reported yet, or has stopped

BASELINE_CODE = "BASELINE_REQUIRED"
BASELINE_HINT = "Open the Baseline tab: Plan, review the matches, then Apply."
GENERIC_HINT = "Check the Connections tab, then press Sync now on the Sync tab."

WORDS = {  # the word of each state, as the window title and the tray use it
    UP_TO_DATE: "up to date",
    SYNCING: "syncing",
    ATTENTION: "needs attention",
    FAILING: "failing",
    PAUSED: "paused",
    WAITING: "waiting for the API budget",
    BASELINE: "needs a baseline",
    NOT_SYNCED: "not synced yet",
    STARTING: "starting",
}
TONES = {
    UP_TO_DATE: "ok",
    SYNCING: "warn",
    ATTENTION: "warn",
    FAILING: "error",
    PAUSED: "warn",
    WAITING: "warn",
    BASELINE: "warn",
    NOT_SYNCED: "idle",
    STARTING: "idle",
}


def when(moment: datetime | None) -> str:
    """A moment in local time, ISO style (YYYY-MM-DD HH:MM:SS); empty for none."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _parse(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


# ------------------------------------------------------------------------------ the inputs
@dataclass(frozen=True)
class StoreFacts:
    """What the state store says about a profile: read off the GUI thread by :func:`read_facts`."""

    runs: tuple[dict[str, Any], ...] = ()  # newest first, as ``SyncState.status`` shows them
    open_errors: int = 0
    open_conflicts: int = 0
    last_success: datetime | None = None
    sf_calls_today: int = 0
    sf_share_calls: int = 0
    ia_transactions_month: int = 0
    ia_monthly_budget: int = 0

    @property
    def budget_text(self) -> str:
        """Short, for the status bar: ``Salesforce 17/3,000 calls today · Intacct 243/50,000 tx this month``."""
        if not (self.sf_share_calls or self.ia_monthly_budget):
            return ""
        return (
            f"Salesforce {self.sf_calls_today:,}/{self.sf_share_calls:,} calls today · "
            f"Intacct {self.ia_transactions_month:,}/{self.ia_monthly_budget:,} tx this month"
        )


@dataclass
class WorkerFacts:
    """What the window learned from the worker's events (updated on the GUI thread as they come)."""

    state: str = ""  # the last EngineStateChanged: idle | running | paused | waiting | stopped
    reason: str = ""
    since: datetime | None = None  # when that state was announced
    paused_error: ErrorInfo | None = None  # the fatal error behind a pause (None: paused by the person)
    last_summary: RunSummary | None = None  # the last RunFinished (its run id is 0 when no run could start)
    progress: Progress | None = None  # the running cycle's last progress
    interval: float | None = None  # seconds between scheduled runs; None: no schedule


def _share(session: Session) -> tuple[float, int]:
    sync = session.profile.settings.get("sync") or {}
    try:
        share = float(sync.get("salesforce_daily_share", EngineSettings.salesforce_daily_share))
        monthly = int(sync.get("intacct_monthly_budget", EngineSettings.intacct_monthly_budget))
    except (TypeError, ValueError):
        share, monthly = EngineSettings.salesforce_daily_share, EngineSettings.intacct_monthly_budget
    return share, monthly


def read_facts(session: Session, runs: int = 10) -> StoreFacts:
    """One read of the store: the last runs, open inbox counts, the last good run and the budgets.

    Reads only (safe while the worker writes). The budgets are the engine's own counters in the
    store, so no connection and no keyring read is made; the Salesforce share is taken of the
    default allocation, as the engine does until Salesforce has told it the real one.
    """
    share, monthly = _share(session)
    with SyncState.open(session.name) as state:
        status = state.status(runs)
        rows = status["runs"]
        good = next((r for r in rows if r["status"] in ("ok", "partial")), None)
        if good is None:
            with state.store.read() as r:
                older = [x for x in r.runs.recent(200) if x.status.value == "ok" and x.finished_at]
            last_ok = older[0].finished_at if older else None
        else:
            last_ok = _parse(good.get("finished_at"))
        # usage() reads the engine's counters from the store only; the connector is never used
        sf_calls, ia_tx = Budget(state.store, None, share, monthly).usage()  # type: ignore[arg-type]
    return StoreFacts(
        runs=tuple(rows),
        open_errors=int(status["open_errors"]),
        open_conflicts=int(status["open_conflicts"]),
        last_success=last_ok,
        sf_calls_today=sf_calls,
        sf_share_calls=int(share * DEFAULT_DAILY_ALLOCATION),
        ia_transactions_month=ia_tx,
        ia_monthly_budget=monthly,
    )


def facts_to_json(facts: StoreFacts) -> dict[str, Any]:
    """The facts as JSON (the window's sync process reads them and sends them over its channel)."""
    return {
        "runs": list(facts.runs),
        "open_errors": facts.open_errors,
        "open_conflicts": facts.open_conflicts,
        "last_success": facts.last_success.isoformat() if facts.last_success else None,
        "sf_calls_today": facts.sf_calls_today,
        "sf_share_calls": facts.sf_share_calls,
        "ia_transactions_month": facts.ia_transactions_month,
        "ia_monthly_budget": facts.ia_monthly_budget,
    }


def facts_from_json(data: dict[str, Any]) -> StoreFacts:
    """The facts back from :func:`facts_to_json` (a missing count reads as none, never as healthy)."""
    return StoreFacts(
        runs=tuple(data.get("runs") or ()),
        open_errors=int(data["open_errors"]),
        open_conflicts=int(data["open_conflicts"]),
        last_success=_parse(data.get("last_success")),
        sf_calls_today=int(data.get("sf_calls_today") or 0),
        sf_share_calls=int(data.get("sf_share_calls") or 0),
        ia_transactions_month=int(data.get("ia_transactions_month") or 0),
        ia_monthly_budget=int(data.get("ia_monthly_budget") or 0),
    )


# ------------------------------------------------------------------------------ the answer
@dataclass(frozen=True)
class Health:
    """One profile's health: what the badge, title, tab labels, status bar and tray all say."""

    state: str
    headline: str  # the badge: "Up to date", "Failing: Cannot reach Intacct", "Needs attention: 2 errors"
    problem: dict[str, str] | None = None  # title, message, hint (the window's words) of what is wrong
    errors: int = 0
    conflicts: int = 0
    last_success: datetime | None = None
    next_run: datetime | None = None
    budget: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def word(self) -> str:
        return WORDS[self.state]

    @property
    def tone(self) -> str:
        return TONES[self.state]

    @property
    def healthy(self) -> bool:
        return self.state == UP_TO_DATE

    @property
    def open_items(self) -> int:
        return self.errors + self.conflicts

    def title(self, profile: str) -> str:
        """The window title: ``sfintacct — demo: failing``."""
        return f"sfintacct — {profile}: {self.word}"

    @property
    def next_run_text(self) -> str:
        if self.next_run is not None:
            return when(self.next_run)
        if self.extra.get("paused"):
            return "none while paused"
        if self.extra.get("stopped"):
            return "none: the sync is stopped"
        if self.state == WAITING:
            return "when the API budget allows"
        if self.state == SYNCING:
            return "running now"
        return "on Sync now"

    @property
    def schedule_text(self) -> str:
        """Short, for the status bar: the last successful sync and the next run."""
        return f"Last good sync: {when(self.last_success) or 'never'} · Next run: {self.next_run_text}"

    @property
    def tooltip(self) -> str:
        """The tray's tooltip and the badge's: the headline, the problem, and the schedule."""
        lines = [self.headline]
        if self.problem:
            lines += [self.problem.get("message", ""), self.problem.get("hint", "")]
        lines.append(f"Last successful sync: {when(self.last_success) or 'never'}. Next run: {self.next_run_text}.")
        return "\n".join(line for line in lines if line)


def _window_error(error: ErrorInfo | dict[str, Any] | None) -> ErrorInfo | None:
    """An error from an event or a stored run, in the window's words (never a command to type)."""
    if error is None:
        return None
    if isinstance(error, dict):
        try:
            kind = ErrorKind(str(error.get("kind") or "internal"))
        except ValueError:
            kind = ErrorKind.INTERNAL
        error = ErrorInfo(
            kind,
            str(error.get("title") or "The run failed"),
            str(error.get("message") or ""),
            str(error.get("hint") or ""),
            code=str(error.get("code") or ""),
        )
    info = present_info(error, Surface.WINDOW)
    if "`" in info.hint or "sfintacct " in info.hint:  # a stored run keeps only the CLI's hint
        info = ErrorInfo(info.kind, info.title, info.message, GENERIC_HINT, code=info.code)
    return info


def _problem(info: ErrorInfo) -> dict[str, str]:
    return {"title": info.title, "message": info.message, "hint": info.hint}


@dataclass(frozen=True)
class _LastRun:
    status: str
    finished: datetime | None
    error: ErrorInfo | None
    failing_streams: tuple[str, ...] = ()


def _last_run(worker: WorkerFacts, store: StoreFacts) -> _LastRun | None:
    """The newest finished run: the worker's last RunFinished or the store's, whichever is later."""
    stored = next((r for r in store.runs if r.get("status") != "running"), None)
    from_store = None
    if stored is not None:
        streams = stored.get("streams") or {}
        failing = tuple(sorted(n for n, c in streams.items() if isinstance(c, dict) and c.get("failure")))
        from_store = _LastRun(
            str(stored["status"]), _parse(stored.get("finished_at")), _window_error(stored.get("error")), failing
        )
    summary = worker.last_summary
    if summary is None or summary.status == "paused":  # a request refused while paused is no run
        return from_store
    failing = tuple(sorted(s.stream for s in summary.streams if s.failure))
    status = "partial" if summary.status == "ok" and failing else summary.status
    from_events = _LastRun(status, summary.finished_at, _window_error(summary.error), failing)
    if from_store is None or from_store.finished is None or summary.finished_at >= from_store.finished:
        return from_events
    return from_store


def _counts(errors: int, conflicts: int) -> str:
    parts = [_plural(errors, "error")] if errors else []
    parts += [_plural(conflicts, "conflict")] if conflicts else []
    return ", ".join(parts)


def compute(worker: WorkerFacts, store: StoreFacts | None, now: datetime) -> Health:
    """The health of one profile, most serious first; nothing unknown is ever called healthy."""
    store = store or StoreFacts()
    base: dict[str, Any] = {
        "errors": store.open_errors,
        "conflicts": store.open_conflicts,
        "last_success": store.last_success,
        "budget": store.budget_text,
    }
    counts = _counts(store.open_errors, store.open_conflicts)
    last = _last_run(worker, store)
    state = worker.state

    if state in ("", "starting"):  # the worker (or the window's sync process) has not reported yet
        return Health(STARTING, "Starting…", **base)
    if state == "stopped":  # nothing runs until the window takes over or the worker starts again
        return Health(STARTING, "Stopped", extra={"stopped": True}, **base)
    if state == "running":
        return Health(SYNCING, f"Syncing… {_progress(worker.progress)}".rstrip(), **base)
    if state == "waiting":
        problem = {
            "title": "Waiting for the API budget",
            "message": worker.reason,
            "hint": "Nothing to do: it resumes by itself.",
        }
        return Health(WAITING, "Waiting for the API budget", problem, **base)
    if state == "paused":
        err = _window_error(worker.paused_error)
        if err is not None and err.code == BASELINE_CODE:
            return Health(BASELINE, "Needs a baseline", _baseline(err), extra={"paused": True}, **base)
        if err is not None:
            return Health(FAILING, f"Failing: {err.title}", _problem(err), extra={"paused": True}, **base)
        problem = {
            "title": "Paused by you",
            "message": "No run starts until you resume.",
            "hint": "Press Resume to go on.",
        }
        headline = "Paused by you" + (f" ({counts})" if counts else "")
        return Health(PAUSED, headline, problem, extra={"paused": True}, **base)

    # idle: the worker waits for the next run; what matters is how the last one went
    nxt = worker.since + timedelta(seconds=worker.interval) if worker.interval and worker.since else None
    base["next_run"] = nxt
    if last is None:
        problem = {
            "title": "Not synced yet",
            "message": "No sync has run for this profile.",
            "hint": "Press Sync now (if both systems already hold the same customers, "
            "apply a baseline on the Baseline tab first).",
        }
        return Health(NOT_SYNCED, "Not synced yet", problem, **base)
    if last.error is not None and last.error.code == BASELINE_CODE:
        return Health(BASELINE, "Needs a baseline", _baseline(last.error), **base)
    if last.status == "failed":
        err = last.error or ErrorInfo(ErrorKind.INTERNAL, "The last run failed", "", GENERIC_HINT)
        problem = _problem(err)
        if not worker.interval and "by itself" in problem["hint"]:  # no schedule: nothing retries
            problem["hint"] = problem["hint"].split(";")[0].rstrip(".") + ". Then press Sync now to try again."
            if problem["hint"].startswith("Sync retries"):
                problem["hint"] = "Press Sync now to try again once it answers."
        return Health(FAILING, f"Failing: {err.title}", problem, **base)
    reasons = []
    if counts:
        reasons.append(counts)
    if last.status == "partial":
        reasons.append(f"{_plural(len(last.failing_streams), 'stream')} failing")
    if last.status == "interrupted":
        reasons.append("last run interrupted")
    if reasons:
        problem = _attention(store, last)
        return Health(ATTENTION, f"Needs attention: {', '.join(reasons)}", problem, **base)
    return Health(UP_TO_DATE, "Up to date", **base)


def _progress(progress: Progress | None) -> str:
    if progress is None:
        return ""
    total = f" of {progress.total}" if progress.total else ""
    return f"{progress.stream}: {progress.phase} {progress.done}{total}"


def _baseline(err: ErrorInfo) -> dict[str, str]:
    return {"title": err.title, "message": err.message, "hint": BASELINE_HINT}


def _attention(store: StoreFacts, last: _LastRun) -> dict[str, str]:
    parts = []
    if store.open_errors:
        parts.append(f"{_plural(store.open_errors, 'record')} refused by a system (the error inbox)")
    if store.open_conflicts:
        parts.append(f"{_plural(store.open_conflicts, 'field')} changed on both sides (conflicts)")
    if last.failing_streams:
        parts.append("streams that could not be read: " + ", ".join(last.failing_streams))
    if last.status == "interrupted":
        parts.append("the last run stopped early; the next one resumes where it stopped")
    return {
        "title": "Needs attention",
        "message": "; ".join(parts).capitalize() + ".",
        "hint": "Open the Sync tab: retry the errors, choose a side for each conflict.",
    }
