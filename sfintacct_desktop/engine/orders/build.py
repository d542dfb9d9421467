"""An Opportunity with its lines -> a ``create_sotransaction`` request, or the reason it is blocked.

Why prices are derived from TotalPrice: Salesforce computes a line as
``round(Quantity * UnitPrice * (1 - Discount/100), 2)``; sending that total divided by the quantity
makes Intacct's line total (quantity x price, to the cent) equal the amount sales agreed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from ...connectors.ia_orders import OrderRequest, Prechecks
from ...domain import Link, Opportunity, OpportunityLine
from ...wire.intacct.functions import SoLine

PRICE_PLACES = Decimal("0.0001")  # Intacct unit prices take more places than amounts


@dataclass(frozen=True)
class BlockedOrder:
    reason: str
    hint: str
    keys: set[str] = field(default_factory=set)  # records whose change lifts the block


def unit_price(line: OpportunityLine) -> Decimal:
    """The net unit price, discount applied the way Salesforce computed TotalPrice."""
    if line.quantity == 0:
        return line.unit_price
    if line.discount_percent in (None, Decimal(0)) and line.quantity * line.unit_price == line.total_price:
        return line.unit_price
    return (line.total_price / line.quantity).quantize(PRICE_PLACES, rounding=ROUND_HALF_UP)


def _plain(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." not in text or len(text.split(".")[1]) >= 2 else format(value.quantize(Decimal("0.01")), "f")


def build_request(
    opp: Opportunity,
    *,
    accounts: dict[str, Link],
    products: dict[str, Link],
    checks: Prechecks,
    definition_ok: bool,
    transaction_type: str,
    controlid: str,
) -> OrderRequest | BlockedOrder:
    reasons: list[str] = []
    hints: list[str] = []
    keys: set[str] = {opp.id}
    link = accounts.get(opp.account_id) if opp.account_id else None
    customer_id = link.ia_key if link else ""
    if not opp.account_id:
        reasons.append("the opportunity has no account")
        hints.append("Set the Account of the opportunity.")
    elif link is None:
        keys.add(opp.account_id)
        reasons.append("its account is not linked to an Intacct customer")
        hints.append("See the customer error in the inbox, fix it and retry.")
    else:
        keys.update({opp.account_id, customer_id})
        customer = checks.customers.get(customer_id)
        if customer is None:
            reasons.append(f"customer {customer_id} does not exist in Intacct")
            hints.append("Re-link the account or restore the customer.")
        elif not customer.active:
            reasons.append(f"customer {customer_id} is inactive in Intacct")
            hints.append("Reactivate the customer in Intacct; the order is then sent automatically.")
    if not opp.lines:
        reasons.append("the opportunity has no products")
        hints.append("Add the products sold to the opportunity.")
    lines: list[SoLine] = []
    for n, line in enumerate(opp.lines, start=1):
        plink = products.get(line.product_id)
        keys.add(line.product_id)
        if plink is None:
            reasons.append(f"the product of line {n} is not linked to an Intacct item")
            hints.append("See the product error in the inbox, fix it and retry.")
            continue
        keys.add(plink.ia_key)
        item = checks.items.get(plink.ia_key)
        if item is None:
            reasons.append(f"item {plink.ia_key} does not exist in Intacct")
            hints.append("Re-link the product or restore the item.")
        elif not item.active:
            reasons.append(f"item {plink.ia_key} is inactive in Intacct")
            hints.append("Reactivate the item in Intacct; the order is then sent automatically.")
        if line.quantity <= 0:
            reasons.append(f"line {n} has quantity {line.quantity}")
            hints.append("Quantities must be greater than zero.")
        price = unit_price(line)
        if price < 0:
            reasons.append(f"line {n} has a negative price")
            hints.append("Prices cannot be negative.")
        lines.append(SoLine(itemid=plink.ia_key, quantity=_plain(line.quantity), price=_plain(price)))
    if not definition_ok:
        reasons.append(f"the transaction definition {transaction_type!r} does not exist in Intacct")
        hints.append("Create it in Intacct or set another one in the profile (orders.transaction_type).")
    if reasons:
        return BlockedOrder("; ".join(dict.fromkeys(reasons)), " ".join(dict.fromkeys(hints)), keys)
    return OrderRequest(
        controlid=controlid,
        transaction_type=transaction_type,
        order_date=opp.close_date,
        customer_id=customer_id,
        reference_no=opp.id,
        memo=opp.name[:1000],
        lines=tuple(lines),
    )
