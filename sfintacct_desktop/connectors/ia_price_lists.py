"""Intacct Order Entry price lists (SOPRICELIST) and entries (SOPRICELISTENTRY) <-> domain records.

Why keyed this way: a price list is named by NAME (readByName, and entries name their list by it in
PRICELISTID); an entry has no readable id, so it is keyed by RECORDNO and updated by it. Only an
entry with value type ``Actual`` and no quantity break is a plain price a Salesforce entry can hold;
the others are read as not ``plain`` and left alone by the sync. Writes go 100 functions a request.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from ..domain import PriceBook, PriceEntry, System
from ..wire.intacct import Filter, Result, create, update
from ..wire.intacct.functions import Function
from .errors import intacct_record_error
from .ia_mapping import field
from .results import WriteResult
from .values import decimal_text, ia_timestamp, money

PRICELIST_FIELDS = ("RECORDNO", "NAME", "STATUS", "WHENMODIFIED")
PRICE_ENTRY_FIELDS = (
    "RECORDNO",
    "PRICELISTID",
    "ITEMID",
    "VALUE",
    "VALUETYPE",
    "QTYLIMITMIN",
    "QTYLIMITMAX",
    "CURRENCY",
    "STATUS",
    "WHENMODIFIED",
)
ACTUAL = "Actual"


def price_list_from_row(row: dict[str, Any], zone: ZoneInfo) -> PriceBook:
    return PriceBook(
        system=System.INTACCT,
        key=field(row, "NAME"),
        name=field(row, "NAME"),
        active=field(row, "STATUS").lower() != "inactive",
        record_no=field(row, "RECORDNO"),
        modified_at=ia_timestamp(field(row, "WHENMODIFIED"), zone),
    )


def _no_break(row: dict[str, Any]) -> bool:
    """No quantity break: both limits empty or zero, or a lower limit of one with no upper limit."""
    low, high = money(field(row, "QTYLIMITMIN")) or Decimal(0), money(field(row, "QTYLIMITMAX")) or Decimal(0)
    return high == 0 and low <= 1


def price_entry_from_row(row: dict[str, Any], zone: ZoneInfo) -> PriceEntry:
    kind = field(row, "VALUETYPE") or ACTUAL
    return PriceEntry(
        system=System.INTACCT,
        key=field(row, "RECORDNO"),
        book=field(row, "PRICELISTID"),
        product=field(row, "ITEMID"),
        price=money(field(row, "VALUE")),
        active=field(row, "STATUS").lower() != "inactive",
        currency=field(row, "CURRENCY"),
        plain=kind == ACTUAL and _no_break(row),
        modified_at=ia_timestamp(field(row, "WHENMODIFIED"), zone),
    )


def price_list_fields(book: PriceBook) -> dict[str, Any]:
    return {"NAME": book.name, "STATUS": "active" if book.active else "inactive"}


def price_entry_fields(entry: PriceEntry, *, for_update: bool = False) -> dict[str, Any]:
    """A create names the list, the item and the value type; an update (by RECORDNO) only what changes."""
    if for_update:
        return {
            "RECORDNO": entry.key,
            "VALUE": decimal_text(entry.price),
            "STATUS": "active" if entry.active else "inactive",
        }
    body: dict[str, Any] = {
        "PRICELISTID": entry.book,
        "ITEMID": entry.product,
        "VALUE": decimal_text(entry.price),
        "VALUETYPE": ACTUAL,
        "STATUS": "active" if entry.active else "inactive",
    }
    if entry.currency:
        body["CURRENCY"] = entry.currency
    return body


class IntacctPriceLists:
    """Reads and writes price lists and entries over one Intacct connector's client."""

    def __init__(self, ia: Any) -> None:
        self.ia = ia

    # ------------------------------------------------------------------ reads
    def lists(self, names: Sequence[str] | None = None) -> list[PriceBook]:
        """Every price list, or those named (a few: the engine asks for the ones it links)."""
        flt = None if names is None else Filter.in_("NAME", sorted(set(names)))
        if names is not None and not names:
            return []
        rows = [r for p in self.ia._pages("SOPRICELIST", PRICELIST_FIELDS, flt, [("RECORDNO", True)]) for r in p]
        return [price_list_from_row(r, self.ia.zone) for r in rows]

    def entries(self, lists: Sequence[str]) -> list[PriceEntry]:
        """The entries of the named lists."""
        rows = self.ia._rows_in("SOPRICELISTENTRY", PRICE_ENTRY_FIELDS, "PRICELISTID", list(lists))
        return [price_entry_from_row(r, self.ia.zone) for r in rows]

    # ----------------------------------------------------------------- writes
    def create_lists(self, books: Sequence[PriceBook]) -> list[WriteResult]:
        """Create lists (NAME, STATUS); one request per 100."""
        return self._send([(b.name, create("SOPRICELIST", price_list_fields(b))) for b in books], "NAME")

    def update_lists(self, books: Sequence[PriceBook]) -> list[WriteResult]:
        """Update lists' STATUS by NAME (a list's NAME never changes: entries name their list by it)."""
        return self._send([(b.key, update("SOPRICELIST", price_list_fields(b))) for b in books], "NAME")

    def write_entries(self, entries: Sequence[PriceEntry]) -> list[WriteResult]:
        """Create entries without a key (RECORDNO), update those with one."""
        fns = [
            (
                e.key or f"{e.book}/{e.product}",
                update("SOPRICELISTENTRY", price_entry_fields(e, for_update=True))
                if e.key
                else create("SOPRICELISTENTRY", price_entry_fields(e)),
            )
            for e in entries
        ]
        return self._send(fns, "RECORDNO")

    def _send(self, fns: list[tuple[str, Function]], id_field: str) -> list[WriteResult]:
        if not fns:
            return []
        with self.ia.errors():
            results = self.ia.client.call([f for _, f in fns], uniqueid=True)
        return [_result(i, key, id_field, res) for i, ((key, _), res) in enumerate(zip(fns, results, strict=True))]


def _result(index: int, key: str, id_field: str, res: Result) -> WriteResult:
    if not res.ok:
        return WriteResult(index, key, False, error=intacct_record_error(res.errors, key))
    row = res.records[0] if res.records else {}
    return WriteResult(
        index,
        key,
        True,
        id=field(row, id_field) or key,
        record_no=field(row, "RECORDNO"),
        created=res.function == "create",
    )


__all__ = [
    "PRICELIST_FIELDS",
    "PRICE_ENTRY_FIELDS",
    "IntacctPriceLists",
    "price_entry_from_row",
    "price_list_from_row",
]
