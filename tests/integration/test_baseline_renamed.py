"""Renamed companies on a messy held-out company (the ``renamed`` seed), over real HTTP.

The demo seed is what the matcher was tuned on; this seed comes from another random stream with
messier contact data, and every way a renamed company can look (with and without a shared key,
with fields missing), each with the outcome the baseline must produce (``expect`` in its truth).
Also runs ``sfintacct baseline plan --json`` against ``sandbox serve --seed renamed`` as a user would.
"""

from __future__ import annotations

import csv
import json
import signal
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sfintacct_desktop.engine.baseline import MatchResult, match_customers
from sfintacct_desktop.engine.baseline.extract import extract
from sfintacct_desktop.engine.baseline.plan import build_plan
from sfintacct_desktop.engine.mapping import load_mapping
from sfintacct_sandbox.runner import Sandbox, SandboxOptions
from tests.integration import test_cli_sync as base
from tests.integration.test_baseline_quality import _all, _quality, connect


@pytest.fixture(scope="module")
def held_out() -> Iterator[dict[str, Any]]:
    sb = Sandbox(SandboxOptions(seed="renamed")).start()
    try:
        sfc, iac = connect(sb)
        ex = extract(sfc, iac, orders=False)
        yield {
            "customers": match_customers(_all(sfc.read_customers()), _all(iac.read_customers())),
            "plan": build_plan(ex, {}, load_mapping(), profile="t", cutover=date(2026, 1, 1)),
            "truth": sb.ground_truth()["customers"],
        }
    finally:
        sb.stop()


def _pairs(result: MatchResult) -> dict[tuple[str, str], Any]:
    return {(p.salesforce, p.intacct): p for p in result.pairs}


def test_auto_links_stay_precise_on_the_held_out_company(held_out: dict[str, Any]) -> None:
    q = _quality(held_out["customers"], held_out["truth"])
    print(f"\nheld-out customers: precision {q['precision']:.4f} recall {q['recall']:.4f} ({q['review']} to review)")
    assert q["precision"] == 1.0, q["wrong"]
    # Every true pair is linked or offered for review, except the one the evidence cannot tell apart.
    pairs = _pairs(held_out["customers"])
    lost = [p for p in held_out["truth"]["pairs"] if (p["salesforce"], p["intacct"]) not in pairs]
    assert [p["drift"][1] for p in lost] == ["moved_new_domain_same_phone", "moved_kept_phone_no_website"]


def test_every_renamed_company_gets_its_expected_outcome(held_out: dict[str, Any]) -> None:
    renamed = [p for p in held_out["truth"]["pairs"] if p["kind"] == "renamed"]
    assert {p["expect"] for p in renamed} == {"auto", "review", "partner", "create"}
    pairs = _pairs(held_out["customers"])
    partners = held_out["customers"].partners
    for p in renamed:
        got = pairs.get((p["salesforce"], p["intacct"]))
        tag = p["drift"][1]
        if p["expect"] in ("auto", "review"):
            assert got is not None and got.status == p["expect"], (tag, got)
            if got.status == "review":
                assert got.reasons["review_because"], tag  # the reasons say why a person should look
        else:
            assert got is None, tag
            flagged = partners["salesforce"].get(p["salesforce"])
            assert (flagged is not None) == (p["expect"] == "partner"), (tag, flagged)
    with_key = [p for p in renamed if p["drift"][1].startswith("key_")]
    assert len(with_key) == 4 and all(pairs[(p["salesforce"], p["intacct"])].method == "number" for p in with_key)


def test_look_alikes_are_never_proposed_as_strong(held_out: dict[str, Any]) -> None:
    near = held_out["truth"]["near_misses"]
    kinds = {m["kind"] for m in near}
    assert kinds == {
        "office_building",
        "shared_phone",
        "placeholder_phone",
        "social_website",
        "same_name_other_city",
        "subsidiary",
    }
    pairs = _pairs(held_out["customers"])
    partners = held_out["customers"].partners["salesforce"]
    for m in near:
        assert (m["salesforce"], m["intacct"]) not in pairs, m
        assert m["salesforce"] not in partners, m


def test_the_plan_counts_creates_with_a_plausible_partner_and_names_it(held_out: dict[str, Any]) -> None:
    doc, truth = held_out["plan"], held_out["truth"]
    creates = {a.get("salesforce") or a.get("intacct"): a for a in doc["actions"] if a["action"] == "create"}
    flagged = {a_key: a["partner"]["key"] for a_key, a in creates.items() if a.get("partner")}
    expected = {f.get("salesforce") or f.get("intacct"): f["partner"] for f in truth["flagged_creates"]}
    assert flagged == expected
    assert doc["counts"]["customer"]["creates_with_partner"] == len(expected)
    for key in expected:
        assert creates[key]["partner"]["why"].startswith("not proposed")
    reviewed = {(a["salesforce"], a["intacct"]) for a in doc["actions"] if a["action"] == "review"}
    for p in truth["pairs"]:
        if p.get("expect") == "review":
            assert (p["salesforce"], p["intacct"]) in reviewed
            assert p["salesforce"] not in creates and p["intacct"] not in creates  # never two creates


def test_cli_plan_json_reports_the_creates_with_a_plausible_partner(tmp_path: Path) -> None:
    proc = base.spawn(tmp_path, "sandbox", "serve", "--seed", "renamed")
    try:
        line = base.readline(proc, time.monotonic() + base.TIMEOUT)
        assert line, "sandbox serve printed nothing"
        out = base.cli_json(tmp_path, "baseline", "plan", "--cutover", "2026-01-01")
        assert out["counts"]["customer"]["creates_with_partner"] == 3
        doc = json.loads(Path(out["plan"]).read_text())
        with Path(out["csv"]).open(encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        with_partner = [r for r in rows if r["plausible_partner"]]
        assert len(with_partner) == 3 and {r["action"] for r in with_partner} == {"create"}
        assert sum(1 for a in doc["actions"] if a.get("partner")) == 3
        text = base.cli(tmp_path, "baseline", "plan", "--cutover", "2026-01-01")
        assert "creates with a plausible partner 3" in text.stdout, text.stdout
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=base.TIMEOUT)
