"""`sfintacct invoices [--customer] [--open] [--refresh] [--json]` as a user runs it (real subprocesses)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import requests

from tests.integration.test_cli_sync import Bench, bench, cli, cli_json  # noqa: F401
from tests.support.orders_env import invoice_order, invoice_record, make_deal, orders_for, pay, sf_invoices
from tests.support.sync_env import SyncEnv


def test_invoices_lookup_from_the_cache_and_live_refresh(bench: Bench) -> None:  # noqa: F811
    users = SyncEnv(None, None, None, None, bench.sf, bench.ia)  # type: ignore[arg-type]
    assert cli_json(bench.home, "sync", "--once")["status"] == "ok"  # the live sync starts: the cut-over
    deal = make_deal(users, "CLI", [("100.00", 1, None), ("20.00", 2, None)], stage="Closed Won")
    assert cli_json(bench.home, "sync", "--once")["status"] == "ok"
    docid = orders_for(users, deal.opp_id)[0]["DOCID"]
    inv_doc = invoice_order(users, docid, [("CLI-P1", "1"), ("CLI-P2", "2")], "CLI-A", date(2026, 3, 1))
    assert cli_json(bench.home, "sync", "--once")["status"] == "ok"
    got = cli_json(bench.home, "invoices", "--customer", "cli-a")
    assert got["ok"] is True and [i["total"] for i in got["invoices"]] == ["140.00"]
    assert got["customers"]["CLI-A"]["open_balance"] == "140.00"
    # paid in Intacct, no sync yet: the cache is stale until --refresh reads that customer live
    pay(users, "CLI-A", invoice_record(users, inv_doc)["RECORDNO"], "140.00")
    assert [i["due"] for i in cli_json(bench.home, "invoices", "--open")["invoices"]] == ["140.00"]
    fresh = cli_json(bench.home, "invoices", "--customer", "CLI-A", "--refresh", "--open")
    assert fresh["refreshed"] == "CLI-A" and fresh["invoices"] == []
    assert fresh["customers"]["CLI-A"]["open_balance"] == "0.00"
    open_text = cli(bench.home, "invoices", "--open")  # who owes nothing is not listed as open
    assert open_text.returncode == 0 and "CLI-A" not in open_text.stdout and "No open invoices." in open_text.stdout
    # the refresh filled the local copy only; the next sync brings Salesforce along, order link kept
    assert cli_json(bench.home, "sync", "--once")["status"] == "ok"
    [sf_invoice] = sf_invoices(users)
    assert float(sf_invoice["Amount_Paid__c"]) == 140.0 and float(sf_invoice["Amount_Due__c"]) == 0.0
    assert sf_invoice["Opportunity__c"] == deal.opp_id
    text = cli(bench.home, "invoices")
    assert text.returncode == 0 and "CLI-A" in text.stdout
    missing = cli(bench.home, "invoices", "--customer", "NOPE", "--json")
    assert missing.returncode == 1 and "No such customer" in missing.stderr
    usage = cli(bench.home, "invoices", "--bogus")
    assert usage.returncode == 2


def _stats(base: str) -> dict[str, Any]:
    return requests.get(f"{base}/__sandbox__/stats", timeout=10).json()


def test_invoices_by_name_as_a_salesperson_types_it(bench: Bench) -> None:  # noqa: F811
    users = SyncEnv(None, None, None, None, bench.sf, bench.ia)  # type: ignore[arg-type]
    assert cli_json(bench.home, "sync", "--once")["status"] == "ok"  # the live sync starts: the cut-over
    widgets = make_deal(users, "AW", [("100.00", 1, None)], stage="Closed Won", account=ACME_WIDGETS)
    globex = make_deal(users, "GX", [("50.00", 2, None)], stage="Closed Won", account=GLOBEX)
    bench.create_account(**ACME_HOLDINGS)  # a second "Acme", with no invoice yet
    assert cli_json(bench.home, "sync", "--once")["status"] == "ok"
    for deal, cid, item in ((widgets, "ACME-W", "AW-P1"), (globex, "GLBX", "GX-P1")):
        docid = orders_for(users, deal.opp_id)[0]["DOCID"]
        invoice_order(users, docid, [(item, "1")], cid, date(2026, 3, 1))
    assert cli_json(bench.home, "sync", "--once")["status"] == "ok"

    before = (_stats(bench.ia_base), _stats(bench.sf_base))
    for typed in ("acme widgets", "ACME WIDGETS INC", "Acme Widgets, Inc.", "widgets", "acme-w"):
        got = cli_json(bench.home, "invoices", "--customer", typed)
        assert list(got["customers"]) == ["ACME-W"], typed
        assert got["match"]["name"] == "Acme Widgets, Inc." and got["match"]["account_id"]
        assert [i["customer_name"] for i in got["invoices"]] == ["Acme Widgets, Inc."]
    assert list(cli_json(bench.home, "invoices", "--customer", "globx")["customers"]) == ["GLBX"]  # a typo
    text = cli(bench.home, "invoices", "--customer", "globex")
    assert text.returncode == 0 and "GLBX Globex Corporation: open" in text.stdout
    after = (_stats(bench.ia_base), _stats(bench.sf_base))
    assert after[0]["requests"] == before[0]["requests"]  # a lookup costs nothing remote
    assert after[1]["requests"] == before[1]["requests"]

    several = cli(bench.home, "invoices", "--customer", "acme", "--json")
    assert several.returncode == 1 and "Traceback" not in several.stderr
    body = json.loads(several.stdout)
    assert body["ok"] is False and body["error"]["title"] == "Several customers match"
    assert {c["customer_id"]: c["name"] for c in body["candidates"]} == {
        "ACME-W": "Acme Widgets, Inc.",
        "ACME-H": "Acme Holdings LLC",
    }
    listed = cli(bench.home, "invoices", "--customer", "acme")
    assert listed.returncode == 1
    assert "ACME-W Acme Widgets, Inc." in listed.stderr and "ACME-H Acme Holdings LLC" in listed.stderr
    assert listed.stdout == ""

    ia_before = _stats(bench.ia_base)["transactions"]
    fresh = cli_json(bench.home, "invoices", "--customer", "acme widgets", "--refresh")
    assert fresh["refreshed"] == "ACME-W" and [i["total"] for i in fresh["invoices"]] == ["100.00"]
    assert _stats(bench.ia_base)["transactions"] - ia_before <= 2  # the invoices and the payments query
    nothing = cli(bench.home, "invoices", "--customer", "initech")
    assert nothing.returncode == 1 and "No such customer" in nothing.stderr


ACME_WIDGETS = {"Name": "Acme Widgets, Inc.", "AccountNumber": "ACME-W"}
ACME_HOLDINGS = {"Name": "Acme Holdings LLC", "AccountNumber": "ACME-H"}
GLOBEX = {"Name": "Globex Corporation", "AccountNumber": "GLBX"}
