"""`sfintacct invoices [--customer TEXT] [--open] [--refresh] [--json]`: the invoice lookup.

Reads the local cache the sync keeps; ``--customer`` takes a name as a salesperson types it (Account
or Intacct name, or the customer ID), found locally; ``--refresh`` first re-reads that one customer
from Intacct. Several plausible customers are listed (exit 1), never guessed.
Exit status: 0 success, 1 a handled failure (title, message and hint on stderr), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from .common import EXIT_FAILED, EXIT_OK, Common, fit


def register(sub: Any, common: Common) -> None:
    parser = sub.add_parser("invoices", help="invoices and open balances from the local cache")
    common(parser)
    parser.add_argument(
        "--customer", default=None, help="customer name (Salesforce or Intacct) or Intacct customer ID, as you type it"
    )
    parser.add_argument("--open", action="store_true", help="only invoices with an amount due")
    parser.add_argument("--refresh", action="store_true", help="re-read this customer from Intacct first")


def handlers() -> dict[tuple[str, None], Callable[[argparse.Namespace], int]]:
    return {("invoices", None): cmd_invoices}


def cmd_invoices(args: argparse.Namespace) -> int:
    from ..app import invoices_service
    from ..domain import SyncError

    try:
        result = invoices_service.lookup(args.profile, args.customer, open_only=args.open, refresh=args.refresh)
    except SyncError as exc:
        info = exc.info
        candidates = getattr(exc, "candidates", None)
        if args.json:
            body: dict[str, Any] = {"title": info.title, "message": info.message, "hint": info.hint}
            extra = {"candidates": candidates} if candidates else {}
            print(json.dumps({"ok": False, "error": body, **extra}, sort_keys=True))
        if candidates:  # several customers match: list them, one a line, rather than guess
            print(f"{info.title}: {args.customer!r} could be", file=sys.stderr)
            for c in candidates:
                print(f"  {_who(c['customer_id'], c)}", file=sys.stderr)
            print(f"Hint: {info.hint}", file=sys.stderr)
            return EXIT_FAILED
        print(f"{info.title}: {info.message}" + (f"\nHint: {info.hint}" if info.hint else ""), file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps({"ok": True, **result}, sort_keys=True))
        return EXIT_OK
    for cid, roll in result["customers"].items():
        if args.open and not roll["open_invoices"]:  # --open: only who owes something
            continue
        print(
            f"{_who(cid, roll)}: open {roll['open_balance']}, overdue {roll['overdue']} ({roll['open_invoices']} open)"
        )
    if result.get("refreshed"):
        print(f"Refreshed live from Intacct: {result['refreshed']}.")
    if not result["invoices"]:
        print("No invoices." if not args.open else "No open invoices.")
    for inv in result["invoices"]:
        flag = " OVERDUE" if inv["overdue"] else ""
        print(
            f"  {inv['number']:<12} {inv['customer_id']:<12} {fit(inv['customer_name'], 30):<30}"
            f" {inv['invoice_date'] or '':<10} due {inv['due_date'] or '':<10}"
            f" total {inv['total']:>10} paid {inv['paid']:>10} due {inv['due']:>10} {inv['status']}{flag}"
        )
    return EXIT_OK


def _who(customer_id: str, names: dict[str, Any]) -> str:
    """``C-1001 Acme Widgets (Salesforce: Acme Widgets Inc)``: the ID with the names beside it."""
    name, account = str(names.get("name") or ""), str(names.get("account_name") or "")
    shown = name or account
    also = f" (Salesforce: {account})" if account and name and account != name else ""
    return f"{customer_id} {shown}{also}".rstrip()
