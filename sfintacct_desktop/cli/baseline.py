"""`sfintacct baseline plan | apply`: argument parsing and printing only (conventions in docs/cli.md).

``plan`` extracts both systems, matches them and writes a reviewable plan (JSON + CSV); nothing is
written to either system. ``apply`` loads the newest plan (or ``--plan FILE``) and applies the
actions a person accepted in it (``"accepted": true``), or with ``--accept-suggested`` every
suggestion that does not need a review. SIGINT/SIGTERM stop between pages or batches; running the
same command again completes the work without duplicates.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from ..config import profiles as cfg
from .common import EXIT_FAILED, EXIT_OK, Common, session
from .common import fail as _fail
from .common import print_json as _print_json


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def register(sub: Any, common: Common) -> None:
    baseline = sub.add_parser("baseline", help="the first import: match both systems, review, load")
    bsub = baseline.add_subparsers(dest="baseline_command", required=True)
    plan = bsub.add_parser("plan", help="extract, cleanse and match; write a reviewable plan (no writes)")
    common(plan)
    plan.add_argument("--cutover", type=_date, default=None, help="cut-over date YYYY-MM-DD (default: today)")
    apply = bsub.add_parser("apply", help="apply the accepted actions of a plan")
    common(apply)
    apply.add_argument("--plan", type=Path, default=None, help="the plan file (default: the newest)")
    apply.add_argument(
        "--accept-suggested", action="store_true", help="accept every suggestion that does not need a review"
    )


def handlers() -> dict[tuple[str, str], Callable[[argparse.Namespace], int]]:
    return {("baseline", "plan"): cmd_plan, ("baseline", "apply"): cmd_apply}


class _Stop:
    """SIGINT/SIGTERM set a flag the engine checks between pages and batches."""

    def __init__(self) -> None:
        self.hit = False

    def __call__(self) -> bool:
        return self.hit

    @contextmanager
    def installed(self) -> Iterator[_Stop]:
        if threading.current_thread() is not threading.main_thread():
            yield self
            return

        def on(signum: int, frame: object) -> None:
            self.hit = True

        old = {s: signal.signal(s, on) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for s, handler in old.items():
                signal.signal(s, handler)


def _guarded(args: argparse.Namespace, run: Callable[[Callable[[], bool]], int]) -> int:
    from ..app.baseline_service import ExtractCancelled, PlanError
    from ..domain import SyncError

    cfg.get_profile(args.profile)  # a missing profile is a handled failure (ProfileError)
    stop = _Stop()
    try:
        with stop.installed():
            return run(stop)
    except PlanError as exc:
        for line in exc.problems:
            print(f"  - {line}", file=sys.stderr)
        return _fail(
            args, "The plan cannot be applied", str(exc), "Fix the plan file or plan again.", problems=exc.problems
        )
    except ExtractCancelled as exc:
        return _fail(args, "Cancelled", str(exc), "Nothing was written; run the command again.")
    except SyncError as exc:
        return _fail(args, exc.info.title, exc.info.message, exc.info.hint)


def cmd_plan(args: argparse.Namespace) -> int:
    from ..app.baseline_service import plan_baseline

    def run(stop: Callable[[], bool]) -> int:
        def progress(stream: str, n: int) -> None:
            if not args.json:
                print(f"  read {stream}: {n}", file=sys.stderr, flush=True)

        doc, json_path, csv_path = plan_baseline(
            args.profile, cutover=args.cutover, progress=progress, should_stop=stop, session=session(args)
        )
        c = doc["counts"]
        if args.json:
            _print_json(
                {"ok": True, "profile": args.profile, "plan": str(json_path), "csv": str(csv_path), "counts": c}
            )
            return EXIT_OK
        lines = [f"Plan written: {json_path}", f"  spreadsheet: {csv_path}", f"  cut-over date: {doc['cutover_date']}"]
        for entity in ("customer", "product"):
            e = c[entity]
            lines.append(
                f"  {entity}s: links proposed {e['links_auto']} auto, {e['links_review']} to review; "
                f"already linked {e['already_linked']}; create in Intacct {e['create_in_intacct']} "
                f"({e['creates_review']} to review), in Salesforce {e['create_in_salesforce']}; "
                f"creates with a plausible partner {e.get('creates_with_partner', 0)}; left out {e['left_out']}"
            )
        b = c.get("pricebook") or {}
        if any(b.values()):
            lines.append(
                f"  price books: linked by name {b['links_auto']}; already linked {b['already_linked']}; "
                f"create in Intacct {b['create_in_intacct']}, in Salesforce {b['create_in_salesforce']}; "
                f"left out {b['left_out']}"
            )
        h = c["historical"]
        lines.append(f"  historical opportunities: {h['opportunities']} ({h['linked_to_orders']} linked to orders)")
        lines.append(
            f"  writes it would make: Salesforce {c['writes']['salesforce']}, Intacct {c['writes']['intacct']}"
        )
        lines.append('Review the file, set "accepted": true where you agree, then: sfintacct baseline apply')
        print("\n".join(lines))
        return EXIT_OK

    return _guarded(args, run)


def cmd_apply(args: argparse.Namespace) -> int:
    from ..app.baseline_service import apply_baseline

    def run(stop: Callable[[], bool]) -> int:
        report = apply_baseline(
            args.profile, plan_path=args.plan, accept_suggested=args.accept_suggested, should_stop=stop
        )
        ok = report["status"] == "ok"
        if args.json:
            _print_json({"ok": ok, "profile": args.profile, **report})
        else:
            lines = [
                f"Baseline load {report['status']} (plan {report['plan']})",
                f"  actions applied {report['accepted_actions']}, not applied {report['not_applied']}",
                f"  links now: customers {report['links'].get('customer', 0)}, "
                f"products {report['links'].get('product', 0)}",
                f"  historical opportunities marked: {report['historical_marked']}",
                f"  writes {report['writes']}; API calls {report['api_calls']}",
            ]
            left = report.get("not_applied_first") or []
            if left:
                why = "not accepted" if not args.accept_suggested else "they need a person's decision"
                lines.append(f'  not applied ({why}; set "accepted": true in the plan file to apply them):')
                lines += [
                    f"    action {a['id']}: {a['entity']} {a['action']}"
                    + (f" ({a['status']})" if a.get("status") else "")
                    + (f" {a['name']!r}" if a.get("name") else "")
                    for a in left
                ]
                if report["not_applied"] > len(left):
                    lines.append(f"    … and {report['not_applied'] - len(left)} more")
            lines += [f"  problem: action {p['id']}: {p['message']}" for p in report["problems"]]
            if ok:
                lines.append(f"  cut-over date {report['cutover_date']}: the live sync is ready (sfintacct sync)")
            print("\n".join(lines))
        if ok:
            return EXIT_OK
        err = report.get("error") or {}
        title = err.get("title") or "Baseline load interrupted"
        message = err.get("message") or f"The load ended as {report['status']}."
        hint = err.get("hint") or "Run `sfintacct baseline apply` again: it completes without duplicates."
        print(f"{title}: {message}\nHint: {hint}", file=sys.stderr)
        return EXIT_FAILED

    return _guarded(args, run)
