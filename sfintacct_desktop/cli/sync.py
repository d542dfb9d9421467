"""`sfintacct sync | status | errors | retry | conflicts | resolve`: argument parsing and printing only.

Every state-changing command goes through the sync worker (the one writer of the state store):
the CLI starts it, submits one command, waits for its RunFinished and stops it. SIGINT/SIGTERM
stop the worker between batches; the next run resumes where it stopped. With ``--json`` each run
prints one JSON object (``RunSummary.as_dict()``: per-stream counters and ``api_calls``).
Exit status: 0 success, 1 a handled failure (title, message and hint on stderr), 2 bad usage.

The engine, state store and mapping are imported when a command runs, not at start-up: they cost
over a second of imports that ``sfintacct sandbox serve`` and ``--help`` should not pay.
"""

from __future__ import annotations

import argparse
import queue
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..app import attempts
from ..app.errors import one_shot_hint
from ..config import profiles as cfg
from ..engine.events import EngineStateChanged, RunFinished, RunSummary
from ..engine.worker import SyncWorker
from .common import EXIT_OK, Common, session
from .common import fail as _fail
from .common import print_json as _print_json

POLL = 0.2  # how often the waiting main thread looks at the signal flag (signals need the main thread)


def register(sub: Any, common: Common) -> None:
    """Add the sync commands to the top-level subparsers."""
    sync = sub.add_parser("sync", help="sync customers and products between Salesforce and Intacct")
    common(sync)
    mode = sync.add_mutually_exclusive_group()
    mode.add_argument("--once", action="store_true", help="run one cycle and exit (the default)")
    mode.add_argument("--watch", action="store_true", help="run a cycle every --interval seconds until Ctrl+C")
    sync.add_argument("--interval", type=_positive, default=None, help="seconds between cycles in --watch")
    sync.add_argument(
        "--allow-without-baseline",
        action="store_true",
        help="allow the first sync of two populated systems without a baseline (they share nothing)",
    )

    status = sub.add_parser("status", help="last runs, cursors, open errors and conflicts, budgets")
    common(status)
    status.add_argument("--interval", type=_positive, default=None, help="schedule to project the budget for")

    common(sub.add_parser("errors", help="the error inbox: records a side refused"))
    retry = sub.add_parser("retry", help="retry one error inbox item, or all of them")
    common(retry)
    which = retry.add_mutually_exclusive_group(required=True)
    which.add_argument("id", nargs="?", type=int, help="the error id (see `sfintacct errors`)")
    which.add_argument("--all", action="store_true", help="retry every open error")

    common(sub.add_parser("conflicts", help="the conflict inbox: fields changed on both sides"))
    resolve = sub.add_parser("resolve", help="resolve a conflict and write the chosen value to both sides")
    common(resolve)
    resolve.add_argument("id", type=int, help="the conflict id (see `sfintacct conflicts`)")
    resolve.add_argument("--take", required=True, metavar="salesforce|intacct|VALUE", help="which value wins")


def handlers() -> dict[tuple[str, None], Callable[[argparse.Namespace], int]]:
    return {
        ("sync", None): cmd_sync,
        ("status", None): cmd_status,
        ("errors", None): cmd_errors,
        ("retry", None): cmd_retry,
        ("conflicts", None): cmd_conflicts,
        ("resolve", None): cmd_resolve,
    }


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value <= 0:
        raise argparse.ArgumentTypeError("the interval must be more than 0 seconds")
    return value


# ------------------------------------------------------------------------------ output


def summary_line(summary: RunSummary) -> str:
    seconds = (summary.finished_at - summary.started_at).total_seconds()
    head = f"Run {summary.run_id} {summary.status} in {seconds:.1f}s"
    streams = "; ".join(
        f"{s.stream}: read {s.read}, applied {s.applied}, conflicts {s.conflicts}, errors {s.errors}"
        for s in summary.streams
    )
    cost = (
        f"writes {summary.writes}; API calls: Salesforce {summary.salesforce_api_calls}, "
        f"Intacct {summary.intacct_transactions} transactions ({summary.intacct_requests} requests)"
    )
    return f"{head}: " + "; ".join(part for part in (streams, cost) if part)


def _report(args: argparse.Namespace, summary: RunSummary) -> int:
    """Print one run; exit 0 when it finished ok, else 1 with its error."""
    if args.json:
        _print_json({"profile": args.profile, **summary.as_dict()})
    else:
        print(summary_line(summary), flush=True)
    if summary.status == "ok":
        return EXIT_OK
    error = summary.error
    if error is None:
        return _fail(
            args, "Sync interrupted", f"The run ended as {summary.status}.", "Run it again to go on.", printed=True
        )
    return _fail(args, error.title, error.message, one_shot_hint(error.hint), printed=True)


