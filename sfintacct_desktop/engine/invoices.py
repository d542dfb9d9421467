"""AR invoices and payments -> ``Intacct_Invoice__c`` / ``Intacct_Payment__c`` on the Account.

Why hashes of what was sent: the AR streams are re-read through an overlap window, so every row
comes back several times; a row is written to Salesforce only when the fields it would get differ
from the last ones written (kept per record in the store's meta), so a quiet cycle writes nothing.
The Opportunity of an invoice is found through its sales order (CREATEDFROM of the Sales Invoice
that posted it, re-resolved by PRRECORDKEY on every read) and the order's intent (or PONUMBER);
an ARINVOICE RECORDNO is never kept as a key, since Intacct regenerates it on order updates.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from ..connectors import sf_mapping as sfm
from ..connectors.ia_orders import IntacctChanges, IntacctOrders
from ..domain import Entity, IntentState, Invoice, Payment, System
from ..store import WriteTx
from .entity_sync import Tally
from .orders.send import KIND
from .run import RunContext
from .streams import IA_INVOICES, IA_PAYMENTS

INVOICE_OBJECT, INVOICE_KEY = "Intacct_Invoice__c", "Invoice_Number__c"
PAYMENT_OBJECT, PAYMENT_KEY = "Intacct_Payment__c", "Intacct_Record_No__c"
ROLLUP_META = "invoice_rollup"  # {customer id: {"open_balance", "overdue", "open_invoices", "as_of"}}
_SF_ID = (15, 18)


def _hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()[:20]


def rollup(invoices: Iterable[Invoice], today: date) -> dict[str, Any]:
    """Open balance and overdue amount of one customer's invoices (deleted ones left out)."""
    live = [i for i in invoices if not i.deleted and i.due > 0]
    overdue = [i for i in live if i.due_date is not None and i.due_date < today]
    return {
        "open_balance": f"{sum((i.due for i in live), Decimal(0)):.2f}",
        "overdue": f"{sum((i.due for i in overdue), Decimal(0)):.2f}",
        "open_invoices": len(live),
        "as_of": today.isoformat(),
    }


