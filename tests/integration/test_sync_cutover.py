"""First-run safety: the first live sync without a baseline sets the cut-over (real HTTP, seed ``empty``).

A company goes live holding deals already Closed Won (their orders were keyed by hand in Intacct):
none of them may ever become a sales order. Deals won after the first sync must.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sfintacct_desktop.app.inbox import SyncState
from sfintacct_desktop.engine.cutover import cutover_day
from tests.support.orders_env import make_deal, opportunity, orders_for, win
from tests.support.sync_env import TZ, SyncEnv, assert_quiet, ok

LINES = [("10.00", 1, None)]


def test_first_live_sync_sets_the_cutover_and_pushes_only_deals_won_after_it(env: SyncEnv) -> None:
    env.new_engine(allow_without_baseline=False)  # an empty company, no baseline: the live sync starts
    today = cutover_day(datetime.now(UTC), TZ)  # the company's day (CloseDate is a day in its books)
    old = make_deal(env, "OLD", LINES, stage="Closed Won", close=(today - timedelta(days=40)).isoformat(), live=False)
    same_won = make_deal(env, "SDW", LINES, stage="Closed Won", close=today.isoformat(), live=False)
    same_open = make_deal(env, "SDO", LINES, stage="Prospecting", close=today.isoformat(), live=False)
    late = make_deal(env, "LTE", LINES, stage="Closed Won", close=(today + timedelta(days=9)).isoformat(), live=False)

    first = ok(env)
    with env.store.read() as r:
        at = datetime.fromisoformat(str(r.meta.get("cutover_at")))
        day = str(r.meta.get("cutover_date"))
    assert day == cutover_day(at, TZ).isoformat() == today.isoformat()
    for deal in (old, same_won, same_open, late):
        assert orders_for(env, deal.opp_id) == []
    # already Closed Won at the first sync: history, whatever the CloseDate says
    for deal in (old, same_won, late):
        assert opportunity(env, deal.opp_id)["Intacct_Sync_Status__c"] == "Historical"
    assert opportunity(env, same_open.opp_id)["Intacct_Sync_Status__c"] in (None, "")
    assert first.streams and sum(s.skipped for s in first.streams if s.stream == "salesforce.opportunities") == 3

    fresh = make_deal(env, "NEW", LINES, stage="Prospecting")  # new business after the cut-over
    win(env, fresh.opp_id)
    win(env, same_open.opp_id)  # same CloseDate day as the cut-over, but won after it: an order
    backdated = make_deal(env, "BKD", LINES, close=(today - timedelta(days=1)).isoformat())
    win(env, backdated.opp_id)  # CloseDate before the cut-over day: history (documented rule)
    ok(env)
    assert len(orders_for(env, fresh.opp_id)) == 1
    assert len(orders_for(env, same_open.opp_id)) == 1
    for deal in (old, same_won, late, backdated):
        assert orders_for(env, deal.opp_id) == []
        assert opportunity(env, deal.opp_id)["Intacct_Sync_Status__c"] == "Historical"
    assert opportunity(env, fresh.opp_id)["Intacct_Sync_Status__c"] == "Synced"

    status = SyncState(env.store).status()["cutover"]
    assert status["source"] == "first_live_sync" and status["date"] == day
    assert status["at"] == at.isoformat() and day in status["text"] and "baseline" in status["text"]

    env.new_engine(allow_without_baseline=False)  # a restart: the cut-over never moves by itself
    win(env, old.opp_id, "Closed Lost")
    ok(env)
    win(env, old.opp_id)  # reopened and won again: still history
    ok(env)
    assert_quiet(env)
    assert orders_for(env, old.opp_id) == []
    with env.store.read() as r:
        assert (r.meta.get("cutover_at"), r.meta.get("cutover_date")) == (at.isoformat(), day)
    assert len(orders_for(env, fresh.opp_id)) == 1 and len(orders_for(env, same_open.opp_id)) == 1


def test_a_baseline_cutover_is_kept_and_shown_as_the_baselines(env: SyncEnv) -> None:
    with env.store.write() as tx:  # what the baseline load records
        tx.meta.set("cutover_date", "2026-01-01")
        tx.meta.set("baseline_applied", {"plan": "p.json", "applied_at": "2026-01-01T09:00:00+00:00"})
    won = make_deal(env, "BWN", LINES, stage="Closed Won", close="2026-02-01", live=False)
    ok(env)  # a baseline's cut-over is a date only: a later CloseDate is new business
    assert len(orders_for(env, won.opp_id)) == 1
    with env.store.read() as r:
        assert r.meta.get("cutover_at") is None and r.meta.get("cutover_date") == "2026-01-01"
    status = SyncState(env.store).status()["cutover"]
    assert status["source"] == "baseline" and status["date"] == "2026-01-01"
