"""The sync cycle over real HTTP against both emulators: creates both ways, merges, no echo."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.support.sync_env import SyncEnv, assert_quiet, make_env


@pytest.fixture()
def env(tmp_path: Path, state_target: Path | str) -> Iterator[SyncEnv]:
    """Each scenario runs on both state backends: a SQLite file and a PostgreSQL database."""
    yield from make_env(tmp_path, state_target)


def test_account_becomes_customer_and_customer_becomes_account(env: SyncEnv) -> None:
    acc = env.create_account(Name="Acme Corp", AccountNumber="ACME1", Phone="+1 415 555 0100", BillingCity="Austin")
    env.create_customer("C-2001", "Globex", DISPLAYCONTACT={"PHONE1": "+1 212 555 0199"})
    summary = env.sync()
    assert summary.status == "ok", summary.error
    cust = env.customer("ACME1")
    assert cust is not None and cust.cross_ref == acc and cust.name == "Acme Corp" and cust.address.city == "Austin"
    assert env.account(acc)["Intacct_Customer_ID__c"] == "ACME1"
    globex = [a for a in env.accounts() if a["Intacct_Customer_ID__c"] == "C-2001"]
    assert len(globex) == 1 and globex[0]["Name"] == "Globex"
    assert env.customer("C-2001").cross_ref == globex[0]["Id"]
    assert_quiet(env)


def test_products_both_ways_with_the_intacct_price(env: SyncEnv) -> None:
    pid = env.create_product(Name="Widget", ProductCode="W-1", IsActive=True)
    env.create_item("GADGET-9", "Gadget", BASEPRICE="125.50")
    assert env.sync().status == "ok"
    item = env.item("W-1")
    assert item is not None and item.cross_ref == pid and item.name == "Widget"
    assert env.product(pid).cross_ref == "W-1"
    gadget = [p for page in env.user_sf.read_products() for p in page if p.cross_ref == "GADGET-9"]
    assert len(gadget) == 1 and gadget[0].price == Decimal("125.50")
    env.update_ia("ITEM", {"ITEMID": "GADGET-9", "BASEPRICE": "130.00"})
    assert env.sync().status == "ok"
    assert env.product(gadget[0].key).price == Decimal("130.00")
    assert_quiet(env)


def test_edits_owner_nonowner_both_and_conflict(env: SyncEnv) -> None:
    acc = env.create_account(Name="Initech", AccountNumber="INI1", BillingCity="Dallas", Phone="+1 214 555 0100")
    pid = env.create_product(Name="Stapler", ProductCode="ST-1", IsActive=True)
    assert env.sync().status == "ok"
    env.update_ia("ITEM", {"ITEMID": "ST-1", "BASEPRICE": "10.00"})
    assert env.sync().status == "ok"
    assert env.product(pid).price == Decimal("10.00")
    # owner side (Salesforce edit of a 'both' field) reaches Intacct
    env.update_sf("Account", acc, BillingCity="Houston")
    assert env.sync().status == "ok"
    assert env.customer("INI1").address.city == "Houston"
    # a non-owner change (price in Salesforce; Intacct owns it) is put back and logged
    entry = env.product(pid).pricebook_entry_id
    env.update_sf("PricebookEntry", entry, UnitPrice=99.0)
    assert env.sync().status == "ok"
    assert env.product(pid).price == Decimal("10.00")
    with env.store.read() as r:
        assert r.audit.list(operation="overwrite_back")
    # different fields on both sides both survive
    env.update_sf("Account", acc, BillingCity="Plano")
    env.update_ia("CUSTOMER", {"CUSTOMERID": "INI1", "DISPLAYCONTACT": {"PHONE1": "+1 214 555 0199"}})
    assert env.sync().status == "ok"
    cust = env.customer("INI1")
    assert cust.address.city == "Plano" and "555" in cust.phone and cust.phone.endswith("0199")
    assert env.account(acc)["Phone"].endswith("0199")
    assert_quiet(env)
    # same 'both' field on both sides: one conflict, neither side written until resolved
    env.update_sf("Account", acc, Name="Initech SF")
    env.update_ia("CUSTOMER", {"CUSTOMERID": "INI1", "NAME": "Initech IA"})
    before = env.writes()
    summary = env.sync()
    assert env.writes() == before
    assert sum(s.conflicts for s in summary.streams) >= 1
    with env.store.read() as r:
        conflicts = r.conflicts.list_open()
    assert len(conflicts) == 1 and conflicts[0].field == "name"
    assert env.account(acc)["Name"] == "Initech SF" and env.customer("INI1").name == "Initech IA"
    assert_quiet(env)
    done = env.engine.resolve(conflicts[0].id, "intacct")
    assert done.status == "ok", done.error
    assert env.account(acc)["Name"] == "Initech IA" and env.customer("INI1").name == "Initech IA"
    with env.store.read() as r:
        assert r.conflicts.list_open() == []
    assert_quiet(env)
