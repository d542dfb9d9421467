"""Salesforce price books (Pricebook2) and their entries (PricebookEntry) <-> domain records.

Why one query: the cycle's Salesforce read is one ``composite`` call of at most five queries, all
taken. Price books ride in the query that already watched standard prices: every Pricebook2 (a
company has a handful) with its entries changed since the products cursor, so custom books cost
no extra call and the standard book's entries still tell which products' prices changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ..domain import PriceBook, PriceEntry, System
from .results import WriteResult
from .sf_mapping import write_results
from .values import flag, json_number, money, sf_datetime, text

ENTRY_FIELDS = "Id, Product2Id, UnitPrice, IsActive, IsDeleted, SystemModstamp"
BOOK_FIELDS = "Id, Name, IsActive, IsStandard, IsDeleted, SystemModstamp"


def books_soql(entries_since: datetime | None) -> str:
    """Every price book, each with its entries changed since ``entries_since`` (all when None)."""
    where = ""
    if entries_since is not None:
        where = f" WHERE SystemModstamp >= {entries_since.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"
    return f"SELECT {BOOK_FIELDS}, (SELECT {ENTRY_FIELDS} FROM PricebookEntries{where}) FROM Pricebook2"


def book_from_row(row: dict[str, Any]) -> PriceBook:
    return PriceBook(
        system=System.SALESFORCE,
        key=text(row.get("Id")),
        name=text(row.get("Name")),
        active=flag(row.get("IsActive")),
        deleted=flag(row.get("IsDeleted")),
        standard=flag(row.get("IsStandard")),
        modified_at=sf_datetime(row.get("SystemModstamp")),
    )


def entry_from_row(row: dict[str, Any], book: str) -> PriceEntry:
    return PriceEntry(
        system=System.SALESFORCE,
        key=text(row.get("Id")),
        book=book,
        product=text(row.get("Product2Id")),
        price=money(row.get("UnitPrice")),
        active=flag(row.get("IsActive")),
        deleted=flag(row.get("IsDeleted")),
        modified_at=sf_datetime(row.get("SystemModstamp")),
    )


def split_books(rows: list[dict[str, Any]]) -> tuple[list[PriceBook], list[PriceEntry], list[dict[str, Any]]]:
    """Custom books, their entries, and the standard book's entry rows (the products' price changes)."""
    books: list[PriceBook] = []
    entries: list[PriceEntry] = []
    standard_rows: list[dict[str, Any]] = []
    for row in rows:
        book = book_from_row(row)
        children = ((row.get("PricebookEntries") or {}).get("records")) or []
        if book.standard:
            standard_rows += children
            continue
        books.append(book)
        entries += [entry_from_row(c, book.key) for c in children]
    return books, entries, standard_rows


class SalesforcePriceBooks:
    """Reads and writes custom price books and their entries over one Salesforce connector."""

    def __init__(self, sf: Any) -> None:
        self.sf = sf

    def books(self) -> tuple[list[PriceBook], list[PriceEntry]]:
        """Every custom book with all its entries (the baseline's read, and a book linked late)."""
        with self.sf.errors():
            rows = self.sf.client.query_all(books_soql(None), include_deleted=False)
        books, entries, _ = split_books(rows)
        return books, entries

    def entries_of(self, book_ids: Sequence[str]) -> list[PriceEntry]:
        """Every entry of the given custom books (one query per 200 books)."""
        ids = sorted({i for i in book_ids if i.isalnum()})
        out: list[PriceEntry] = []
        for start in range(0, len(ids), 200):
            chunk = ", ".join(f"'{i}'" for i in ids[start : start + 200])
            soql = f"SELECT {ENTRY_FIELDS}, Pricebook2Id FROM PricebookEntry WHERE Pricebook2Id IN ({chunk})"
            with self.sf.errors():
                rows = self.sf.client.query_all(soql)
            out += [entry_from_row(r, text(r.get("Pricebook2Id"))) for r in rows]
        return out

    def write_books(self, books: Sequence[PriceBook]) -> list[WriteResult]:
        """Create books without an Id, update (Name kept, IsActive) those with one; 200 per call."""
        creates = [(i, b) for i, b in enumerate(books) if not b.key]
        updates = [(i, b) for i, b in enumerate(books) if b.key]
        out: dict[int, WriteResult] = {}
        with self.sf.errors():
            if creates:
                bodies = [{"Name": b.name, "IsActive": b.active} for _, b in creates]
                res = self.sf.client.create_many("Pricebook2", bodies, key="pricebook")
                out.update(write_results([(i, b.name) for i, b in creates], res))
            if updates:
                bodies = [{"Id": b.key, "IsActive": b.active} for _, b in updates]
                res = self.sf.client.update_many("Pricebook2", bodies)
                out.update(write_results([(i, b.key) for i, b in updates], res))
        return [out[i] for i in range(len(books))]

    def write_entries(self, entries: Sequence[PriceEntry]) -> list[WriteResult]:
        """Create entries without an Id (the product needs its standard price first), update the others."""
        creates = [(i, e) for i, e in enumerate(entries) if not e.key]
        updates = [(i, e) for i, e in enumerate(entries) if e.key]
        out: dict[int, WriteResult] = {}
        with self.sf.errors():
            if creates:
                bodies = [
                    {
                        "Pricebook2Id": e.book,
                        "Product2Id": e.product,
                        "UnitPrice": json_number(e.price),
                        "IsActive": e.active,
                        "UseStandardPrice": False,
                    }
                    for _, e in creates
                ]
                res = self.sf.client.create_many("PricebookEntry", bodies, key="pricebook-entry")
                out.update(write_results([(i, f"{e.book}/{e.product}") for i, e in creates], res))
            if updates:
                bodies = [{"Id": e.key, "UnitPrice": json_number(e.price), "IsActive": e.active} for _, e in updates]
                res = self.sf.client.update_many("PricebookEntry", bodies)
                out.update(write_results([(i, e.key) for i, e in updates], res))
        return [out[i] for i in range(len(entries))]


__all__ = ["SalesforcePriceBooks", "book_from_row", "books_soql", "entry_from_row", "split_books"]
