"""The Intacct connector: domain records in and out over the Intacct XML gateway client.

Cursors are WHENMODIFIED wall times in the company's time zone: a cursor (aware datetime) is
turned into that wall time for the filter, and rows' stamps are made aware in the same zone.
Deletes come from AUDITHISTORY (ACCESSMODE D). Every wire error leaves as :class:`SyncError`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..domain import Customer, Invoice, Payment, Product, SalesOrder, StreamSpec, System
from ..wire.intacct import Filter, IntacctClient, Result, create, update
from ..wire.intacct.functions import Function, new_controlid
from ..wire.transport import WireError
from . import ia_mapping as m
from .errors import intacct_record_error, to_sync_error
from .results import Deletion, WriteResult
from .streams import IA_OVERLAP, IA_PAGE_SIZE, INTACCT_STREAMS
from .values import ia_timestamp, ia_wall_time

IN_CHUNK = 1000  # values per <in> filter


class IntacctConnector:
    """Reads customers, items, orders, invoices and payments; writes customers and items."""

    system = System.INTACCT

    def __init__(self, client: IntacctClient, company_timezone: str | ZoneInfo, *, profile: str = "") -> None:
        self.client = client
        self.zone = company_timezone if isinstance(company_timezone, ZoneInfo) else ZoneInfo(company_timezone)
        self.profile = profile
        self.page_size = IA_PAGE_SIZE

    @contextmanager
    def errors(self) -> Iterator[None]:
        try:
            yield
        except WireError as exc:
            raise to_sync_error(exc, self.system, profile=self.profile) from exc

    # ------------------------------------------------------------------ session
    def login(self) -> None:
        with self.errors():
            self.client.login()

    def whoami(self) -> dict[str, Any]:
        s = self.client.settings
        return {
            "system": self.system.value,
            "company_id": s.company_id,
            "user_id": s.user_id,
            "sender_id": s.sender_id,
            "endpoint": s.endpoint,
            "time_zone": self.zone.key,
            "transactions": self.client.transactions,
        }

    @staticmethod
    def stream_specs() -> tuple[StreamSpec, ...]:
        return INTACCT_STREAMS

    # --------------------------------------------------------------------- reads
    def _pages(
        self, obj: str, fields: Sequence[str], flt: Filter | None, orderby: Sequence[tuple[str, bool]]
    ) -> Iterator[list[dict[str, Any]]]:
        with self.errors():
            yield from self.client.query_pages(obj, fields, flt, orderby, self.page_size)

    def _rows(self, obj: str, fields: Sequence[str], flt: Filter) -> list[dict[str, Any]]:
        return [r for page in self._pages(obj, fields, flt, [("RECORDNO", True)]) for r in page]

    def _rows_in(self, obj: str, fields: Sequence[str], name: str, values: Sequence[str]) -> list[dict[str, Any]]:
        """Rows whose ``name`` is one of ``values`` (chunked to the filter's 1,000-value cap)."""
        uniq = sorted({v for v in values if v})
        out: list[dict[str, Any]] = []
        for start in range(0, len(uniq), IN_CHUNK):
            out += self._rows(obj, fields, Filter.in_(name, uniq[start : start + IN_CHUNK]))
        return out

    def _changed(
        self, obj: str, fields: Sequence[str], since: datetime | None, overlap: timedelta
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of rows with WHENMODIFIED >= since - overlap (company wall time), oldest first."""
        flt = None
        if since is not None:
            flt = Filter.greaterthanorequalto("WHENMODIFIED", ia_wall_time(since - overlap, self.zone))
            order = [("WHENMODIFIED", True), ("RECORDNO", True)]
        else:
            order = [("RECORDNO", True)]
        yield from self._pages(obj, fields, flt, order)

    def read_customers(self) -> Iterator[list[Customer]]:
        yield from self.changed_customers(None)

    def changed_customers(self, since: datetime | None, overlap: timedelta = IA_OVERLAP) -> Iterator[list[Customer]]:
        for page in self._changed("CUSTOMER", m.CUSTOMER_FIELDS, since, overlap):
            yield [m.customer_from_row(r, self.zone) for r in page]

    def read_products(self) -> Iterator[list[Product]]:
        yield from self.changed_products(None)

    def changed_products(self, since: datetime | None, overlap: timedelta = IA_OVERLAP) -> Iterator[list[Product]]:
        for page in self._changed("ITEM", m.ITEM_FIELDS, since, overlap):
            yield [m.product_from_item(r, self.zone) for r in page]

    def _orders(self, rows: list[dict[str, Any]]) -> list[SalesOrder]:
        entries = self._rows_in(
            "SODOCUMENTENTRY", m.SODOCUMENTENTRY_FIELDS, "DOCHDRID", [m.field(r, "DOCID") for r in rows]
        )
        by_doc: dict[str, list[dict[str, Any]]] = {}
        for e in entries:
            by_doc.setdefault(m.field(e, "DOCHDRID"), []).append(e)
        return [m.sales_order_from_row(r, self.zone, by_doc.get(m.field(r, "DOCID"), [])) for r in rows]

    def changed_sales_orders(
        self, since: datetime | None, overlap: timedelta = IA_OVERLAP
    ) -> Iterator[list[SalesOrder]]:
        """SODOCUMENTs with their lines (SODOCUMENTENTRY by DOCHDRID, one query per page)."""
        for page in self._changed("SODOCUMENT", m.SODOCUMENT_FIELDS, since, overlap):
            yield self._orders(page)

    def changed_invoices(self, since: datetime | None, overlap: timedelta = IA_OVERLAP) -> Iterator[list[Invoice]]:
        """AR invoices, each with its sales order: via the SODOCUMENT whose PRRECORDKEY is its RECORDNO.

        Re-resolved on every read: Intacct regenerates an invoice's RECORDNO when its order changes.
        """
        for page in self._changed("ARINVOICE", m.ARINVOICE_FIELDS, since, overlap):
            docs = self._rows_in(
                "SODOCUMENT",
                ("RECORDNO", "DOCID", "CREATEDFROM", "PRRECORDKEY"),
                "PRRECORDKEY",
                [m.field(r, "RECORDNO") for r in page],
            )
            # The document posting the invoice is the Sales Invoice; its CREATEDFROM names the order.
            order_of = {m.field(d, "PRRECORDKEY"): m.field(d, "CREATEDFROM") or m.field(d, "DOCID") for d in docs}
            yield [m.invoice_from_row(r, self.zone, order_of.get(m.field(r, "RECORDNO"), "")) for r in page]

    def changed_payments(self, since: datetime | None, overlap: timedelta = IA_OVERLAP) -> Iterator[list[Payment]]:
        """AR payments with their applications (ARPYMTDETAIL by PAYMENTKEY)."""
        for page in self._changed("ARPYMT", m.ARPYMT_FIELDS, since, overlap):
            details = self._rows_in(
                "ARPYMTDETAIL", m.ARPYMTDETAIL_FIELDS, "PAYMENTKEY", [m.field(r, "RECORDNO") for r in page]
            )
            by_pay: dict[str, list[dict[str, Any]]] = {}
            for d in details:
                by_pay.setdefault(m.field(d, "PAYMENTKEY"), []).append(d)
            yield [m.payment_from_row(r, self.zone, by_pay.get(m.field(r, "RECORDNO"), [])) for r in page]

    def find_sales_order_by_reference(
        self, opportunity_id: str, transaction_type: str = "Sales Order"
    ) -> SalesOrder | None:
        """The order whose PONUMBER is the Opportunity Id: the exactly-once lookup before any resend."""
        flt = Filter.and_(Filter.equalto("PONUMBER", opportunity_id), Filter.equalto("DOCPARID", transaction_type))
        rows = self._rows("SODOCUMENT", m.SODOCUMENT_FIELDS, flt)
        return self._orders(rows)[0] if rows else None

    def _deleted(self, obj: str, since: datetime, overlap: timedelta = timedelta(0)) -> list[Deletion]:
        """AUDITHISTORY rows with ACCESSMODE D for the object (OBJECTDESC is its readable ID)."""
        flt = Filter.and_(
            Filter.equalto("OBJECTTYPE", obj.lower()),
            Filter.equalto("ACCESSMODE", "D"),
            Filter.greaterthanorequalto("ACCESSTIME", ia_wall_time(since - overlap, self.zone)),
        )
        rows = self._rows("AUDITHISTORY", ("RECORDNO", "OBJECTKEY", "OBJECTDESC", "ACCESSTIME"), flt)
        return [
            Deletion(
                key=m.field(r, "OBJECTDESC"),
                deleted_at=ia_timestamp(m.field(r, "ACCESSTIME"), self.zone),
                record_no=m.field(r, "OBJECTKEY"),
            )
            for r in rows
        ]

    def deleted_customers(self, since: datetime, overlap: timedelta = timedelta(0)) -> list[Deletion]:
        return self._deleted("CUSTOMER", since, overlap)

    def deleted_products(self, since: datetime, overlap: timedelta = timedelta(0)) -> list[Deletion]:
        return self._deleted("ITEM", since, overlap)

    # -------------------------------------------------------------------- writes
    def _write(self, obj: str, fns: list[tuple[str, Function]]) -> list[WriteResult]:
        """Send functions (100 per request, ``uniqueid``), map each result to a WriteResult."""
        with self.errors():
            results = self.client.call([f for _, f in fns], uniqueid=True)
        return [self._result(i, key, obj, res) for i, ((key, _), res) in enumerate(zip(fns, results, strict=True))]

    @staticmethod
    def _result(index: int, key: str, obj: str, res: Result) -> WriteResult:
        if not res.ok:
            return WriteResult(index, key, False, error=intacct_record_error(res.errors, key))
        rows = res.records
        row = rows[0] if rows else {}
        id_field = "CUSTOMERID" if obj == "CUSTOMER" else "ITEMID"
        return WriteResult(
            index,
            key,
            True,
            id=m.field(row, id_field) or key,
            record_no=m.field(row, "RECORDNO"),
            created=res.function == "create",
        )

    @staticmethod
    def _controlids(n: int, controlids: Sequence[str] | None) -> list[str]:
        if controlids is None:
            return [new_controlid() for _ in range(n)]
        if len(controlids) != n:
            raise ValueError("one controlid per record")
        return list(controlids)

    def upsert_customers(self, customers: list[Customer], controlids: Sequence[str] | None = None) -> list[WriteResult]:
        """Create customers without a RECORDNO, update those with one; one function per record.

        ``controlids`` (one per record) are the caller's idempotency keys, sent with uniqueid.
        """
        ids = self._controlids(len(customers), controlids)
        fns = [
            (
                c.key,
                update("CUSTOMER", m.customer_fields(c, for_update=True), cid)
                if c.record_no
                else create("CUSTOMER", m.customer_fields(c), cid),
            )
            for c, cid in zip(customers, ids, strict=True)
        ]
        return self._write("CUSTOMER", fns)

    def upsert_products(self, products: list[Product], controlids: Sequence[str] | None = None) -> list[WriteResult]:
        """Create items without a RECORDNO, update those with one (BASEPRICE included)."""
        ids = self._controlids(len(products), controlids)
        fns = [
            (
                p.key,
                update("ITEM", m.item_fields(p, for_update=True), cid)
                if p.record_no
                else create("ITEM", m.item_fields(p), cid),
            )
            for p, cid in zip(products, ids, strict=True)
        ]
        return self._write("ITEM", fns)
