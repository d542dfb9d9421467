"""The Salesforce connector: domain records in and out over the Salesforce wire client.

Thin on purpose: it reads pages, maps rows, writes batches and converts errors. Ownership, merge
and linking are the engine's job. Every wire error leaves as :class:`SyncError`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from ..domain import (
    Customer,
    ErrorInfo,
    ErrorKind,
    Opportunity,
    PriceBook,
    PriceEntry,
    Product,
    StreamSpec,
    SyncError,
    System,
)
from ..wire.salesforce import RecordResult, SalesforceClient, SalesforceSecrets, SalesforceSettings
from ..wire.transport import WireError
from . import sf_mapping as m
from . import sf_pricebooks as pb
from .errors import record_error, to_sync_error
from .partial import FieldSets, only, per_record
from .results import Deletion, WriteResult
from .streams import SALESFORCE_STREAMS, SF_OVERLAP
from .values import json_number, money, sf_datetime, text

_ID = re.compile(r"^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$")
ID_CHUNK = 200  # ids per IN (...) list: keeps the SOQL well under its length limit
READ_BACK_CHUNK = 1000  # ids per query of a read-back: about 23,000 characters of SOQL (limit 100,000)
CUSTOMER_EXT_ID = "Intacct_Customer_ID__c"
PRODUCT_EXT_ID = "Intacct_Item_ID__c"
PRICE_FIELD = "PricebookEntry.UnitPrice"  # the standard price, as the mapping names it


def _wire_body(body: dict[str, Any]) -> dict[str, Any]:
    """Money stays Decimal up to here (the engine stores and hashes it); JSON gets a number."""
    return {k: json_number(v) if isinstance(v, Decimal) else v for k, v in body.items()}


def _soql_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"not a Salesforce Id: {value!r}")
    return f"'{value}'"


def _soql_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("cursor must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SalesforceReads(NamedTuple):
    """One cycle's Salesforce read (``settled_accounts``: the overlap window's Accounts by stamp only;
    ``server_clock``: Salesforce's clock from an answer received before the read was sent, or None)."""

    customers: list[Customer]
    products: list[Product]
    opportunities: list[Opportunity]
    settled_accounts: list[m.SettledAccount]
    pricebooks: tuple[PriceBook, ...] = ()  # every custom book (a handful), read each cycle
    price_entries: tuple[PriceEntry, ...] = ()  # custom books' entries changed since the products cursor
    server_clock: datetime | None = None


