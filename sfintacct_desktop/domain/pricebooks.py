"""Price books and their entries: a Salesforce custom Pricebook2 or an Intacct Order Entry price list.

Why records of their own: a price book is not a product. It is keyed by name on the Intacct side
(SOPRICELIST.NAME, which entries name in PRICELISTID) and its entries are keyed per product and
currency inside it, so the engine links books by name and entries by (book, product, currency).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .records import System


@dataclass(frozen=True)
class PriceBook:
    """A custom Pricebook2 (``key`` its Id) or an SOPRICELIST (``key`` its NAME)."""

    system: System
    key: str
    name: str
    active: bool = True
    deleted: bool = False
    record_no: str = ""
    standard: bool = False  # the Salesforce standard price book: never synced as a book
    modified_at: datetime | None = None


@dataclass(frozen=True)
class PriceEntry:
    """A PricebookEntry of a custom book or an SOPRICELISTENTRY.

    ``key`` is the entry's own key (PricebookEntry Id; entry RECORDNO); ``book`` the book's key
    (Pricebook2Id; PRICELISTID, the list's NAME); ``product`` the product's own key (Product2Id;
    ITEMID). ``plain`` is False for what a Salesforce entry cannot express (an Intacct entry with a
    discount or markup value type, or a quantity break): such entries are reported, never copied.
    """

    system: System
    key: str
    book: str
    product: str
    price: Decimal | None
    active: bool = True
    currency: str = ""
    deleted: bool = False
    plain: bool = True
    modified_at: datetime | None = None


def book_name_key(name: str) -> str:
    """How book names are compared when linking: case, spacing and punctuation runs ignored."""
    return " ".join("".join(c if c.isalnum() else " " for c in name.casefold()).split())


__all__ = ["PriceBook", "PriceEntry", "book_name_key"]
