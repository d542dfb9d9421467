"""A live refresh of one customer's invoices into the local copy the invoice lookup reads.

Why into the local copy only: the lookup needs today's amounts and states, at the lowest cost (two
Intacct transactions: the customer's invoices and payments in one request). The sales order of each
invoice and the applications of each payment are kept from what the sync already read; Salesforce
gets the changes from the next sync cycle, which reads them through its own cursors (a refresh
moves no cursor), with their sales orders and applications.
"""

from __future__ import annotations

import dataclasses
from datetime import date

from ..connectors import IntacctConnector
from ..connectors.ia_orders import IntacctOrders
from ..domain import Entity
from ..store import StateStore
from .budget import Budget
from .invoices import ROLLUP_META, rollup


def refresh_customer(store: StateStore, ia: IntacctConnector, budget: Budget, customer_id: str) -> int:
    """Re-read one customer's invoices and payments from Intacct into the cache; the invoice count."""
    before = ia.client.transactions
    invoices, payments = IntacctOrders(ia).customer_receivables(customer_id)
    with store.write() as tx:
        known = {i.number: i for i in tx.cache.invoices(customer_id=customer_id, include_deleted=True)}
        link = tx.links.by_ia_key(Entity.CUSTOMER, customer_id)
        for inv in invoices:
            had = known.get(inv.number)
            if had is not None and not inv.sales_order_id:
                inv = dataclasses.replace(inv, sales_order_id=had.sales_order_id)
            tx.cache.put_invoice(inv, account_id=link.sf_id if link is not None and had is None else None)
        for pay in payments:
            had_pay = tx.cache.payment(pay.record_no)
            if had_pay is not None:  # a new payment's applications are not read here: the sync adds it
                tx.cache.put_payment(dataclasses.replace(pay, applications=had_pay.applications))
        current = dict(tx.meta.get(ROLLUP_META) or {})
        current[customer_id] = rollup(
            tx.cache.invoices(customer_id=customer_id), date.today(), tx.cache.payments(customer_id=customer_id)
        )
        tx.meta.set(ROLLUP_META, current)
    budget.record(0, ia.client.transactions - before)
    return len(invoices)
