"""The ``scale:N`` seed: about N Accounts and N CUSTOMERs for benchmarks, built in seconds.

70% of the companies exist on both sides (a third of those cross-keyed by AccountNumber, the rest
with the same name/phone/address drift as the demo), 15% only on each side. Products scale as
N/50 (at least 10, at most 2,000); opportunities as N/10 (at most 10,000), 40% of them historical
Closed Won with a hand-keyed Sales Order, half of those invoiced and half of those paid.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sfintacct_sandbox.seeds import companies as cp
from sfintacct_sandbox.seeds.demo_sales import CUTOVER, OPEN_STAGES
from sfintacct_sandbox.seeds.model import STANDARD_PRICEBOOK, Ref, SeedData, SeedRow

SHARED_FRACTION = 0.70
EXACT_FRACTION = 1 / 3
MAX_PRODUCTS = 2000
MAX_OPPORTUNITIES = 10_000
_ADJ = ("Compact", "Pro", "Ultra", "Smart", "Rugged", "Cloud", "Edge", "Core", "Prime", "Flex", "Max", "Lite")
_NOUN = ("Gateway", "Sensor", "Controller", "Module", "License", "Subscription", "Appliance", "Kit", "Service")


def _unique_core(rng: random.Random, used: set[str]) -> tuple[str, bool]:
    for _ in range(6):
        core, the = cp.new_core(rng)
        if core not in used:
            used.add(core)
            return core, the
    k = 2
    while f"{core} {k}" in used:
        k += 1
    used.add(f"{core} {k}")
    return f"{core} {k}", the


def _unique_name(customer: dict[str, Any], names: set[str]) -> dict[str, Any]:
    """Intacct contact names (taken from NAME) must be unique: qualify a colliding name with its ID."""
    name = customer["NAME"]
    if name.lower() in names:
        name = f"{name} ({customer['CUSTOMERID']})"
        customer["NAME"] = customer["DISPLAYCONTACT"]["PRINTAS"] = customer["DISPLAYCONTACT"]["COMPANYNAME"] = name
    names.add(name.lower())
    return customer


def _customers(rng: random.Random, n: int, sf: list[SeedRow], ia: list[SeedRow]) -> tuple[dict, list[tuple]]:
    phones = cp.PhoneBook(start=0)
    used: set[str] = set()
    ia_names: set[str] = set()
    n_shared = round(n * SHARED_FRACTION)
    pairs, sf_only, ia_only, shared = [], [], [], []
    for i in range(n + (n - n_shared)):
        core, the = _unique_core(rng, used)
        c = cp.new_company(rng, phones, core=core, the=the)
        base = cp.base_style(c)
        is_shared, sf_side = i < n_shared, i < n
        cid = f"C-{100000 + i}"
        if is_shared:
            kinds = cp.available_drifts(c)
            kind = rng.choice(kinds)
            ia_style = cp.drift_style(rng, c, base, kind)
            exact = rng.random() < EXACT_FRACTION
            extra = {"AccountNumber": cid} if exact else {}
            sf.append(SeedRow("Account", f"acct:{i:06d}", cp.render_account(rng, c, base, **extra)))
            customer = cp.render_customer(rng, c, ia_style, cid)
            if customer["NAME"].lower() in ia_names:  # a drift made it collide with another company
                customer, kind = cp.render_customer(rng, c, base, cid), ""
            ia.append(SeedRow("CUSTOMER", f"cust:{i:06d}", _unique_name(customer, ia_names)))
            if customer["NAME"] == sf[-1].fields["Name"]:
                kind = ""  # the drawn drift happened to change nothing for this name
            pairs.append(
                {
                    "salesforce": f"acct:{i:06d}",
                    "intacct": f"cust:{i:06d}",
                    "kind": "exact_key" if exact else "fuzzy",
                    "drift": [kind] if kind else [],
                }
            )
            shared.append((f"acct:{i:06d}", f"cust:{i:06d}", cid))
        elif sf_side:
            sf.append(SeedRow("Account", f"acct:{i:06d}", cp.render_account(rng, c, base)))
            sf_only.append(f"acct:{i:06d}")
        else:
            customer = _unique_name(cp.render_customer(rng, c, base, cid), ia_names)
            ia.append(SeedRow("CUSTOMER", f"cust:{i:06d}", customer))
            ia_only.append(f"cust:{i:06d}")
    truth = {
        "pairs": pairs,
        "salesforce_only": sf_only,
        "intacct_only": ia_only,
        "duplicates": {"salesforce": [], "intacct": []},
        "near_misses": [],
        "wrong_keys": [],
        "salesforce_deleted": [],
        "intacct_inactive": [],
    }
    return truth, shared


def make_products(rng: random.Random, count: int, sf: list[SeedRow], ia: list[SeedRow]) -> tuple[dict, list[tuple]]:
    pairs, sf_only, ia_only, sellable = [], [], [], []
    for i in range(count):
        code = f"SKU-{i + 1:05d}"
        name = f"{rng.choice(_ADJ)} {rng.choice(_NOUN)} {chr(65 + i % 26)}{100 + i}"
        price = f"{rng.randrange(10, 5000)}.{rng.choice(('00', '00', '50', '99'))}"
        on_sf, on_ia = (i % 20) != 18, (i % 20) != 19
        ia_code = code if i % 20 != 17 else f"ITM{i + 1:05d}"  # same product, separately invented code
        if on_sf:
            sf.append(SeedRow("Product2", f"prod:{i:05d}", {"Name": name, "ProductCode": code, "IsActive": True}))
            sf.append(
                SeedRow(
                    "PricebookEntry",
                    f"pbe:{i:05d}",
                    {
                        "Pricebook2Id": STANDARD_PRICEBOOK,
                        "Product2Id": Ref(f"prod:{i:05d}"),
                        "UnitPrice": float(price),
                        "IsActive": True,
                    },
                )
            )
        if on_ia:
            ia.append(
                SeedRow(
                    "ITEM",
                    f"item:{i:05d}",
                    {
                        "ITEMID": ia_code,
                        "NAME": name,
                        "ITEMTYPE": "Non-Inventory",
                        "BASEPRICE": price,
                        "STATUS": "active",
                    },
                )
            )
        if on_sf and on_ia:
            pairs.append(
                {
                    "salesforce": f"prod:{i:05d}",
                    "intacct": f"item:{i:05d}",
                    "kind": "exact_key" if ia_code == code else "fuzzy",
                    "drift": [],
                }
            )
            sellable.append((f"pbe:{i:05d}", ia_code, Decimal(price)))
        elif on_sf:
            sf_only.append(f"prod:{i:05d}")
        else:
            ia_only.append(f"item:{i:05d}")
    truth = {
        "pairs": pairs,
        "salesforce_only": sf_only,
        "intacct_only": ia_only,
        "duplicates": {"salesforce": [], "intacct": []},
        "inactive": {"salesforce": [], "intacct": []},
        "price_mismatch": [],
    }
    return truth, sellable


def _sales(
    rng: random.Random, count: int, shared: list[tuple], sellable: list[tuple], sf: list[SeedRow], ia: list[SeedRow]
) -> dict[str, Any]:
    historical, pending, lost, open_, invoices = [], [], [], [], []
    invoice_rows, payment_rows = [], []
    for i in range(count):
        acct, cust, cid = shared[rng.randrange(len(shared))]
        lines = [(*rng.choice(sellable), rng.randrange(1, 10)) for _ in range(rng.choice((1, 1, 2)))]
        total = sum((price * qty for _, _, price, qty in lines), Decimal(0))
        r = rng.random()
        if r < 0.40:
            stage, close = "Closed Won", date(2024, 1, 1) + timedelta(days=rng.randrange(0, 725))
        elif r < 0.50:
            stage, close = "Closed Won", CUTOVER + timedelta(days=rng.randrange(1, 60))
        elif r < 0.65:
            stage, close = "Closed Lost", date(2024, 1, 1) + timedelta(days=rng.randrange(0, 780))
        else:
            stage, close = OPEN_STAGES[i % len(OPEN_STAGES)], CUTOVER + timedelta(days=rng.randrange(30, 270))
        opp = f"opp:{i:06d}"
        sf.append(
            SeedRow(
                "Opportunity",
                opp,
                {
                    "Name": f"Order {i + 1}",
                    "AccountId": Ref(acct),
                    "StageName": stage,
                    "CloseDate": close.isoformat(),
                    "Pricebook2Id": STANDARD_PRICEBOOK,
                },
            )
        )
        for k, (pbe, _, price, qty) in enumerate(lines, 1):
            sf.append(
                SeedRow(
                    "OpportunityLineItem",
                    f"{opp}-line-{k}",
                    {
                        "OpportunityId": Ref(opp),
                        "PricebookEntryId": Ref(pbe),
                        "Quantity": qty,
                        "UnitPrice": float(price),
                    },
                )
            )
        items = [{"itemid": item, "quantity": str(qty), "price": str(price)} for _, item, price, qty in lines]
        if stage == "Closed Won" and close < CUTOVER:
            so_day = close + timedelta(days=rng.randrange(0, 5))
            so = f"so:{i:06d}"
            ia.append(
                SeedRow(
                    "SODOCUMENT",
                    so,
                    {
                        "transactiontype": "Sales Order",
                        "datecreated": so_day.isoformat(),
                        "customerid": cid,
                        "memo": "Keyed by hand",
                        "sotransitems": items,
                    },
                )
            )
            historical.append(
                {
                    "opportunity": opp,
                    "sales_order": so,
                    "account": acct,
                    "customer": cust,
                    "close_date": close.isoformat(),
                    "order_date": so_day.isoformat(),
                    "total": str(total),
                }
            )
            if rng.random() < 0.5:
                inv, inv_day = f"inv:{i:06d}", so_day + timedelta(days=10)
                invoice_rows.append(
                    SeedRow(
                        "SODOCUMENT",
                        inv,
                        {
                            "transactiontype": "Sales Invoice",
                            "datecreated": inv_day.isoformat(),
                            "customerid": cid,
                            "createdfrom": Ref(so),
                            "sotransitems": items,
                        },
                    )
                )
                paid = total if rng.random() < 0.5 else Decimal(0)
                pays = []
                if paid:
                    pays.append(f"pay:{i:06d}")
                    payment_rows.append(
                        SeedRow(
                            "ARPYMT",
                            pays[0],
                            {
                                "FINANCIALENTITY": "BOA",
                                "PAYMENTMETHOD": "Check",
                                "CUSTOMERID": cid,
                                "RECEIPTDATE": (inv_day + timedelta(days=30)).strftime("%m/%d/%Y"),
                                "ARPYMTDETAILS": [{"RECORDKEY": Ref(inv), "TRX_PAYMENTAMOUNT": str(total)}],
                            },
                        )
                    )
                invoices.append(
                    {
                        "invoice": inv,
                        "sales_order": so,
                        "invoice_date": inv_day.isoformat(),
                        "total": str(total),
                        "paid": str(paid),
                        "due": str(total - paid),
                        "status": "paid" if paid else "unpaid",
                        "payments": pays,
                    }
                )
        elif stage == "Closed Won":
            pending.append(
                {
                    "opportunity": opp,
                    "account": acct,
                    "close_date": close.isoformat(),
                    "total": str(total),
                    "needs": {"customers": [], "products": []},
                }
            )
        elif stage == "Closed Lost":
            lost.append(opp)
        else:
            open_.append(opp)
    ia.extend(invoice_rows)
    ia.extend(payment_rows)
    return {
        "historical_orders": historical,
        "intacct_only_orders": [],
        "pending_orders": pending,
        "closed_lost": lost,
        "open_opportunities": open_,
        "invoices": invoices,
    }


def build_scale(n: int) -> SeedData:
    """Build ``scale:N``; deterministic per N."""
    if n < 1:
        raise ValueError("scale:N needs N >= 1")
    rng = random.Random(f"sfintacct-scale-v1:{n}")
    sf_accounts: list[SeedRow] = []
    sf_rest: list[SeedRow] = []
    ia: list[SeedRow] = []
    customers, shared = _customers(rng, n, sf_accounts, ia)
    products, sellable = make_products(rng, max(10, min(n // 50, MAX_PRODUCTS)), sf_rest, ia)
    truth: dict[str, Any] = {
        "seed": f"scale:{n}",
        "cutover_date": CUTOVER.isoformat(),
        "customers": customers,
        "products": products,
    }
    if shared and sellable:
        truth.update(_sales(rng, min(n // 10, MAX_OPPORTUNITIES), shared, sellable, sf_rest, ia))
    return SeedData(salesforce=sf_accounts + sf_rest, intacct=ia, truth=truth)
