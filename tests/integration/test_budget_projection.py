"""`status`'s projection: idle and busy cycles apart, the first cycle left out, the basis said (real HTTP)."""

from __future__ import annotations

import pytest

from sfintacct_desktop.engine.projection import MIN_HISTORY
from tests.support.sync_env import SyncEnv, ok


def test_the_default_schedule_on_an_idle_company_fits(env: SyncEnv) -> None:
    ok(env)  # an empty company: the first cycle
    idle = [ok(env) for _ in range(3)]
    report = env.engine.budget_report(60)  # the default schedule: both systems every minute
    proj = report["projection"]
    assert proj["interval_seconds"] == 60 and proj["intacct_interval_seconds"] == 60
    sf, ia = idle[-1].salesforce_api_calls, idle[-1].intacct_transactions
    assert sf == 1  # one composite call
    assert ia == 1  # one audit trail probe
    assert proj["salesforce_calls_per_day"] == pytest.approx(1440 * sf)
    # a probe a minute, every 30 minutes a full read of 4 transactions in its place, and every
    # 2 hours the two price list objects in that full read
    assert proj["intacct_transactions_per_month"] == pytest.approx((1440 * 1 + 48 * 3 + 12 * 2) * 30.4, rel=0.001)
    assert proj["intacct_transactions_per_month"] < 50_000
    assert proj["fits"] is True and proj["verdict"].endswith("The schedule fits both budgets.")
    assert "Based on 3 idle cycle(s) measured" in proj["basis"] and "no busy cycle seen" in proj["basis"]


def test_a_first_busy_cycle_is_never_extrapolated_and_busy_cycles_count_once_seen_often(env: SyncEnv) -> None:
    for n in range(25):
        env.create_account(Name=f"Catch-up Co {n}", AccountNumber=f"CU{n:03d}")
    first = ok(env)
    assert first.writes >= 25  # a busy first cycle: 25 customers created in Intacct
    fresh = env.engine.budget_report(60)
    assert fresh["measured"]["first_cycle_left_out"] and fresh["measured"]["busy_cycles"] == 0
    assert "No idle cycle measured yet" in fresh["projection"]["basis"]
    assert fresh["projection"]["fits"] is True  # the catch-up is not taken for every cycle

    idle = [ok(env) for _ in range(MIN_HISTORY - 2)]
    env.create_account(Name="One More Co", AccountNumber="OMC1")
    busy = ok(env)
    assert busy.writes > 0
    early = env.engine.budget_report(60)
    assert early["measured"]["busy_share"] is None  # 11 cycles: too few to tell
    base_sf = idle[-1].salesforce_api_calls
    assert early["projection"]["salesforce_calls_per_day"] == pytest.approx(1440 * base_sf)
    assert "1 busy cycle(s) seen" in early["projection"]["basis"]

    ok(env)  # the twelfth cycle after the first: now the share of busy cycles is measured
    late = env.engine.budget_report(60)
    measured = late["measured"]
    assert measured["busy_share"] == pytest.approx(1 / MIN_HISTORY, abs=1e-4)
    extra_sf = measured["busy_extra"]["salesforce_calls"]
    assert extra_sf == busy.salesforce_api_calls - base_sf
    expected = 1440 * (base_sf + extra_sf / MIN_HISTORY)
    assert late["projection"]["salesforce_calls_per_day"] == pytest.approx(expected, rel=0.001)
    assert f"1 busy cycle(s) of the last {MIN_HISTORY}" in late["projection"]["basis"]
