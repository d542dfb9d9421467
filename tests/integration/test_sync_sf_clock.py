"""Salesforce's clock (the ``Date`` of an answer received before a read) settles the newest second too.

Salesforce stamps have whole seconds, so an Account was recorded as seen only when its stamp was
older than the newest of the same answer: the Accounts of the busy cycle's last second were read in
full and merged again by every later cycle. Now a stamp older than the clock Salesforce showed
before the read is recorded as well, and the settle point moves up to that clock, so the cycles
after the first one merge nothing; an edit in our write's own second is still merged, and without a
``Date`` the old rule holds (engine/sf_clock.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from sfintacct_desktop.wire.intacct import create
from tests.support.sync_env import SyncEnv, ok

N = 12


def _merged(summary: Any) -> int:
    """Pairs merged (to find nothing to do) rather than left out by their stamps."""
    return sum(s.skipped - s.unchanged for s in summary.streams)


def _burst(env: SyncEnv) -> dict[str, str]:
    """N Accounts and N customers made by "the user"; returns {name: Account Id}."""
    made = {f"C{i}": env.create_account(Name=f"Clock SF {i}", BillingCity="Oakland") for i in range(N)}
    fns = [create("CUSTOMER", {"CUSTOMERID": f"CLK{i}", "NAME": f"Clock IA {i}"}) for i in range(N)]
    assert all(r.ok for r in env.user_ia.client.call(fns))
    return made


def _later_before_read_back(env: SyncEnv, monkeypatch: Any, seconds: float) -> None:
    """The org's clock moves on between the busy cycle's last write and its read-back, as it does when
    that cycle's Intacct writes come in between: the read-back's answer shows the later clock."""
    real = env.engine.sf.customers_read_back

    def read_back(ids: list[str]) -> Any:
        env.clock("salesforce", seconds)
        return real(ids)

    monkeypatch.setattr(env.engine.sf, "customers_read_back", read_back)


def _left_out_accounts(summary: Any) -> int:
    return sum(s.unchanged for s in summary.streams if s.stream == "salesforce.customers")


def test_idle_cycles_after_a_burst_merge_nothing(env: SyncEnv, monkeypatch: Any) -> None:
    _burst(env)
    _later_before_read_back(env, monkeypatch, 2)
    busy = ok(env)
    assert busy.writes == 4 * N
    monkeypatch.undo()
    first = ok(env)  # merges the newest second's Accounts once and records their stamps
    assert first.writes == 0
    second, third = ok(env), ok(env)
    assert second.writes == 0 and third.writes == 0
    # before the clock was used, the newest second's Accounts were merged again by every cycle
    assert _merged(second) == 0 and _merged(third) == 0
    assert _left_out_accounts(third) == 2 * N  # every Account read by stamp only and left out


def test_an_edit_in_our_writes_second_is_merged_later(env: SyncEnv) -> None:
    """The org's clock stands still: our write-back, a cycle, then a user's edit all share one second.
    The clock shows that second, never a later one, so no stamp of it is recorded as seen and the
    edit (same stamp as our write) is read and merged."""
    _burst(env)
    frozen = (datetime.now(UTC) + timedelta(seconds=5)).replace(microsecond=0)
    env.freeze("salesforce", frozen)
    assert ok(env).writes == 4 * N
    ok(env)  # reads the Accounts of the frozen second in full; must not record them as seen
    acc = next(a for a in env.accounts() if a["Intacct_Customer_ID__c"] == "CLK3")
    env.update_sf("Account", acc["Id"], BillingCity="Same Second")
    assert env.account(acc["Id"])["Intacct_Customer_ID__c"] == "CLK3"
    env.freeze("salesforce", None)
    env.clock("salesforce", 5)
    ok(env)
    assert env.customer("CLK3").address.city == "Same Second"
    ok(env)
    assert ok(env).writes == 0


def test_without_a_date_header_the_newest_second_is_merged_again(env: SyncEnv, monkeypatch: Any) -> None:
    """A proxy that drops ``Date``: no clock, so the old rule holds (the newest second is never
    recorded as seen, and is merged again every cycle)."""

    def drop_date(response: requests.Response, *args: Any, **kwargs: Any) -> None:
        response.headers.pop("Date", None)

    env.engine.sf.client.session.hooks["response"].insert(0, drop_date)
    _burst(env)
    _later_before_read_back(env, monkeypatch, 2)
    ok(env)
    monkeypatch.undo()
    assert env.engine.sf.server_clock() is None
    ok(env)
    second, third = ok(env), ok(env)
    assert second.writes == 0 and third.writes == 0
    assert _merged(second) > 0 and _merged(third) > 0


def test_the_clock_is_taken_before_the_read_is_sent(env: SyncEnv) -> None:
    """The cycle's read carries the ``Date`` of the answer before it, not its own."""
    sf = env.engine.sf
    first = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    env.freeze("salesforce", first)
    sf.daily_api_requests()  # any answer of the data API
    assert sf.server_clock() == first
    env.freeze("salesforce", first + timedelta(seconds=7))
    reads = sf.changed_streams(first, first, first, timedelta(minutes=30), settle_accounts=True)
    assert reads.server_clock == first
    assert sf.server_clock() == first + timedelta(seconds=7)  # the read's own answer, for the next read
    env.freeze("salesforce", first + timedelta(seconds=3))  # the servers' clocks disagree: trust neither
    sf.daily_api_requests()
    assert sf.server_clock() is None
    env.freeze("salesforce", None)


