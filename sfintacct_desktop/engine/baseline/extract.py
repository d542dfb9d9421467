"""Read everything the baseline needs from both systems, page by page, with progress and a cancel.

Why pages: the batched readers yield one API page at a time, so a 50,000-record company reports
progress as it goes and a cancel (checked between pages) stops within one page's time.
Opportunities are read for the historical orders (Closed Won only are kept) and Intacct sales
orders (``Sales Order`` documents only) to match them against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from ...connectors import IntacctConnector, SalesforceConnector
from ...connectors.ia_price_lists import IntacctPriceLists
from ...connectors.sf_pricebooks import SalesforcePriceBooks
from ...domain import Customer, Opportunity, PriceBook, PriceEntry, Product, SalesOrder
from ..streams import IA_CUSTOMERS, IA_ITEMS, IA_SALES_ORDERS, SF_CUSTOMERS, SF_OPPORTUNITIES, SF_PRODUCTS

Progress = Callable[[str, int], None]  # (stream, records read so far in it)
T = TypeVar("T")

SALES_ORDER = "Sales Order"


class ExtractCancelled(Exception):
    """The operator cancelled between two pages; nothing was written."""


@dataclass
class Extract:
    """Everything read from both sides, in the readers' order."""

    sf_customers: list[Customer] = field(default_factory=list)
    ia_customers: list[Customer] = field(default_factory=list)
    sf_products: list[Product] = field(default_factory=list)
    ia_products: list[Product] = field(default_factory=list)
    opportunities: list[Opportunity] = field(default_factory=list)  # Closed Won only
    sales_orders: list[SalesOrder] = field(default_factory=list)  # "Sales Order" documents only
    sf_deleted_customers: list[str] = field(default_factory=list)  # Account Ids in the recycle bin
    sf_deleted_products: list[str] = field(default_factory=list)  # Product2 Ids in the recycle bin
    sf_pricebooks: list[PriceBook] = field(default_factory=list)  # custom price books
    sf_price_entries: list[PriceEntry] = field(default_factory=list)  # their entries
    ia_price_lists: list[PriceBook] = field(default_factory=list)  # Order Entry price lists
    ia_price_entries: list[PriceEntry] = field(default_factory=list)  # their entries

    def counts(self) -> dict[str, int]:
        return {name: len(value) for name, value in vars(self).items()}


def _drain(
    stream: str,
    pages: Iterable[list[T]],
    progress: Progress,
    should_stop: Callable[[], bool],
    keep: Callable[[T], bool] = lambda r: True,
) -> list[T]:
    out: list[T] = []
    seen = 0
    for page in pages:
        seen += len(page)
        out.extend(r for r in page if keep(r))
        progress(stream, seen)
        if should_stop():
            raise ExtractCancelled(f"cancelled while reading {stream} ({seen} read)")
    return out


def extract(
    sf: SalesforceConnector,
    ia: IntacctConnector,
    *,
    progress: Progress = lambda stream, n: None,
    should_stop: Callable[[], bool] = lambda: False,
    orders: bool = True,
) -> Extract:
    """Read Accounts, Product2 (with standard prices), CUSTOMERs, ITEMs and, with ``orders``, the
    Closed Won Opportunities and Intacct sales orders. Raises :class:`ExtractCancelled`."""
    if should_stop():
        raise ExtractCancelled("cancelled before reading")
    out = Extract()
    out.sf_customers = _drain(SF_CUSTOMERS, sf.read_customers(), progress, should_stop)
    out.ia_customers = _drain(IA_CUSTOMERS, ia.read_customers(), progress, should_stop)
    out.sf_products = _drain(SF_PRODUCTS, sf.read_products(), progress, should_stop)
    out.ia_products = _drain(IA_ITEMS, ia.read_products(), progress, should_stop)
    # The live sync reads with queryAll, so it sees the recycle bin too: the plan must name those.
    for name, sobject in (("sf_deleted_customers", "Account"), ("sf_deleted_products", "Product2")):
        soql = f"SELECT Id FROM {sobject} WHERE IsDeleted = true ORDER BY Id ASC"
        with sf.errors():
            pages = sf.client.query_pages(soql, True)
            rows = _drain(f"salesforce.deleted_{sobject.lower()}", pages, progress, should_stop)
        setattr(out, name, [str(r["Id"]) for r in rows])
    out.sf_pricebooks, out.sf_price_entries = SalesforcePriceBooks(sf).books()
    progress("salesforce.pricebooks", len(out.sf_pricebooks))
    out.ia_price_lists = IntacctPriceLists(ia).lists()
    out.ia_price_entries = IntacctPriceLists(ia).entries([b.key for b in out.ia_price_lists])
    progress("intacct.price_lists", len(out.ia_price_lists))
    if should_stop():
        raise ExtractCancelled("cancelled after reading the price books")
    if orders:
        out.opportunities = _drain(
            SF_OPPORTUNITIES,
            sf.changed_opportunities(None),
            progress,
            should_stop,
            lambda o: o.is_won and o.is_closed and not o.deleted,
        )
        out.sales_orders = _drain(
            IA_SALES_ORDERS,
            ia.changed_sales_orders(None),
            progress,
            should_stop,
            lambda s: s.transaction_type == SALES_ORDER,
        )
    return out
