"""The cheap idle cycle: pairs whose modstamps both equal the marks of their last quiet merge are not
merged again, yet an edit made in the overlap window right after a sync is still applied."""

from __future__ import annotations

import sqlite3
import time
from datetime import timedelta
from typing import Any

from sfintacct_desktop.engine import stamp_memo
from sfintacct_desktop.store.repos.links import LinkRepo
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
    # every burst pair left out, and one sentinel pair: the last cycle wrote its Account back and read
    # it back once Salesforce's clock had passed that second; the other sentinel pair still merges
    assert _sum(idle, "unchanged") == 2 * N + 1
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
    """A link without seen marks (created by a baseline, or whose write was not read back) is merged,
    never skipped."""
    acc = env.create_account(Name="Fresh", AccountNumber="FRESH1")
    ok(env)
    with env.store.read() as r:
        link = r.links.by_sf_id("customer", acc)
    assert link is not None and link.sf_seen  # our write read back once Salesforce's clock passed it
    with env.store.write() as tx:
        tx.links.update_many([{"id": link.id, "sf_seen": "", "ia_seen": ""}])
    with env.store.read() as r:
        link = r.links.by_sf_id("customer", acc)
    assert link is not None and not link.sf_seen and not link.ia_seen
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
    assert _sum(summary, "unchanged") == 2 * N  # every other burst pair (and a sentinel) still left out
    assert ok(env).writes == 0


# ------------------------------------------------------------ the memo of left-out stamps
def _asked(monkeypatch: Any) -> list[str]:
    """Spy on the state-store lookups of the overlap window's stamps (Ids asked, every cycle)."""
    asked: list[str] = []
    real = LinkRepo.sf_seen_marks

    def spy(self: LinkRepo, entity: Any, sf_ids: Any) -> Any:
        ids = list(sf_ids)
        asked.extend(ids)
        return real(self, entity, ids)

    monkeypatch.setattr(LinkRepo, "sf_seen_marks", spy)
    return asked


def _link_sql(env: SyncEnv, sql: str, *args: Any) -> None:
    """A write to the links made behind the engine's back (another process, a rebuild)."""
    with sqlite3.connect(env.db_path) as db:
        db.execute(sql, args)


def test_an_unchanged_window_is_answered_by_the_memo_until_it_ages(env: SyncEnv, monkeypatch: Any) -> None:
    # the burst's links were updated seconds ago: without the clock margin they count as older
    monkeypatch.setattr(stamp_memo, "CLOCK_MARGIN", timedelta(0))
    accounts = _burst_then_settle(env)
    ok(env)  # the memo now holds the window's left-out stamps
    asked = _asked(monkeypatch)
    idle = ok(env)
    assert idle.writes == 0 and _sum(idle, "unchanged") == 2 * N + 1
    assert not set(asked) & set(accounts.values())  # no lookup of an unchanged Account
    now = time.monotonic()
    env.engine.stamp_memo.clock = lambda: now + stamp_memo.MAX_AGE_SECONDS + 1
    aged = ok(env)
    assert set(accounts.values()) <= set(asked)  # every Account compared with the store again
    assert aged.writes == 0 and _sum(aged, "unchanged") == 2 * N + 1


def test_a_link_updated_behind_the_engine_is_compared_with_the_store(env: SyncEnv, monkeypatch: Any) -> None:
    """Same Account stamp, but its link no longer says it was seen (another process reset it): the
    Account is read in full and merged, not left out by what the memo remembers."""
    accounts = _burst_then_settle(env)
    ok(env)
    assert accounts["A3"] in env.engine.stamp_memo.entries
    with env.store.write() as tx:
        link = tx.links.by_sf_id("customer", accounts["A3"])
        assert link is not None
        tx.links.update_many([{"id": link.id, "sf_seen": ""}])
    read_back: list[str] = []
    real = env.engine.sf.customers_read_back
    monkeypatch.setattr(env.engine.sf, "customers_read_back", lambda ids: read_back.extend(ids) or real(ids))
    summary = ok(env)
    assert accounts["A3"] in read_back
    assert _sum(summary, "unchanged") == 2 * N


def test_a_link_removed_between_cycles_is_made_again(env: SyncEnv) -> None:
    """A link lost behind the engine's back (a store rebuilt without it): the Account is no longer
    left out by its stamp; it is read in full and linked again to its customer by the cross-reference."""
    accounts = _burst_then_settle(env)
    ok(env)
    acc = accounts["A3"]
    with env.store.read() as r:
        link = r.links.by_sf_id("customer", acc)
    assert link is not None and acc in env.engine.stamp_memo.entries
    _link_sql(env, "DELETE FROM links WHERE id = ?", link.id)
    ok(env)
    with env.store.read() as r:
        again = r.links.by_sf_id("customer", acc)
    assert again is not None and again.ia_key == link.ia_key and again.id != link.id


def test_an_edit_in_the_window_after_the_memo_is_filled_is_applied(env: SyncEnv) -> None:
    """A change in Salesforce moves the stamp, so the memo (same Id, old stamp) never leaves it out."""
    accounts = _burst_then_settle(env)
    ok(env)
    ok(env)
    acc = accounts["A4"]
    linked = env.account(acc)["Intacct_Customer_ID__c"]
    env.clock("salesforce", -60)  # a late commit: older than the cursor, inside the overlap window
    env.update_sf("Account", acc, BillingCity="After The Memo")
    env.clock("salesforce", 5)
    ok(env)
    assert env.customer(linked).address.city == "After The Memo"


def test_the_accounts_a_cycle_wrote_are_in_the_memo_for_the_next_one(env: SyncEnv, monkeypatch: Any) -> None:
    """The busy cycle puts the Accounts it wrote and read back in the memo: the next cycle leaves all
    of them out by stamp without looking one up in the store."""
    accounts = {f"A{i}": env.create_account(Name=f"Memo SF {i}", BillingCity="Oakland") for i in range(N)}
    fns = [create("CUSTOMER", {"CUSTOMERID": f"MIA{i}", "NAME": f"Memo IA {i}"}) for i in range(N)]
    assert all(r.ok for r in env.user_ia.client.call(fns))
    assert ok(env).writes == 4 * N
    asked = _asked(monkeypatch)
    nxt = ok(env)
    assert nxt.writes == 0 and _sum(nxt, "unchanged") == 2 * N
    assert not set(asked) & set(accounts.values())
