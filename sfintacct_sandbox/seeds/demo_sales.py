"""Demo products, opportunities, hand-keyed historical sales orders, invoices and payments.

History before the cut-over exists on both sides (Closed Won in Salesforce, a Sales Order keyed by
hand in Intacct: same customer and total, order date a few days after the close, no PONUMBER);
wins after the cut-over exist only in Salesforce (the sync's job). Invoices converted from the
historical orders carry full, split, partial or no payments.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sfintacct_sandbox.seeds.catalog import PRODUCTS, Product
from sfintacct_sandbox.seeds.demo_customers import CustomerWorld
from sfintacct_sandbox.seeds.model import STANDARD_PRICEBOOK, Ref, SeedRow

CUTOVER = date(2026, 1, 1)
OPEN_STAGES = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
)
ITEM_TYPES = {
    "software": "Non-Inventory",
    "service": "Non-Inventory",
    "hardware": "Non-Inventory",
    "fee": "Non-Inventory (Sales only)",
}
OPP_TYPES = ("New Customer", "Existing Customer - Upgrade", "Existing Customer - Upgrade")
LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Other")
PAY_METHODS = ("Check", "Check", "EFT", "Cash")
CENT = Decimal("0.01")


def _slug(code: str) -> str:
    return code.lower().replace("&", "and").replace(" ", "-")


def sf_key(p: Product) -> str:
    """The ref suffix of a Salesforce product: its code, or its name when it has no code."""
    return _slug(p.sf_code or p.sf_name)


def _money(v: Decimal) -> str:
    return str(v.quantize(CENT))


_LEGAL = re.compile(
    r"(,?\s+(inc|inc\.|incorporated|llc|l\.l\.c\.|ltd\.?|limited|corp\.?|corporation|"
    r"gmbh|g\.m\.b\.h\.|s\.a\.?|sa|co\.|company|& co\.))+$",
    re.IGNORECASE,
)


def _short_name(account_name: str) -> str:
    """How a rep names a deal after the account: no legal suffix, no shouting."""
    short = _LEGAL.sub("", account_name).strip(" ,") or account_name
    return (short.title() if short.isupper() else short)[:60]


def _mdy(d: date) -> str:
    return d.strftime("%m/%d/%Y")


@dataclass
class Line:
    product: Product
    quantity: int
    price: Decimal

    @property
    def total(self) -> Decimal:
        return (self.price * self.quantity).quantize(CENT)


@dataclass
class SalesWorld:
    salesforce: list[SeedRow] = field(default_factory=list)
    intacct: list[SeedRow] = field(default_factory=list)
    truth: dict[str, Any] = field(default_factory=dict)


def _product_rows(w: SalesWorld) -> dict[str, Any]:
    """Product2 + standard PricebookEntry and ITEM rows, and the product truth."""
    pairs, sf_only, ia_only, mism = [], [], [], []
    inactive: dict[str, list[str]] = {"salesforce": [], "intacct": []}
    items = []
    for p in PRODUCTS:
        prod = item = None
        if p.sf_code is not None:
            key = sf_key(p)
            prod = f"prod:{key}"
            fields: dict[str, Any] = {"Name": p.sf_name}
            if p.sf_code:
                fields["ProductCode"] = p.sf_code
            fields["Description"] = f"{p.sf_name} ({p.kind})"
            fields["IsActive"] = p.sf_active
            w.salesforce.append(SeedRow("Product2", prod, fields))
            w.salesforce.append(
                SeedRow(
                    "PricebookEntry",
                    f"pbe:{key}",
                    {
                        "Pricebook2Id": STANDARD_PRICEBOOK,
                        "Product2Id": Ref(prod),
                        "UnitPrice": float(p.price),
                        "IsActive": p.sf_active,
                    },
                )
            )
            if not p.sf_active:
                inactive["salesforce"].append(prod)
        if p.ia_code is not None:
            item = f"item:{_slug(p.ia_code)}"
            items.append(
                SeedRow(
                    "ITEM",
                    item,
                    {
                        "ITEMID": p.ia_code,
                        "NAME": p.ia_name,
                        "ITEMTYPE": ITEM_TYPES[p.kind],
                        "BASEPRICE": p.ia_price or p.price,
                        "STATUS": "active" if p.ia_active else "inactive",
                    },
                )
            )
            if not p.ia_active:
                inactive["intacct"].append(item)
        if prod and item:
            kind = "exact_key" if p.sf_code == p.ia_code else "fuzzy"
            pairs.append(
                {"salesforce": prod, "intacct": item, "kind": kind, "drift": [] if p.sf_name == p.ia_name else ["name"]}
            )
            if p.ia_price:
                mism.append(
                    {"salesforce": prod, "intacct": item, "salesforce_price": p.price, "intacct_price": p.ia_price}
                )
        elif prod:
            sf_only.append(prod)
        else:
            ia_only.append(item)
    w.intacct.extend(items)
    return {
        "pairs": pairs,
        "salesforce_only": sf_only,
        "intacct_only": ia_only,
        "duplicates": {"salesforce": [], "intacct": []},
        "inactive": inactive,
        "price_mismatch": mism,
    }


def _sellable() -> list[Product]:
    return [
        p
        for p in PRODUCTS
        if p.sf_code is not None and p.ia_code is not None and p.sf_active and p.ia_active and p.ia_price is None
    ]


def _lines(rng: random.Random, pool: list[Product], extra: Product | None = None) -> list[Line]:
    picks = rng.sample(pool, rng.choice((1, 1, 2, 2, 3)))
    if extra is not None:
        picks.append(extra)
    lines = []
    for p in picks:
        price = Decimal(p.price)
        if "SEAT" in (p.sf_code or ""):
            qty = rng.choice((5, 10, 25, 50))
        elif price < 500:
            qty = rng.choice((2, 5, 10, 20, 40))
        elif price < 3000:
            qty = rng.choice((1, 2, 4, 8))
        else:
            qty = 1
        disc = Decimal(rng.choice(("1", "1", "1", "0.95", "0.9", "0.85")))
        lines.append(Line(p, qty, (price * disc).quantize(CENT)))
    return lines


class _Sales:
    def __init__(self, rng: random.Random, cw: CustomerWorld, w: SalesWorld) -> None:
        self.rng, self.cw, self.w = rng, cw, w
        self.names = {r.ref: r.fields["Name"] for r in cw.salesforce if r.object == "Account"}
        self.orders: list[tuple[date, SeedRow]] = []
        self.invoices: list[tuple[date, SeedRow]] = []
        self.payments: list[tuple[date, SeedRow]] = []

    def opportunity(self, ref: str, account: str, stage: str, close: date, lines: list[Line], label: str) -> str:
        short = _short_name(self.names[account])
        fields = {
            "Name": f"{short} - {label} {close.year}",
            "AccountId": Ref(account),
            "StageName": stage,
            "CloseDate": close.isoformat(),
            "Pricebook2Id": STANDARD_PRICEBOOK,
            "Type": self.rng.choice(OPP_TYPES),
            "LeadSource": self.rng.choice(LEAD_SOURCES),
        }
        self.w.salesforce.append(SeedRow("Opportunity", ref, fields))
        for k, ln in enumerate(lines, 1):
            self.w.salesforce.append(
                SeedRow(
                    "OpportunityLineItem",
                    f"{ref}-line-{k}",
                    {
                        "OpportunityId": Ref(ref),
                        "PricebookEntryId": Ref(f"pbe:{sf_key(ln.product)}"),
                        "Quantity": ln.quantity,
                        "UnitPrice": float(ln.price),
                    },
                )
            )
        return ref

    def so_body(
        self, kind: str, day: date, cid: str, lines: list[Line], memo: str, src: str | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"transactiontype": kind, "datecreated": day.isoformat(), "customerid": cid}
        if src:
            body["createdfrom"] = Ref(src)
        body["memo"] = memo
        body["sotransitems"] = [
            {"itemid": ln.product.ia_code, "quantity": str(ln.quantity), "price": _money(ln.price)} for ln in lines
        ]
        return body

    def invoice_and_payments(
        self, tag: str, so_ref: str, so_day: date, cid: str, lines: list[Line], plan: str
    ) -> dict[str, Any]:
        rng = self.rng
        inv_day = so_day + timedelta(days=rng.randrange(3, 25))
        inv = f"inv:{tag}"
        self.invoices.append(
            (
                inv_day,
                SeedRow(
                    "SODOCUMENT",
                    inv,
                    self.so_body("Sales Invoice", inv_day, cid, lines, "Invoice for delivered order", so_ref),
                ),
            )
        )
        total = sum((ln.total for ln in lines), Decimal(0))
        amounts = {
            "paid": [total],
            "split": [(total * Decimal("0.4")).quantize(CENT)],
            "partial": [(total * Decimal(rng.choice(("0.25", "0.5", "0.6")))).quantize(CENT)],
            "unpaid": [],
        }[plan]
        if plan == "split":
            amounts.append(total - amounts[0])
        pays, day = [], inv_day
        for k, amt in enumerate(amounts, 1):
            day = day + timedelta(days=rng.randrange(12, 40))
            ref = f"pay:{tag}-{k}"
            self.payments.append(
                (
                    day,
                    SeedRow(
                        "ARPYMT",
                        ref,
                        {
                            "FINANCIALENTITY": "BOA",
                            "PAYMENTMETHOD": rng.choice(PAY_METHODS),
                            "CUSTOMERID": cid,
                            "RECEIPTDATE": _mdy(day),
                            "ARPYMTDETAILS": [{"RECORDKEY": Ref(inv), "TRX_PAYMENTAMOUNT": _money(amt)}],
                        },
                    ),
                )
            )
            pays.append(ref)
        paid = sum(amounts, Decimal(0))
        status = "paid" if paid == total else ("partial" if paid else "unpaid")
        return {
            "invoice": inv,
            "sales_order": so_ref,
            "invoice_date": inv_day.isoformat(),
            "total": _money(total),
            "paid": _money(paid),
            "due": _money(total - paid),
            "status": status,
            "payments": pays,
        }

    def build(self) -> dict[str, Any]:
        rng = self.rng
        pool = _sellable()
        shared = [s for s in self.cw.shared if s.active]
        accounts = rng.sample(shared, 26)
        historical, invoices, pending, lost, open_ = [], [], [], [], []
        plans = ["paid", "split", "partial", "partial", "unpaid", "unpaid", "paid", None, None, None]
        renewal_lines = _lines(rng, pool)
        for i in range(10):
            # The first two are the same customer renewing the same thing a year apart (same total).
            acct = accounts[0] if i < 2 else accounts[i - 1]
            close = date(2024, 3, 1) + timedelta(days=i * 61 + rng.randrange(0, 20))
            close = date(2024, 4, 15) if i == 0 else date(2025, 4, 11) if i == 1 else close
            lines = renewal_lines if i < 2 else _lines(rng, pool)
            tag = f"hist-{i + 1:02d}"
            opp = self.opportunity(f"opp:{tag}", acct.account, "Closed Won", close, lines, "Annual order")
            so_day = close + timedelta(days=rng.randrange(0, 7))
            so = f"so:{tag}"
            memo = rng.choice(("Per signed quote", "Order per customer email", "Keyed from signed order form"))
            self.orders.append(
                (so_day, SeedRow("SODOCUMENT", so, self.so_body("Sales Order", so_day, acct.customer_id, lines, memo)))
            )
            total = sum((ln.total for ln in lines), Decimal(0))
            historical.append(
                {
                    "opportunity": opp,
                    "sales_order": so,
                    "account": acct.account,
                    "customer": acct.customer,
                    "close_date": close.isoformat(),
                    "order_date": so_day.isoformat(),
                    "total": _money(total),
                }
            )
            if plans[i]:
                invoices.append(self.invoice_and_payments(tag, so, so_day, acct.customer_id, lines, plans[i]))
        # A phone order keyed in Intacct with no opportunity behind it; invoiced and paid.
        phone = accounts[10]
        lines = _lines(rng, pool)
        day = date(2025, 6, 17)
        self.orders.append(
            (
                day,
                SeedRow(
                    "SODOCUMENT",
                    "so:phone-01",
                    self.so_body("Sales Order", day, phone.customer_id, lines, "Phone order, no quote"),
                ),
            )
        )
        invoices.append(self.invoice_and_payments("phone-01", "so:phone-01", day, phone.customer_id, lines, "paid"))
        # Wins after the cut-over: Salesforce only; the last needs a product Finance has not set up
        # and another is for a customer not yet in Intacct.
        new_product = next(p for p in PRODUCTS if p.sf_code == "AI-ASSIST-1Y")
        for i in range(4):
            close = CUTOVER + timedelta(days=7 + i * 12)
            acct_ref = self.cw.salesforce_only[-1] if i == 2 else accounts[11 + i].account
            lines = _lines(rng, pool, new_product if i == 3 else None)
            opp = self.opportunity(f"opp:won-{i + 1:02d}", acct_ref, "Closed Won", close, lines, "New order")
            needs: dict[str, list[str]] = {
                "customers": [acct_ref] if i == 2 else [],
                "products": ["prod:ai-assist-1y"] if i == 3 else [],
            }
            pending.append(
                {
                    "opportunity": opp,
                    "account": acct_ref,
                    "close_date": close.isoformat(),
                    "total": _money(sum((ln.total for ln in lines), Decimal(0))),
                    "needs": needs,
                }
            )
        for i in range(4):
            close = date(2025, 2, 1) + timedelta(days=i * 70 + rng.randrange(0, 30))
            lost.append(
                self.opportunity(
                    f"opp:lost-{i + 1:02d}",
                    accounts[15 + i].account,
                    "Closed Lost",
                    close,
                    _lines(rng, pool),
                    "Expansion",
                )
            )
        for i in range(12):
            close = date(2026, 2, 1) + timedelta(days=i * 18 + rng.randrange(0, 10))
            acct = accounts[19 + i % 7]
            open_.append(
                self.opportunity(
                    f"opp:open-{i + 1:02d}",
                    acct.account,
                    OPEN_STAGES[i % 8],
                    close,
                    _lines(rng, pool),
                    rng.choice(("Renewal", "Upsell", "Expansion")),
                )
            )
        for _, row in sorted(self.orders, key=lambda t: t[0]) + sorted(self.invoices, key=lambda t: t[0]):
            self.w.intacct.append(row)
        self.w.intacct.extend(row for _, row in sorted(self.payments, key=lambda t: t[0]))
        return {
            "historical_orders": historical,
            "intacct_only_orders": ["so:phone-01"],
            "pending_orders": pending,
            "closed_lost": lost,
            "open_opportunities": open_,
            "invoices": sorted(invoices, key=lambda e: e["invoice_date"]),
        }


def build_sales(rng: random.Random, cw: CustomerWorld) -> SalesWorld:
    """Build products, opportunities and the order-to-cash history on top of the demo customers."""
    w = SalesWorld()
    w.truth["products"] = _product_rows(w)
    w.truth.update(_Sales(rng, cw, w).build())
    return w
