"""`sfintacct baseline plan | apply` as a user runs them: real subprocesses against
`sfintacct sandbox serve --seed demo`, SFINTACCT_HOME in the test's tmp_path.
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
import requests

from tests.integration import test_cli_sync as base
from tests.support.crash import kill_once_request_arrived
from tests.support.signin import web_connector

TIMEOUT = base.TIMEOUT
CP_STREAMS = ("salesforce.customers", "intacct.customers", "salesforce.products", "intacct.items")


@pytest.fixture()
def bench(tmp_path: Path) -> Iterator[base.Bench]:
    proc = base.spawn(tmp_path, "sandbox", "serve", "--seed", "demo")
    line = base.readline(proc, time.monotonic() + TIMEOUT)
    if not line:
        proc.kill()
        pytest.fail("sandbox serve printed nothing: " + proc.stderr.read())  # type: ignore[union-attr]
    info = json.loads(line)
    sf_info, ia_info = info["salesforce"], info["intacct"]
    sf = web_connector(sf_info["login_url"], backoff=base.NO_SLEEP)
    ia_client = base.IntacctClient(
        base.IntacctSettings(
            sender_id=ia_info["sender_id"],
            company_id=ia_info["company_id"],
            user_id=ia_info["user_id"],
            endpoint=ia_info["url"],
            read_timeout=30.0,
        ),
        base.IntacctSecrets(ia_info["sender_password"], ia_info["user_password"]),
        backoff=base.NO_SLEEP,
    )
    ia = base.IntacctConnector(ia_client, "America/Los_Angeles")
    ia.login()
    try:
        yield base.Bench(tmp_path, info, sf, ia)
    finally:
        sf.client.close()
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=TIMEOUT)


def _plan(bench: base.Bench, cutover: str | None = "2026-01-01") -> dict[str, Any]:
    """``cutover=None``: the default cut-over (today), every Closed Won so far historical."""
    extra = ["--cutover", cutover] if cutover else []
    out = base.cli_json(bench.home, "baseline", "plan", *extra)
    assert out["ok"] is True
    return out


def _xrefs(bench: base.Bench) -> tuple[list[str], list[str]]:
    accounts = [a["Intacct_Customer_ID__c"] for a in bench.accounts() if a["Intacct_Customer_ID__c"]]
    customers = [c.cross_ref for c in bench.customers() if c.cross_ref]
    return accounts, customers


def test_plan_writes_a_reviewable_json_and_csv_and_prints_counts(bench: base.Bench) -> None:
    out = _plan(bench)
    plan_path, csv_path = Path(out["plan"]), Path(out["csv"])
    assert plan_path.parent == bench.home / "data" / "plans" or plan_path.parent.name == "plans"
    assert plan_path.name.startswith("sandbox-") and plan_path.suffix == ".json"
    doc = json.loads(plan_path.read_text())
    assert doc["cutover_date"] == "2026-01-01" and doc["counts"] == out["counts"]
    c = out["counts"]
    assert c["customer"]["links_auto"] > 0 and c["customer"]["create_in_intacct"] > 0
    assert c["customer"]["create_in_salesforce"] > 0 and c["customer"]["left_out"] > 0
    assert c["historical"]["opportunities"] > 0
    rows = list(csv.DictReader(csv_path.open()))
    assert len(rows) == len(doc["actions"])
    assert {r["action"] for r in rows} >= {"link", "create", "leave_out", "historical"}
    text = base.cli(bench.home, "baseline", "plan", "--cutover", "2026-01-01")
    assert text.returncode == 0, text.stderr
    assert "links proposed" in text.stdout and "historical opportunities" in text.stdout
    assert bench.admin(bench.ia_base, "stats")["writes"] == 0  # planning writes nothing
    assert bench.admin(bench.sf_base, "stats")["writes"] == 0


def test_apply_without_acceptance_writes_nothing_and_bad_plans_are_refused(bench: base.Bench) -> None:
    out = _plan(bench)
    report = base.cli_json(bench.home, "baseline", "apply")
    assert report["ok"] is True and report["accepted_actions"] == 0 and report["writes"] == 0
    assert report["links"] == {"customer": 0, "product": 0}
    named = report["not_applied_first"]
    assert len(named) == min(20, report["not_applied"]) and all(a["id"] and a["entity"] for a in named)
    text = base.cli(bench.home, "baseline", "apply")  # the report names what it left alone
    assert text.returncode == 0 and "not applied (not accepted;" in text.stdout
    assert f"action {named[0]['id']}: {named[0]['entity']} {named[0]['action']}" in text.stdout
    assert f"and {report['not_applied'] - len(named)} more" in text.stdout

    doc = json.loads(Path(out["plan"]).read_text())
    doc["actions"][0]["action"] = "lnk"
    doc["actions"][1]["accepted"] = "yes"
    bad = bench.home / "edited.json"
    bad.write_text(json.dumps(doc))
    refused = base.cli(bench.home, "baseline", "apply", "--plan", str(bad), "--json")
    assert refused.returncode == 1
    err = json.loads(refused.stdout)["error"]
    assert err["title"] == "The plan cannot be applied"
    assert any("action 1" in p and "lnk" in p for p in err["problems"])
    assert any("action 2" in p and "accepted" in p for p in err["problems"])
    garbled = bench.home / "garbled.json"
    garbled.write_text("{not json")
    refused = base.cli(bench.home, "baseline", "apply", "--plan", str(garbled))
    assert refused.returncode == 1 and "not valid JSON" in refused.stderr


def test_sigkill_during_the_load_then_rerun_completes_without_duplicates(bench: base.Bench) -> None:
    out = _plan(bench, cutover=None)
    planned = out["counts"]["customer"]
    customers_before = len(bench.customers())
    bench.admin(bench.ia_base, "faults", {"operation": "create", "mode": "timeout", "count": 1, "delay_seconds": 60})
    before = int(bench.admin(bench.ia_base, "stats")["by_operation"].get("create", 0))
    proc = base.spawn(bench.home, "baseline", "apply", "--accept-suggested", "--json")
    kill_once_request_arrived(
        proc,
        lambda: int(bench.admin(bench.ia_base, "stats")["by_operation"].get("create", 0)),
        before,
        timeout=TIMEOUT,
        what="an Intacct create from the load",
    )
    requests.delete(f"{bench.ia_base}/__sandbox__/faults", timeout=10).raise_for_status()
    assert len(bench.customers()) > customers_before  # the killed request was applied

    rerun = base.cli_json(bench.home, "baseline", "apply", "--accept-suggested")
    assert rerun["ok"] is True and rerun["status"] == "ok", rerun
    assert rerun["cutover_date"] == date.today().isoformat()
    created = planned["create_in_intacct"] - planned["creates_review"]
    assert len(bench.customers()) == customers_before + created  # each create happened once
    accounts, customers = _xrefs(bench)
    assert len(accounts) == len(set(accounts)) and len(customers) == len(set(customers))
    assert len(customers) == rerun["links"]["customer"]

    again = base.cli_json(bench.home, "baseline", "apply", "--accept-suggested")
    assert again["writes"] == 0  # a finished load re-applied is a no-op
    left = again["not_applied_first"]  # only what a person must decide is left alone
    assert len(left) == again["not_applied"] and all("review" in (a["action"], a["status"]) for a in left)
    # The live sync right after the load makes no write at all, on either emulator.
    before = (bench.admin(bench.sf_base, "stats")["writes"], bench.admin(bench.ia_base, "stats")["writes"])
    run = base.cli(bench.home, "sync", "--once", "--json")
    quiet = json.loads(run.stdout.splitlines()[0])
    assert quiet["status"] == "ok" and quiet["writes"] == 0, quiet
    assert set(CP_STREAMS) <= set(quiet["streams"]), run.stderr
    after = (bench.admin(bench.sf_base, "stats")["writes"], bench.admin(bench.ia_base, "stats")["writes"])
    assert after == before
    second = _plan(bench)
    assert second["counts"]["new_proposals"] == 0
