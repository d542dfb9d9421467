"""Baseline load on the demo seed, in process over real HTTP: apply, the quiet sync after it,
a cancelled load resumed, a second plan that proposes nothing new, hand-accepted actions only.

Measured against the seed's own ground truth (``Sandbox.ground_truth()``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import requests

from sfintacct_desktop.app.baseline_service import plan_with_engine
from sfintacct_desktop.engine.baseline.load import CUTOVER_META, LEFT_OUT_META, apply_plan
from sfintacct_desktop.engine.cycle import EngineSettings, SyncEngine
from sfintacct_desktop.engine.mapping import load_mapping
from sfintacct_desktop.store import StateStore
from sfintacct_desktop.wire.intacct.functions import query
from sfintacct_sandbox.runner import Sandbox, SandboxOptions
from tests.support.sync_env import ia_connector, sf_connector

CUTOVER = date(2026, 1, 1)
CP_STREAMS = ("salesforce.customers", "intacct.customers", "salesforce.products", "intacct.items")


class Demo:
    """A demo-seeded sandbox, a state store and engines built on demand (as after a restart)."""

    def __init__(self, tmp: Path) -> None:
        self.sb = Sandbox(SandboxOptions(seed="demo")).start()
        self.db = tmp / "state.sqlite3"
        self.store = StateStore.open(self.db)
        self.sf = sf_connector(self.sb)
        self.ia = ia_connector(self.sb)
        self.truth = self.sb.ground_truth()
        self.seed_sf_ids = {a["Id"] for a in self.sf.client.query_all("SELECT Id FROM Account", True)}
        self.seed_sf_ids |= {p["Id"] for p in self.sf.client.query_all("SELECT Id FROM Product2", True)}

    def engine(self, should_stop: Callable[[], bool] = lambda: False, batch_size: int = 200) -> SyncEngine:
        return SyncEngine(
            self.store,
            sf_connector(self.sb),
            ia_connector(self.sb),
            load_mapping(),
            EngineSettings(profile="test", batch_size=batch_size),
            should_stop=should_stop,
        )

    def plan(self, cutover: date | None = CUTOVER) -> dict[str, Any]:
        """The plan; ``cutover=None`` is the default cut-over (today)."""
        return plan_with_engine(self.engine(), cutover=cutover)

    def writes(self) -> tuple[int, int]:
        return tuple(  # type: ignore[return-value]
            int(requests.get(f"{u}/__sandbox__/stats", timeout=10).json()["writes"])
            for u in (self.sb.sf_server.url, self.sb.ia_server.url)
        )

    def close(self) -> None:
        self.store.close()
        self.sb.stop()

    # ------------------------------------------------------------------ reading both sides
    def accounts(self) -> list[dict[str, Any]]:
        return self.sf.client.query_all("SELECT Id, Name, Intacct_Customer_ID__c FROM Account")

    def products(self) -> list[dict[str, Any]]:
        return self.sf.client.query_all("SELECT Id, Name, Intacct_Item_ID__c FROM Product2")

    def customers(self) -> list[Any]:
        return [c for page in self.ia.read_customers() for c in page]

    def items(self) -> list[Any]:
        return [c for page in self.ia.read_products() for c in page]

    def links(self) -> dict[str, set[tuple[str, str]]]:
        with self.store.read() as r:
            return {e: {(lk.sf_id, lk.ia_key) for lk in r.links.list(e)} for e in ("customer", "product")}

    def state(self) -> dict[str, Any]:
        """Links and both systems' cross-references, with Ids the load created replaced by a marker
        (two sandboxes may hand out different Ids for the records a load creates)."""

        def norm(sf_id: str) -> str:
            return sf_id if sf_id in self.seed_sf_ids else "created"

        opps = self.sf.client.query_all(
            "SELECT Id, Intacct_Sync_Status__c, Intacct_Sales_Order_ID__c FROM Opportunity ORDER BY Id"
        )
        return {
            "links": {e: sorted((norm(s), i) for s, i in v) for e, v in self.links().items()},
            "accounts": sorted((norm(a["Id"]), a["Name"], a["Intacct_Customer_ID__c"] or "") for a in self.accounts()),
            "products": sorted((norm(p["Id"]), p["Name"], p["Intacct_Item_ID__c"] or "") for p in self.products()),
            "customers": sorted((c.key, c.name, norm(c.cross_ref) if c.cross_ref else "") for c in self.customers()),
            "items": sorted((i.key, i.name, norm(i.cross_ref) if i.cross_ref else "") for i in self.items()),
            "opportunities": [(o["Id"], o["Intacct_Sync_Status__c"], o["Intacct_Sales_Order_ID__c"]) for o in opps],
        }


@pytest.fixture()
def demo(tmp_path: Path) -> Iterator[Demo]:
    d = Demo(tmp_path)
    try:
        yield d
    finally:
        d.close()


def _apply(demo: Demo, doc: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return apply_plan(demo.engine(), doc, accept_suggested=kw.pop("accept_suggested", True), **kw)


def test_plan_gives_every_record_exactly_one_action(demo: Demo) -> None:
    doc = demo.plan()
    assert demo.writes() == (0, 0)  # planning writes nothing anywhere
    decided: dict[tuple[str, str, str], int] = {}
    for a in doc["actions"]:
        for side in ("salesforce", "intacct"):
            key = a.get(side) if a["action"] != "leave_out" else (a["key"] if a["system"] == side else None)
            if key and a["entity"] != "opportunity":
                assert (a["entity"], side, key) not in decided, a
                decided[(a["entity"], side, key)] = a["id"]
    live = {("customer", "salesforce", x["Id"]) for x in demo.accounts()}
    live |= {("customer", "intacct", c.key) for c in demo.customers()}
    live |= {("product", "salesforce", p["Id"]) for p in demo.products()}
    live |= {("product", "intacct", i.key) for i in demo.items()}
    assert live <= set(decided)
    c = doc["counts"]["customer"]
    truth = demo.truth["customers"]
    assert c["links_auto"] == len(truth["pairs"])
    # left out: the non-canonical duplicates of both sides, the recycle bin, inactive Intacct-only
    dups = sum(len(g) - 1 for side in ("salesforce", "intacct") for g in truth["duplicates"][side])
    assert c["left_out"] >= dups + len(truth["salesforce_deleted"])
    # every truth pair is proposed as a link, and a duplicate is never linked or created
    links = {(a["salesforce"], a["intacct"]) for a in doc["actions"] if a["action"] == "link"}
    assert {(p["salesforce"], p["intacct"]) for p in truth["pairs"]} <= links
    dup_keys = {k for side in ("salesforce", "intacct") for g in truth["duplicates"][side] for k in g[1:]}
    for a in doc["actions"]:
        if a["action"] in ("link", "create") and a["entity"] == "customer":
            assert a.get("salesforce") not in dup_keys and a.get("intacct") not in dup_keys, a
    # dry-run diff: each link writes both cross-references; each create names its target system
    for a in doc["actions"]:
        if a["action"] == "link":
            assert {w["system"] for w in a["writes"]} == {"salesforce", "intacct"}
        if a["action"] == "create":
            assert a["writes"][0]["system"] == a["target"] and a["writes"][0]["operation"] == "create"
    hist = {a["salesforce"]: a["intacct"] for a in doc["actions"] if a["action"] == "historical"}
    for h in demo.truth["historical_orders"]:
        assert hist[h["opportunity"]] == h["sales_order"], h
    assert not set(hist) & {p["opportunity"] for p in demo.truth["pending_orders"]}


def test_accept_suggested_links_everything_without_duplicates_then_sync_is_quiet(demo: Demo) -> None:
    doc = demo.plan(cutover=None)  # the default cut-over, today: every Closed Won so far is historical
    customers_before, items_before = len(demo.customers()), len(demo.items())
    accounts_before, products_before = len(demo.accounts()), len(demo.products())
    report = _apply(demo, doc)
    assert report["status"] == "ok", report
    assert report["problems"] == []
    c, p = doc["counts"]["customer"], doc["counts"]["product"]
    # exactly the planned creates, nothing twice
    assert len(demo.customers()) == customers_before + c["create_in_intacct"] - c["creates_review"]
    assert len(demo.accounts()) == accounts_before + c["create_in_salesforce"]
    assert len(demo.items()) == items_before + p["create_in_intacct"] - p["creates_review"]
    assert len(demo.products()) == products_before + p["create_in_salesforce"]
    links = demo.links()
    truth = demo.truth
    assert {(x["salesforce"], x["intacct"]) for x in truth["customers"]["pairs"]} <= links["customer"]
    assert {(x["salesforce"], x["intacct"]) for x in truth["products"]["pairs"]} <= links["product"]
    with demo.store.read() as r:
        held = r.meta.get(LEFT_OUT_META)
        assert r.meta.get(CUTOVER_META) == date.today().isoformat()
    linked_sf = {s for s, _ in links["customer"]}
    linked_ia = {i for _, i in links["customer"]}
    for acc in demo.accounts():  # every Account is linked or deliberately held out, with a reason
        assert acc["Id"] in linked_sf or acc["Id"] in held["customer"]["salesforce"], acc
        if acc["Id"] in linked_sf:
            assert acc["Intacct_Customer_ID__c"] == dict(links["customer"])[acc["Id"]]
    for cust in demo.customers():
        assert cust.key in linked_ia or cust.key in held["customer"]["intacct"], cust
        if cust.key in linked_ia:
            assert cust.cross_ref == {i: s for s, i in links["customer"]}[cust.key]
    # no company exists twice across the systems because of the load: one record per side for each
    for side, rows, ref in (
        ("intacct", demo.customers(), lambda c: c.cross_ref),
        ("salesforce", demo.accounts(), lambda a: a["Intacct_Customer_ID__c"]),
    ):
        refs = [ref(x) for x in rows if ref(x)]
        assert len(refs) == len(set(refs)), side
    dup_keys = {k for s in ("salesforce", "intacct") for g in truth["customers"]["duplicates"][s] for k in g[1:]}
    assert not dup_keys & (linked_sf | linked_ia)
    opps = {
        o["Id"]: o
        for o in demo.sf.client.query_all(
            "SELECT Id, Intacct_Sync_Status__c, Intacct_Sales_Order_ID__c FROM Opportunity"
        )
    }
    for h in truth["historical_orders"]:
        assert opps[h["opportunity"]]["Intacct_Sync_Status__c"] == "Historical"
        assert opps[h["opportunity"]]["Intacct_Sales_Order_ID__c"] == h["sales_order"]

    # the load brought the existing invoices and payments over (Decimal money end to end)
    invoices = demo.sf.client.query_all("SELECT Id, Account__c, Total_Amount__c FROM Intacct_Invoice__c")
    expected = demo.ia.client.call([query("ARINVOICE", ["RECORDNO"], pagesize=1000)])[0].records
    assert len(invoices) == len(expected) > 0
    assert all(i["Account__c"] for i in invoices) and all(i["Total_Amount__c"] > 0 for i in invoices)

    state, before = demo.state(), demo.writes()
    summary = demo.engine().run_cycle("test").as_dict()
    assert summary["status"] == "ok", summary
    assert summary["writes"] == 0, summary["streams"]
    assert demo.writes() == before  # not one write on either emulator
    now = demo.state()
    for part in ("links", "accounts", "products", "customers", "items"):
        assert now[part] == state[part], part


def test_a_second_plan_on_the_linked_company_proposes_nothing_new(demo: Demo) -> None:
    assert _apply(demo, demo.plan())["status"] == "ok"
    writes = demo.writes()
    again = demo.plan()
    assert again["counts"]["new_proposals"] == 0, [a for a in again["actions"] if a["writes"]][:3]
    assert again["counts"]["writes"] == {"salesforce": 0, "intacct": 0}
    for entity in ("customer", "product"):
        c = again["counts"][entity]
        assert c["links_auto"] == c["links_review"] == c["create_in_intacct"] == c["create_in_salesforce"] == 0
    report = _apply(demo, again)  # applying it changes nothing
    assert report["status"] == "ok" and report["writes"] == 0
    assert demo.writes() == writes


def test_a_cancelled_load_resumed_ends_like_an_uninterrupted_one(demo: Demo, tmp_path: Path) -> None:
    doc = demo.plan()
    calls = {"n": 0}

    def stop_after_two_batches() -> bool:
        calls["n"] += 1
        return calls["n"] > 2

    first = apply_plan(demo.engine(stop_after_two_batches, batch_size=20), doc, accept_suggested=True)
    assert first["status"] == "interrupted"
    assert sum(demo.writes()) > 0
    with demo.store.read() as r:
        assert r.meta.get(CUTOVER_META) is None  # not ready for the live sync yet
    second = apply_plan(demo.engine(batch_size=20), doc, accept_suggested=True)
    assert second["status"] == "ok", second
    resumed = demo.state()

    other = Demo(tmp_path / "other")
    try:
        (tmp_path / "other").mkdir(exist_ok=True)
        straight = apply_plan(other.engine(batch_size=20), other.plan(), accept_suggested=True)
        assert straight["status"] == "ok"
        assert other.state() == resumed
    finally:
        other.close()


def test_without_accept_suggested_only_accepted_actions_are_applied(demo: Demo) -> None:
    doc = demo.plan()
    link = next(a for a in doc["actions"] if a["action"] == "link" and a["entity"] == "customer")
    create = next(a for a in doc["actions"] if a["action"] == "create" and a["target"] == "intacct")
    link["accepted"] = create["accepted"] = True
    report = apply_plan(demo.engine(), doc, accept_suggested=False)
    assert report["status"] == "ok" and report["accepted_actions"] == 2
    links = demo.links()["customer"]
    assert (link["salesforce"], link["intacct"]) in links
    assert create["salesforce"] in {s for s, _ in links}
    assert len(links) == 2 and demo.links()["product"] == set()
    with demo.store.read() as r:
        held = r.meta.get(LEFT_OUT_META)["customer"]
    assert held["salesforce"]  # the rest is held out of the live sync until accepted
    assert link["salesforce"] not in held["salesforce"] and create["salesforce"] not in held["salesforce"]
