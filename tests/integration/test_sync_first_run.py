"""The first live sync and what it must never copy (real HTTP, seed ``empty`` filled by hand).

- two populated systems without a baseline: refused with a fatal error, nothing written;
  allowed when one side is empty, with ``allow_without_baseline``, and after a first live sync;
- an unlinked record in the recycle bin or inactive is not created on the other side (skipped);
- a payment applied to no invoice (an advance) still reaches ``Intacct_Payment__c``.
"""

from __future__ import annotations

from sfintacct_desktop.app import gui_support
from sfintacct_desktop.app.errors import Surface, present_info
from tests.support.orders_env import make_deal, orders_for, sf_payments, win
from tests.support.sync_env import SyncEnv


def test_two_populated_systems_without_baseline_are_refused_and_nothing_is_written(env: SyncEnv) -> None:
    env.new_engine(allow_without_baseline=False)
    env.create_account(Name="Sales Side Co")
    env.create_customer("C-FIN", "Finance Side Co")
    before = env.writes()
    summary = env.sync()
    assert summary.status == "failed"
    assert summary.error is not None and summary.error.fatal and summary.error.code == "BASELINE_REQUIRED"
    assert "sfintacct baseline plan" in summary.error.hint and "sfintacct baseline apply" in summary.error.hint
    assert env.writes() == before
    assert len(env.customers()) == 1 and len(env.accounts()) == 1  # nobody got a duplicate
    # one error, two voices: the terminal names the commands, the window the tab and its buttons
    assert present_info(summary.error, Surface.CLI).hint == summary.error.hint
    shown = gui_support.shown(summary.error)
    assert shown["title"] == summary.error.title and "Baseline tab" in shown["hint"]
    assert "sfintacct " not in shown["hint"] and "--" not in shown["hint"]

    env.new_engine(allow_without_baseline=True)  # an explicit choice: the systems share nothing
    assert env.sync().status == "ok"
    assert len(env.customers()) == 2 and len(env.accounts()) == 2
    env.new_engine(allow_without_baseline=False)  # the live sync has started: later cycles need no flag
    env.create_account(Name="Later Co")
    assert env.sync().status == "ok"


def test_a_new_company_with_one_side_empty_syncs_without_baseline(env: SyncEnv) -> None:
    env.new_engine(allow_without_baseline=False)
    env.create_customer("C-ONLY", "Only In Intacct")
    assert env.sync().status == "ok"
    assert [a["Intacct_Customer_ID__c"] for a in env.accounts()] == ["C-ONLY"]
    env.create_account(Name="Then In Salesforce")  # both populated now, but the live sync runs already
    assert env.sync().status == "ok"
    assert len(env.customers()) == 2


def test_unlinked_deleted_or_inactive_records_are_not_created_on_the_other_side(env: SyncEnv) -> None:
    env.new_engine(allow_without_baseline=False)
    assert env.sync().status == "ok"  # an empty company: the live sync starts
    binned = env.create_account(Name="Binned Co")
    env.delete_sf(binned)
    env.create_account(Name="Dormant Co", Intacct_Inactive__c=True)
    env.create_customer("C-OLD", "Old Inactive", STATUS="inactive")
    env.create_account(Name="Alive Co")
    summary = env.sync()
    assert summary.status == "ok", summary.error
    assert sorted(c.name for c in env.customers()) == ["Alive Co", "Old Inactive"]
    assert sorted(a["Name"] for a in env.accounts()) == ["Alive Co", "Dormant Co"]
    assert sum(s.skipped for s in summary.streams) == 3
    with env.store.read() as r:
        assert r.links.count("customer") == 1


def plant_advance(env: SyncEnv, customer_id: str, amount: str) -> None:
    """An ARPYMT with no invoice line (an advance), as real Intacct records one.

    The emulator refuses to create one through the API (every payment must apply to an invoice),
    so the record and its AUDITHISTORY row are put into the emulator's company directly.
    """
    company = env.sandbox.intacct.company
    with company.store.lock:
        no = company.next_recordno("ARPYMT")
        ts = company.now_ts()
        payment = {
            "RECORDNO": no,
            "CUSTOMERID": customer_id,
            "FINANCIALENTITY": "BOA",
            "PAYMENTMETHOD": "Check",
            "RECEIPTDATE": "04/01/2026",
            "PAYMENTDATE": "04/01/2026",
            "STATE": "Posted",
            "TOTALENTERED": amount,
            "TRX_TOTALENTERED": amount,
            "WHENCREATED": "04/01/2026",
            "WHENMODIFIED": ts,
        }
        company.store.put("ARPYMT", no, payment)
        company.audit("ARPYMT", payment, "C", no)


def test_a_payment_applied_to_no_invoice_reaches_salesforce(env: SyncEnv) -> None:
    env.create_customer("C-ADV", "Advance Payer")
    assert env.sync().status == "ok"
    assert env.sync().status == "ok"  # cursors set: from now on the incremental read
    plant_advance(env, "C-ADV", "75.00")
    summary = env.sync()
    assert summary.status == "ok", summary.error
    rows = sf_payments(env)
    assert len(rows) == 1, rows
    account = next(a for a in env.accounts() if a["Intacct_Customer_ID__c"] == "C-ADV")
    assert rows[0]["Account__c"] == account["Id"] and rows[0]["Invoice__c"] is None
    assert float(rows[0]["Amount__c"]) == 75.0
    before = env.writes()
    assert env.sync().writes == 0 and env.writes() == before


def test_deals_marked_historical_are_never_pushed(env: SyncEnv) -> None:
    marked = make_deal(env, "HSA", [("10.00", 1, None)])
    listed = make_deal(env, "HSB", [("10.00", 1, None)])
    env.update_sf("Opportunity", marked.opp_id, Intacct_Sync_Status__c="Historical")
    with env.store.write() as tx:  # what the baseline load records for the deals it marked
        tx.meta.set("baseline_historical", {listed.opp_id: ""})
    win(env, marked.opp_id)
    win(env, listed.opp_id)
    assert env.sync().status == "ok"
    assert orders_for(env, marked.opp_id) == [] and orders_for(env, listed.opp_id) == []
    fresh = make_deal(env, "HSC", [("10.00", 1, None)])
    win(env, fresh.opp_id)
    assert env.sync().status == "ok"
    assert len(orders_for(env, fresh.opp_id)) == 1
