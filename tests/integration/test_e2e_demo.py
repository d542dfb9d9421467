"""The whole first day on the messy demo company, as an operator runs it (CLI subprocesses).

``sandbox serve --seed demo`` -> ``connections test`` -> ``sync --once`` refused (no baseline) ->
``baseline plan`` -> ``baseline apply --accept-suggested`` -> ``sync --once`` writes nothing ->
a new deal closed in Salesforce (wire client) -> ``sync --once`` makes exactly one sales order and
``Synced`` -> ``invoices --json`` lists the existing invoices from the cache.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sfintacct_desktop.wire.intacct import Filter
from sfintacct_desktop.wire.intacct import functions as fx
from tests.integration import test_cli_sync as base
from tests.integration.test_cli_baseline import bench  # noqa: F401  (the demo-seeded fixture)


def _writes(bench: base.Bench) -> tuple[int, int]:  # noqa: F811
    return int(bench.admin(bench.sf_base, "stats")["writes"]), int(bench.admin(bench.ia_base, "stats")["writes"])


def _sync(bench: base.Bench) -> tuple[int, dict[str, Any]]:  # noqa: F811
    run = base.cli(bench.home, "sync", "--once", "--json")
    return run.returncode, json.loads(run.stdout.splitlines()[0])


def _close_a_new_deal(bench: base.Bench) -> str:  # noqa: F811
    """A Closed Won deal today on a linked, active customer with one linked, priced product."""
    sf = bench.sf.client
    acc = sf.query_all(
        "SELECT Id FROM Account WHERE Intacct_Customer_ID__c != null AND Intacct_Inactive__c = false ORDER BY Name"
    )[0]["Id"]
    book = bench.sf.standard_pricebook_id()
    entry = sf.query_all(
        "SELECT Id, Product2Id, UnitPrice FROM PricebookEntry WHERE Pricebook2Id = "
        f"'{book}' AND Product2.IsActive = true AND Product2.Intacct_Item_ID__c != null ORDER BY Product2.Name"
    )[0]
    today = date.today().isoformat()
    body = {"Name": "E2E new deal", "AccountId": acc, "StageName": "Prospecting", "CloseDate": today}
    res = sf.create_many("Opportunity", [{**body, "Pricebook2Id": book}])[0]
    assert res.success, res
    line = {"OpportunityId": res.id, "PricebookEntryId": entry["Id"], "Quantity": 3, "UnitPrice": entry["UnitPrice"]}
    assert sf.create_many("OpportunityLineItem", [line])[0].success
    assert sf.update_many("Opportunity", [{"Id": res.id, "StageName": "Closed Won"}])[0].success
    return str(res.id)


def test_first_day_on_the_demo_company(bench: base.Bench) -> None:  # noqa: F811
    conn = base.cli(bench.home, "connections", "test", "--json")
    assert conn.returncode == 0, conn.stderr

    before = _writes(bench)
    code, refused = _sync(bench)  # two populated systems, no baseline: refused, nothing written
    assert code != 0 and refused["error"]["code"] == "BASELINE_REQUIRED", refused
    assert "sfintacct baseline plan" in refused["error"]["hint"]
    assert _writes(bench) == before

    plan = base.cli_json(bench.home, "baseline", "plan")
    assert plan["ok"] is True
    applied = base.cli_json(bench.home, "baseline", "apply", "--accept-suggested")
    assert applied["ok"] is True and applied["status"] == "ok" and applied["problems"] == [], applied
    assert applied["cutover_date"] == date.today().isoformat()

    before = _writes(bench)
    code, quiet = _sync(bench)
    assert code == 0 and quiet["status"] == "ok" and quiet["writes"] == 0, quiet
    assert _writes(bench) == before  # not one write on either emulator

    opp = _close_a_new_deal(bench)
    code, pushed = _sync(bench)
    assert code == 0 and pushed["status"] == "ok", pushed
    fields = ["RECORDNO", "DOCID", "DOCPARID", "PONUMBER"]
    res = bench.ia.client.call([fx.query("SODOCUMENT", fields, Filter.equalto("PONUMBER", opp))])[0]
    orders = [r for r in res.records if r["DOCPARID"] == "Sales Order"]
    assert len(orders) == 1, res.records
    row = bench.sf.client.query_all(
        f"SELECT Intacct_Sync_Status__c, Intacct_Sales_Order_ID__c FROM Opportunity WHERE Id = '{opp}'"
    )[0]
    assert row["Intacct_Sync_Status__c"] == "Synced" and row["Intacct_Sales_Order_ID__c"] == orders[0]["DOCID"]
    code, again = _sync(bench)  # and once only
    assert code == 0 and again["writes"] == 0, again

    invoices = base.cli_json(bench.home, "invoices")
    assert invoices["ok"] is True
    listed = invoices.get("invoices") or []
    assert listed, invoices
