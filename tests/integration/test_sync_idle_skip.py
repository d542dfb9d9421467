"""The cheap idle cycle: pairs whose modstamps both equal the marks of their last quiet merge are not
merged again, yet an edit made in the overlap window right after a sync is still applied."""

from __future__ import annotations

from typing import Any

from sfintacct_desktop.wire.intacct import create
from tests.support.sync_env import SyncEnv, ok

N = 30


def _sum(summary: Any, attr: str) -> int:
    return sum(getattr(s, attr) for s in summary.streams)


def _burst_then_settle(env: SyncEnv) -> dict[str, str]:
    accounts = {}
    for i in range(N):
        accounts[f"A{i}"] = env.create_account(Name=f"Idle SF {i}", AccountNumber=f"ISF{i}", BillingCity="Oakland")
    fns = [create("CUSTOMER", {"CUSTOMERID": f"IIA{i}", "NAME": f"Idle IA {i}"}) for i in range(N)]
    assert all(r.ok for r in env.user_ia.client.call(fns))
    busy = ok(env)
    assert busy.writes >= 2 * N
    # Newer records on both sides, so every burst stamp is older than the newest of its read (settled).
    env.clock("salesforce", 5)
    env.clock("intacct", 5)
    env.create_account(Name="Idle sentinel")
    env.create_customer("IDLE-SENT", "Idle sentinel")
    ok(env)
    ok(env)  # re-reads our own writes: merges find nothing to do and record the seen marks
    return accounts


def test_idle_cycle_after_a_burst_merges_nothing(env: SyncEnv) -> None:
    _burst_then_settle(env)
    before = env.writes()
    idle = ok(env)
    assert idle.writes == 0 and env.writes() == before
    assert _sum(idle, "unchanged") == 2 * N  # every burst pair left out; only the 2 newest (sentinels) merge
    assert _sum(idle, "skipped") >= 2 * N
    assert "unchanged" not in idle.as_dict()["streams"]["salesforce.customers"]  # the JSON shape is unchanged


def test_edit_in_the_overlap_window_right_after_a_sync_is_still_applied(env: SyncEnv) -> None:
    accounts = _burst_then_settle(env)
    acc = accounts["A3"]
    linked = env.account(acc)["Intacct_Customer_ID__c"]
    env.update_sf("Account", acc, BillingCity="Fresno")  # seconds after the last sync, well inside the overlap
    env.update_ia("CUSTOMER", {"CUSTOMERID": "IIA7", "DISPLAYCONTACT": {"MAILADDRESS": {"CITY": "Reno"}}})
    summary = ok(env)
    assert summary.writes == 2
    assert env.customer(linked).address.city == "Fresno"
    iia7 = env.customer("IIA7").cross_ref
    assert env.account(iia7)["BillingCity"] == "Reno"
    again = ok(env)
    assert again.writes == 0


def test_retry_and_missing_marks_always_merge(env: SyncEnv) -> None:
    """A link without seen marks (created by a write, or by a baseline) is merged, never skipped."""
    acc = env.create_account(Name="Fresh", AccountNumber="FRESH1")
    ok(env)
    with env.store.read() as r:
        link = r.links.by_sf_id("customer", acc)
    assert link is not None and not link.sf_seen and not link.ia_seen  # just written: nothing marked
    nxt = ok(env)
    assert _sum(nxt, "unchanged") == 0


def test_a_change_committed_late_into_the_overlap_window_is_still_read(env: SyncEnv) -> None:
    """The overlap window comes back by stamp only; an Account whose stamp there was never seen (a
    change committed with a stamp older than the cursor) is read in full and merged."""
    accounts = _burst_then_settle(env)
    acc = accounts["A5"]
    linked = env.account(acc)["Intacct_Customer_ID__c"]
    env.clock("salesforce", -120)  # stamped two minutes ago: before the cursor, inside the overlap
    env.update_sf("Account", acc, BillingCity="Late Commit")
    env.clock("salesforce", 5)
    summary = ok(env)
    assert env.customer(linked).address.city == "Late Commit"
    assert _sum(summary, "unchanged") == 2 * N - 1  # every other burst pair still left out
    assert ok(env).writes == 0
