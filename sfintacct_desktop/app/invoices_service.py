"""The invoice lookup (CLI now, GUI later): from the local cache, with a live refresh of one customer.

Why a cache: sales look invoices up far more often than they change, and every Intacct read is a
billed transaction. The sync keeps the cache current; ``refresh`` re-reads one customer's invoices
and payments from Intacct (and writes them to Salesforce the same way the sync does).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..connectors.ia_orders import IntacctOrders
from ..domain import ErrorInfo, ErrorKind, Invoice, SyncError
from ..engine.invoices import ROLLUP_META, ReceivablesSync, rollup
from . import sync_service


def _money(value: Any) -> str:
    return f"{value:.2f}"


def invoice_row(inv: Invoice, today: date) -> dict[str, Any]:
    return {
        "number": inv.number,
        "customer_id": inv.customer_id,
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


def match_customers(known: list[str], text: str | None) -> list[str]:
    """Customer IDs matching ``text``: an exact ID (any case) wins, else every ID containing it."""
    if not text:
        return sorted(known)
    exact = [k for k in known if k.casefold() == text.casefold()]
    return exact or sorted(k for k in known if text.casefold() in k.casefold())


def _not_found(text: str) -> SyncError:
    return SyncError(
        ErrorInfo(
            ErrorKind.NOT_FOUND,
            "No such customer",
            f"No single customer matches {text!r}.",
            "Give the exact Intacct customer ID (see `sfintacct invoices`).",
        )
    )


def refresh_customer(profile: str, customer_id: str) -> int:
    """Re-read one customer's invoices and payments from Intacct now; returns the invoice count."""
    pe = sync_service.build_engine(profile)
    try:
        engine = pe.engine
        before = (engine.sf.client.api_calls, engine.ia.client.transactions)
        ia = IntacctOrders(engine.ia)
        invoices = ia.invoices_where("CUSTOMERID", [customer_id])
        payments = ia.payments_of_customer(customer_id)
        ReceivablesSync(engine).apply(invoices, payments)
        engine.budget.record(engine.sf.client.api_calls - before[0], engine.ia.client.transactions - before[1])
        return len(invoices)
    finally:
        pe.close()


def lookup(
    profile: str, customer: str | None = None, *, open_only: bool = False, refresh: bool = False
) -> dict[str, Any]:
    """Invoices from the cache (optionally refreshed live for one customer) with each customer's roll-up."""
    today = date.today()
    refreshed: str | None = None
    if refresh:
        if not customer:
            raise SyncError(
                ErrorInfo(ErrorKind.VALIDATION, "Which customer?", "--refresh needs --customer.", "Add --customer ID.")
            )
        with _store(profile) as store, store.read() as r:
            ids = match_customers(sorted({i.customer_id for i in r.cache.invoices(include_deleted=True)}), customer)
        refreshed = ids[0] if len(ids) == 1 else customer.strip()
        refresh_customer(profile, refreshed)
    with _store(profile) as store, store.read() as r:
        everything = r.cache.invoices(include_deleted=True)
        ids = [refreshed] if refreshed else match_customers(sorted({i.customer_id for i in everything}), customer)
        if customer and not ids:
            raise _not_found(customer)
        rows = [i for i in everything if i.customer_id in ids and not i.deleted and (not open_only or i.due > 0)]
        rolled = dict(r.meta.get(ROLLUP_META) or {})
    customers = {
        cid: rolled.get(cid) or rollup([i for i in everything if i.customer_id == cid], today) for cid in sorted(ids)
    }
    return {
        "profile": profile,
        "customer": customer,
        "open_only": open_only,
        "refreshed": refreshed,
        "customers": customers,
        "invoices": [invoice_row(i, today) for i in rows],
    }


class _store:
    """The profile's state store, opened and closed around one read."""

    def __init__(self, profile: str) -> None:
        self.store = sync_service.open_state_store(profile)

    def __enter__(self) -> Any:
        return self.store

    def __exit__(self, *exc: object) -> None:
        self.store.close()