def _sf_calls(env: SyncEnv) -> int:
    return int(env.engine.sf.client.api_calls)


def test_the_read_back_waits_for_the_clock_so_the_next_cycle_merges_nothing(env: SyncEnv) -> None:
    """No clock moved by the test: the busy cycle's writes and read-back fall in one or two seconds.
    The read-back waits until Salesforce's clock has passed its writes' second, so every Account it
    wrote is recorded as seen and the very next cycle reads all of them by stamp only."""
    _burst(env)
    busy = ok(env)
    assert busy.writes == 4 * N
    before = _sf_calls(env)
    first = ok(env)
    assert first.writes == 0
    assert _merged(first) == 0  # before the wait, the last second's Accounts were merged again here
    assert _left_out_accounts(first) == 2 * N
    assert _sf_calls(env) - before == 1  # the one composite read: nothing read by Id


def _edit_before_read_back(env: SyncEnv, monkeypatch: Any, account_id: str, city: str) -> None:
    """A user edits an Account after the cycle's read, before its read-back (same second or not)."""
    real = env.engine.sf.customers_read_back

    def read_back(ids: list[str]) -> Any:
        env.update_sf("Account", account_id, BillingCity=city)
        return real(ids)

    monkeypatch.setattr(env.engine.sf, "customers_read_back", read_back)


def test_an_edit_of_an_account_we_wrote_before_the_read_back_is_merged_next(env: SyncEnv, monkeypatch: Any) -> None:
    made = _burst(env)
    _edit_before_read_back(env, monkeypatch, made["C2"], "Edited Between")
    assert ok(env).writes == 4 * N
    monkeypatch.undo()
    ok(env)
    acc = env.account(made["C2"])
    assert env.customer(acc["Intacct_Customer_ID__c"]).address.city == "Edited Between"
    assert ok(env).writes == 0


def test_an_edit_of_another_account_before_the_read_back_is_merged_next(env: SyncEnv, monkeypatch: Any) -> None:
    """An Account the cycle did not write, edited after its read: the settle point moves past its
    stamp, so the next cycle finds it by stamp (not seen) and reads it by Id."""
    made = _burst(env)
    assert ok(env).writes == 4 * N
    assert ok(env).writes == 0
    _edit_before_read_back(env, monkeypatch, made["C5"], "Edited Elsewhere")
    other = env.create_account(Name="Clock SF extra", BillingCity="Oakland")  # the cycle writes this one back
    assert ok(env).writes == 2
    monkeypatch.undo()
    ok(env)
    acc = env.account(made["C5"])
    assert env.customer(acc["Intacct_Customer_ID__c"]).address.city == "Edited Elsewhere"
    assert env.account(other)["Intacct_Customer_ID__c"]
    assert ok(env).writes == 0
