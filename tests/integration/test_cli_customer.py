"""`sfintacct customer TEXT [--refresh] [--json]` as a salesperson runs it (real subprocesses)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import requests

from tests.integration.test_cli_sync import Bench, bench, cli, cli_json  # noqa: F401
from tests.support.orders_env import invoice_order, invoice_record, make_deal, orders_for, pay
from tests.support.sync_env import SyncEnv


def _stats(base: str) -> dict[str, Any]:
    return requests.get(f"{base}/__sandbox__/stats", timeout=10).json()


def test_customer_page_from_the_command_line(bench: Bench) -> None:  # noqa: F811
    users = SyncEnv(None, None, None, None, bench.sf, bench.ia)  # type: ignore[arg-type]
    assert cli_json(bench.home, "sync", "--once")["status"] == "ok"
    deal = make_deal(users, "GX", [("50.00", 2, None)], stage="Closed Won", account=GLOBEX)
    bench.create_account(Name="Globe Trotters", AccountNumber="GLOBE")
    assert cli_json(bench.home, "sync", "--once")["status"] == "ok"
    docid = orders_for(users, deal.opp_id)[0]["DOCID"]
    inv_doc = invoice_order(users, docid, [("GX-P1", "2")], "GLBX", date(2026, 3, 1))
    assert cli_json(bench.home, "sync", "--once")["status"] == "ok"

    before = (_stats(bench.ia_base), _stats(bench.sf_base))
    page = cli_json(bench.home, "customer", "GLOBEX corportion")  # wrong case, a letter missing
    assert page["ok"] is True and page["customer_id"] == "GLBX" and page["open_balance"] == "100.00"
    [inv] = page["invoices"]
    assert inv["status"] == "overdue" and inv["days_overdue"] > 90 and page["aging"]["90+"] == "100.00"
    assert [(d["name"], d["sales_order_id"], d["sync_status"]) for d in page["deals"]] == [("GX deal", docid, "Synced")]
    assert cli_json(bench.home, "customer", inv["number"])["customer_id"] == "GLBX"
    assert cli_json(bench.home, "customer", "gx deal")["customer_id"] == "GLBX"
    text = cli(bench.home, "customer", "globex")
    assert text.returncode == 0, text.stderr
    assert "GLBX Globex Corporation" in text.stdout and f"{inv['number']}" in text.stdout
    assert "overdue" in text.stdout and "Open balance 100.00" in text.stdout
    after = (_stats(bench.ia_base), _stats(bench.sf_base))
    assert after[0]["requests"] == before[0]["requests"]  # a page from the cache costs nothing remote
    assert after[1]["requests"] == before[1]["requests"]

    several = cli(bench.home, "customer", "glob", "--json")
    assert several.returncode == 1 and "Traceback" not in several.stderr
    body = json.loads(several.stdout)
    assert body["ok"] is False and {c["customer_id"] for c in body["candidates"]} == {"GLBX", "GLOBE"}
    assert "GLOBE Globe Trotters" in several.stderr and "GLBX Globex Corporation" in several.stderr
    missing = cli(bench.home, "customer", "initech")
    assert missing.returncode == 1 and "No such customer" in missing.stderr
    assert cli(bench.home, "customer").returncode == 2  # TEXT is required

    pay(users, "GLBX", invoice_record(users, inv_doc)["RECORDNO"], "30.00")
    ia_before, sf_before = _stats(bench.ia_base)["transactions"], _stats(bench.sf_base)["api_calls"]
    fresh = cli(bench.home, "customer", "GLBX", "--refresh")
    assert fresh.returncode == 0, fresh.stderr
    spent = (_stats(bench.sf_base)["api_calls"] - sf_before, _stats(bench.ia_base)["transactions"] - ia_before)
    assert spent == (1, 4)
    assert "Refreshed live: 1 Salesforce call(s), 4 Intacct transaction(s)." in fresh.stdout
    assert "Open balance 70.00" in fresh.stdout and f"applied to {inv['number']} 30.00" in fresh.stdout


GLOBEX = {"Name": "Globex Corporation", "AccountNumber": "GLBX"}
