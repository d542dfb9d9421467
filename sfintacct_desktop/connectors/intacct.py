"""The Intacct connector: domain records in and out over the Intacct XML gateway client.

Cursors are WHENMODIFIED wall times in the company's time zone: a cursor (aware datetime) is
turned into that wall time for the filter, and rows' stamps are made aware in the same zone.
Deletes come from AUDITHISTORY (ACCESSMODE D, documented fields only: see ``ia_audit``). Every
wire error leaves as :class:`SyncError`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..domain import Customer, Invoice, Payment, Product, SalesOrder, StreamSpec, System
from ..wire.intacct import Filter, IntacctClient, IntacctGatewayError, Result, create, update
from ..wire.intacct import functions as fx
from ..wire.intacct.functions import Function, new_controlid
from ..wire.transport import WireError
from . import ia_audit
from . import ia_mapping as m
from .errors import intacct_record_error, to_sync_error
from .partial import FieldSets, only, per_record
from .results import Deletion, WriteResult
from .streams import IA_OVERLAP, IA_PAGE_SIZE, INTACCT_STREAMS
from .values import ia_wall_time

IN_CHUNK = 1000  # values per <in> filter


class IntacctConnector:
    """Reads customers, items, orders, invoices and payments; writes customers and items."""

    system = System.INTACCT

    def __init__(self, client: IntacctClient, company_timezone: str | ZoneInfo, *, profile: str = "") -> None:
        self.client = client
        self.zone = company_timezone if isinstance(company_timezone, ZoneInfo) else ZoneInfo(company_timezone)
        self.profile = profile
        self.page_size = IA_PAGE_SIZE
        self.audit_zone: str | None = None  # ACCESSTIME's clock ("company"/"gmt"), None: unknown

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

    def changed_all(
        self, customers_since: datetime | None, items_since: datetime | None, overlap: timedelta = IA_OVERLAP
    ) -> tuple[list[Customer], list[Product], list[Deletion], list[Deletion]]:
        """Customers and items changed since their cursors plus their deletions, in ONE request.

        Why: three ``query`` functions in one request (3 transactions) make an idle cycle cheap.
        Deletions (AUDITHISTORY, ACCESSMODE D) are read from the earlier of the two cursors; with
        no cursor there is nothing linked yet, so none are read. Later pages follow by offset.
        """
        order = [("WHENMODIFIED", True), ("RECORDNO", True)]
        specs: list[tuple[str, Sequence[str], Filter | None, list[tuple[str, bool]]]] = []
        for obj, fields, since in (
            ("CUSTOMER", m.CUSTOMER_FIELDS, customers_since),
            ("ITEM", m.ITEM_FIELDS, items_since),
        ):
            flt = (
                None
                if since is None
                else Filter.greaterthanorequalto("WHENMODIFIED", ia_wall_time(since - overlap, self.zone))
            )
            specs.append((obj, fields, flt, order if since is not None else [("RECORDNO", True)]))
        known = [s for s in (customers_since, items_since) if s is not None]
        if known:
            since_text = ia_audit.since_text(min(known) - overlap, self.zone, self.audit_zone)
            flt = ia_audit.audit_filter(["customer", "item"], since_text)
            specs.append(("AUDITHISTORY", ia_audit.FIELDS, flt, ia_audit.ORDER))
        size = self.page_size
        with self.errors():
            results = self.client.call([fx.query(o, f, flt, ob, size, 0) for o, f, flt, ob in specs])
            rows: list[list[dict[str, Any]]] = []
            for (obj, fields, flt, ob), res in zip(specs, results, strict=True):
                if not res.ok:
                    raise IntacctGatewayError(f"Intacct query of {obj} failed", errors=res.errors)
                got = list(res.records)
                remaining = res.numremaining
                while remaining and res.records:
                    res = self.client.call([fx.query(obj, fields, flt, ob, size, len(got))])[0]
                    if not res.ok:
                        raise IntacctGatewayError(f"Intacct query of {obj} failed", errors=res.errors)
                    got += res.records
                    remaining = res.numremaining
                rows.append(got)
        customers = [m.customer_from_row(r, self.zone) for r in rows[0]]
        items = [m.product_from_item(r, self.zone) for r in rows[1]]
        deletions: dict[str, list[Deletion]] = {"customer": [], "item": []}
        for r in rows[2] if len(rows) > 2 else []:
            deletions.setdefault(m.field(r, "OBJECTTYPE").lower(), []).append(self._deletion(r))
        return customers, items, deletions["customer"], deletions["item"]

    def _deletion(self, row: dict[str, Any]) -> Deletion:
        """An AUDITHISTORY D row: OBJECTKEY is the RECORDNO or the readable id (matched on both)."""
        key = ia_audit.object_key(m.field(row, "OBJECTKEY"))
        when = ia_audit.access_time(m.field(row, "ACCESSTIME"), self.zone, self.audit_zone)
        return Deletion(key=key, deleted_at=when, record_no=key if key.isdigit() else "")

    def customers_by_ids(self, ids: Sequence[str]) -> list[Customer]:
        """CUSTOMERs by CUSTOMERID (1,000 per query)."""
        return [
            m.customer_from_row(r, self.zone) for r in self._rows_in("CUSTOMER", m.CUSTOMER_FIELDS, "CUSTOMERID", ids)
        ]

    def products_by_ids(self, ids: Sequence[str]) -> list[Product]:
        """ITEMs by ITEMID (1,000 per query)."""
        return [m.product_from_item(r, self.zone) for r in self._rows_in("ITEM", m.ITEM_FIELDS, "ITEMID", ids)]

    def _deleted(self, obj: str, since: datetime, overlap: timedelta = timedelta(0)) -> list[Deletion]:
        """AUDITHISTORY rows with ACCESSMODE D for the object, documented fields only, by ACCESSTIME."""
        since_text = ia_audit.since_text(since - overlap, self.zone, self.audit_zone)
        flt = ia_audit.audit_filter([obj.lower()], since_text)
        rows = [r for page in self._pages("AUDITHISTORY", ia_audit.FIELDS, flt, ia_audit.ORDER) for r in page]
        return [self._deletion(r) for r in rows]

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

    def _upsert(
        self,
        obj: str,
        records: Sequence[Customer] | Sequence[Product],
        to_fields: Callable[..., dict[str, Any]],
        keys: tuple[str, ...],
        controlids: Sequence[str] | None,
        fields: FieldSets,
    ) -> list[WriteResult]:
        """Create records without a RECORDNO, update those with one; one function per record.

        ``keys`` are the native fields an update always sends, whatever ``fields`` leaves out.
        """
        ids = self._controlids(len(records), controlids)
        sets = per_record(fields, len(records))
        fns = [
            (
                r.key,
                update(obj, only(to_fields(r, for_update=True), f, keys), cid)
                if r.record_no
                else create(obj, to_fields(r), cid),
            )
            for r, cid, f in zip(records, ids, sets, strict=True)
        ]
        return self._write(obj, fns)

    def upsert_customers(
        self, customers: list[Customer], controlids: Sequence[str] | None = None, fields: FieldSets = None
    ) -> list[WriteResult]:
        """Create customers without a RECORDNO, update those with one; one function per record.

        ``controlids`` (one per record) are the caller's idempotency keys, sent with uniqueid.
        ``fields`` (per record, dotted native paths; None: all) limits what an update sends, so an
        update never overwrites a field that someone changed since it was read.
        """
        return self._upsert(
            "CUSTOMER", customers, m.customer_fields, ("CUSTOMERID", "SFDC_ACCOUNT_ID"), controlids, fields
        )

    def upsert_products(
        self, products: list[Product], controlids: Sequence[str] | None = None, fields: FieldSets = None
    ) -> list[WriteResult]:
        """Create items without a RECORDNO, update those with one (BASEPRICE included); ``fields`` as above."""
        return self._upsert("ITEM", products, m.item_fields, ("ITEMID", "SFDC_PRODUCT_ID"), controlids, fields)
