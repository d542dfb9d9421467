"""A live refresh of one customer's page: both records, its deals, its invoices and payments.

Why into the local copy only: the customer page reads the state store (free); this brings one
customer up to date on demand at a small, fixed cost (``connectors/customer_page``: one Salesforce
query, two Intacct requests of four transactions at most). What it read is kept for the page:

- invoices and payments go into the invoice cache (each invoice keeps the sales order the sync
  found; payments come with their applications), and the customer's roll-up is recomputed;
- the Account's and the CUSTOMER's mapped fields as read now, and the Account's deals, go into one
  meta entry per customer (``customer_page:<CUSTOMERID>``), which the page shows until the next
  refresh; the sync keeps working from its own merge bases, so nothing here changes what it writes.

A refresh moves no cursor and writes to neither system: Salesforce gets new invoices and payments
from the next sync cycle, through its own cursors.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

from ..connectors import IntacctConnector, SalesforceConnector
from ..connectors.customer_page import account_with_deals, customer_with_receivables
from ..domain import Entity, Opportunity
from ..store import StateStore
from .budget import Budget
from .invoices import ROLLUP_META, rollup
from .mapping import EntityMapping

PAGE_META = "customer_page:"  # + CUSTOMERID: {"as_of", "account", "customer", "deals", ...}
DEAL_NAMES_META = "customer_page_deal_names"  # {CUSTOMERID: [deal name, ...]}: found by the lookup
INSTANCE_META = "customer_page_instance_url"  # the Salesforce instance, for record links


def page_key(customer_id: str) -> str:
    return f"{PAGE_META}{customer_id}"


def deal_row(opp: Opportunity) -> dict[str, Any]:
    """An Opportunity as the page keeps it (JSON): no lines, just what a salesperson scans."""
    return {
        "id": opp.id,
        "name": opp.name,
        "stage": opp.stage,
        "is_closed": opp.is_closed,
        "is_won": opp.is_won,
        "close_date": opp.close_date.isoformat(),
        "amount": None if opp.amount is None else f"{opp.amount:.2f}",
        "sales_order_id": opp.sales_order_id,
        "sync_status": opp.sync_status,
    }


def instance_url(sf: SalesforceConnector) -> str:
    host = sf.client.instance
    if not host:
        return ""
    scheme = "http" if host.split(":")[0] in ("127.0.0.1", "localhost", "[::1]") else "https"
    return f"{scheme}://{host}"


def refresh_customer_page(
    store: StateStore,
    sf: SalesforceConnector,
    ia: IntacctConnector,
    budget: Budget,
    mapping: EntityMapping,
    customer_id: str,
) -> dict[str, int]:
    """Re-read one customer from both systems into the local copy; what it cost, counted client-side."""
    sf_before, ia_before = sf.client.api_calls, ia.client.transactions
    with store.read() as r:
        link = r.links.by_ia_key(Entity.CUSTOMER, customer_id)
    account, deals = (None, [])
    if link is not None and link.sf_id:
        account, deals = account_with_deals(sf, link.sf_id)
    got = customer_with_receivables(ia, customer_id)
    now = datetime.now(UTC).isoformat()  # to the microsecond: a cycle that ended in the same second is older
    with store.write() as tx:
        known = {i.number: i for i in tx.cache.invoices(customer_id=customer_id, include_deleted=True)}
        for inv in got.invoices:
            had = known.get(inv.number)
            if had is not None and not inv.sales_order_id:
                inv = dataclasses.replace(inv, sales_order_id=had.sales_order_id)
            name = got.customer.name if got.customer is not None else ""
            inv = dataclasses.replace(inv, customer_name=inv.customer_name or name)
            tx.cache.put_invoice(inv, account_id=link.sf_id if link is not None and had is None else None)
        for pay in got.payments:
            tx.cache.put_payment(pay)
        current = dict(tx.meta.get(ROLLUP_META) or {})
        current[customer_id] = rollup(tx.cache.invoices(customer_id=customer_id), date.today())
        tx.meta.set(ROLLUP_META, current)
        tx.meta.set(
            page_key(customer_id),
            {
                "as_of": now,
                "account_id": account.key if account is not None else (link.sf_id if link is not None else ""),
                "account_found": account is not None,
                "account": _canonical(mapping, account),
                "customer_found": got.customer is not None,
                "customer": _canonical(mapping, got.customer),
                "customer_record_no": got.customer.record_no if got.customer is not None else "",
                "account_stamp": _stamp(account),  # each side's modstamp as read: newer than the link's
                "customer_stamp": _stamp(got.customer),  # seen stamp means the sync has not merged it yet
                "customer_name": got.customer.name if got.customer is not None else "",
                "account_name": account.name if account is not None else "",
                "deals": [deal_row(d) for d in deals],
            },
        )
        names = dict(tx.meta.get(DEAL_NAMES_META) or {})
        names[customer_id] = [d.name for d in deals if d.name]
        tx.meta.set(DEAL_NAMES_META, names)
        url = instance_url(sf)
        if url:
            tx.meta.set(INSTANCE_META, url)
    cost = {
        "salesforce_calls": sf.client.api_calls - sf_before,
        "intacct_transactions": ia.client.transactions - ia_before,
    }
    budget.record(cost["salesforce_calls"], cost["intacct_transactions"])
    return cost


def _canonical(mapping: EntityMapping, record: Any) -> dict[str, Any] | None:
    """The mapped fields of a record in their canonical JSON form (the form merge bases are kept in)."""
    if record is None:
        return None
    values = mapping.extract(record)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}


def _stamp(rec: Any) -> str:
    stamp = getattr(rec, "modified_at", None) if rec is not None else None
    return stamp.isoformat() if stamp is not None else ""
