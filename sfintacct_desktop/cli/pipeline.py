"""`sfintacct pipeline [--csv FILE] [--json]`: open opportunities by stage and close month, for finance.

Reads Salesforce live: one API call per run (a composite request of aggregate queries). Amounts and
probability-weighted amounts, totals, this month's wins and the wins still waiting for their Intacct
sales order. ``--csv FILE`` also writes the tables to FILE.
Exit status: 0 success, 1 a handled failure (Salesforce unreachable, sign-in needed, ...), 2 bad usage.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from .common import EXIT_OK, Common, emit, fit, session


def register(sub: Any, common: Common) -> None:
    parser = sub.add_parser("pipeline", help="open opportunities by stage and close month (one Salesforce API call)")
    common(parser)
    parser.add_argument("--csv", default=None, metavar="FILE", help="also write the tables to FILE as CSV")


def handlers() -> dict[tuple[str, None], Callable[[argparse.Namespace], int]]:
    return {("pipeline", None): cmd_pipeline}


def _line(label: str, count: int, amount: Any, weighted: Any, cur: str) -> str:
    return f"  {fit(label, 28):<28} {count:>5} {amount:>15} {weighted:>15} {cur}"


def cmd_pipeline(args: argparse.Namespace) -> int:
    from ..app import pipeline_service

    if args.csv:
        pipeline_service.check_csv_target(args.csv)  # before the API call: a typo costs nothing
    p = pipeline_service.refresh(session(args))  # a SyncError is printed by cli.main (exit 1)
    written = pipeline_service.write_csv(p, args.csv) if args.csv else None
    payload = {"ok": True, **p.to_json(), **({"csv": str(written)} if written else {})}
    cur = p.currency
    head = f"  {'':<28} {'count':>5} {'amount':>15} {'weighted':>15}"
    lines = [f"Open pipeline as of {p.as_of} ({cur}; this refresh cost {p.api_calls} Salesforce API call(s))"]
    lines += ["By stage:", head]
    lines += [_line(b.key, b.count, b.amount, b.weighted, cur) for b in p.read.by_stage]
    lines += ["By close month:", head]
    lines += [_line(b.key, b.count, b.amount, b.weighted, cur) for b in p.read.by_month]
    t = p.open_total
    lines.append(_line("Total open", t.count, t.amount, t.weighted, cur))
    won, wait = p.read.won_this_month, p.read.waiting_total
    lines.append(f"Won this month: {won.count} for {won.amount} {cur}")
    lines.append(f"Won, waiting for an Intacct sales order: {wait.count} for {wait.amount} {cur}")
    lines += [f"  {w.close_date} {fit(w.name, 40):<40} {w.amount:>12} {w.status}".rstrip() for w in p.read.waiting]
    if written:
        lines.append(f"CSV written to {written}")
    emit(args, payload, "\n".join(lines))
    return EXIT_OK
