"""What a cycle costs, counted by the emulators (/__sandbox__/stats): idle, and 1,000 changes each way."""

from __future__ import annotations

from sfintacct_desktop.wire.intacct import create
from tests.support.sync_env import SyncEnv

N = 1000


def cost(env: SyncEnv) -> tuple[int, int, int]:
    sf, ia = env.stats("salesforce"), env.stats("intacct")
    return int(sf["api_calls"]), int(ia["transactions"]), int(ia["requests"])


def delta(env: SyncEnv, before: tuple[int, int, int]) -> tuple[int, int, int]:
    after = cost(env)
    return after[0] - before[0], after[1] - before[1], after[2] - before[2]


def test_idle_cycle_costs_one_salesforce_call(env: SyncEnv) -> None:
    assert env.sync().status == "ok"
    before = cost(env)
    summary = env.sync()
    sf_calls, ia_tx, _ = delta(env, before)
    assert summary.status == "ok" and summary.writes == 0
    assert sf_calls <= 1 and ia_tx <= 3
    assert summary.salesforce_api_calls == sf_calls and summary.intacct_transactions == ia_tx


def test_thousand_customers_each_way_in_bounded_calls(env: SyncEnv) -> None:
    for start in range(0, N, 200):
        rows = [{"Name": f"Bulk SF {i}", "AccountNumber": f"BSF{i}"} for i in range(start, start + 200)]
        assert all(r.success for r in env.sf.create_many("Account", rows))
    fns = [create("CUSTOMER", {"CUSTOMERID": f"BIA{i}", "NAME": f"Bulk IA {i}"}) for i in range(N)]
    assert all(r.ok for r in env.user_ia.client.call(fns))
    before = cost(env)
    summary = env.sync()
    sf_calls, ia_tx, ia_req = delta(env, before)
    assert summary.status == "ok", summary.error
    assert sum(s.applied for s in summary.streams) == 2 * N
    assert sf_calls <= 20 and ia_req <= 40 and ia_tx <= 3 * N + 20
    with env.store.read() as r:
        assert r.links.count("customer") == 2 * N
    before = cost(env)
    again = env.sync()
    assert again.writes == 0
    assert delta(env, before)[0] <= 3