class ReceivablesSync:
    """One run's receivables work: changed invoices and payments onto their Accounts."""

    def __init__(self, run: RunContext) -> None:
        self.store, self.sf = run.store, run.sf
        self.run_id = run.run_id
        self.ia = IntacctOrders(run.ia)
        self.t_inv = run.tally(IA_INVOICES)
        self.t_pay = run.tally(IA_PAYMENTS)

    # ------------------------------------------------------------------------ entry
    def run(self, changes: IntacctChanges) -> None:
        self.t_inv.read += len(changes.invoices) + len(changes.deleted_invoices)
        self.t_pay.read += len(changes.payments)
        invoices = {i.number: i for i in changes.invoices}
        wanted = {a.invoice_record_no for p in changes.payments for a in p.applications}
        wanted -= {i.record_no for i in invoices.values()}
        if wanted:  # invoices a payment applies to, read live (their RECORDNO is current right now)
            for inv in self.ia.invoices_where("RECORDNO", sorted(wanted)):
                invoices.setdefault(inv.number, inv)
        gone = self._deleted_numbers(changes) - set(invoices)
        if gone:  # an order update deletes and recreates its invoice: only a number not alive is gone
            alive = self.ia.invoices_where("RECORDID", sorted(gone))
            invoices.update({i.number: i for i in alive})
            with self.store.read() as r:
                for number in sorted(gone - {i.number for i in alive}):
                    cached = r.cache.invoice(number)
                    if cached is not None and not cached.deleted:
                        invoices[number] = dataclasses.replace(cached, deleted=True)
        self.apply(list(invoices.values()), changes.payments)

    def apply(self, invoices: list[Invoice], payments: list[Payment]) -> None:
        """Write changed invoices, then payments (which look their invoice up), then the roll-up."""
        if not invoices and not payments:
            return
        accounts = self._accounts({i.customer_id for i in invoices} | {p.customer_id for p in payments})
        opps = self._opportunities({i.sales_order_id for i in invoices if i.sales_order_id})
        inv_rows = [
            (
                inv,
                sfm.invoice_fields(
                    inv, account_id=accounts.get(inv.customer_id, ""), opportunity_id=opps.get(inv.sales_order_id, "")
                ),
            )
            for inv in invoices
        ]
        ids = self._write(INVOICE_OBJECT, INVOICE_KEY, "invoice", inv_rows, lambda i: i.number, self.t_inv)
        with self.store.write() as tx:
            for inv, _ in inv_rows:
                tx.cache.put_invoice(inv, account_id=accounts.get(inv.customer_id) or None)
            number_of = {i.record_no: i.number for i in invoices if i.record_no}
            number_of.update({i.record_no: i.number for i in tx.cache.invoices(include_deleted=True) if i.record_no})
        pay_rows = []
        for p in payments:
            numbers = [number_of.get(a.invoice_record_no, "") for a in p.applications]
            number = next((n for n in numbers if n), "")
            inv_id = ids.get(number) or self._sent_id("invoice", number)
            pay_rows.append((p, sfm.payment_fields(p, account_id=accounts.get(p.customer_id, ""), invoice_id=inv_id)))
        self._write(PAYMENT_OBJECT, PAYMENT_KEY, "payment", pay_rows, lambda p: p.record_no, self.t_pay)
        with self.store.write() as tx:
            for p, _ in pay_rows:
                tx.cache.put_payment(p)
            self._rollup(tx, {i.customer_id for i in invoices} | {p.customer_id for p in payments})

    # ----------------------------------------------------------------------- pieces
    def _deleted_numbers(self, changes: IntacctChanges) -> set[str]:
        """Invoice numbers the audit trail says were deleted: OBJECTKEY is the RECORDNO or the number."""
        keys = {d.key for d in changes.deleted_invoices if d.key}
        if not keys:
            return set()
        with self.store.read() as r:
            cached = r.cache.invoices(include_deleted=True)
        by_record_no = {i.record_no: i.number for i in cached if i.record_no}
        numbers = {i.number for i in cached}
        return {by_record_no.get(k) or (k if k in numbers else "") for k in keys} - {""}

    def _accounts(self, customer_ids: set[str]) -> dict[str, str]:
        with self.store.read() as r:
            links = r.links.many_by_ia_key(Entity.CUSTOMER, sorted(c for c in customer_ids if c))
        return {k: link.sf_id for k, link in links.items()}

    def _opportunities(self, doc_ids: set[str]) -> dict[str, str]:
        """Sales order DOCID -> Opportunity Id: from our order intents, else the order's PONUMBER."""
        if not doc_ids:
            return {}
        with self.store.read() as r:
            mine = r.intents.in_state(IntentState.CONFIRMED, kind=KIND)
        out = {str((i.result or {}).get("doc_id")): str(i.payload.get("reference_no")) for i in mine}
        out = {d: o for d, o in out.items() if d in doc_ids}
        rest = sorted(doc_ids - set(out))
        if rest:
            refs = self.ia.order_references(rest)
            out.update({d: p for d, p in refs.items() if len(p) in _SF_ID and p.isalnum()})
        return out

    def _sent_id(self, what: str, key: str) -> str:
        if not key:
            return ""
        with self.store.read() as r:
            return str((r.meta.get(f"sf_{what}:{key}") or {}).get("id") or "")

    def _write(
        self, sobject: str, ext: str, what: str, rows: list[tuple[Any, dict[str, Any]]], key_of: Any, tally: Tally
    ) -> dict[str, str]:
        """Upsert the rows whose fields changed since last written; returns {key: Salesforce Id}."""
        ids: dict[str, str] = {}
        todo: list[tuple[str, str, dict[str, Any]]] = []
        with self.store.read() as r:
            for rec, fields in rows:
                key = key_of(rec)
                sent = r.meta.get(f"sf_{what}:{key}") or {}
                ids[key] = str(sent.get("id") or "")
                if sent.get("hash") == _hash(fields):
                    tally.skipped += 1
                    continue
                todo.append((key, _hash(fields), fields))
        if not todo:
            return ids
        results = self.sf.upsert_by_external_id(sobject, ext, [f for _, _, f in todo])
        with self.store.write() as tx:
            for (key, digest, fields), res in zip(todo, results, strict=True):
                if res.ok:
                    ids[key] = res.id
                    tx.meta.set(f"sf_{what}:{key}", {"id": res.id, "hash": digest})
                    tx.inbox.resolve_for(what, System.SALESFORCE, key, "sync")
                    tx.audit.add(
                        what,
                        "create" if res.created else "update",
                        target=System.SALESFORCE,
                        record_key=key,
                        run_id=self.run_id,
                        after=fields,
                    )
                    tally.applied += 1
                    tally.writes_salesforce += 1
                elif res.error is not None:
                    tally.errors += 1
                    tx.inbox.record(what, System.INTACCT, System.SALESFORCE, key, "sync", res.error, {"key": key})
        return ids

    def _rollup(self, tx: WriteTx, customer_ids: set[str]) -> None:
        today = date.today()
        current = dict(tx.meta.get(ROLLUP_META) or {})
        for cid in sorted(c for c in customer_ids if c):
            current[cid] = rollup(tx.cache.invoices(customer_id=cid), today)
        tx.meta.set(ROLLUP_META, current)
