"""Every health state from the inputs the window really has: the worker's state events, its
RunFinished summaries, the store's run rows and inbox counts (as ``SyncState`` reads them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sfintacct_desktop.app import health as hl
from sfintacct_desktop.domain import ErrorInfo, ErrorKind, System
from sfintacct_desktop.engine.events import Progress, RunSummary, StreamCounters

NOW = datetime(2026, 12, 5, 6, 0, tzinfo=UTC)
EARLIER = NOW - timedelta(minutes=10)

DOWN = ErrorInfo(
    ErrorKind.CONNECTION,
    "Could not reach Intacct",
    "The connection was refused.",
    "Check the network; the sync tries again at the next run.",
    System.INTACCT,
)
AUTH = ErrorInfo(
    ErrorKind.AUTH,
    "Salesforce refused the login",
    "INVALID_LOGIN",
    "Run `sfintacct profile edit` to fix the password.",
    window_hint="Fix the password on the Connections tab, then press Resume.",
)
BASELINE = ErrorInfo(
    ErrorKind.SCHEMA,
    "Baseline needed before the first sync",
    "Both systems already hold customers.",
    "Run `sfintacct baseline plan` first.",
    code=hl.BASELINE_CODE,
    window_hint="Open the Baseline tab: Plan, review the matches, then Apply.",
)


def run_row(status: str, finished: datetime, error: ErrorInfo | None = None, **streams: dict) -> dict:  # type: ignore[type-arg]
    """A run as ``app.inbox.run_row`` shows it (the error as the store keeps it: ``as_dict``)."""
    return {
        "run_id": 1,
        "trigger": "manual",
        "status": status,
        "started_at": (finished - timedelta(seconds=2)).isoformat(),
        "finished_at": finished.isoformat(),
        "streams": streams,
        "api_calls": {"salesforce": 1, "intacct_transactions": 1},
        "error": error.as_dict() if error else None,
    }


def summary(status: str, error: ErrorInfo | None = None, at: datetime = NOW, run_id: int = 2) -> RunSummary:
    return RunSummary(run_id, status, at - timedelta(seconds=1), at, error=error)


def idle(**kw: object) -> hl.WorkerFacts:
    return hl.WorkerFacts(state="idle", since=NOW - timedelta(seconds=5), **kw)  # type: ignore[arg-type]


OK_STORE = hl.StoreFacts(
    runs=(run_row("ok", EARLIER),), last_success=EARLIER, sf_share_calls=3000, ia_monthly_budget=50_000
)


def test_up_to_date_only_when_the_last_run_went_through_and_nothing_is_open() -> None:
    h = hl.compute(idle(interval=60.0), OK_STORE, NOW)
    assert h.state == hl.UP_TO_DATE and h.healthy and h.tone == "ok" and h.headline == "Up to date"
    assert h.title("demo") == "sfintacct — demo: up to date"
    assert h.last_success == EARLIER and h.next_run == NOW + timedelta(seconds=55)
    assert hl.when(EARLIER) in h.schedule_text and hl.when(h.next_run) in h.schedule_text
    assert "Salesforce 0/3,000 calls today" in h.budget


def test_an_idle_worker_after_a_failed_run_is_failing_with_the_error() -> None:
    # Intacct is down: the worker reports the failure before a run could start (run id 0), then idle.
    worker = idle(last_summary=summary("failed", DOWN, run_id=0))
    h = hl.compute(worker, OK_STORE, NOW)
    assert h.state == hl.FAILING and not h.healthy and h.tone == "error"
    assert h.headline == "Failing: Could not reach Intacct"
    assert h.problem == {"title": DOWN.title, "message": DOWN.message, "hint": DOWN.hint}
    assert h.title("demo") == "sfintacct — demo: failing"
    assert h.last_success == EARLIER  # still shown: when it last worked


def test_a_failed_run_in_the_store_is_failing_after_a_restart_and_never_shows_a_command() -> None:
    store = hl.StoreFacts(runs=(run_row("failed", NOW, AUTH), run_row("ok", EARLIER)), last_success=EARLIER)
    h = hl.compute(idle(), store, NOW)
    assert h.state == hl.FAILING and h.problem is not None
    assert "`" not in h.problem["hint"] and "sfintacct " not in h.problem["hint"]


def test_a_newer_good_run_in_the_store_outweighs_an_older_failure_event() -> None:
    worker = idle(last_summary=summary("failed", DOWN, at=EARLIER - timedelta(minutes=1), run_id=0))
    assert hl.compute(worker, OK_STORE, NOW).state == hl.UP_TO_DATE


def test_a_good_run_after_a_failure_is_up_to_date_again() -> None:
    store = hl.StoreFacts(runs=(run_row("ok", NOW), run_row("failed", EARLIER, DOWN)), last_success=NOW)
    assert hl.compute(idle(last_summary=summary("ok")), store, NOW).state == hl.UP_TO_DATE


@pytest.mark.parametrize(
    ("errors", "conflicts", "headline"),
    [
        (3, 0, "Needs attention: 3 errors"),
        (1, 2, "Needs attention: 1 error, 2 conflicts"),
        (0, 1, "Needs attention: 1 conflict"),
    ],
)
def test_open_errors_and_conflicts_need_attention_with_counts(errors: int, conflicts: int, headline: str) -> None:
    store = hl.StoreFacts(runs=(run_row("ok", NOW),), open_errors=errors, open_conflicts=conflicts, last_success=NOW)
    h = hl.compute(idle(last_summary=summary("ok")), store, NOW)
    assert h.state == hl.ATTENTION and h.headline == headline and h.open_items == errors + conflicts
    assert h.title("demo") == "sfintacct — demo: needs attention"


def test_a_stream_that_failed_on_its_own_needs_attention() -> None:
    failure = {"title": "Intacct refused the audit trail", "message": "No permission.", "hint": "Ask an admin."}
    ran = RunSummary(3, "ok", EARLIER, NOW, streams=(StreamCounters("intacct.audit", failure=failure),))
    h = hl.compute(idle(last_summary=ran), OK_STORE, NOW)
    assert h.state == hl.ATTENTION and h.headline == "Needs attention: 1 stream failing"
    assert "intacct.audit" in (h.problem or {})["message"]


def test_syncing_shows_the_progress() -> None:
    progress = Progress(NOW, 4, "salesforce.customers", "writing", 3, 10)
    h = hl.compute(hl.WorkerFacts(state="running", progress=progress), OK_STORE, NOW)
    assert h.state == hl.SYNCING and h.headline == "Syncing… salesforce.customers: writing 3 of 10"
    assert h.next_run_text == "running now"


def test_paused_by_the_user_is_paused_not_healthy() -> None:
    h = hl.compute(hl.WorkerFacts(state="paused", reason="Paused by the user."), OK_STORE, NOW)
    assert h.state == hl.PAUSED and h.headline == "Paused by you" and h.next_run is None
    assert "none while paused" in h.schedule_text and h.title("demo") == "sfintacct — demo: paused"


def test_a_fatal_error_that_paused_the_worker_is_failing_in_the_windows_words() -> None:
    h = hl.compute(hl.WorkerFacts(state="paused", reason="...", paused_error=AUTH), OK_STORE, NOW)
    assert h.state == hl.FAILING and h.problem is not None
    assert h.problem["hint"] == AUTH.window_hint


def test_waiting_for_the_api_budget() -> None:
    reason = "Waiting for the API budget: 3,000 of 3,000 calls used today. The sync resumes by itself."
    h = hl.compute(hl.WorkerFacts(state="waiting", reason=reason), OK_STORE, NOW)
    assert h.state == hl.WAITING and h.problem is not None and h.problem["message"] == reason
    assert h.title("demo") == "sfintacct — demo: waiting for the API budget"


def test_a_refused_first_sync_needs_a_baseline_from_the_pause_or_the_store() -> None:
    paused = hl.WorkerFacts(state="paused", reason="...", paused_error=BASELINE)
    assert hl.compute(paused, None, NOW).state == hl.BASELINE
    store = hl.StoreFacts(runs=(run_row("failed", NOW, BASELINE),))
    h = hl.compute(idle(), store, NOW)
    assert h.state == hl.BASELINE and h.problem is not None and "Baseline tab" in h.problem["hint"]


def test_nothing_known_is_never_called_healthy() -> None:
    assert hl.compute(hl.WorkerFacts(), None, NOW).state == hl.STARTING
    assert hl.compute(hl.WorkerFacts(state="stopped"), OK_STORE, NOW).state == hl.STARTING
    never = hl.compute(idle(), hl.StoreFacts(), NOW)
    assert never.state == hl.NOT_SYNCED and never.tone == "idle" and "never" in never.schedule_text
    refused_while_paused = idle(last_summary=summary("paused", AUTH))
    assert hl.compute(refused_while_paused, hl.StoreFacts(), NOW).state == hl.NOT_SYNCED


def test_an_interrupted_run_needs_attention() -> None:
    store = hl.StoreFacts(runs=(run_row("interrupted", NOW),), last_success=EARLIER)
    h = hl.compute(idle(), store, NOW)
    assert h.state == hl.ATTENTION and "interrupted" in h.headline


@pytest.mark.parametrize(
    ("hint", "unscheduled"),
    [
        ("Check the network connection and the address; sync retries by itself.",
         "Check the network connection and the address. Then press Sync now to try again."),
        ("Sync retries later by itself.", "Press Sync now to try again once it answers."),
    ],
)  # fmt: skip
def test_without_a_schedule_a_failure_never_promises_a_retry_by_itself(hint: str, unscheduled: str) -> None:
    down = ErrorInfo(ErrorKind.CONNECTION, "Could not reach Intacct", "Refused.", hint, System.INTACCT)
    scheduled = hl.compute(idle(last_summary=summary("failed", down, run_id=0), interval=60), OK_STORE, NOW)
    assert scheduled.problem is not None and scheduled.problem["hint"] == hint  # a next run will retry
    manual = hl.compute(idle(last_summary=summary("failed", down, run_id=0)), OK_STORE, NOW)
    assert manual.problem is not None and manual.problem["hint"] == unscheduled
