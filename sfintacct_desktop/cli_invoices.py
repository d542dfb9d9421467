"""`sfintacct invoices [--customer TEXT] [--open] [--refresh] [--json]`: the invoice lookup.

Reads the local cache the sync keeps; ``--refresh`` first re-reads that one customer from Intacct.
Exit status: 0 success, 1 a handled failure (title, message and hint on stderr), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

EXIT_OK, EXIT_FAILED = 0, 1


def register(sub: Any, common: Callable[[argparse.ArgumentParser], None]) -> None:
    parser = sub.add_parser("invoices", help="invoices and open balances from the local cache")
    common(parser)
    parser.add_argument("--customer", default=None, help="Intacct customer ID (exact, or part of it)")
    parser.add_argument("--open", action="store_true", help="only invoices with an amount due")
    parser.add_argument("--refresh", action="store_true", help="re-read this customer from Intacct first")


def handlers() -> dict[tuple[str, None], Callable[[argparse.Namespace], int]]:
    return {("invoices", None): cmd_invoices}


def cmd_invoices(args: argparse.Namespace) -> int:
    from .app import invoices_service
    from .domain import SyncError

    try:
        result = invoices_service.lookup(args.profile, args.customer, open_only=args.open, refresh=args.refresh)
    except SyncError as exc:
        info = exc.info
        if args.json:
            print(json.dumps({"ok": False, "error": {"title": info.title, "message": info.message, "hint": info.hint}}))
        print(f"{info.title}: {info.message}" + (f"\nHint: {info.hint}" if info.hint else ""), file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps({"ok": True, **result}, sort_keys=True))
        return EXIT_OK
    for cid, roll in result["customers"].items():
        print(f"{cid}: open {roll['open_balance']}, overdue {roll['overdue']} ({roll['open_invoices']} open)")
    if not result["invoices"]:
        print("No invoices." if not args.open else "No open invoices.")
    for inv in result["invoices"]:
        flag = " OVERDUE" if inv["overdue"] else ""
        print(
            f"  {inv['number']:<12} {inv['customer_id']:<12} {inv['invoice_date'] or '':<10}"
            f" due {inv['due_date'] or '':<10}"
            f" total {inv['total']:>10} paid {inv['paid']:>10} due {inv['due']:>10} {inv['status']}{flag}"
        )
    return EXIT_OK
