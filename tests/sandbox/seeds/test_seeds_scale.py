"""scale:N: about N records per master object with a realistic overlap, deterministic per N."""

from __future__ import annotations

from collections import Counter

import pytest

from sfintacct_sandbox.seeds import build_seed
from sfintacct_sandbox.seeds.scale import MAX_OPPORTUNITIES, MAX_PRODUCTS, SHARED_FRACTION


@pytest.mark.parametrize("n", [1, 7, 3000])
def test_scale_has_n_accounts_and_customers_with_realistic_overlap(n: int) -> None:
    data = build_seed(f"scale:{n}")
    objects = Counter(r.object for r in data.salesforce + data.intacct)
    assert objects["Account"] == n and objects["CUSTOMER"] == n
    pairs = data.truth["customers"]["pairs"]
    assert len(pairs) == round(n * SHARED_FRACTION)
    assert len(pairs) + len(data.truth["customers"]["salesforce_only"]) == n
    assert len(pairs) + len(data.truth["customers"]["intacct_only"]) == n
    products = max(10, min(n // 50, MAX_PRODUCTS))
    assert objects["Product2"] <= products and objects["ITEM"] <= products
    assert objects["Product2"] >= products * 0.9 and objects["ITEM"] >= products * 0.9
    assert objects["Opportunity"] == min(n // 10, MAX_OPPORTUNITIES)


def test_scale_truth_mixes_exact_and_fuzzy_and_history() -> None:
    data = build_seed("scale:3000")
    kinds = Counter(p["kind"] for p in data.truth["customers"]["pairs"])
    assert 0.25 < kinds["exact_key"] / sum(kinds.values()) < 0.42
    assert data.truth["historical_orders"] and data.truth["pending_orders"] and data.truth["invoices"]
    assert data.truth["cutover_date"] == "2026-01-01" and data.truth["seed"] == "scale:3000"


def test_scale_differs_by_n_but_not_between_calls() -> None:
    a, b = build_seed("scale:200"), build_seed("scale:200")
    assert [r.fields for r in a.salesforce] == [r.fields for r in b.salesforce]
    assert a.salesforce[0].fields != build_seed("scale:201").salesforce[0].fields
