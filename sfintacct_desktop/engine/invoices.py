"""AR invoices and payments -> ``Intacct_Invoice__c`` / ``Intacct_Payment__c`` on the Account.

Why hashes of what was sent: the AR streams are re-read through an overlap window, so every row
comes back several times; a row is written to Salesforce only when the fields it would get differ
from the last ones written (kept per record in the store's meta), so a quiet cycle writes nothing.
The Opportunity of an invoice is found through its sales order (CREATEDFROM of the Sales Invoice
that posted it, re-resolved by PRRECORDKEY on every read) and the order's intent (or PONUMBER);
an ARINVOICE RECORDNO is never kept as a key, since Intacct regenerates it on order updates.

The unit of a payment in Salesforce is its APPLICATION: one ``Intacct_Payment__c`` per invoice the
payment paid (its applied amount) and one for any unapplied part, so an invoice's payments add up
to what was paid against it. The customer's balance (open, overdue, oldest overdue days, last
payment) is rolled up onto the Account as of the run's date, and sent in the same call as the
invoices or applications the run writes anyway: no API call more, and none when nothing changed.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from ..connectors import sf_mapping as sfm
from ..connectors.ia_orders import IntacctChanges, IntacctOrders
from ..connectors.sf_receivables import Group, describe_fields, write_groups
from ..domain import Entity, IntentState, Invoice, Payment, PaymentApplication, System
from ..store import WriteTx
from .entity_sync import Tally
from .orders.send import KIND
from .run import RunContext
from .streams import IA_INVOICES, IA_PAYMENTS

INVOICE_OBJECT, INVOICE_KEY = "Intacct_Invoice__c", "Invoice_Number__c"
PAYMENT_OBJECT, PAYMENT_KEY = "Intacct_Payment__c", "Intacct_Record_No__c"
# {customer id: {"open_balance", "overdue", "open_invoices", "oldest_overdue_days", "last_payment_date",
#  "currency", "as_of"}}
ROLLUP_META = "invoice_rollup"
# {"day", "multicurrency", "Intacct_Payment__c": [fields], "Account": [fields]}: what the org has of ours
ORG_FIELDS_META = "sf_receivable_fields"
_SF_ID = (15, 18)
_VOID_PAYMENT = ("reversed", "voided", "reversal")


def _hash(fields: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode()).hexdigest()[:20]


def rollup(invoices: Iterable[Invoice], today: date, payments: Iterable[Payment] = ()) -> dict[str, Any]:
    """One customer's balance as of ``today``: deleted invoices left out, amounts in the base currency.

    Why base: a customer's invoices may be in several currencies; their base-currency amounts due
    (Intacct's TOTALDUE) add up, their own ones would not.
    """
    invoices = list(invoices)
    live = [i for i in invoices if not i.deleted and i.due > 0]
    overdue = [i for i in live if i.due_date is not None and i.due_date < today]
    oldest = min((i.due_date for i in overdue if i.due_date is not None), default=None)
    paid_on = [p.payment_date for p in payments if p.payment_date is not None and p.state.lower() not in _VOID_PAYMENT]
    currency = next((i.base_currency or i.currency for i in invoices if i.base_currency or i.currency), "")
    return {
        "open_balance": f"{sum((i.due_in_base for i in live), Decimal(0)):.2f}",
        "overdue": f"{sum((i.due_in_base for i in overdue), Decimal(0)):.2f}",
        "open_invoices": len(live),
        "oldest_overdue_days": (today - oldest).days if oldest is not None else 0,
        "last_payment_date": max(paid_on).isoformat() if paid_on else None,
        "currency": currency,
        "as_of": today.isoformat(),
    }


def _numbered(payment: Payment, number_of: dict[str, str]) -> Payment:
    """The payment with each application's invoice number filled in (from the invoice's RECORDNO)."""
    apps = tuple(
        dataclasses.replace(a, invoice_number=a.invoice_number or number_of.get(a.invoice_record_no, ""))
        for a in payment.applications
    )
    return dataclasses.replace(payment, applications=apps)


class ReceivablesSync:
    """One run's receivables work: changed invoices and payments onto their Accounts."""

    def __init__(self, run: RunContext) -> None:
        self.store, self.sf = run.store, run.sf
        self.run_id = run.run_id
        self.ia = IntacctOrders(run.ia)
        self.t_inv = run.tally(IA_INVOICES)
        self.t_pay = run.tally(IA_PAYMENTS)
        self.today = run.today
        self._accounts_due: list[tuple[str, str, dict[str, Any]]] = []  # roll-ups riding the next write
        self._payment_fields: set[str] | None = None  # Intacct_Payment__c fields the org has (None: unknown)
        self._account_fields: set[str] = set()  # roll-up fields the org's Account has
        self._moved_from: dict[str, str] = {}  # application key -> meta of the whole-payment record it takes over

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
        self.apply(list(invoices.values()), changes.payments, [d.key for d in changes.deleted_payments])

    def apply(self, invoices: list[Invoice], payments: list[Payment], deleted_payments: Sequence[str] = ()) -> None:
        """Write changed invoices, then payment applications (which look their invoice up); the
        Accounts' roll-ups ride on the first of those two writes that happens. A deleted
        (reversed) payment's applications are zeroed, never deleted."""
        alive = {p.record_no for p in payments}
        with self.store.write() as tx:
            dropped = [g for k in deleted_payments if k not in alive and (g := tx.cache.drop_payment(k)) is not None]
        if not invoices and not payments and not dropped:
            return
        customers = {i.customer_id for i in invoices} | {p.customer_id for p in payments}
        customers |= {p.customer_id for p in dropped}
        accounts = self._accounts(customers)
        opps = self._opportunities({i.sales_order_id for i in invoices if i.sales_order_id})
        iso = self._org_fields()
        inv_rows = [
            (
                inv,
                sfm.with_currency_iso(
                    sfm.invoice_fields(
                        inv,
                        account_id=accounts.get(inv.customer_id, ""),
                        opportunity_id=opps.get(inv.sales_order_id, ""),
                    ),
                    inv.currency,
                    iso,
                ),
            )
            for inv in invoices
        ]
        with self.store.write() as tx:
            for inv, _ in inv_rows:
                tx.cache.put_invoice(inv, account_id=accounts.get(inv.customer_id) or None)
            number_of = {i.record_no: i.number for i in tx.cache.invoices(include_deleted=True) if i.record_no}
            number_of.update({i.record_no: i.number for i in invoices if i.record_no})
            payments = [_numbered(p, number_of) for p in payments]
            for p in payments:
                tx.cache.put_payment(p)
            self._accounts_due = self._rollups(tx, customers, accounts if self._account_fields else {})
        ids = self._write(INVOICE_OBJECT, INVOICE_KEY, "invoice", inv_rows, lambda i: i.number, self.t_inv)
        app_rows, moved = self._application_rows(payments, accounts, ids, iso)
        app_rows += self._reversed_rows(dropped)
        self._write(PAYMENT_OBJECT, PAYMENT_KEY, "payment", app_rows, lambda k: k, self.t_pay, hints=moved)

    def _application_rows(
        self, payments: list[Payment], accounts: dict[str, str], ids: dict[str, str], iso: bool
    ) -> tuple[list[tuple[str, dict[str, Any]]], dict[str, str]]:
        """One row per application and unapplied part, plus zeroed rows for applications withdrawn.

        ``moved``: application key -> Id of the record an earlier version wrote for the whole payment
        (keyed by its bare RECORDNO), so that record becomes the first application, not a duplicate.
        """
        rows: list[tuple[str, dict[str, Any]]] = []
        moved: dict[str, str] = {}
        with self.store.read() as r:
            for p in payments:
                account = accounts.get(p.customer_id, "")
                parts: list[PaymentApplication | None] = list(p.applications)
                if p.unapplied > 0 or not parts:
                    parts.append(None)
                keys = []
                for app in parts:
                    inv_id = ""
                    if app is not None:
                        sent = r.meta.get(f"sf_invoice:{app.invoice_number}") or {} if app.invoice_number else {}
                        inv_id = ids.get(app.invoice_number) or str(sent.get("id") or "")
                    fields = sfm.application_fields(p, app, account_id=account, invoice_id=inv_id, currency_iso=iso)
                    fields = self._known(fields)
                    keys.append(fields[PAYMENT_KEY])
                    rows.append((fields[PAYMENT_KEY], fields))
                before = list((r.meta.get(f"sf_payment_parts:{p.record_no}") or {}).get("keys") or [])
                rows.extend((k, self._known(sfm.withdrawn_application_fields(k))) for k in before if k not in keys)
                legacy = r.meta.get(f"sf_payment:{p.record_no}") or {}
                if legacy.get("id") and not r.meta.get(f"sf_payment:{keys[0]}"):
                    moved[keys[0]] = str(legacy["id"])
                    self._moved_from[keys[0]] = f"sf_payment:{p.record_no}"
        with self.store.write() as tx:
            for p in payments:
                current = [k for k, f in rows if f.get("Payment_Record_No__c") == p.record_no]
                before = list((tx.meta.get(f"sf_payment_parts:{p.record_no}") or {}).get("keys") or [])
                tx.meta.set(f"sf_payment_parts:{p.record_no}", {"keys": sorted(set(before) | set(current))})
        return rows, moved

    def _reversed_rows(self, dropped: list[Payment]) -> list[tuple[str, dict[str, Any]]]:
        """Every record written for a payment Intacct deleted: its amounts 0, ``State__c`` Reversed."""
        rows: list[tuple[str, dict[str, Any]]] = []
        with self.store.read() as r:
            for p in dropped:
                keys = list((r.meta.get(f"sf_payment_parts:{p.record_no}") or {}).get("keys") or [])
                rows.extend((k, self._known(sfm.withdrawn_application_fields(k, "Reversed"))) for k in keys)
        return rows

    def _org_fields(self) -> bool:
        """Which of our fields the org has, and whether it has multiple currencies (then every
        describe has ``CurrencyIsoCode``); returns the latter.

        Why: an org that has not deployed this version's metadata yet would refuse every record
        naming a field it lacks; those fields are left out instead (the connection test names them).
        Two describes, once; asked again once a day only while something is missing.
        """
        with self.store.read() as r:
            known = r.meta.get(ORG_FIELDS_META) or {}
        complete = set(sfm.ROLLUP_FIELDS) <= set(known.get("Account") or []) and set(sfm.APPLICATION_FIELDS) <= set(
            known.get(PAYMENT_OBJECT) or []
        )
        if not known or (not complete and known.get("day") != self.today.isoformat()):
            pay = describe_fields(self.sf, PAYMENT_OBJECT)
            acc = describe_fields(self.sf, "Account") or set()
            known = {
                "day": self.today.isoformat(),
                "multicurrency": "CurrencyIsoCode" in (pay or acc),
                PAYMENT_OBJECT: sorted(pay) if pay is not None else None,  # None: not described
                "Account": sorted(acc & set(sfm.ROLLUP_FIELDS)),
            }
            with self.store.write() as tx:
                tx.meta.set(ORG_FIELDS_META, known)
        pay_fields = known.get(PAYMENT_OBJECT)
        self._payment_fields = set(pay_fields) if pay_fields is not None else None
        self._account_fields = set(known.get("Account") or [])
        return bool(known.get("multicurrency"))

    def _known(self, fields: dict[str, Any]) -> dict[str, Any]:
        """The fields the org's Intacct_Payment__c has (all when that is unknown: its writes say why)."""
        if self._payment_fields is None:
            return fields
        return {k: v for k, v in fields.items() if k in self._payment_fields}

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
        self,
        sobject: str,
        ext: str,
        what: str,
        rows: list[tuple[Any, dict[str, Any]]],
        key_of: Any,
        tally: Tally,
        *,
        hints: dict[str, str] | None = None,
    ) -> dict[str, str]:
        """Upsert the rows whose fields changed since last written; returns {key: Salesforce Id}.

        The Accounts' pending roll-ups go in the same call (one ``composite``) when anything is
        sent; ``hints`` are Ids to update by instead of upserting (a record written under another key).
        """
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
        hints = hints or {}
        riders, self._accounts_due = self._accounts_due, []
        if riders or any(k in hints for k, _, _ in todo):
            groups: list[Group] = [(sobject, ext, [(k, hints.get(k, ""), f) for k, _, f in todo])]
            if riders:
                groups.append(("Account", "Id", riders))
            answers = write_groups(self.sf, groups)
            results = answers[0]
        else:
            results = self.sf.upsert_by_external_id(sobject, ext, [f for _, _, f in todo])
        with self.store.write() as tx:
            for (key, digest, fields), res in zip(todo, results, strict=True):
                if res.ok:
                    ids[key] = res.id
                    tx.meta.set(f"sf_{what}:{key}", {"id": res.id, "hash": digest})
                    if key in hints and key in self._moved_from:  # taken over: never again
                        tx.meta.set(self._moved_from.pop(key), {"moved_to": key})
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
            if riders:
                self._rollups_written(tx, riders, answers[1])
        return ids

    def _rollups_written(self, tx: WriteTx, riders: list[tuple[str, str, dict[str, Any]]], results: list[Any]) -> None:
        """Keep what each Account got, so an unchanged roll-up is never sent again; a refusal goes
        to the inbox like any record's (the next write of that customer's receivables resends it)."""
        for (cid, _, fields), res in zip(riders, results, strict=True):
            if res.ok:
                tx.meta.set(f"sf_rollup:{cid}", {"hash": _hash(_rollup_values(fields))})
                tx.inbox.resolve_for("rollup", System.SALESFORCE, cid, "sync")
                self.t_inv.writes_salesforce += 1
            elif res.error is not None:
                self.t_inv.errors += 1
                tx.inbox.record("rollup", System.INTACCT, System.SALESFORCE, cid, "sync", res.error, {"key": cid})

    def _rollups(
        self, tx: WriteTx, customer_ids: set[str], accounts: dict[str, str]
    ) -> list[tuple[str, str, dict[str, Any]]]:
        """Each customer's roll-up into the store; the linked Accounts whose values changed, to send."""
        current = dict(tx.meta.get(ROLLUP_META) or {})
        due: list[tuple[str, str, dict[str, Any]]] = []
        for cid in sorted(c for c in customer_ids if c):
            roll = rollup(tx.cache.invoices(customer_id=cid), self.today, tx.cache.payments(customer_id=cid))
            current[cid] = roll
            fields = {k: v for k, v in sfm.rollup_fields(roll).items() if k in self._account_fields}
            sent = tx.meta.get(f"sf_rollup:{cid}") or {}
            if accounts.get(cid) and sent.get("hash") != _hash(_rollup_values(fields)):
                due.append((cid, accounts[cid], fields))
        tx.meta.set(ROLLUP_META, current)
        return due


def _rollup_values(fields: dict[str, Any]) -> dict[str, Any]:
    """What decides whether a roll-up changed: its values, not the date they were computed on."""
    return {k: v for k, v in fields.items() if k != "Intacct_Balance_As_Of__c"}
