"""The invoice lookup (CLI now, GUI later): from the local cache, with a live refresh of one customer.

Why a cache: sales look invoices up far more often than they change, and every Intacct read is a
billed transaction. The sync keeps the cache current; ``refresh`` re-reads one customer's invoices
and payments from Intacct into it (two transactions; Salesforce gets them with the next sync).
Customers are found by name locally (``customer_search``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..domain import ErrorInfo, ErrorKind, Invoice, SyncError
from ..engine import invoice_refresh
from ..engine.invoices import ROLLUP_META, rollup
from . import sync_service
from .customer_search import AmbiguousCustomer, Customer, directory, resolve


def _money(value: Any) -> str:
    return f"{value:.2f}"


def invoice_row(inv: Invoice, today: date, who: Customer | None = None) -> dict[str, Any]:
    return {
        "number": inv.number,
        "customer_id": inv.customer_id,
        "customer_name": (who.name or who.account_name if who else "") or inv.customer_name,
        "account_name": who.account_name if who else "",
        "status": inv.state,
        "invoice_date": inv.invoice_date.isoformat() if inv.invoice_date else None,
        "due_date": inv.due_date.isoformat() if inv.due_date else None,
        "total": _money(inv.total),
        "paid": _money(inv.paid),
        "due": _money(inv.due),
        "currency": inv.currency,
        "sales_order_id": inv.sales_order_id,
        "overdue": bool(inv.due > 0 and inv.due_date is not None and inv.due_date < today),
        "deleted": inv.deleted,
    }


def refresh_customer(profile: str, customer_id: str, *, worker: Any = None) -> int:
    """Re-read one customer's invoices and payments from Intacct now (two transactions); the invoice count.

    Runs as a job of the profile's sync worker (``worker``: the window's), so it never writes beside
    a running cycle; without one, a short-lived worker logged in to Intacct alone runs it under the
    profile's lock.
    """

    if sync_service.jobs_elsewhere(worker):  # the window's sync process runs it, as its worker's job
        return int(worker.run_job("invoice_refresh", {"customer_id": customer_id}))

    def refresh(pe: Any) -> int:
        eng = pe.engine
        return invoice_refresh.refresh_customer(eng.store, eng.ia, eng.budget, customer_id)

    factory = None if worker is not None else sync_service.refresh_factory(profile, salesforce=False)
    return int(sync_service.run_job(profile, "live refresh", refresh, worker=worker, factory=factory))


def lookup(
    profile: str,
    customer: str | None = None,
    *,
    open_only: bool = False,
    refresh: bool = False,
    worker: Any = None,
) -> dict[str, Any]:
    """Invoices from the cache (optionally refreshed live for one customer) with each customer's roll-up.

    ``customer`` is what a person types: a name (Account or Intacct) or an ID, found locally
    (``customer_search``); several plausible customers raise AmbiguousCustomer, listing them.
    """
    today = date.today()
    if refresh and not customer:
        raise SyncError(
            ErrorInfo(
                ErrorKind.VALIDATION, "Which customer?", "--refresh needs --customer.", "Add --customer NAME or ID."
            )
        )
    with _store(profile) as store, store.read() as r:
        known = directory(r)
    chosen: Customer | None = None
    if customer:
        try:
            chosen = resolve(known, customer)
        except AmbiguousCustomer:
            raise
        except SyncError:
            if not refresh:
                raise
            chosen = Customer(customer.strip())  # not known here yet: read it live by that exact ID
    refreshed = None
    if refresh and chosen is not None:
        refresh_customer(profile, chosen.customer_id, worker=worker)
        refreshed = chosen.customer_id
    with _store(profile) as store, store.read() as r:
        everything = r.cache.invoices(include_deleted=True)
        rolled = dict(r.meta.get(ROLLUP_META) or {})
        if refreshed:
            known = directory(r)
    if chosen is not None:
        chosen = known.get(chosen.customer_id) or chosen
    ids = [chosen.customer_id] if chosen is not None else sorted({i.customer_id for i in everything})
    rows = [i for i in everything if i.customer_id in ids and not i.deleted and (not open_only or i.due > 0)]
    customers = {}
    for cid in sorted(ids):
        names = (known.get(cid) or Customer(cid)).as_dict()
        roll = dict(rolled.get(cid) or rollup([i for i in everything if i.customer_id == cid], today))
        customers[cid] = {**roll, **{k: v for k, v in names.items() if k != "customer_id"}}
    return {
        "profile": profile,
        "customer": customer,
        "match": chosen.as_dict() if chosen is not None else None,
        "open_only": open_only,
        "refreshed": refreshed,
        "customers": customers,
        "invoices": [invoice_row(i, today, known.get(i.customer_id)) for i in rows],
    }


def payment_applications(
    profile: str, *, customer_id: str | None = None, invoice_number: str | None = None, payment: str | None = None
) -> list[dict[str, Any]]:
    """What was paid against what, from the local copy (no API call): one row per application of a
    payment to an invoice, and one per payment's unapplied part (``invoice_number`` None).

    Why applications: a payment spread over several invoices counts against each only with its
    applied amount. Amounts are text in the payment's currency (``currency``).
    """
    with _store(profile) as store, store.read() as r:
        pairs = r.cache.applications(customer_id=customer_id, invoice_number=invoice_number, payment_record_no=payment)
        payments = {p.record_no: p for p, _ in pairs}
        if invoice_number is None:
            for p in r.cache.payments(customer_id=customer_id):
                if (payment is None or p.record_no == payment) and p.unapplied > 0:
                    payments[p.record_no] = p
    rows = [
        {
            "payment": p.record_no,
            "customer_id": p.customer_id,
            "invoice_number": a.invoice_number or None,
            "applied": _money(a.amount),
            "applied_date": (a.applied_date or p.payment_date).isoformat()
            if (a.applied_date or p.payment_date)
            else None,
            "payment_amount": _money(p.amount),
            "payment_date": p.payment_date.isoformat() if p.payment_date else None,
            "method": p.method,
            "currency": p.currency,
        }
        for p, a in pairs
    ]
    rows += [
        {
            "payment": p.record_no,
            "customer_id": p.customer_id,
            "invoice_number": None,
            "applied": _money(p.unapplied),
            "applied_date": None,
            "payment_amount": _money(p.amount),
            "payment_date": p.payment_date.isoformat() if p.payment_date else None,
            "method": p.method,
            "currency": p.currency,
        }
        for p in payments.values()
        if invoice_number is None and p.unapplied > 0
    ]
    return rows


class _store:
    """The profile's state store, opened and closed around one read."""

    def __init__(self, profile: str) -> None:
        self.store = sync_service.open_state_store(profile)

    def __enter__(self) -> Any:
        return self.store

    def __exit__(self, *exc: object) -> None:
        self.store.close()
