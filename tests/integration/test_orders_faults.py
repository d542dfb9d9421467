"""Exactly one sales order whatever fails around ``create_sotransaction`` (INV-SO-ONCE, INV-SO-EVENTUAL)."""

from __future__ import annotations

from datetime import date

import pytest
import requests

from sfintacct_desktop.connectors import IntacctConnector
from sfintacct_desktop.connectors.ia_orders import IntacctOrders, OrderRequest
from sfintacct_desktop.domain import IntentState, System
from sfintacct_desktop.engine.cycle import EngineSettings, SyncEngine
from sfintacct_desktop.engine.mapping import load_mapping
from sfintacct_desktop.engine.orders import KIND, intent_key, request_payload
from sfintacct_desktop.store import StateStore
from sfintacct_desktop.wire.intacct import IntacctClient, IntacctSecrets, IntacctSettings
from sfintacct_desktop.wire.intacct import functions as fx
from sfintacct_desktop.wire.intacct.functions import SoLine
from sfintacct_sandbox import credentials as cred
from tests.integration.test_cli_sync import TIMEOUT, Bench, bench, cli, cli_json, spawn  # noqa: F401
from tests.support.crash import kill_once_request_arrived
from tests.support.orders_env import make_deal, opportunity, orders_for, win
from tests.support.sync_env import NO_SLEEP, TZ, SyncEnv, ok, sf_connector

OP = "create_sotransaction"


def short_timeout_engine(env: SyncEnv, read_timeout: float) -> SyncEngine:
    """An engine whose Intacct client gives up on an answer after ``read_timeout`` seconds."""
    settings = IntacctSettings(
        sender_id=cred.INTACCT_SENDER_ID,
        company_id=cred.INTACCT_COMPANY_ID,
        user_id=cred.INTACCT_USER_ID,
        endpoint=env.sandbox.intacct_url,
        read_timeout=read_timeout,
    )
    client = IntacctClient(
        settings, IntacctSecrets(cred.INTACCT_SENDER_PASSWORD, cred.INTACCT_USER_PASSWORD), backoff=NO_SLEEP
    )
    env.store.close()
    env.store = StateStore.open(env.db_path)
    env.engine = SyncEngine(
        env.store, sf_connector(env.sandbox), IntacctConnector(client, TZ), load_mapping(), EngineSettings("test")
    )
    return env.engine


def assert_exactly_one(env: SyncEnv, opp_id: str) -> None:
    orders = orders_for(env, opp_id)
    assert len(orders) == 1, orders
    opp = opportunity(env, opp_id)
    assert opp["Intacct_Sales_Order_ID__c"] == orders[0]["DOCID"] and opp["Intacct_Sync_Status__c"] == "Synced"
    with env.store.read() as r:
        intent = r.intents.get(intent_key(opp_id))
    assert intent is not None and intent.state is IntentState.CONFIRMED


@pytest.mark.parametrize("mode", ["http_500", "http_524", "drop_after_apply", "invalid_session", "timeout"])
def test_each_fault_on_the_create_still_makes_exactly_one_order(env: SyncEnv, mode: str) -> None:
    deal = make_deal(env, "FLT", [("50.00", 2, None), ("10.00", 1, None)])
    ok(env)
    if mode == "timeout":
        short_timeout_engine(env, 0.5)
        body = {"operation": OP, "mode": mode, "count": 1, "delay_seconds": 2}
        env._admin("intacct", "faults", body)
    else:
        env.fault("intacct", OP, mode)
    win(env, deal.opp_id)
    ok(env)
    assert env.stats("intacct")["by_operation"].get(OP, 0) >= 1
    assert_exactly_one(env, deal.opp_id)
    ok(env)
    ok(env)
    assert len(orders_for(env, deal.opp_id)) == 1


