"""Sync rules at the edges: Intacct refusals, partial updates, counters, keys, budgets."""

from __future__ import annotations

import subprocess
import sys

import pytest

from sfintacct_desktop.engine.events import Event, Progress
from tests.support.sync_env import SyncEnv, ok


def test_duplicate_contact_name_and_long_name_go_to_inbox_then_retry(env: SyncEnv) -> None:
    a1 = env.create_account(Name="Same Name", AccountNumber="DUP1")
    a2 = env.create_account(Name="Same Name", AccountNumber="DUP2")
    env.create_account(Name="Other Co", AccountNumber="OTH1")
    long_id = env.create_account(Name="L" * 101, AccountNumber="LONG1")
    summary = ok(env)
    assert sum(s.errors for s in summary.streams) == 2
    made = {c.key for c in env.customers()}
    assert "OTH1" in made and len(made & {"DUP1", "DUP2"}) == 1 and "LONG1" not in made
    with env.store.read() as r:
        items = {i.payload["sf_id"]: i for i in r.inbox.list()}
    failed = a2 if "DUP1" in made else a1
    assert set(items) == {failed, long_id}
    dup = items[failed]
    assert dup.target.value == "intacct" and dup.code == "BL34000061"
    assert "Intacct already has a contact named Same Name" in dup.hint and "rename one of the Accounts" in dup.hint
    assert "Same Name" in dup.message
    assert items[long_id].message and items[long_id].hint
    env.update_sf("Account", failed, Name="Same Name West")
    env.update_sf("Account", long_id, Name="L" * 100)
    retried = env.engine.retry()
    assert retried.status == "ok", retried.error
    by_ref = {c.cross_ref: c for c in env.customers()}
    assert by_ref[failed].name == "Same Name West" and by_ref[long_id].name == "L" * 100
    assert env.account(failed)["Intacct_Customer_ID__c"] == by_ref[failed].key
    with env.store.read() as r:
        assert r.inbox.list() == []
    before = env.writes()
    assert ok(env).writes == 0
    assert env.writes() == before


def _on_writing(env: SyncEnv, action) -> None:  # type: ignore[no-untyped-def]
    """Run ``action`` once, when the engine starts writing customers (after its reads)."""
    done: list[bool] = []

    def hook(event: Event) -> None:
        if isinstance(event, Progress) and event.phase == "writing" and event.stream == "customer" and not done:
            done.append(True)
            action()

    env.engine.emit = hook


def test_updates_carry_only_the_changed_fields(env: SyncEnv) -> None:
    acc = env.create_account(Name="Race Co", AccountNumber="RACE1", BillingCity="Austin", Phone="+1 512 555 0100")
    ok(env)
    # Salesforce edits the city; meanwhile a user edits the phone in Intacct
    env.update_sf("Account", acc, BillingCity="Dallas")
    _on_writing(
        env, lambda: env.update_ia("CUSTOMER", {"CUSTOMERID": "RACE1", "DISPLAYCONTACT": {"PHONE1": "+1 512 555 0199"}})
    )
    ok(env)
    cust = env.customer("RACE1")
    assert cust.address.city == "Dallas" and cust.phone.endswith("0199")
    # Intacct edits the city; meanwhile a user edits the phone in Salesforce
    env.engine.emit = lambda e: None
    ok(env)
    env.update_ia("CUSTOMER", {"CUSTOMERID": "RACE1", "DISPLAYCONTACT": {"MAILADDRESS": {"CITY": "Plano"}}})
    _on_writing(env, lambda: env.update_sf("Account", acc, Phone="+1 512 555 0177"))
    ok(env)
    row = env.account(acc)
    assert row["BillingCity"] == "Plano" and row["Phone"].replace(" ", "").endswith("0177")
    env.engine.emit = lambda e: None
    ok(env)  # the racing edit now travels to the other side
    assert env.customer("RACE1").phone.endswith("0177")


