"""Intacct reads and writes of the order-to-cash flow, on top of :class:`IntacctConnector`.

Why a module of its own: the cycle's single read request grows the AR streams here, and the order
path needs a few calls batched on purpose (pre-checks in one request, every order of a cycle in one
request with ``uniqueid``, the PONUMBER lookup in one query), so each cost stays visible.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from ..domain import Customer, Invoice, Payment, Product, SalesOrder
from ..wire.intacct import Filter, Result
from ..wire.intacct import functions as fx
from ..wire.intacct.functions import SoLine
from . import ia_mapping as m
from .errors import intacct_record_error
from .ia_changes import IntacctChanges
from .ia_cycle import FunctionFailed, detect_audit_zone, read_changes
from .intacct import IN_CHUNK, IntacctConnector
from .streams import IA_OVERLAP
from .values import ia_wall_time

DUPLICATE_CONTROLID = "XL03000013"  # uniqueid: "a successful transaction has already been recorded"
Spec = tuple[str, Sequence[str], Filter | None, list[tuple[str, bool]]]


@dataclass(frozen=True)
class OrderRequest:
    """One ``create_sotransaction``: the controlid is the intent key."""

    controlid: str
    transaction_type: str
    order_date: date
    customer_id: str
    reference_no: str
    memo: str
    lines: tuple[SoLine, ...]


@dataclass(frozen=True)
class OrderOutcome:
    controlid: str
    ok: bool
    key: str = ""  # DOCID (or RECORDNO, depending on the company) on success
    duplicate: bool = False  # refused as a repeated controlid: it was applied before
    error: Any = None


@dataclass(frozen=True)
class Prechecks:
    customers: dict[str, Customer]
    items: dict[str, Product]
    definition_active: bool | None  # None: not asked this time


class IntacctOrders:
    def __init__(self, conn: IntacctConnector) -> None:
        self.conn = conn
        self.client = conn.client
        self.zone = conn.zone

    # ------------------------------------------------------------------ batched queries
    def _run(self, specs: list[Spec]) -> list[list[dict[str, Any]]]:
        """Several ``query`` functions in ONE request; later pages follow by offset."""
        if not specs:
            return []
        size = self.conn.page_size
        out: list[list[dict[str, Any]]] = []
        with self.conn.errors():
            results = self.client.call([fx.query(o, f, flt, ob, size, 0) for o, f, flt, ob in specs])
            for (obj, fields, flt, ob), res in zip(specs, results, strict=True):
                got = self._ok(obj, res).records
                while res.numremaining and res.records:
                    res = self._ok(obj, self.client.call([fx.query(obj, fields, flt, ob, size, len(got))])[0])
                    got += res.records
                out.append(got)
        return out

    @staticmethod
    def _ok(obj: str, res: Result) -> Result:
        if not res.ok:
            raise FunctionFailed(obj, res.errors)
        return res

    def since_filter(self, since: datetime | None, overlap: timedelta) -> Filter | None:
        if since is None:
            return None
        return Filter.greaterthanorequalto("WHENMODIFIED", ia_wall_time(since - overlap, self.zone))

    @staticmethod
    def _in(name: str, values: Sequence[str]) -> list[Filter]:
        uniq = sorted({v for v in values if v})
        return [Filter.in_(name, uniq[i : i + IN_CHUNK]) for i in range(0, len(uniq), IN_CHUNK)]

    # ----------------------------------------------------------------------- the read
    def changed(
        self,
        cursors: dict[str, datetime | None],
        *,
        master: bool = True,
        receivables: bool = True,
        overlap: timedelta = IA_OVERLAP,
        audit_zone: str | None = None,
        audit_split: Collection[str] = (),
    ) -> IntacctChanges:
        """Customers, items, AR invoices, AR payments and their deletions in ONE request.

        A function that fails fails its stream only (``failures``); see ``ia_cycle``. Invoices and
        payments need a second request only when some changed: the SODOCUMENT that posted each
        invoice (PRRECORDKEY, re-resolved every time) and each payment's applications.
        ``audit_zone``: ACCESSTIME's clock (``company``/``gmt``, None: unknown); ``audit_split``:
        object types whose audit trail was refused before, asked in functions of their own.
        """
        return read_changes(
            self,
            cursors,
            master=master,
            receivables=receivables,
            overlap=overlap,
            audit_zone=audit_zone,
            audit_split=audit_split,
        )

    def detect_audit_zone(self) -> str | None:
        """ACCESSTIME's clock for this company (``company`` or ``gmt``), None while unknown."""
        return detect_audit_zone(self)

    def receivables(
        self,
        invoice_rows: list[dict[str, Any]],
        payment_rows: list[dict[str, Any]],
        *,
        payment_keys: set[str] | frozenset[str] = frozenset(),
        all_payments: bool = False,
    ) -> tuple[list[Invoice], list[Payment]]:
        """Invoices with their sales order, and the payments applied to them (or given), with details.

        Why payments come through their invoices: applying or reversing a payment re-stamps the
        invoice, so an idle read needs no ARPYMT query (one transaction less on every poll). Costs
        one request for the orders and applications, one more for the payments, only when busy.
        ``payment_keys`` adds payments by RECORDNO (from AUDITHISTORY: unapplied ones too);
        ``all_payments`` (the first read) adds every payment, in the request that follows anyway.
        """
        if not invoice_rows and not payment_rows and not payment_keys:
            return [], []
        recnos = [m.field(r, "RECORDNO") for r in invoice_rows]
        specs: list[Spec] = [
            ("SODOCUMENT", ("RECORDNO", "DOCID", "CREATEDFROM", "PRRECORDKEY"), flt, [("RECORDNO", True)])
            for flt in self._in("PRRECORDKEY", recnos)
        ] + [
            ("ARPYMTDETAIL", m.ARPYMTDETAIL_FIELDS, flt, [("RECORDNO", True)]) for flt in self._in("RECORDKEY", recnos)
        ]
        docs: list[dict[str, Any]] = []
        applied: list[dict[str, Any]] = []
        for (obj, *_), got in zip(specs, self._run(specs), strict=True):
            (docs if obj == "SODOCUMENT" else applied).extend(got)
        known = {m.field(r, "RECORDNO") for r in payment_rows}
        more = sorted(({m.field(d, "PAYMENTKEY") for d in applied} | set(payment_keys)) - known - {""})
        pay_keys = sorted(known | set(more))
        specs = [("ARPYMT", m.ARPYMT_FIELDS, flt, [("RECORDNO", True)]) for flt in self._in("RECORDNO", more)]
        if all_payments and invoice_rows:
            specs = [("ARPYMT", m.ARPYMT_FIELDS, None, [("RECORDNO", True)])]
        specs += [
            ("ARPYMTDETAIL", m.ARPYMTDETAIL_FIELDS, f, [("RECORDNO", True)]) for f in self._in("PAYMENTKEY", pay_keys)
        ]
        payment_rows = list(payment_rows)
        details: list[dict[str, Any]] = []
        for (obj, *_), got in zip(specs, self._run(specs), strict=True):
            (payment_rows if obj == "ARPYMT" else details).extend(got)
        # The document posting an invoice is the Sales Invoice; its CREATEDFROM names the order.
        order_of = {m.field(d, "PRRECORDKEY"): m.field(d, "CREATEDFROM") or m.field(d, "DOCID") for d in docs}
        invoices = [m.invoice_from_row(r, self.zone, order_of.get(m.field(r, "RECORDNO"), "")) for r in invoice_rows]
        by_pay: dict[str, list[dict[str, Any]]] = {}
        for d in details:
            by_pay.setdefault(m.field(d, "PAYMENTKEY"), []).append(d)
        payments = [m.payment_from_row(r, self.zone, by_pay.get(m.field(r, "RECORDNO"), [])) for r in payment_rows]
        return invoices, payments

    def all_receivables(self) -> tuple[list[Invoice], list[Payment]]:
        """Every AR invoice and every AR payment (applied or not): the baseline's one-off read."""
        order = [("RECORDNO", True)]
        inv_rows, pay_rows = self._run(
            [("ARINVOICE", m.ARINVOICE_FIELDS, None, order), ("ARPYMT", m.ARPYMT_FIELDS, None, order)]
        )
        return self.receivables(inv_rows, pay_rows)

    def invoices_where(self, name: str, values: Sequence[str]) -> list[Invoice]:
        """Live AR invoices by RECORDNO / RECORDID / CUSTOMERID, each with its sales order."""
        specs: list[Spec] = [
            ("ARINVOICE", m.ARINVOICE_FIELDS, flt, [("RECORDNO", True)]) for flt in self._in(name, values)
        ]
        rows = [r for got in self._run(specs) for r in got]
        return self.receivables(rows, [])[0]

    def customer_receivables(self, customer_id: str) -> tuple[list[Invoice], list[Payment]]:
        """One customer's AR invoices and payments: ONE request of two queries (two transactions).

        Why not :meth:`receivables`: it also reads each invoice's sales order and each payment's
        applications (two to four transactions more); a refresh for the lookup needs the amounts
        and states, and keeps the sales orders and applications the sync already found.
        """
        flt, order = Filter.equalto("CUSTOMERID", customer_id), [("RECORDNO", True)]
        inv_rows, pay_rows = self._run(
            [("ARINVOICE", m.ARINVOICE_FIELDS, flt, order), ("ARPYMT", m.ARPYMT_FIELDS, flt, order)]
        )
        invoices = [m.invoice_from_row(r, self.zone) for r in inv_rows]
        return invoices, [m.payment_from_row(r, self.zone) for r in pay_rows]

    def payments_of_customer(self, customer_id: str) -> list[Payment]:
        rows = self._run([("ARPYMT", m.ARPYMT_FIELDS, Filter.equalto("CUSTOMERID", customer_id), [("RECORDNO", True)])])
        return self.receivables([], rows[0])[1]

    def order_references(self, doc_ids: Sequence[str]) -> dict[str, str]:
        """DOCID -> PONUMBER of sales orders (the Opportunity Id for the orders this product made)."""
        specs: list[Spec] = [
            ("SODOCUMENT", ("RECORDNO", "DOCID", "PONUMBER"), flt, [("RECORDNO", True)])
            for flt in self._in("DOCID", doc_ids)
        ]
        return {m.field(r, "DOCID"): m.field(r, "PONUMBER") for got in self._run(specs) for r in got}

    # ------------------------------------------------------------------------- orders
    def prechecks(self, customer_ids: Sequence[str], item_ids: Sequence[str], definition: str | None) -> Prechecks:
        """The customers, items and (when asked) the transaction definition, in ONE request."""
        specs: list[Spec] = [
            ("CUSTOMER", m.CUSTOMER_FIELDS, f, [("RECORDNO", True)]) for f in self._in("CUSTOMERID", customer_ids)
        ]
        specs += [("ITEM", m.ITEM_FIELDS, f, [("RECORDNO", True)]) for f in self._in("ITEMID", item_ids)]
        if definition is not None:
            specs.append(
                (
                    "SODOCUMENTPARAMS",
                    ("RECORDNO", "DOCID", "STATUS"),
                    Filter.equalto("DOCID", definition),
                    [("RECORDNO", True)],
                )
            )
        customers: dict[str, Customer] = {}
        items: dict[str, Product] = {}
        active: bool | None = None
        for (obj, *_), got in zip(specs, self._run(specs), strict=True):
            if obj == "CUSTOMER":
                customers.update({c.key: c for c in (m.customer_from_row(r, self.zone) for r in got)})
            elif obj == "ITEM":
                items.update({p.key: p for p in (m.product_from_item(r, self.zone) for r in got)})
            else:
                active = any(m.field(r, "STATUS") in ("", "active", "T", "true") for r in got)
        return Prechecks(customers, items, active)

    def create_orders(self, orders: Sequence[OrderRequest]) -> list[OrderOutcome]:
        """Every order in one request with ``uniqueid=true``; an ambiguous answer raises SyncError."""
        fns = [
            fx.create_sotransaction(
                o.controlid,
                transactiontype=o.transaction_type,
                datecreated=o.order_date,
                customerid=o.customer_id,
                lines=o.lines,
                referenceno=o.reference_no,
                memo=o.memo or None,
            )
            for o in orders
        ]
        with self.conn.errors():
            results = self.client.call(fns, uniqueid=True)
        out: list[OrderOutcome] = []
        for o, res in zip(orders, results, strict=True):
            if res.ok:
                out.append(OrderOutcome(o.controlid, True, key=(res.key or "").strip()))
            elif any(e.errorno == DUPLICATE_CONTROLID for e in res.errors):
                out.append(OrderOutcome(o.controlid, False, duplicate=True))
            else:
                out.append(OrderOutcome(o.controlid, False, error=intacct_record_error(res.errors, o.reference_no)))
        return out

    def find_orders(self, opportunity_ids: Sequence[str], transaction_type: str) -> dict[str, SalesOrder]:
        """Orders by PONUMBER (the Opportunity Id): the exactly-once lookup, one query per 1,000."""
        specs: list[Spec] = [
            (
                "SODOCUMENT",
                m.SODOCUMENT_FIELDS,
                Filter.and_(f, Filter.equalto("DOCPARID", transaction_type)),
                [("RECORDNO", True)],
            )
            for f in self._in("PONUMBER", opportunity_ids)
        ]
        rows = [r for got in self._run(specs) for r in got]
        found: dict[str, SalesOrder] = {}
        for r in rows:  # the oldest wins, should a second one ever exist (it is reported, not hidden)
            found.setdefault(m.field(r, "PONUMBER"), m.sales_order_from_row(r, self.zone, []))
        return found
