"""The baseline links price books and price lists by name, with reasons and a dry-run diff, and never
duplicates them (real HTTP against both emulators)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sfintacct_desktop.app.baseline_service import plan_with_engine
from sfintacct_desktop.connectors.ia_price_lists import IntacctPriceLists
from sfintacct_desktop.engine.baseline.load import apply_plan
from sfintacct_desktop.wire.intacct import create
from tests.support.sync_env import SyncEnv


def book_actions(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for a in doc["actions"] if a["entity"] == "pricebook"]


def test_baseline_links_books_and_lists_by_name_and_loads_them_once(env: SyncEnv) -> None:
    p1 = env.create_product(price="100", Name="Widget", ProductCode="W-1", IsActive=True)
    p2 = env.create_product(price="40", Name="Gadget", ProductCode="G-1", IsActive=True)
    assert env.sync().status == "ok"  # the products are linked: W-1 and G-1
    wholesale, retail = (
        r.id
        for r in env.sf.create_many(
            "Pricebook2", [{"Name": "Wholesale", "IsActive": True}, {"Name": "Retail", "IsActive": True}]
        )
    )
    made = env.sf.create_many(
        "PricebookEntry",
        [
            {"Pricebook2Id": wholesale, "Product2Id": p1, "UnitPrice": 90.0, "IsActive": True},
            {"Pricebook2Id": wholesale, "Product2Id": p2, "UnitPrice": 35.0, "IsActive": True},
            {"Pricebook2Id": retail, "Product2Id": p1, "UnitPrice": 110.0, "IsActive": True},
        ],
    )
    assert all(m.success for m in made)
    res = env.user_ia.client.call(
        [
            create("SOPRICELIST", {"NAME": "WHOLESALE"}),
            create("SOPRICELISTENTRY", {"PRICELISTID": "WHOLESALE", "ITEMID": "W-1", "VALUE": "85"}),
            create("SOPRICELIST", {"NAME": "Export"}),
            create("SOPRICELISTENTRY", {"PRICELISTID": "Export", "ITEMID": "G-1", "VALUE": "30"}),
        ]
    )
    assert all(r.ok for r in res)

    doc = plan_with_engine(env.engine, cutover=date.today())
    acts = {(a["action"], a.get("target", ""), a["name"]): a for a in book_actions(doc)}
    assert set(acts) == {("link", "", "Wholesale"), ("create", "intacct", "Retail"), ("create", "salesforce", "Export")}
    link = acts[("link", "", "Wholesale")]
    assert link["intacct"] == "WHOLESALE" and link["status"] == "auto"
    assert link["reasons"] == ["same name, spelled differently"]
    # the dry-run diff: Intacct's price wins the differing entry, the missing entry is created in Intacct
    assert {
        "system": "salesforce",
        "operation": "update",
        "key": made[0].id,
        "before": {"price": "90.0"},
        "after": {"price": "85"},
    } in link["writes"]
    assert any(
        w["system"] == "intacct" and w["operation"] == "create" and w["after"]["ITEMID"] == "G-1"
        for w in link["writes"]
    )
    assert doc["counts"]["pricebook"]["links_auto"] == 1
    assert doc["counts"]["pricebook"]["create_in_intacct"] == 1
    assert doc["counts"]["pricebook"]["create_in_salesforce"] == 1

    report = apply_plan(env.engine, doc, accept_suggested=True)
    assert report["status"] == "ok", report
    assert report["applied"].get("pricebook intacct write", 0) >= 3  # Retail, its entry, Wholesale's G-1
    assert report["applied"].get("pricebook salesforce write", 0) >= 3  # Export, its entry, W-1's price
    lists = {b.name: b for b in IntacctPriceLists(env.user_ia).lists()}
    assert sorted(lists) == ["Export", "Retail", "WHOLESALE"]  # linked, never a second "Wholesale"
    books = env.sf.query_all("SELECT Id, Name FROM Pricebook2 WHERE IsStandard = false")
    assert sorted(b["Name"] for b in books) == ["Export", "Retail", "Wholesale"]
    prices = {e.product: e.price for e in IntacctPriceLists(env.user_ia).entries(["WHOLESALE"])}
    assert prices == {"W-1": Decimal("85"), "G-1": Decimal("35")}
    row = env.sf.query_all(f"SELECT UnitPrice FROM PricebookEntry WHERE Id = '{made[0].id}'")[0]
    assert row["UnitPrice"] == 85.0

    again = plan_with_engine(env.engine, cutover=date.today())
    assert {a["status"] for a in book_actions(again)} == {"existing"}  # nothing new proposed
    env.sync()
    before = env.writes()
    assert env.sync().writes == 0 and env.writes() == before
