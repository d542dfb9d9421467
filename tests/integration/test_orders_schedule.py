"""Per-system poll intervals: a scheduled cycle reads Intacct only when due, orders go out at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sfintacct_desktop.engine.schedule import LAST_READ_META, Schedule
from tests.support.orders_env import make_deal, orders_for, win
from tests.support.sync_env import SyncEnv


def requests_to_intacct(env: SyncEnv) -> int:
    return int(env.stats("intacct")["requests"])


def test_scheduled_cycles_read_intacct_only_when_due_but_orders_go_at_once(env: SyncEnv) -> None:
    deal = make_deal(env, "SCH", [("10.00", 1, None)])
    assert env.engine.run_cycle("schedule").status == "ok"  # first one: Intacct never read -> due
    before = requests_to_intacct(env)
    summary = env.engine.run_cycle("schedule")
    assert summary.status == "ok" and summary.intacct_requests == 0 and summary.salesforce_api_calls == 1
    assert requests_to_intacct(env) == before
    env.create_customer("C-9", "Made in Intacct")
    win(env, deal.opp_id)
    summary = env.engine.run_cycle("schedule")  # Intacct not due: the order still goes out now
    assert len(orders_for(env, deal.opp_id)) == 1
    assert not [a for a in env.accounts() if a["Intacct_Customer_ID__c"] == "C-9"]  # its stream waits
    with env.store.write() as tx:  # the Intacct interval has passed
        tx.meta.set(LAST_READ_META, (datetime.now(UTC) - timedelta(seconds=301)).isoformat())
    assert env.engine.run_cycle("schedule").status == "ok"
    assert [a for a in env.accounts() if a["Intacct_Customer_ID__c"] == "C-9"]  # cursor was kept: not missed
    assert env.sync().intacct_requests >= 1  # a manual cycle always reads both


def test_schedule_decision_and_projection() -> None:
    s = Schedule(60, 300)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert s.intacct_due("manual", now, now) and s.intacct_due("schedule", None, now)
    assert not s.intacct_due("schedule", now - timedelta(seconds=240), now)
    assert s.intacct_due("schedule", now - timedelta(seconds=296), now)  # slack: a 60 s loop keeps 300 s
    report = {"per_cycle": {"salesforce_calls": 1.0}, "measured": {"idle": {"intacct_transactions": 3.0}}}
    proj = s.projection(report)
    assert proj["salesforce_calls_per_day"] == 1440.0
    # 288 polls of 3 transactions a day; 48 of them (every 30 minutes) are full reads of 4, and 12 of
    # those (every 2 hours) read the two price list objects too
    assert proj["intacct_transactions_per_month"] == round((288 * 3 + 48 * (4 - 3) + 12 * 2) * 30.4)
    # the default: a probe of one transaction every minute and the safety net fit 50,000 a month
    default = Schedule().projection({"measured": {}})
    assert default["intacct_transactions_per_month"] == round((1440 * 1 + 48 * (4 - 1) + 12 * 2) * 30.4) == 48883
    assert default["intacct_transactions_per_month"] < 50_000


def test_budget_report_carries_the_schedule(env: SyncEnv) -> None:
    env.sync()
    report = env.engine.budget_report(60)
    assert report["schedule"]["intacct_interval_seconds"] == 60
    assert report["schedule"]["intacct_transactions_per_month"] < 50_000