# ------------------------------------------------------------------------------ running the worker
class _Signals:
    """SIGINT/SIGTERM set a flag the waiting loop polls (a handler must not take locks)."""

    def __init__(self) -> None:
        self.hit = False

    def _on(self, signum: int, _frame: object) -> None:
        self.hit = True

    @contextmanager
    def installed(self) -> Iterator[_Signals]:
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        old = {s: signal.signal(s, self._on) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for s, handler in old.items():
                signal.signal(s, handler)


@contextmanager
def _worker(args: argparse.Namespace, interval: float | None = None, *, allow: bool = False) -> Iterator[SyncWorker]:
    cfg.get_profile(args.profile)  # a missing profile is a handled failure before any thread starts
    from ..app import sync_service

    worker = sync_service.start_worker(
        args.profile, interval=interval, allow_without_baseline=allow, session=session(args)
    )
    try:
        yield worker
    finally:
        worker.stop()
        worker.join()


def _one(args: argparse.Namespace, submit: Callable[[SyncWorker], None]) -> RunSummary | None:
    """Submit one command and wait for its RunFinished (None when stopped before it ran)."""
    signals = _Signals()
    allow = bool(getattr(args, "allow_without_baseline", False))
    with signals.installed(), _worker(args, allow=allow) as worker:
        submit(worker)
        stopping = False
        while True:
            if signals.hit and not stopping:
                worker.stop()
                stopping = True
            try:
                event = worker.events.get(timeout=POLL)
            except queue.Empty:
                if not worker.is_alive():
                    return None
                continue
            if isinstance(event, RunFinished):
                return event.summary


def _finish(args: argparse.Namespace, summary: RunSummary | None) -> int:
    if summary is None:
        return _fail(args, "Sync interrupted", "Stopped before the run started.", "Run the command again.")
    return _report(args, summary)


def cmd_sync(args: argparse.Namespace) -> int:
    if args.watch:
        return _watch(args)
    if args.interval is not None:
        print("--interval is only used with --watch", file=sys.stderr)
        return 2
    return _finish(args, _one(args, lambda w: w.sync_now()))


def _watch(args: argparse.Namespace) -> int:

    interval = args.interval or session(args).sync_interval
    signals = _Signals()
    allow = bool(args.allow_without_baseline)
    with signals.installed(), _worker(args, interval=interval, allow=allow) as worker:
        if not args.json:
            print(f"Syncing profile {args.profile} every {interval:g}s; Ctrl+C stops.", file=sys.stderr)
        worker.sync_now()
        last: RunSummary | None = None
        while not signals.hit:
            try:
                event = worker.events.get(timeout=POLL)
            except queue.Empty:
                if not worker.is_alive():
                    return _fail(args, "Sync stopped", "The sync worker ended unexpectedly.", "See the log file.")
                continue
            if isinstance(event, RunFinished):
                last = event.summary
                if args.json:
                    _print_json({"profile": args.profile, **last.as_dict()})
                else:
                    print(summary_line(last), flush=True)
                    if last.error and (not last.error.fatal or last.error.kind == "budget"):
                        print(f"  {last.error.title}: {last.error.message}", file=sys.stderr)
            elif isinstance(event, EngineStateChanged) and event.state == "waiting":
                print(event.reason, file=sys.stderr, flush=True)  # a spent budget: wait, never exit
            elif isinstance(event, EngineStateChanged) and event.state == "paused":
                error = last.error if last is not None else None
                if error is not None and error.fatal:
                    return _fail(args, error.title, error.message, error.hint, printed=args.json)
                return _fail(args, "Sync paused", event.reason, "Fix the problem, then start the sync again.")
    return EXIT_OK


# ------------------------------------------------------------------------------ inbox commands
def _state(profile: str) -> Any:
    from ..app.inbox import SyncState

    return SyncState.open(profile)


def cmd_status(args: argparse.Namespace) -> int:
    from ..app import sync_service

    with _state(args.profile) as state:
        status = state.status()
    try:
        status["budgets"] = sync_service.budget_report(args.profile, args.interval)
    except Exception as exc:  # the report must not hide the rest of the status
        info = getattr(exc, "info", None)
        status["budgets"] = {"error": info.as_dict() if info else {"title": type(exc).__name__}}
    status["profile"] = args.profile
    failed = attempts.last_failed(args.profile, status["runs"])
    status["last_failed_attempt"] = failed
    if args.json:
        _print_json(status)
        return EXIT_OK
    lines = [f"Profile {args.profile}: {status['open_errors']} open errors, {status['open_conflicts']} open conflicts"]
    if failed is not None:  # newer than every run below: the runs alone would read as all fine
        lines.append(f"The last sync attempt failed at {failed['at']}: {failed['title']}: {failed['message']}")
        lines.append(f"  Hint: {one_shot_hint(str(failed.get('hint', '')))}")
    lines.append("Links: " + ", ".join(f"{k} {v}" for k, v in status["links"].items()))
    lines.append(status["cutover"]["text"])
    if status.get("budget_wait"):
        lines.append(status["budget_wait"]["text"])
    lines.append("Last runs:" if status["runs"] else "No runs yet.")
    for run in status["runs"]:
        calls = run["api_calls"]
        lines.append(
            f"  #{run['run_id']} {run['started_at']} {run['trigger']:<8} {run['status']:<11} "
            f"Salesforce {calls['salesforce']} calls, Intacct {calls['intacct_transactions']} transactions"
        )
    for name, failure in (status.get("failing_streams") or {}).items():
        lines.append(f"Stream {name} failed: {failure.get('title', '')}: {failure.get('message', '')}")
        lines.append(f"  Hint: {failure.get('hint', '')}")
    if status["cursors"]:
        lines.append("Cursors:")
        lines += [f"  {name:<24} {c['value']}" for name, c in status["cursors"].items()]
    lines += _budget_lines(status["budgets"])
    print("\n".join(lines))
    return EXIT_OK


def _budget_lines(budgets: dict[str, Any]) -> list[str]:
    if "error" in budgets:
        return [f"Budgets: unavailable ({budgets['error'].get('title', '')})"]
    sf, ia = budgets.get("salesforce", {}), budgets.get("intacct", {})
    lines = [
        "Budgets:",
        f"  Salesforce: {sf.get('calls_today')} calls today of a {sf.get('share_calls')}-call daily share",
        f"  Intacct: {ia.get('transactions_this_month')} transactions this month of {ia.get('monthly_budget')}",
    ]
    proj = budgets.get("projection")
    if proj:
        lines.append(f"  {proj['verdict']}")
        lines.append(f"  {proj['basis']}")
    return lines


def _listing(
    args: argparse.Namespace,
    key: str,
    rows_of: Callable[[Any], list[dict[str, Any]]],
    none: str,
    line: Callable[[dict[str, Any]], str],
) -> int:
    """Print the open rows of one list (errors, conflicts): JSON under ``key``, or one ``line`` per row."""
    with _state(args.profile) as state:
        rows = rows_of(state)
    if args.json:
        _print_json({"profile": args.profile, key: rows})
        return EXIT_OK
    if not rows:
        print(none)
    for row in rows:
        print(line(row))
    return EXIT_OK


def cmd_errors(args: argparse.Namespace) -> int:
    return _listing(
        args,
        "errors",
        lambda state: state.errors(),
        "No open errors.",
        lambda row: (
            f"#{row['id']} {row['entity']} -> {row['target']} {row['record']} [{row['code']}] {row['title']}\n"
            f"    {row['message']}\n    Hint: {row['hint']}"
        ),
    )


def cmd_retry(args: argparse.Namespace) -> int:
    if not args.all:
        with _state(args.profile) as state:
            if state.error(args.id) is None:
                return _fail(args, "No such error", f"There is no open error #{args.id}.", "See `sfintacct errors`.")
    inbox_id = None if args.all else args.id
    code = _finish(args, _one(args, lambda w: w.retry(inbox_id)))
    if not args.json:
        with _state(args.profile) as state:
            print(f"{len(state.errors())} open errors remain.")
    return code


def cmd_conflicts(args: argparse.Namespace) -> int:
    return _listing(
        args,
        "conflicts",
        lambda state: state.conflicts(),
        "No open conflicts.",
        lambda row: (
            f"#{row['id']} {row['entity']} {row['record']} field {row['field']}: base {row['base']!r}, "
            f"Salesforce {row['salesforce']!r}, Intacct {row['intacct']!r}"
        ),
    )


def cmd_resolve(args: argparse.Namespace) -> int:
    with _state(args.profile) as state:
        if state.conflict(args.id) is None:
            return _fail(
                args, "No such conflict", f"There is no open conflict #{args.id}.", "See `sfintacct conflicts`."
            )
    return _finish(args, _one(args, lambda w: w.resolve(args.id, args.take)))
