"""Price books both ways over real HTTP: Salesforce custom price books <-> Intacct Order Entry price lists."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sfintacct_desktop.connectors.ia_price_lists import IntacctPriceLists
from sfintacct_desktop.wire.intacct import create, update
from tests.support.sync_env import SyncEnv


def cost(env: SyncEnv) -> tuple[int, int, int]:
    sf, ia = env.stats("salesforce"), env.stats("intacct")
    return int(sf["api_calls"]), int(ia["transactions"]), int(ia["requests"])


def linked_product(env: SyncEnv, name: str, code: str, price: str) -> tuple[str, str]:
    """A product created in Salesforce with its standard price and synced: (Product2 Id, ITEMID)."""
    pid = env.create_product(price=price, Name=name, ProductCode=code, IsActive=True)
    assert env.sync().status == "ok"
    with env.store.read() as r:
        link = r.links.by_sf_id("product", pid)
    assert link is not None
    return pid, link.ia_key


def new_book(env: SyncEnv, name: str, entries: dict[str, float], active: bool = True) -> tuple[str, dict[str, str]]:
    res = env.sf.create_many("Pricebook2", [{"Name": name, "IsActive": active}])[0]
    assert res.success, res
    bodies = [{"Pricebook2Id": res.id, "Product2Id": p, "UnitPrice": v, "IsActive": True} for p, v in entries.items()]
    made = env.sf.create_many("PricebookEntry", bodies) if bodies else []
    assert all(m.success for m in made), made
    return str(res.id), {p: str(m.id) for p, m in zip(entries, made, strict=True)}


def ia_entries(env: SyncEnv, plist: str) -> dict[str, Any]:
    return {e.product: e for e in IntacctPriceLists(env.user_ia).entries([plist])}


def ia_lists(env: SyncEnv) -> dict[str, Any]:
    return {lst.name: lst for lst in IntacctPriceLists(env.user_ia).lists()}


def sf_entry(env: SyncEnv, entry_id: str) -> dict[str, Any]:
    return env.sf.query_all(f"SELECT Id, UnitPrice, IsActive FROM PricebookEntry WHERE Id = '{entry_id}'")[0]


def test_new_book_reaches_intacct_and_intacct_prices_come_back(env: SyncEnv) -> None:
    p1, item1 = linked_product(env, "Widget", "W-1", "100")
    p2, item2 = linked_product(env, "Gadget", "G-1", "50")
    _, entries = new_book(env, "Partners 2027", {p1: 90.0, p2: 45.5})
    summary = env.sync()
    assert summary.status == "ok", summary.error
    lists = ia_lists(env)
    assert list(lists) == ["Partners 2027"] and lists["Partners 2027"].active
    got = ia_entries(env, "Partners 2027")
    assert {k: (v.price, v.active) for k, v in got.items()} == {
        item1: (Decimal("90"), True),
        item2: (Decimal("45.5"), True),
    }
    # finance changes a price in Intacct: the linked Salesforce entry follows
    env.update_ia("SOPRICELISTENTRY", {"RECORDNO": got[item1].key, "VALUE": "88.25"})
    assert env.sync().status == "ok"
    assert sf_entry(env, entries[p1])["UnitPrice"] == 88.25
    # and nothing moves after that: an idle cycle writes nothing
    env.sync()
    before = env.writes()
    quiet = env.sync()
    assert quiet.writes == 0 and env.writes() == before


def test_price_changed_in_salesforce_is_put_back_and_logged(env: SyncEnv) -> None:
    p1, item1 = linked_product(env, "Widget", "W-1", "100")
    _, entries = new_book(env, "Resellers", {p1: 80.0})
    assert env.sync().status == "ok"
    env.update_sf("PricebookEntry", entries[p1], UnitPrice=60.0)  # sales discounts the list price
    assert env.sync().status == "ok"
    assert sf_entry(env, entries[p1])["UnitPrice"] == 80.0
    assert ia_entries(env, "Resellers")[item1].price == Decimal("80")
    with env.store.read() as r:
        log = [a for a in r.audit.list() if a.entity == "price_entry" and a.operation == "overwrite_back"]
    assert len(log) == 1 and "put back" in log[0].reason
    assert log[0].before is not None and log[0].before["salesforce"]["price"] == "60.0"


def test_deactivated_book_deactivates_its_list_and_back(env: SyncEnv) -> None:
    p1, _ = linked_product(env, "Widget", "W-1", "100")
    book, _ = new_book(env, "Summer", {p1: 70.0})
    assert env.sync().status == "ok"
    env.update_sf("Pricebook2", book, IsActive=False)
    assert env.sync().status == "ok"
    assert ia_lists(env)["Summer"].active is False
    env.update_ia("SOPRICELIST", {"NAME": "Summer", "STATUS": "active"})
    assert env.sync().status == "ok"
    assert env.sf.query_all(f"SELECT IsActive FROM Pricebook2 WHERE Id = '{book}'")[0]["IsActive"] is True
    assert len(ia_lists(env)) == 1  # nothing deleted, nothing duplicated


def test_existing_list_is_linked_by_name_never_duplicated(env: SyncEnv) -> None:
    p1, item1 = linked_product(env, "Widget", "W-1", "100")
    res = env.user_ia.client.call(
        [
            create("SOPRICELIST", {"NAME": "Wholesale"}),
            create("SOPRICELISTENTRY", {"PRICELISTID": "Wholesale", "ITEMID": item1, "VALUE": "75"}),
        ]
    )
    assert all(r.ok for r in res)
    book, entries = new_book(env, "wholesale", {p1: 99.0})  # the same list, spelled differently
    assert env.sync().status == "ok"
    assert list(ia_lists(env)) == ["Wholesale"]
    got = ia_entries(env, "Wholesale")
    assert len(got) == 1 and got[item1].price == Decimal("75")  # finance's price wins the first link
    assert sf_entry(env, entries[p1])["UnitPrice"] == 75.0
    with env.store.read() as r:
        assert r.links.by_sf_id("pricebook", book).ia_key == "Wholesale"  # type: ignore[union-attr]


def test_list_made_in_intacct_becomes_a_book_with_its_entries(env: SyncEnv) -> None:
    p1, item1 = linked_product(env, "Widget", "W-1", "100")
    res = env.user_ia.client.call(
        [
            create("SOPRICELIST", {"NAME": "Distributors"}),
            create("SOPRICELISTENTRY", {"PRICELISTID": "Distributors", "ITEMID": item1, "VALUE": "65"}),
            create(
                "SOPRICELISTENTRY",
                {"PRICELISTID": "Distributors", "ITEMID": item1, "VALUE": "10", "VALUETYPE": "% Discount"},
            ),
        ]
    )
    assert all(r.ok for r in res)
    summary = env.sync()
    assert summary.status == "ok", summary.error
    books = env.sf.query_all("SELECT Id, Name, IsActive FROM Pricebook2 WHERE IsStandard = false")
    assert [b["Name"] for b in books] == ["Distributors"]
    rows = env.sf.query_all(f"SELECT Product2Id, UnitPrice FROM PricebookEntry WHERE Pricebook2Id = '{books[0]['Id']}'")
    assert [(r["Product2Id"], r["UnitPrice"]) for r in rows] == [(p1, 65.0)]
    with env.store.read() as r:
        skipped = [a for a in r.audit.list() if a.entity == "price_entry" and a.operation == "skip"]
    assert len(skipped) == 1 and "discount" in skipped[0].reason  # reported, not copied


def test_idle_cycle_with_price_books_costs_the_same(env: SyncEnv) -> None:
    p1, _ = linked_product(env, "Widget", "W-1", "100")
    new_book(env, "Partners", {p1: 90.0})
    assert env.sync().status == "ok"
    env.sync()
    before, writes = cost(env), env.writes()
    summary = env.sync()
    sf_calls, ia_tx, ia_req = (a - b for a, b in zip(cost(env), before, strict=True))
    assert summary.status == "ok" and summary.writes == 0 and env.writes() == writes
    assert sf_calls <= 1 and ia_tx <= 1 and ia_req <= 1  # one composite; one audit trail probe


def test_entry_deactivated_in_intacct_deactivates_salesforce_entry(env: SyncEnv) -> None:
    p1, item1 = linked_product(env, "Widget", "W-1", "100")
    _, entries = new_book(env, "Partners", {p1: 90.0})
    assert env.sync().status == "ok"
    rec = ia_entries(env, "Partners")[item1].key
    assert env.user_ia.client.call([update("SOPRICELISTENTRY", {"RECORDNO": rec, "STATUS": "inactive"})])[0].ok
    assert env.sync().status == "ok"
    assert sf_entry(env, entries[p1])["IsActive"] is False


def test_entry_waits_for_its_product_in_the_inbox_and_a_retry_places_it(env: SyncEnv) -> None:
    pid = env.create_product(price="20", Name="Later", ProductCode="L-1", IsActive=False)  # inactive: not linked
    _, entries = new_book(env, "Partners", {pid: 18.0})
    assert env.sync().status == "ok"
    with env.store.read() as r:
        waiting = [i for i in r.inbox.list() if i.entity == "price_entry"]
    assert len(waiting) == 1 and waiting[0].record_key == entries[pid]
    assert "waits for its product" in waiting[0].title
    assert ia_entries(env, "Partners") == {}
    env.update_sf("Product2", pid, IsActive=True)
    assert env.sync().status == "ok"  # the product is linked now; the entry itself did not change
    assert env.engine.retry().status == "ok"
    assert ia_entries(env, "Partners")["L-1"].price == Decimal("18")
    with env.store.read() as r:
        assert [i.status.value for i in r.inbox.list(status=None) if i.entity == "price_entry"] == ["resolved"]
