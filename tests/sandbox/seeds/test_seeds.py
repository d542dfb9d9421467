"""Structure of every seed: determinism, dependency order, truth coverage and partition."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from sfintacct_sandbox.seeds import STANDARD_PRICEBOOK, Ref, SeedData, SeedRow, build_seed, resolve_truth
from sfintacct_sandbox.seeds.truth import INTACCT_PREFIXES, SALESFORCE_PREFIXES, truth_refs

SEEDS = ("demo", "renamed", "scale:1500")


def canonical(data: SeedData) -> str:
    """A byte-stable rendering of a whole seed (Refs spelled out) for equality checks."""

    def rows(side: list[SeedRow]) -> list[Any]:
        return [[r.object, r.ref, r.fields, r.deleted] for r in side]

    payload = {"salesforce": rows(data.salesforce), "intacct": rows(data.intacct), "truth": data.truth}
    return json.dumps(payload, sort_keys=True, default=lambda o: {"$ref": o.key})


def refs_in(value: Any) -> list[str]:
    if isinstance(value, Ref):
        return [value.key]
    if isinstance(value, dict):
        return [k for v in value.values() for k in refs_in(v)]
    if isinstance(value, list):
        return [k for v in value for k in refs_in(v)]
    return []


@pytest.fixture(scope="module", params=SEEDS)
def seed(request: pytest.FixtureRequest) -> SeedData:
    return build_seed(request.param)


def test_empty_seed_has_no_rows_and_empty_truth() -> None:
    data = build_seed("empty")
    assert data.salesforce == [] and data.intacct == [] and data.truth == {}


@pytest.mark.parametrize("name", ["", "Demo", "full", "scale:", "scale:x", "scale:0", "scale:-5"])
def test_unknown_or_malformed_seed_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError):
        build_seed(name)


@pytest.mark.parametrize("name", SEEDS)
def test_build_is_deterministic_within_a_process(name: str) -> None:
    assert canonical(build_seed(name)) == canonical(build_seed(name))


def test_demo_is_identical_across_processes_with_different_hash_seeds() -> None:
    """Guards against hash()/set-order leaking into the output (PYTHONHASHSEED differs per process)."""
    code = (
        f"import hashlib, sys; sys.path.insert(0, {str(_repo_root())!r}); "
        "from tests.sandbox.seeds.test_seeds import canonical; "
        "from sfintacct_sandbox.seeds import build_seed; "
        "print(hashlib.sha256(canonical(build_seed('demo')).encode()).hexdigest())"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        digests.add(out.stdout.strip())
    assert len(digests) == 1


def _repo_root() -> Any:
    from pathlib import Path

    return Path(__file__).resolve().parents[3]


def test_seed_rows_use_only_the_interface_objects(seed: SeedData) -> None:
    assert {r.object for r in seed.salesforce} <= {
        "Account",
        "Product2",
        "PricebookEntry",
        "Opportunity",
        "OpportunityLineItem",
    }
    assert {r.object for r in seed.intacct} <= {"CUSTOMER", "ITEM", "SODOCUMENT", "ARPYMT"}


@pytest.mark.parametrize("side", ["salesforce", "intacct"])
def test_refs_are_unique_and_only_point_to_earlier_rows(seed: SeedData, side: str) -> None:
    seen = {STANDARD_PRICEBOOK.key} if side == "salesforce" else set()
    for row in getattr(seed, side):
        for key in refs_in(row.fields):
            assert key in seen, f"{row.ref} refers to {key}, which is not an earlier row"
        assert row.ref not in seen, f"duplicate ref {row.ref}"
        seen.add(row.ref)


def test_ref_targets_have_the_right_object(seed: SeedData) -> None:
    sf = {r.ref: r.object for r in seed.salesforce}
    ia = {r.ref: r for r in seed.intacct}
    for r in seed.salesforce:
        if r.object == "PricebookEntry":
            assert r.fields["Pricebook2Id"] == STANDARD_PRICEBOOK
            assert sf[r.fields["Product2Id"].key] == "Product2"
        if r.object == "Opportunity":
            assert sf[r.fields["AccountId"].key] == "Account"
        if r.object == "OpportunityLineItem":
            assert sf[r.fields["OpportunityId"].key] == "Opportunity"
            assert sf[r.fields["PricebookEntryId"].key] == "PricebookEntry"
    for r in seed.intacct:
        if r.object == "SODOCUMENT" and "createdfrom" in r.fields:
            src = ia[r.fields["createdfrom"].key]
            assert src.fields["transactiontype"] == "Sales Order"
            assert r.fields["transactiontype"] == "Sales Invoice"
        if r.object == "ARPYMT":
            for detail in r.fields["ARPYMTDETAILS"]:
                inv = ia[detail["RECORDKEY"].key]
                assert inv.fields["transactiontype"] == "Sales Invoice"
                assert inv.fields["customerid"] == r.fields["CUSTOMERID"]


def test_truth_is_json_and_every_ref_in_it_is_a_row_on_its_side(seed: SeedData) -> None:
    json.dumps(seed.truth)  # no Refs, dates or Decimals inside
    sf = {r.ref for r in seed.salesforce}
    ia = {r.ref for r in seed.intacct}
    refs = truth_refs(seed.truth)
    assert refs, "truth names no records"
    for ref in refs:
        if ref.startswith(SALESFORCE_PREFIXES):
            assert ref in sf, ref
        else:
            assert ref.startswith(INTACCT_PREFIXES) and ref in ia, ref


@pytest.mark.parametrize(
    ("side", "obj", "section"),
    [
        ("salesforce", "Account", "customers"),
        ("intacct", "CUSTOMER", "customers"),
        ("salesforce", "Product2", "products"),
        ("intacct", "ITEM", "products"),
    ],
)
def test_every_master_row_is_classified_exactly_once(seed: SeedData, side: str, obj: str, section: str) -> None:
    t = seed.truth[section]
    places = [p[side] for p in t["pairs"]]
    places += t[f"{side}_only"]
    places += [ref for group in t["duplicates"][side] for ref in group[1:]]
    places += t.get("salesforce_deleted", []) if side == "salesforce" else []
    rows = [r.ref for r in getattr(seed, side) if r.object == obj]
    assert sorted(places) == sorted(rows)
    for group in t["duplicates"][side]:  # canonical member is classified elsewhere
        assert group[0] in places


def test_resolve_truth_swaps_refs_for_ids_and_keeps_everything_else() -> None:
    truth = {
        "cutover_date": "2026-01-01",
        "customers": {"pairs": [{"salesforce": "acct:a", "intacct": "cust:a", "kind": "fuzzy"}]},
        "historical_orders": [{"opportunity": "opp:x", "sales_order": "so:x", "total": "10.00"}],
    }
    out = resolve_truth(
        truth,
        {"acct:a": "001000000000001AAA", "opp:x": "006000000000001AAA"},
        {"cust:a": "C-1001", "so:x": "Sales Order-SO0001"},
    )
    assert out == {
        "cutover_date": "2026-01-01",
        "customers": {"pairs": [{"salesforce": "001000000000001AAA", "intacct": "C-1001", "kind": "fuzzy"}]},
        "historical_orders": [
            {"opportunity": "006000000000001AAA", "sales_order": "Sales Order-SO0001", "total": "10.00"}
        ],
    }
    assert truth["customers"]["pairs"][0]["salesforce"] == "acct:a"  # input untouched


def test_resolve_truth_of_a_real_seed_leaves_no_ref_unresolved(seed: SeedData) -> None:
    sf = {r.ref: f"SF-{i}" for i, r in enumerate(seed.salesforce)}
    ia = {r.ref: f"IA-{i}" for i, r in enumerate(seed.intacct)}
    assert truth_refs(resolve_truth(seed.truth, sf, ia)) == set()
