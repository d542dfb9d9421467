"""`sfintacct customer TEXT [--refresh] [--json]`: one customer's page for sales.

TEXT is what a salesperson types: an Account or Intacct name, a customer ID, an invoice number or a
deal's name, found locally; several plausible customers are listed (exit 1), never guessed.
``--refresh`` first re-reads that customer from both systems (one Salesforce call, at most four
Intacct transactions). Exit status: 0 success, 1 a handled failure (title, message and hint on
stderr), 2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from .common import EXIT_FAILED, EXIT_OK, Common, fit


def register(sub: Any, common: Common) -> None:
    parser = sub.add_parser("customer", help="one customer's page: both records, deals, invoices, payments, aging")
    common(parser)
    parser.add_argument("text", help="name, customer ID, invoice number or deal name, as you type it")
    parser.add_argument(
        "--refresh", action="store_true", help="re-read this customer from both systems first (1 call, <= 4 tx)"
    )


def handlers() -> dict[tuple[str, None], Callable[[argparse.Namespace], int]]:
    return {("customer", None): cmd_customer}


def cmd_customer(args: argparse.Namespace) -> int:
    from ..app import customer_service
    from ..domain import SyncError

    try:
        page = customer_service.open_page(args.profile, args.text, refresh=args.refresh)
    except SyncError as exc:
        return _failed(args, exc)
    body = page.as_dict()
    if args.json:
        print(json.dumps({"ok": True, "profile": args.profile, **body}, sort_keys=True))
        return EXIT_OK
    for line in render(body):
        print(line)
    return EXIT_OK


def _failed(args: argparse.Namespace, exc: Any) -> int:
    info = exc.info
    candidates = getattr(exc, "candidates", None)
    if args.json:
        err = {"title": info.title, "message": info.message, "hint": info.hint}
        print(json.dumps({"ok": False, "error": err, **({"candidates": candidates} if candidates else {})}))
    if candidates:  # several customers match: list them, one a line, rather than guess
        print(f"{info.title}: {args.text!r} could be", file=sys.stderr)
        for c in candidates:
            also = f" (Salesforce: {c['account_name']})" if c["account_name"] and c["account_name"] != c["name"] else ""
            print(f"  {c['customer_id']} {c['name'] or c['account_name']}{also} [{c['matched']}]", file=sys.stderr)
        print(f"Hint: {info.hint}", file=sys.stderr)
        return EXIT_FAILED
    print(f"{info.title}: {info.message}" + (f"\nHint: {info.hint}" if info.hint else ""), file=sys.stderr)
    return EXIT_FAILED


def render(p: dict[str, Any]) -> list[str]:
    """The page as text: header, fields (differences marked DIFFERS), deals, invoices, payments, aging."""
    out = [f"{p['customer_id']} {p['name']}" + (f" (Salesforce: {p['account_name']})" if p["account_name"] else "")]
    out.append(f"  Salesforce Account: {p['account_id'] or 'not linked'}  {p['account_url']}".rstrip())
    out.append(f"  Intacct customer:   {p['intacct_record']}  (no stable Intacct link: find it by this ID)")
    if p["refresh_cost"]:
        c = p["refresh_cost"]
        out.append(
            f"  Refreshed live: {c['salesforce_calls']} Salesforce call(s), {c['intacct_transactions']} Intacct"
            " transaction(s)."
        )
    out.append(f"Fields ({p['fields_as_of']}):")
    for f in p["fields"]:
        mark = "DIFFERS" if f["differs"] else "same"
        out.append(
            f"  {f['name']:<22} {mark:<7} Salesforce {_one(f['salesforce']):<28} Intacct {_one(f['intacct']):<28}"
            f" owner {f['owner']}" + (f" ({f['note']})" if f["note"] else "")
        )
    out.append(f"Deals ({len(p['deals'])}):")
    for d in p["deals"]:
        invs = f" invoices {', '.join(d['invoices'])}" if d["invoices"] else ""
        out.append(
            f"  {fit(d['name'], 30):<30} {d['status']:<4} {d['close_date'] or '':<10}"
            f" order {d['sales_order_id'] or '-':<10} {d['sync_status']}{invs}"
        )
    out.append(f"Invoices ({len(p['invoices'])}):")
    for i in p["invoices"]:
        late = f" ({i['days_overdue']} days overdue)" if i["status"] == "overdue" else ""
        out.append(
            f"  {i['number']:<12} {i['invoice_date'] or '':<10} due {i['due_date'] or '':<10} total {i['total']:>10}"
            f" paid {i['paid']:>10} due {i['due']:>10} {i['status']}{late}"
        )
    out.append(f"Payments ({len(p['payments'])}):")
    for pay in p["payments"]:
        applied = ", ".join(
            f"{a['invoice_number'] or 'record ' + a['invoice_record_no']} {a['amount']}" for a in pay["applied"]
        )
        rest = f"; unapplied {pay['unapplied']}" if pay.get("unapplied", "0.00") != "0.00" else ""
        out.append(
            f"  {pay['record_no']:<8} {pay['payment_date'] or '':<10} {pay['amount']:>10} {pay.get('currency', '')}"
            f" applied to {applied or 'nothing'}{rest}"
        )
    aging = ", ".join(f"{k} {v}" for k, v in p["aging"].items())
    out.append(f"Open balance {p['open_balance']} (overdue {p['overdue']}) as of {p['today']}; aging: {aging}")
    return out


def _one(value: Any) -> str:
    return "-" if value in (None, "") else fit(str(value).replace("\n", " / "), 28)
