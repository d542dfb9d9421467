"""Closed Won -> exactly one sales order, over real HTTP against both emulators (state store on disk)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from sfintacct_desktop.domain import IntentState
from sfintacct_desktop.engine.orders import intent_key
from tests.support.orders_env import deal_day, make_deal, opportunity, order_lines, orders_for, win
from tests.support.sync_env import SyncEnv, assert_quiet, make_env, ok


@pytest.fixture()
def env(tmp_path: Path, state_target: Path | str) -> Iterator[SyncEnv]:
    """Each scenario runs on both state backends: a SQLite file and a PostgreSQL database."""
    yield from make_env(tmp_path, state_target)


def test_closed_won_with_three_lines_makes_exactly_one_order(env: SyncEnv) -> None:
    deal = make_deal(env, "ACME")
    ok(env)  # account and products linked; an open opportunity makes nothing
    assert orders_for(env, deal.opp_id) == []
    win(env, deal.opp_id)
    summary = ok(env)
    orders = orders_for(env, deal.opp_id)
    assert len(orders) == 1
    order = orders[0]
    assert order["CUSTVENDID"] == "ACME-A" and order["PONUMBER"] == deal.opp_id and len(deal.opp_id) == 18
    assert order["MESSAGE"] == "ACME deal"
    assert order["WHENCREATED"] == f"{deal_day():%m/%d/%Y}"  # the CloseDate
    # discount applied as Salesforce computes TotalPrice: 5 x 80.00 x 0.9 = 360.00 -> unit 72.00
    assert order_lines(env, order["DOCID"]) == [
        ("ACME-P1", Decimal("2"), Decimal("100.00")),
        ("ACME-P2", Decimal("3"), Decimal("25.50")),
        ("ACME-P3", Decimal("5"), Decimal("72.00")),
    ]
    assert Decimal(order["TOTAL"]) == Decimal("636.50")
    opp = opportunity(env, deal.opp_id)
    assert opp["Intacct_Sales_Order_ID__c"] == order["DOCID"] and opp["Intacct_Sync_Status__c"] == "Synced"
    with env.store.read() as r:
        intent = r.intents.get(intent_key(deal.opp_id))
    assert intent is not None and intent.state is IntentState.CONFIRMED
    stream = {s.stream: s for s in summary.streams}["salesforce.opportunities"]  # type: ignore[attr-defined]
    assert stream.applied == 1
    ok(env)  # the echo of our own status write
    assert_quiet(env)
    assert len(orders_for(env, deal.opp_id)) == 1


def test_unlinked_account_and_product_are_synced_first(env: SyncEnv) -> None:
    deal = make_deal(env, "NEWCO", [("40.00", 1, None)], stage="Closed Won")
    ok(env)
    orders = orders_for(env, deal.opp_id)
    assert len(orders) == 1 and orders[0]["CUSTVENDID"] == "NEWCO-A"
    assert env.customer("NEWCO-A").cross_ref == deal.account_id
    assert env.item("NEWCO-P1").cross_ref == deal.product_ids[0]
    assert opportunity(env, deal.opp_id)["Intacct_Sync_Status__c"] == "Synced"


def test_account_and_product_outside_the_streams_are_synced_on_demand(env: SyncEnv) -> None:
    """Their cursors already passed them (e.g. an earlier failure): the order path syncs them first."""
    deal = make_deal(env, "LATE", [("10.00", 3, None)], stage="Closed Won")
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    with env.store.write() as tx:
        tx.cursors.set("salesforce.customers", future)
        tx.cursors.set("salesforce.products", future)
    ok(env)
    orders = orders_for(env, deal.opp_id)
    assert len(orders) == 1 and orders[0]["CUSTVENDID"] == "LATE-A"
    assert env.customer("LATE-A").cross_ref == deal.account_id
    assert env.item("LATE-P1").cross_ref == deal.product_ids[0]
    assert env.account(deal.account_id)["Intacct_Customer_ID__c"] == "LATE-A"


def test_inactive_item_blocks_then_reactivation_sends_it(env: SyncEnv) -> None:
    deal = make_deal(env, "BLK", [("10.00", 1, None), ("20.00", 2, None)])
    ok(env)
    env.update_ia("ITEM", {"ITEMID": "BLK-P2", "STATUS": "inactive"})
    ok(env)
    win(env, deal.opp_id)
    ok(env)
    assert orders_for(env, deal.opp_id) == []
    status = opportunity(env, deal.opp_id)["Intacct_Sync_Status__c"]
    assert status == "Blocked: item BLK-P2 is inactive in Intacct", status
    with env.store.read() as r:
        items = [i for i in r.inbox.list() if i.entity == "order"]
    assert len(items) == 1 and "BLK-P2" in items[0].message and items[0].hint
    assert_quiet(env)  # blocked and unchanged: nothing is resent, nothing rewritten
    env.update_ia("ITEM", {"ITEMID": "BLK-P2", "STATUS": "active"})
    ok(env)
    assert len(orders_for(env, deal.opp_id)) == 1
    assert opportunity(env, deal.opp_id)["Intacct_Sync_Status__c"] == "Synced"
    with env.store.read() as r:
        assert [i for i in r.inbox.list() if i.entity == "order"] == []


def test_historical_closed_won_is_never_pushed(env: SyncEnv) -> None:
    with env.store.write() as tx:
        tx.meta.set("cutover_date", date(2026, 1, 1).isoformat())
    old = make_deal(env, "OLD", [("10.00", 1, None)], stage="Closed Won", close="2025-12-31")
    new = make_deal(env, "NEW", [("10.00", 1, None)], stage="Closed Won", close="2026-01-01")
    ok(env)
    assert orders_for(env, old.opp_id) == []
    assert opportunity(env, old.opp_id)["Intacct_Sync_Status__c"] == "Historical"
    assert len(orders_for(env, new.opp_id)) == 1
    ok(env)
    assert_quiet(env)
    assert orders_for(env, old.opp_id) == []


def test_leaving_closed_won_after_the_order_changes_nothing_and_flags_finance(env: SyncEnv) -> None:
    deal = make_deal(env, "FIN", [("10.00", 1, None)], stage="Closed Won")
    ok(env)
    docid = orders_for(env, deal.opp_id)[0]["DOCID"]
    ia_writes = env.writes()[1]
    win(env, deal.opp_id, "Closed Lost")
    ok(env)
    assert env.writes()[1] == ia_writes  # nothing written to Intacct
    assert [o["DOCID"] for o in orders_for(env, deal.opp_id)] == [docid]
    with env.store.read() as r:
        flagged = [i for i in r.inbox.list() if i.operation == "finance_review"]
    assert len(flagged) == 1 and docid in flagged[0].message
    assert_quiet(env)


def test_missing_transaction_definition_blocks(env: SyncEnv) -> None:
    env.new_engine(order_transaction_type="Sales Quote")
    deal = make_deal(env, "DEF", [("10.00", 1, None)], stage="Closed Won")
    ok(env)
    status = opportunity(env, deal.opp_id)["Intacct_Sync_Status__c"]
    assert status.startswith("Blocked: the transaction definition 'Sales Quote' does not exist"), status


def test_retry_from_the_inbox_sends_a_blocked_order_once_its_cause_is_fixed(env: SyncEnv) -> None:
    deal = make_deal(env, "RTY", [("10.00", 1, None)])
    ok(env)
    env.update_ia("CUSTOMER", {"CUSTOMERID": "RTY-A", "STATUS": "inactive"})
    ok(env)
    win(env, deal.opp_id)
    ok(env)
    assert opportunity(env, deal.opp_id)["Intacct_Sync_Status__c"] == "Blocked: customer RTY-A is inactive in Intacct"
    with env.store.read() as r:
        item = next(i for i in r.inbox.list() if i.entity == "order")
    # reactivated by someone, but the engine has not read Intacct since: the operator retries
    env.update_ia("CUSTOMER", {"CUSTOMERID": "RTY-A", "STATUS": "active"})
    assert env.engine.retry(item.id).status == "ok"
    assert len(orders_for(env, deal.opp_id)) == 1
    assert opportunity(env, deal.opp_id)["Intacct_Sync_Status__c"] == "Synced"
