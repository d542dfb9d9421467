"""Order lines and the approved price list: which price a sales order line carries, and when finance hears.

Why from the links: a line's PricebookEntry, when its book is linked to an Intacct price list, has an
entry link whose agreed price is the list's price, so the rule costs no read. Lines of the standard
book (or of a book that is not linked) have no list price: they keep the negotiated price, unchecked.
The profile says which price a line carries (``orders.line_price``): ``opportunity`` (the default,
what sales negotiated; a line departing from its list price by more than ``orders.price_alert_percent``
puts a note for finance in the inbox) or ``price_list`` (the list's price, whatever was negotiated).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from ...connectors.ia_orders import OrderRequest
from ...domain import Entity, Opportunity
from ...store import StateStore
from .build import unit_price

LINE_PRICES = ("opportunity", "price_list")


@dataclass(frozen=True)
class Departure:
    line: int  # one-based
    product_code: str
    negotiated: Decimal
    listed: Decimal

    @property
    def percent(self) -> Decimal:
        return ((self.negotiated - self.listed) / self.listed * 100).quantize(Decimal("0.1"))


def list_prices(store: StateStore, opps: Iterable[Opportunity]) -> dict[str, Decimal]:
    """PricebookEntry Id -> the linked, active price list entry's price (entries of linked books only)."""
    ids = sorted({ln.pricebook_entry_id for o in opps for ln in o.lines if ln.pricebook_entry_id})
    if not ids:
        return {}
    with store.read() as r:
        links = r.links.many_by_sf_id(Entity.PRICE_ENTRY, ids)
    out: dict[str, Decimal] = {}
    for sf_id, link in links.items():
        base = link.sf_base
        if not base.get("active", True) or base.get("price") in (None, ""):
            continue
        try:
            out[sf_id] = Decimal(str(base["price"]))
        except InvalidOperation:
            continue
    return out


def with_list_prices(req: OrderRequest, opp: Opportunity, prices: dict[str, Decimal]) -> OrderRequest:
    """The request with each line of a linked book at its list price (lines are in the deal's order)."""
    lines = []
    for line, so_line in zip(opp.lines, req.lines, strict=True):
        listed = prices.get(line.pricebook_entry_id)
        lines.append(so_line if listed is None else dataclasses.replace(so_line, price=_plain(listed)))
    return dataclasses.replace(req, lines=tuple(lines))


def departures(opp: Opportunity, prices: dict[str, Decimal], percent: float) -> list[Departure]:
    """Lines whose negotiated price departs from their list price by more than ``percent``."""
    limit = Decimal(str(percent))
    out = []
    for n, line in enumerate(opp.lines, start=1):
        listed = prices.get(line.pricebook_entry_id)
        if listed is None or listed <= 0:
            continue
        got = Departure(n, line.product_code, unit_price(line), listed)
        if abs(got.percent) > limit:
            out.append(got)
    return out


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." not in text or len(text.split(".")[1]) >= 2 else format(value.quantize(Decimal("0.01")), "f")


__all__ = ["LINE_PRICES", "Departure", "departures", "list_prices", "with_list_prices"]