class SalesforceConnector:
    """Reads and writes customers, products and opportunities of one org."""

    system = System.SALESFORCE

    def __init__(self, client: SalesforceClient, *, profile: str = "") -> None:
        self.client = client
        self.profile = profile
        self._standard_book: str | None = None

    @classmethod
    def connect(
        cls, settings: SalesforceSettings, secrets: SalesforceSecrets, *, profile: str = "", **kw: Any
    ) -> SalesforceConnector:
        """Log in and wrap the client; a refused login raises SyncError(AUTH)."""
        try:
            client = SalesforceClient.connect(settings, secrets, **kw)
        except WireError as exc:
            raise to_sync_error(exc, System.SALESFORCE, profile=profile) from exc
        return cls(client, profile=profile)

    @contextmanager
    def errors(self) -> Iterator[None]:
        """Convert wire errors, with the API usage known at the time (for the budget hint)."""
        try:
            yield
        except WireError as exc:
            raise to_sync_error(exc, self.system, profile=self.profile, api_usage=self.client.api_usage) from exc

    # ------------------------------------------------------------------ session
    def login(self) -> None:
        """Log in again (e.g. after the profile's secrets changed)."""
        with self.errors():
            self.client._login()

    def whoami(self) -> dict[str, Any]:
        usage = self.client.api_usage
        return {
            "system": self.system.value,
            "instance": self.client.instance,
            "username": self.client.settings.username,
            "api_version": self.client.settings.api_version,
            "api_usage": {"used": usage[0], "max": usage[1]} if usage else None,
        }

    def daily_api_requests(self) -> tuple[int, int]:
        """(used, allocation) of the org's rolling 24-hour API allocation, from ``limits/`` (one call).

        A refusal (REQUEST_LIMIT_EXCEEDED) raises SyncError(BUDGET); its ``Sforce-Limit-Info`` header
        still updates ``client.api_usage``.
        """
        with self.errors():
            body = self.client.limits()
        daily = body.get("DailyApiRequests") or {}
        total = int(daily.get("Max") or 0)
        return total - int(daily.get("Remaining") or 0), total

    def server_clock(self) -> datetime | None:
        """Salesforce's clock from the last answer received (wire client ``server_clock``), or None."""
        return self.client.server_clock()

    def wait_next_second(self, should_stop: Callable[[], bool]) -> datetime | None:
        """Wait until Salesforce's clock has passed the last answer's second (wire client), or None."""
        return self.client.wait_next_second(should_stop)

    @staticmethod
    def stream_specs() -> tuple[StreamSpec, ...]:
        return SALESFORCE_STREAMS

    # -------------------------------------------------------------------- reads
    def _pages(self, soql: str, include_deleted: bool = False) -> Iterator[list[dict[str, Any]]]:
        with self.errors():
            yield from self.client.query_pages(soql, include_deleted)

    @staticmethod
    def _since(since: datetime | None, overlap: timedelta) -> str:
        return "" if since is None else f" WHERE SystemModstamp >= {_soql_time(since - overlap)}"

    def read_customers(self) -> Iterator[list[Customer]]:
        """All live Accounts, one list per API page."""
        yield from self.changed_customers(None)

    def changed_customers(self, since: datetime | None, overlap: timedelta = SF_OVERLAP) -> Iterator[list[Customer]]:
        """Accounts with SystemModstamp >= since - overlap, oldest first."""
        soql = f"SELECT {', '.join(m.ACCOUNT_FIELDS)} FROM Account{self._since(since, overlap)}"
        for page in self._pages(soql + " ORDER BY SystemModstamp ASC, Id ASC"):
            yield [m.customer_from_account(r) for r in page]

    def read_products(self) -> Iterator[list[Product]]:
        yield from self.changed_products(None)

    def changed_products(self, since: datetime | None, overlap: timedelta = SF_OVERLAP) -> Iterator[list[Product]]:
        """Product2 rows changed since the cursor, plus products whose standard price changed.

        A price lives on the PricebookEntry, whose change does not touch the Product2, so a second
        query finds those; ``modified_at`` is the later of the two stamps so a cursor covers both.
        """
        fields = f"{', '.join(m.PRODUCT_FIELDS)}, {m.PRICE_SUBQUERY}"
        soql = f"SELECT {fields} FROM Product2{self._since(since, overlap)} ORDER BY SystemModstamp ASC, Id ASC"
        seen: set[str] = set()
        for page in self._pages(soql):
            products = [self._product(r) for r in page]
            seen.update(p.key for p in products)
            yield products
        if since is None:
            return
        entry_soql = (
            "SELECT Product2Id FROM PricebookEntry WHERE Pricebook2.IsStandard = true"
            f" AND SystemModstamp >= {_soql_time(since - overlap)}"
        )
        extra = sorted({text(r.get("Product2Id")) for p in self._pages(entry_soql) for r in p} - seen)
        for start in range(0, len(extra), ID_CHUNK):
            ids = ", ".join(_soql_id(i) for i in extra[start : start + ID_CHUNK])
            for page in self._pages(f"SELECT {fields} FROM Product2 WHERE Id IN ({ids}) ORDER BY Id ASC"):
                yield [self._product(r) for r in page]

    @staticmethod
    def _product(row: dict[str, Any]) -> Product:
        entry = m.standard_entry(row)
        product = m.product_from_row(row, entry)
        entry_stamp = sf_datetime(entry.get("SystemModstamp")) if entry else None
        if entry_stamp and (product.modified_at is None or entry_stamp > product.modified_at):
            product = replace(product, modified_at=entry_stamp)
        return product

    def changed_all(
        self, customers_since: datetime | None, products_since: datetime | None, overlap: timedelta = SF_OVERLAP
    ) -> tuple[list[Customer], list[Product]]:
        reads = self.changed_streams(customers_since, products_since, None, overlap, False)
        return reads.customers, reads.products

    def changed_streams(
        self,
        customers_since: datetime | None,
        products_since: datetime | None,
        opportunities_since: datetime | None,
        overlap: timedelta = SF_OVERLAP,
        opportunities: bool = True,
        *,
        settle_accounts: bool = False,
        settle_until: datetime | None = None,
    ) -> SalesforceReads:
        """Accounts, products (and opportunities with lines) changed since their cursors, in ONE ``composite``.

        Why one call: an idle sync cycle then costs a single API call (queryAll subrequests for
        Account, Product2 and standard PricebookEntry). Deleted and undeleted rows come back with
        IsDeleted, so no ``deleted/`` call is needed. Products whose price alone changed cost one
        more query, only when there are such products.

        ``settle_accounts``: Accounts are read in full only from their cursor on; the overlap window
        before it comes back as stamps only (``settled_accounts``), for the engine to read in full
        just those whose stamp it has not seen. Re-reading every Account of the last half hour in
        full, every cycle, was most of an idle cycle's time after a burst. ``settle_until`` (a stamp
        past the cursor, engine/echoes.py) moves the split point up to it: the Accounts the last
        cycle wrote and read back come as stamps too. ``server_clock`` of the answer is taken just
        before the composite is sent: every change stamped before it is in this read (engine/sf_clock.py).
        """
        fields = f"{', '.join(m.PRODUCT_FIELDS)}, {m.PRICE_SUBQUERY}"
        split = settle_accounts and customers_since is not None
        upto = max(customers_since, settle_until) if split and settle_until else customers_since
        account_where = (
            f" WHERE SystemModstamp >= {_soql_time(upto)}"  # type: ignore[arg-type]
            if split
            else self._since(customers_since, overlap)
        )
        soqls = [
            f"SELECT {', '.join(m.ACCOUNT_FIELDS)} FROM Account{account_where} ORDER BY SystemModstamp ASC, Id ASC",
            f"SELECT {fields} FROM Product2{self._since(products_since, overlap)} ORDER BY SystemModstamp ASC, Id ASC",
        ]
        if opportunities:
            soqls.append(
                f"SELECT {', '.join(m.OPPORTUNITY_FIELDS)}, {m.LINES_SUBQUERY} FROM Opportunity"
                f"{self._since(opportunities_since, overlap)} ORDER BY SystemModstamp ASC, Id ASC"
            )
        # every price book with its entries changed since the products cursor: the standard book's
        # tell which products' prices changed, the custom books' are the price book stream
        soqls.append(pb.books_soql(products_since - overlap if products_since is not None else None))
        if split:
            soqls.append(
                f"SELECT {', '.join(m.SETTLED_ACCOUNT_FIELDS)} FROM Account"
                f" WHERE SystemModstamp >= {_soql_time(customers_since - overlap)}"  # type: ignore[operator]
                f" AND SystemModstamp < {_soql_time(upto)}"  # type: ignore[arg-type]
            )
        clock = self.client.server_clock()  # before the read is sent, never after (engine/sf_clock.py)
        with self.errors():
            answers = self.client.query_many(soqls, include_deleted=True)
        customers = [m.customer_from_account(r) for r in answers[0]]
        products = [self._product(r) for r in answers[1]]
        opps = [self._opportunity(r) for r in answers[2]] if opportunities else []
        books, entries, standard_rows = pb.split_books(answers[3 if opportunities else 2])
        prices = standard_rows if products_since is not None else []
        if prices:
            seen = {p.key for p in products}
            extra = sorted({text(r.get("Product2Id")) for r in prices} - seen)
            products += self._as_of(self.products_by_ids(extra), products, prices)
        settled = [m.settled_from_row(r) for r in answers[-1]] if split else []
        return SalesforceReads(customers, products, opps, settled, tuple(books), tuple(entries), clock)

    @staticmethod
    def _as_of(extra: list[Product], products: list[Product], prices: list[dict[str, Any]]) -> list[Product]:
        """Products re-read after the composite, their stamps capped at the newest the composite saw.

        Why: the engine marks a record as seen only when its stamp is older than the newest stamp
        of its read, and moves the cursor to the newest stamp. A price changed between the composite
        and this re-read would raise that newest stamp past what the composite saw, and a product
        edited right after the composite, in its newest second, could then be marked seen (or
        passed by the cursor) with the stamp its edit shares: stamps have whole seconds. A capped
        stamp is only ever older than the truth, so that product is merely merged again later.
        """
        stamps = [p.modified_at for p in products if p.modified_at is not None]
        stamps += [s for s in (sf_datetime(r.get("SystemModstamp")) for r in prices) if s is not None]
        if not stamps:
            return extra
        newest = max(stamps)
        return [
            replace(p, modified_at=newest) if p.modified_at is not None and p.modified_at > newest else p for p in extra
        ]

    def _by_ids(self, select: str, ids: list[str]) -> list[dict[str, Any]]:
        uniq = sorted({i for i in ids if i})
        rows: list[dict[str, Any]] = []
        for start in range(0, len(uniq), ID_CHUNK):
            chunk = ", ".join(_soql_id(i) for i in uniq[start : start + ID_CHUNK])
            rows += [r for p in self._pages(f"{select} WHERE Id IN ({chunk}) ORDER BY Id ASC", True) for r in p]
        return rows

    def customers_by_ids(self, ids: list[str]) -> list[Customer]:
        """Accounts by Id, deleted ones included (queryAll), 200 ids per query."""
        return [
            m.customer_from_account(r) for r in self._by_ids(f"SELECT {', '.join(m.ACCOUNT_FIELDS)} FROM Account", ids)
        ]

    def customers_read_back(self, ids: list[str]) -> list[Customer]:
        """Accounts by Id in as few calls as possible: 1,000 per query, 5 queries per ``composite`` call.

        Why not :meth:`customers_by_ids`: that is one call per 200 ids; reading back every Account
        a busy cycle wrote must cost one call per few thousand (engine/echoes.py).
        """
        uniq = sorted({i for i in ids if i})
        select = f"SELECT {', '.join(m.ACCOUNT_FIELDS)} FROM Account"
        soqls = [
            f"{select} WHERE Id IN ({', '.join(_soql_id(i) for i in uniq[s : s + READ_BACK_CHUNK])}) ORDER BY Id ASC"
            for s in range(0, len(uniq), READ_BACK_CHUNK)
        ]
        if not soqls:
            return []
        with self.errors():
            answers = self.client.query_many(soqls, include_deleted=True)
        return [m.customer_from_account(r) for rows in answers for r in rows]

    def products_by_ids(self, ids: list[str]) -> list[Product]:
        """Products (with their standard price) by Id, deleted ones included."""
        select = f"SELECT {', '.join(m.PRODUCT_FIELDS)}, {m.PRICE_SUBQUERY} FROM Product2"
        return [self._product(r) for r in self._by_ids(select, ids)]

    def changed_opportunities(
        self, since: datetime | None, overlap: timedelta = SF_OVERLAP
    ) -> Iterator[list[Opportunity]]:
        """Opportunities with their lines (one query with a child subquery), oldest first."""
        soql = (
            f"SELECT {', '.join(m.OPPORTUNITY_FIELDS)}, {m.LINES_SUBQUERY} FROM Opportunity"
            f"{self._since(since, overlap)} ORDER BY SystemModstamp ASC, Id ASC"
        )
        for page in self._pages(soql):
            yield [self._opportunity(r) for r in page]

    def opportunities_by_ids(self, ids: list[str]) -> list[Opportunity]:
        """Opportunities with their lines by Id, deleted ones included."""
        select = f"SELECT {', '.join(m.OPPORTUNITY_FIELDS)}, {m.LINES_SUBQUERY} FROM Opportunity"
        return [self._opportunity(r) for r in self._by_ids(select, ids)]

    def _opportunity(self, row: dict[str, Any]) -> Opportunity:
        child = row.get("OpportunityLineItems") or {}
        if child and not child.get("done", True):  # a long child list: read it whole
            soql = (
                f"SELECT {', '.join(m.LINE_FIELDS)} FROM OpportunityLineItem"
                f" WHERE OpportunityId = {_soql_id(text(row.get('Id')))} ORDER BY SortOrder ASC, Id ASC"
            )
            return m.opportunity_from_row(row, [r for p in self._pages(soql) for r in p])
        return m.opportunity_from_row(row)

    def _deleted(self, sobject: str, since: datetime, until: datetime | None) -> list[Deletion]:
        """``sobjects/T/deleted/`` from the cursor to ``until`` (default now; about 15 days kept).

        Salesforce works in whole minutes and reports a deletion only once its minute is over, so
        the engine reads with its overlap window; a window under a minute is answered empty here
        (Salesforce refuses one: INVALID_REPLICATION_DATE).
        """
        end = until or datetime.now(UTC)
        if end.replace(second=0, microsecond=0) - since.replace(second=0, microsecond=0) < timedelta(minutes=1):
            return []
        with self.errors():
            got = self.client.deleted_since(sobject, since, end)
        return [Deletion(key=i, deleted_at=sf_datetime(when)) for i, when in got.records]

    def deleted_customers(self, since: datetime, until: datetime | None = None) -> list[Deletion]:
        return self._deleted("Account", since, until)

    def deleted_products(self, since: datetime, until: datetime | None = None) -> list[Deletion]:
        return self._deleted("Product2", since, until)

    def deleted_opportunities(self, since: datetime, until: datetime | None = None) -> list[Deletion]:
        return self._deleted("Opportunity", since, until)

    # ------------------------------------------------------------------- writes
    def _write(self, sobject: str, ext_field: str, records: list[tuple[str, str, dict[str, Any]]]) -> list[WriteResult]:
        """Update by Id where the record is linked, else upsert by external id; input order kept.

        An Id wins over the external id: upserting a linked record that lacks the external id
        would create a duplicate instead of updating it.
        """
        records = [(k, sf_id, _wire_body(body)) for k, sf_id, body in records]
        upserts = [(i, k, body) for i, (k, sf_id, body) in enumerate(records) if not sf_id and body.get(ext_field)]
        updates = [(i, k, {**body, "Id": sf_id}) for i, (k, sf_id, body) in enumerate(records) if sf_id]
        out: dict[int, WriteResult] = {}
        for i, (key, sf_id, body) in enumerate(records):
            if not body.get(ext_field) and not sf_id:
                message = f"The record has neither an Id nor {ext_field}."
                err = record_error(self.system, "REQUIRED_FIELD_MISSING", message, (ext_field,), key)
                out[i] = WriteResult(i, key, False, error=err)
        with self.errors():
            if upserts:
                res = self.client.upsert_many(sobject, ext_field, [b for _, _, b in upserts])
                out.update(self._results(upserts, res))
            if updates:
                res = self.client.update_many(sobject, [b for _, _, b in updates])
                out.update(self._results(updates, res))
        return [out[i] for i in range(len(records))]

    @staticmethod
    def _results(sent: list[tuple[int, str, dict[str, Any]]], results: list[RecordResult]) -> dict[int, WriteResult]:
        return m.write_results([(index, key) for index, key, _ in sent], results)

    def upsert_customers(self, customers: list[Customer], fields: FieldSets = None) -> list[WriteResult]:
        """Update linked Accounts by Id, upsert the others by ``Intacct_Customer_ID__c``; 200 per call.

        ``fields``: per record, the Account fields to send besides the external id (None: all),
        so an update never overwrites a field that someone changed since it was read.
        """
        sets = per_record(fields, len(customers))
        return self._write(
            "Account",
            CUSTOMER_EXT_ID,
            [
                (c.cross_ref or c.key, c.key, only(m.account_fields(c), f, (CUSTOMER_EXT_ID,)))
                for c, f in zip(customers, sets, strict=True)
            ],
        )

    def upsert_products(self, products: list[Product], fields: FieldSets = None) -> list[WriteResult]:
        """Update by Id or upsert by ``Intacct_Item_ID__c``, then set each one's standard price.

        ``fields`` as for customers; the price is written only when ``PricebookEntry.UnitPrice`` is in it.
        """
        sets = per_record(fields, len(products))
        results = self._write(
            "Product2",
            PRODUCT_EXT_ID,
            [
                (p.cross_ref or p.key, p.key, only(m.product_fields(p), f, (PRODUCT_EXT_ID,)))
                for p, f in zip(products, sets, strict=True)
            ],
        )
        priced = [
            (r, products[r.index].price)
            for r in results
            if r.ok
            and r.id
            and products[r.index].price is not None
            and (sets[r.index] is None or PRICE_FIELD in sets[r.index])  # type: ignore[operator]
        ]
        if priced:
            failures = self._set_standard_prices({r.id: price for r, price in priced})  # type: ignore[misc]
            results = [
                WriteResult(r.index, r.key, False, r.id, created=r.created, error=failures[r.id])
                if r.id in failures
                else r
                for r in results
            ]
        return results

    def standard_pricebook_id(self) -> str:
        if self._standard_book is None:
            rows = [r for p in self._pages("SELECT Id FROM Pricebook2 WHERE IsStandard = true") for r in p]
            if not rows:
                raise SyncError(
                    ErrorInfo(
                        ErrorKind.SCHEMA,
                        "Salesforce has no standard price book",
                        "Products cannot get a price without the standard price book.",
                        "Activate the Standard Price Book in Salesforce setup.",
                        self.system,
                    )
                )
            self._standard_book = text(rows[0].get("Id"))
        return self._standard_book

    def _set_standard_prices(self, prices: dict[str, Any]) -> dict[str, Any]:
        """Update or create standard PricebookEntries; returns {product id: ErrorInfo} for failures."""
        book = self.standard_pricebook_id()
        existing: dict[str, dict[str, Any]] = {}
        ids = sorted(prices)
        for start in range(0, len(ids), ID_CHUNK):
            chunk = ", ".join(_soql_id(i) for i in ids[start : start + ID_CHUNK])
            soql = (
                "SELECT Id, Product2Id, UnitPrice FROM PricebookEntry"
                f" WHERE Pricebook2Id = {_soql_id(book)} AND Product2Id IN ({chunk})"
            )
            existing.update({text(r.get("Product2Id")): r for p in self._pages(soql) for r in p})
        updates = [
            (pid, {"Id": existing[pid]["Id"], "UnitPrice": json_number(prices[pid])})
            for pid in ids
            if pid in existing and money(existing[pid].get("UnitPrice")) != prices[pid]
        ]
        creates = [
            (pid, {"Pricebook2Id": book, "Product2Id": pid, "UnitPrice": json_number(prices[pid]), "IsActive": True})
            for pid in ids
            if pid not in existing
        ]
        failures: dict[str, Any] = {}
        with self.errors():
            for batch, call in (
                (updates, lambda bodies: self.client.update_many("PricebookEntry", bodies)),
                (creates, lambda bodies: self.client.create_many("PricebookEntry", bodies, key="standard-price")),
            ):
                if not batch:
                    continue
                for (pid, _), res in zip(batch, call([b for _, b in batch]), strict=True):
                    if not res.success:
                        first = res.errors[0] if res.errors else None
                        failures[pid] = record_error(
                            self.system,
                            first.status_code if first else "",
                            first.message if first else "",
                            first.fields if first else ("UnitPrice",),
                            pid,
                        )
        return failures

    # ------------------------------------------------- orders, invoices and payments
    def update_opportunities(self, bodies: list[dict[str, Any]]) -> list[WriteResult]:
        """Write order status fields back (``Id`` plus the fields), 200 per collection call."""
        return self._write(
            "Opportunity", "Id", [(b["Id"], b["Id"], {k: v for k, v in b.items() if k != "Id"}) for b in bodies]
        )

    def upsert_by_external_id(self, sobject: str, ext_field: str, bodies: list[dict[str, Any]]) -> list[WriteResult]:
        """Upsert ``Intacct_Invoice__c`` / ``Intacct_Payment__c`` rows by their external id."""
        return self._write(sobject, ext_field, [(str(b.get(ext_field) or ""), "", b) for b in bodies])