@pytest.mark.parametrize("applied", [True, False])
def test_a_crash_after_sent_is_settled_at_start_by_lookup_before_any_resend(env: SyncEnv, applied: bool) -> None:
    """The process died after SENT was committed: applied -> linked by PONUMBER; not -> resent once."""
    deal = make_deal(env, "CRA", [("50.00", 1, None)])
    ok(env)
    req = OrderRequest(intent_key(deal.opp_id), "Sales Order", date(2026, 3, 15), "CRA-A", deal.opp_id, "CRA deal",
                       (SoLine(itemid="CRA-P1", quantity="1", price="50.00"),))  # fmt: skip
    with env.store.write() as tx:
        tx.intents.plan(req.controlid, KIND, System.INTACCT, {**request_payload(req), "opp_id": deal.opp_id})
        tx.intents.mark_sent(req.controlid)
    if applied:
        assert IntacctOrders(env.user_ia).create_orders([req])[0].ok
    sends = env.stats("intacct")["by_operation"].get(OP, 0)
    env.new_engine()
    assert env.engine.recover() == 1
    assert env.stats("intacct")["by_operation"].get(OP, 0) == sends + (0 if applied else 1)
    assert_exactly_one(env, deal.opp_id)
    win(env, deal.opp_id)
    ok(env)
    assert_exactly_one(env, deal.opp_id)


def test_controlid_already_recorded_means_look_it_up(env: SyncEnv) -> None:
    """A lost state store: Intacct refuses the repeated controlid (XL03000013); the order is linked."""
    deal = make_deal(env, "DUP", [("30.00", 1, None)])
    ok(env)
    fn = fx.create_sotransaction(
        intent_key(deal.opp_id),
        transactiontype="Sales Order",
        datecreated=date(2026, 3, 15),
        customerid="DUP-A",
        referenceno=deal.opp_id,
        lines=[SoLine(itemid="DUP-P1", quantity="1", price="30.00")],
    )
    res = env.user_ia.client.call([fn], uniqueid=True)[0]
    assert res.ok, res.errors
    win(env, deal.opp_id)
    ok(env)
    assert_exactly_one(env, deal.opp_id)
    assert orders_for(env, deal.opp_id)[0]["DOCID"] == res.key


# ------------------------------------------------------------------------------ SIGKILL via the CLI
def test_sigkill_after_the_create_left_then_restart_makes_exactly_one_order(bench: Bench) -> None:  # noqa: F811
    users = SyncEnv(None, None, None, None, bench.sf, bench.ia)  # type: ignore[arg-type]
    deal = make_deal(users, "KIL", [("75.00", 2, None)])
    first = cli_json(bench.home, "sync", "--once")
    assert first["status"] == "ok", first
    win(users, deal.opp_id)
    armed = bench.admin(bench.ia_base, "faults", {"operation": OP, "mode": "timeout", "count": 1, "delay_seconds": 30})
    assert armed["armed"][0]["operation"] == OP
    before = int(bench.admin(bench.ia_base, "stats")["by_operation"].get(OP, 0))
    proc = spawn(bench.home, "sync", "--once")
    kill_once_request_arrived(
        proc,
        lambda: int(bench.admin(bench.ia_base, "stats")["by_operation"].get(OP, 0)),
        before,
        timeout=TIMEOUT,
        what="the order",
    )
    requests.delete(f"{bench.ia_base}/__sandbox__/faults", timeout=10).raise_for_status()
    rerun = cli(bench.home, "sync", "--once", "--json")
    assert rerun.returncode == 0, rerun.stderr
    orders = orders_for(users, deal.opp_id)
    assert len(orders) == 1, orders  # applied once by the killed run, found by lookup, never resent
    opp = opportunity(users, deal.opp_id)
    assert opp["Intacct_Sales_Order_ID__c"] == orders[0]["DOCID"] and opp["Intacct_Sync_Status__c"] == "Synced"
    cli_json(bench.home, "sync", "--once")
    again = cli_json(bench.home, "sync", "--once")
    assert again["writes"] == 0
    assert len(orders_for(users, deal.opp_id)) == 1
