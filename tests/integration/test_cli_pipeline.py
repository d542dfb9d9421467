"""`sfintacct pipeline` against the demo sandbox: totals equal the org's opportunities, one API call.

The expectation is computed here from plain (non-aggregate) reads of every opportunity, so the
emulator's GROUP BY and the product's arithmetic are both checked against independent sums.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.integration.test_cli_sync import Bench, bench, cli, cli_json  # noqa: F401

CENT = Decimal("0.01")


def _stats(base: str) -> dict[str, Any]:
    return requests.get(f"{base}/__sandbox__/stats", timeout=10).json()


def _expected(bench: Bench) -> dict[str, Any]:  # noqa: F811
    rows = bench.sf.client.query_all(
        "SELECT Id, StageName, Amount, Probability, CloseDate, IsClosed, IsWon, Intacct_Sales_Order_ID__c, "
        "Intacct_Sync_Status__c FROM Opportunity"
    )
    stage: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0), Decimal(0)])
    month: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0), Decimal(0)])
    waiting = [Decimal(0), Decimal(0)]
    for r in rows:
        amount = Decimal(str(r["Amount"] or 0))
        weighted = (amount * Decimal(str(r["Probability"] or 0)) / 100).quantize(CENT, ROUND_HALF_UP)
        if not r["IsClosed"]:
            for table, key in ((stage, r["StageName"]), (month, r["CloseDate"][:7])):
                table[key][0] += 1
                table[key][1] += amount
                table[key][2] += weighted
        elif r["IsWon"] and not r["Intacct_Sales_Order_ID__c"] and r["Intacct_Sync_Status__c"] != "Historical":
            waiting[0] += 1
            waiting[1] += amount
    return {"stage": stage, "month": month, "waiting": waiting, "open": len([r for r in rows if not r["IsClosed"]])}


def _near(got: str, want: Decimal, count: Decimal) -> bool:
    """Equal to the cent, allowing one cent per opportunity for the org's own per-record rounding."""
    return abs(Decimal(got) - want) <= CENT * count


@pytest.mark.parametrize("bench", ["demo"], indirect=True)
def test_pipeline_totals_match_the_org_in_one_api_call(bench: Bench, tmp_path: Path) -> None:  # noqa: F811
    want = _expected(bench)
    assert len(want["stage"]) >= 4 and len(want["month"]) >= 4  # the demo spreads deals over stages and months
    before = _stats(bench.sf_base)
    out = tmp_path / "pipeline.csv"
    got = cli_json(bench.home, "pipeline", "--csv", str(out))
    after = _stats(bench.sf_base)
    assert after["api_calls"] - before["api_calls"] == 1  # one composite request, measured by the org
    assert got["api_calls"] == 1 and got["currency"] == "USD"

    by_stage = {r["stage"]: r for r in got["by_stage"]}
    assert set(by_stage) == set(want["stage"])
    for name, (n, amount, weighted) in want["stage"].items():
        r = by_stage[name]
        assert r["count"] == n and Decimal(r["amount"]) == amount, name
        assert _near(r["weighted"], weighted, n), (name, r["weighted"], weighted)
    by_month = {r["month"]: r for r in got["by_month"]}
    assert list(by_month) == sorted(want["month"])  # in close-month order
    for key, (n, amount, weighted) in want["month"].items():
        assert by_month[key]["count"] == n and Decimal(by_month[key]["amount"]) == amount, key
        assert _near(by_month[key]["weighted"], weighted, n)
    total = got["open_total"]
    assert total["count"] == want["open"]
    assert Decimal(total["amount"]) == sum(a for _, a, _ in want["stage"].values())
    assert Decimal(total["amount"]) == sum(Decimal(r["amount"]) for r in got["by_month"])
    assert got["waiting_for_order"]["count"] == want["waiting"][0]
    assert Decimal(got["waiting_for_order"]["amount"]) == want["waiting"][1]
    assert len(got["waiting_for_order"]["listed"]) == want["waiting"][0]

    with out.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["key"] for r in rows if r["section"] == "stage"} == set(want["stage"])
    assert [r["amount"] for r in rows if r["section"] == "open_total"] == [total["amount"]]

    text = cli(bench.home, "pipeline")
    assert text.returncode == 0 and "1 Salesforce API call" in text.stdout and "Total open" in text.stdout


@pytest.mark.parametrize("bench", ["demo"], indirect=True)
def test_pipeline_refusals_are_clear_and_cost_nothing(bench: Bench, tmp_path: Path) -> None:  # noqa: F811
    before = _stats(bench.sf_base)
    bad = cli(bench.home, "pipeline", "--csv", str(tmp_path / "no-such-folder" / "p.csv"), "--json")
    assert bad.returncode == 1 and json.loads(bad.stdout)["error"]["title"] == "The CSV file could not be written"
    assert _stats(bench.sf_base)["api_calls"] == before["api_calls"]  # refused before the API call
    assert cli(bench.home, "pipeline", "--bogus").returncode == 2
    # Salesforce not answering: the profile pointed at a closed port
    config = bench.home / "config" / "profiles.json"
    doc = json.loads(config.read_text())
    sf = doc["profiles"]["sandbox"]["salesforce"]
    sf["url"] = sf["login_url"] = "http://127.0.0.1:9"
    config.write_text(json.dumps(doc))
    down = cli(bench.home, "pipeline")
    assert down.returncode == 1 and "Traceback" not in down.stderr
    assert down.stderr.startswith("Could not reach Salesforce:"), down.stderr
