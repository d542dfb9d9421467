"""The cycle after a burst knows the product's own writes again, over real HTTP, and loses no edit.

A busy cycle writes records on both sides; the next one used to read every one of them in full
again (their stamps moved, their audit rows were new) and merge them to find nothing to do. Now
the busy cycle ends by reading back the audit rows it expected from its Intacct writes (counted as
seen) and the Accounts it wrote, once Salesforce's clock has passed their second; the next cycle
reads those Accounts by stamp only and its probe finds nothing new (engine/echoes.py, ia_echoes.py).
A user's edit of a record we just wrote is still synced: by the next cycle, or, for the one case
the probe cannot tell apart (our write left no audit row of its own), by the safety net's full read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sfintacct_desktop.engine.cycle import EngineSettings, SyncEngine
from sfintacct_desktop.engine.echoes import ECHOES_META
from sfintacct_desktop.engine.events import Progress
from sfintacct_desktop.engine.mapping import load_mapping
from sfintacct_desktop.store import StateStore
from sfintacct_desktop.wire.intacct import create
from tests.support.sync_env import SyncEnv, ia_connector, make_env, ok, sf_connector

N = 24  # records created on each side by "the user"
BATCH = 8


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[SyncEnv]:
    yield from make_env(tmp_path)


def _engine(env: SyncEnv, now: list[datetime] | None = None) -> SyncEngine:
    """An engine writing in small batches (and on ``now``'s clock, when given)."""
    env.store.close()
    env.store = StateStore.open(env.db_path)
    env.engine = SyncEngine(
        env.store,
        sf_connector(env.sandbox),
        ia_connector(env.sandbox),
        load_mapping(),
        EngineSettings(profile="test", allow_without_baseline=True, batch_size=BATCH),
        clock=(lambda: now[0]) if now is not None else None,
    )
    return env.engine


def _stats(env: SyncEnv) -> tuple[int, int]:
    return int(env.stats("salesforce")["api_calls"]), int(env.stats("intacct")["transactions"])


def _burst(env: SyncEnv) -> None:
    batch = [{"Name": f"Echo Account {i:03d}", "BillingCity": "Oakland"} for i in range(N)]
    assert all(r.success for r in env.sf.create_many("Account", batch))
    fns = [create("CUSTOMER", {"CUSTOMERID": f"EC-{i:03d}", "NAME": f"Echo Customer {i:03d}"}) for i in range(N)]
    assert all(r.ok for r in env.user_ia.client.call(fns, uniqueid=True))


def _cycle(env: SyncEnv, on_progress: Callable[[Progress], None] | None = None) -> Any:
    """One cycle that must succeed, with ``on_progress`` called at each of its progress events."""
    inner = env.engine.emit

    def emit(event: Any) -> None:
        if on_progress is not None and isinstance(event, Progress):
            on_progress(event)
        inner(event)

    env.engine.emit = emit
    try:
        return ok(env)
    finally:
        env.engine.emit = inner


def _seconds_apart(env: SyncEnv) -> Callable[[Progress], None]:
    """Each batch of customers written a second after the last (Salesforce stamps have whole seconds:
    only a stamp older than the newest one read back may be recorded as ours)."""
    offset = [0]

    def tick(event: Progress) -> None:
        if event.stream == "customer" and event.phase == "writing":
            offset[0] += 1
            env.clock("salesforce", offset[0])

    return tick


def _tally(summary: Any, stream: str) -> Any:
    return next(s for s in summary.streams if s.stream == stream)


def _account_named(env: SyncEnv, customer_id: str) -> dict[str, Any]:
    acc = next(a for a in env.accounts() if a["Intacct_Customer_ID__c"] == customer_id)
    return env.account(acc["Id"])


def test_the_cycle_after_a_burst_reads_no_record_in_full_and_writes_nothing(env: SyncEnv) -> None:
    _engine(env)
    _burst(env)
    busy = _cycle(env, _seconds_apart(env))
    assert busy.writes == 4 * N  # N new each way, and N cross-references written back each way
    before, writes = _stats(env), env.writes()
    nxt = ok(env)
    sf_calls, ia_tx = (b - a for a, b in zip(before, _stats(env), strict=True))
    assert env.writes() == writes and nxt.writes == 0
    assert (sf_calls, ia_tx) == (1, 1)  # one composite read, the probe alone: no Intacct full read
    assert _tally(nxt, "intacct.customers").read == 0
    sf = _tally(nxt, "salesforce.customers")
    assert sf.read == 2 * N
    # every Account we wrote was left out by its stamp: the read-back waited for Salesforce's clock
    # to pass the second of our last write, so none of them is merged again
    assert sf.unchanged == 2 * N and sf.skipped == 2 * N
    before = _stats(env)
    ok(env)
    assert tuple(b - a for a, b in zip(before, _stats(env), strict=True)) == (1, 1)  # idle as before


def test_our_intacct_writes_audit_rows_are_read_back_by_the_cycle_that_wrote_them(env: SyncEnv) -> None:
    """A burst too big for the next probe's first page: the busy cycle ends by reading the audit rows
    of its own Intacct writes, every expectation is met there, and the next probe finds nothing new;
    a customer a user created meanwhile (after the busy cycle's probe) is not taken for ours and is
    synced by the next cycle. (Pages of 40 rows here, so 2N = 48 expected rows are a burst.)"""
    _engine(env).ia.page_size = 40
    _burst(env)
    made: list[bool] = []

    def create_meanwhile(event: Progress) -> None:
        if event.phase == "writing" and event.stream == "intacct.customers" and not made:
            env.create_customer("EC-MEANWHILE", "Made Meanwhile Co")
            made.append(True)

    before = _stats(env)
    busy = _cycle(env, create_meanwhile)
    assert made and busy.writes == 4 * N
    with env.store.read() as r:
        assert r.meta.get(ECHOES_META) == []  # 2N expected rows (N creates, N cross-references): all met
    nxt = ok(env)
    assert _tally(nxt, "intacct.customers").read > 0  # the probe found the user's row new
    assert _account_named(env, "EC-MEANWHILE")["Name"] == "Made Meanwhile Co"
    before = _stats(env)
    ok(env)
    assert tuple(b - a for a, b in zip(before, _stats(env), strict=True)) == (1, 1)


def test_a_salesforce_edit_right_after_our_write_is_synced_by_the_next_cycle(env: SyncEnv) -> None:
    """Edited between our write and the read-back, with the sync's own login: its values differ from
    what we wrote, so its stamp is not recorded as ours and the next cycle merges it."""
    _engine(env)
    _burst(env)
    edited: list[str] = []
    tick = _seconds_apart(env)

    def edit(event: Progress) -> None:
        tick(event)
        # after the customers' last batch is committed, before the cycle reads them back
        if (
            event.phase == "writing"
            and event.stream == "intacct.customers"
            and event.done == event.total
            and not edited
        ):
            acc = _account_named(env, "EC-000")["Id"]
            env.update_sf("Account", acc, BillingCity="Edited Right After")
            edited.append(acc)

    _cycle(env, edit)
    assert edited
    ok(env)
    assert env.customer("EC-000").address.city == "Edited Right After"
    after = env.writes()
    ok(env)
    assert env.writes() == after


def test_a_salesforce_edit_just_after_the_cycle_is_synced_by_the_next(env: SyncEnv) -> None:
    _engine(env)
    _burst(env)
    _cycle(env, _seconds_apart(env))
    acc = _account_named(env, "EC-005")["Id"]
    env.update_sf("Account", acc, Phone="+1 415 555 0199")
    ok(env)
    assert env.customer("EC-005").phone.replace(" ", "").endswith("4155550199")


def test_an_intacct_edit_right_after_our_write_is_found_by_the_probe(env: SyncEnv) -> None:
    """Our write and the user's edit are two audit rows for one expected: one stays new."""
    _engine(env)
    _burst(env)
    edited: list[bool] = []

    def edit(event: Progress) -> None:
        if (
            event.phase == "writing"
            and event.stream == "intacct.customers"
            and event.done == event.total
            and not edited
        ):
            env.update_ia("CUSTOMER", {"CUSTOMERID": "EC-003", "NAME": "Renamed Right After"})
            edited.append(True)

    _cycle(env, edit)
    assert edited
    with env.store.read() as r:
        assert len(r.meta.get(ECHOES_META)) == 2 * N  # N created, N cross-references written back
    nxt = ok(env)
    assert _tally(nxt, "intacct.customers").read > 0  # the probe found the edit
    assert _account_named(env, "EC-003")["Name"] == "Renamed Right After"


def test_an_edit_whose_row_an_expectation_took_is_synced_by_the_safety_net(env: SyncEnv) -> None:
    """The one case the probe cannot tell apart: our write left no audit row of its own, so the
    user's row is taken for ours. The probe misses it; the safety net's full read (at the latest
    30 minutes after the last one) merges it."""
    now = [datetime.now(UTC)]
    _engine(env, now)
    env.create_customer("EC-S0", "Settled Co")
    ok(env)
    acc = env.create_account(Name="Silent Write Co", BillingCity="Oakland")
    env._admin("intacct", "audit", {"untracked": ["customer"]})  # our create leaves no row
    ok(env)
    env._admin("intacct", "audit", {"untracked": []})
    key = env.account(acc)["Intacct_Customer_ID__c"]
    assert key
    env.update_ia("CUSTOMER", {"CUSTOMERID": key, "NAME": "Renamed Unseen Co"})
    ok(env)
    assert env.account(acc)["Name"] == "Silent Write Co"  # the probe took the row for our write
    now[0] += timedelta(minutes=31)
    env.clock("intacct", 31 * 60)
    full = ok(env)
    assert _tally(full, "intacct.customers").read > 0
    assert env.account(acc)["Name"] == "Renamed Unseen Co"