def test_one_conflict_counts_once(env: SyncEnv) -> None:
    acc = env.create_account(Name="Twice Co", AccountNumber="TW1", BillingCity="Reno")
    ok(env)
    env.update_sf("Account", acc, BillingCity="Vegas")
    env.update_ia("CUSTOMER", {"CUSTOMERID": "TW1", "DISPLAYCONTACT": {"MAILADDRESS": {"CITY": "Carson"}}})
    summary = ok(env)
    assert sum(s.conflicts for s in summary.streams) == 1
    assert sum(s.writes_salesforce + s.writes_intacct for s in summary.streams) == 0


def test_generated_keys_advance_the_sequence_in_the_same_commit(env: SyncEnv) -> None:
    first = env.create_account(Name="No Number One")
    second = env.create_account(Name="No Number Two")
    ok(env)
    with env.store.read() as r:
        assert int(r.meta.get("customer_key_seq", 0)) == 3
        seqs = {r.intents.get(f"customer.create:{sf}:1").payload["seq"] for sf in (first, second)}
    assert seqs == {1, 2}
    assert {env.account(first)["Intacct_Customer_ID__c"], env.account(second)["Intacct_Customer_ID__c"]} == {
        "SF-000001",
        "SF-000002",
    }
    with env.store.write() as tx:  # the sequence is where key choice starts: no rescan from 1
        tx.meta.set("customer_key_seq", 50)
    third = env.create_account(Name="No Number Three")
    ok(env)
    assert env.account(third)["Intacct_Customer_ID__c"] == "SF-000050"
    with env.store.read() as r:
        assert int(r.meta.get("customer_key_seq", 0)) == 51
        assert r.intents.get(f"customer.create:{third}:1").payload["seq"] == 50


def test_budget_report_projects_measured_idle_and_busy_cycles(env: SyncEnv) -> None:
    env.create_account(Name="Budget Co", AccountNumber="BUD1")
    first = ok(env)  # the first cycle: a catch-up, left out of the projection
    idle = ok(env)
    env.create_account(Name="Budget Two", AccountNumber="BUD2")
    busy = ok(env)
    assert first.writes > 0 and idle.writes == 0 and busy.writes > 0
    report = env.engine.budget_report(300)
    measured = report["measured"]
    assert measured["first_cycle_left_out"] is True
    assert measured["idle_cycles"] == 1 and measured["busy_cycles"] == 1
    assert measured["idle"]["salesforce_calls"] == idle.salesforce_api_calls
    # an idle Intacct poll is the probe (one transaction); this idle cycle also re-read the sync's own
    # writes of the first cycle, which the probe reported as changes
    probe = measured["idle"]["intacct_transactions"]
    assert probe == 1 and idle.intacct_transactions >= probe
    assert measured["busy_extra"]["intacct_transactions"] == busy.intacct_transactions - probe
    assert measured["busy_share"] is None  # two cycles cannot tell how often records change
    proj = report["projection"]  # so the projection is the idle cost, and says so
    assert proj["salesforce_calls_per_day"] == pytest.approx(idle.salesforce_api_calls * 288, rel=0.01)
    # a probe every 5 minutes, every sixth of them (every 30 minutes) a full read of 4 in its place,
    # every 2 hours with the two price list objects in it
    expected = (288 * probe + 48 * (4 - probe) + 12 * 2) * 30.4
    assert proj["intacct_transactions_per_month"] == pytest.approx(expected, rel=0.01)
    assert proj["fits"] is True and "fits both budgets" in proj["verdict"]
    assert "every 5 minutes" in proj["verdict"]
    assert "not extrapolated" in proj["basis"] and "catch-up, is left out" in proj["basis"]
    tight = env.engine.budget_report(1)  # every second: far beyond a 20% share of 15,000 calls a day
    assert tight["projection"]["fits"] is False and "does NOT fit" in tight["projection"]["verdict"]


def test_engine_import_does_not_load_the_geocoder() -> None:
    code = "import sys, sfintacct_desktop.engine.cycle; print('phonenumbers.geocoder' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "False"
