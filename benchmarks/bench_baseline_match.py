"""Benchmark: cleanse + de-duplicate + match for ``scale:N`` (N records per side), no HTTP.

Rows come from ``build_seed("scale:N")`` through the connectors' pure mapping functions, as the
planner would receive them. Prints one JSON line per N: timings, peak traced memory, max RSS, and
precision/recall against the seed's truth (in seed refs). Usage:
``.venv/bin/python benchmarks/bench_baseline_match.py [N ...]`` (default 10000 50000).
"""

from __future__ import annotations

import gc
import json
import resource
import sys
import time
from dataclasses import replace
from typing import Any
from zoneinfo import ZoneInfo

from sfintacct_desktop.connectors import ia_mapping, sf_mapping
from sfintacct_desktop.domain import Customer, Product
from sfintacct_desktop.engine.baseline import match_customers, match_products
from sfintacct_sandbox.seeds import build_seed

ZONE = ZoneInfo("America/Los_Angeles")


def _plain(fields: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in fields.items() if isinstance(v, str | int | float | bool | dict)}


def load(n: int) -> tuple[list[Customer], list[Customer], list[Product], list[Product], dict[str, Any]]:
    """Seed rows as domain records; each record's key is its seed ref, so truth compares directly."""
    data = build_seed(f"scale:{n}")
    sf = [
        sf_mapping.customer_from_account({**_plain(r.fields), "Id": r.ref})
        for r in data.salesforce
        if r.object == "Account"
    ]
    ia = [
        ia_mapping.customer_from_row({**_plain(r.fields), "CUSTOMERID": r.ref, "RECORDNO": str(k)}, ZONE)
        for k, r in enumerate(data.intacct, 1)
        if r.object == "CUSTOMER"
    ]
    # AccountNumber holds the CUSTOMERID; with refs as keys, point it at the CUSTOMER ref.
    ref_of = {r.fields["CUSTOMERID"]: r.ref for r in data.intacct if r.object == "CUSTOMER"}
    sf = [c if not c.number else replace(c, number=ref_of.get(c.number, c.number)) for c in sf]
    prices = {
        r.fields["Product2Id"].key: r.fields["UnitPrice"] for r in data.salesforce if r.object == "PricebookEntry"
    }
    sfp = [
        sf_mapping.product_from_row({**_plain(r.fields), "Id": r.ref}, {"UnitPrice": prices.get(r.ref)})
        for r in data.salesforce
        if r.object == "Product2"
    ]
    iap = [ia_mapping.product_from_item(_plain(r.fields), ZONE) for r in data.intacct if r.object == "ITEM"]
    # Products keep their real ITEMIDs (ProductCode = ITEMID is the exact key): map truth refs to them.
    item_of = {r.ref: r.fields["ITEMID"] for r in data.intacct if r.object == "ITEM"}
    for pair in data.truth["products"]["pairs"]:
        pair["intacct"] = item_of[pair["intacct"]]
    return sf, ia, sfp, iap, data.truth


def _rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss is in KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def run(n: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    sf, ia, sfp, iap, truth = load(n)
    t1 = time.perf_counter()
    gc.collect()
    rss_before = _rss_mb()
    t2 = time.perf_counter()
    result = match_customers(sf, ia)
    t3 = time.perf_counter()
    products = match_products(sfp, iap)
    t4 = time.perf_counter()
    true = {(p["salesforce"], p["intacct"]) for p in truth["customers"]["pairs"]}
    auto = {(p.salesforce, p.intacct) for p in result.auto}
    tp = len(auto & true)
    ptrue = {(p["salesforce"], p["intacct"]) for p in truth["products"]["pairs"]}
    pauto = {(p.salesforce, p.intacct) for p in products.auto}
    return {
        "n": n,
        "salesforce": len(sf),
        "intacct": len(ia),
        "build_rows_s": round(t1 - t0, 2),
        "match_s": round(t3 - t2, 2),
        "products": [len(sfp), len(iap)],
        "match_products_s": round(t4 - t3, 2),
        "rss_before_match_mb": rss_before,
        "max_rss_mb": _rss_mb(),
        "auto": len(auto),
        "review": len(result.review),
        "precision": round(tp / len(auto), 4) if auto else None,
        "recall": round(tp / len(true), 4) if true else None,
        "stats": result.stats,
        "product_precision": round(len(pauto & ptrue) / len(pauto), 4) if pauto else None,
        "product_recall": round(len(pauto & ptrue) / len(ptrue), 4) if ptrue else None,
        "duplicate_groups": {k: len(v) for k, v in result.duplicates.items()},
    }


def main(argv: list[str]) -> None:
    sizes = [int(a) for a in argv] or [10_000, 50_000]
    for n in sizes:
        print(json.dumps(run(n)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
