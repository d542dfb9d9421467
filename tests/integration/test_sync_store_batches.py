"""The state store keeps up with the wire: a cycle's database work grows with batches, not records.

Counted as SQL statements on the profile's database (every read and write of the store goes through
its engine): a burst three times larger costs the same statements per batch, a record with no inbox
item costs no inbox query, and the cycle right after a burst (re-reading our own writes) is as cheap
for the store as an idle one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from sfintacct_desktop.wire.intacct import create
from tests.support.sync_env import SyncEnv, ok


@contextmanager
def counted(env: SyncEnv) -> Iterator[list[str]]:
    statements: list[str] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    sa.event.listen(env.store.engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        sa.event.remove(env.store.engine, "before_cursor_execute", seen)


def _burst(env: SyncEnv, tag: str, n: int) -> None:
    rows = [{"Name": f"Batch {tag} SF {i}", "BillingCity": "Oakland"} for i in range(n)]
    assert all(r.success for r in env.user_sf.client.create_many("Account", rows))
    fns = [create("CUSTOMER", {"CUSTOMERID": f"B{tag}{i}", "NAME": f"Batch {tag} IA {i}"}) for i in range(n)]
    assert all(r.ok for r in env.user_ia.client.call(fns))


def _cycle_statements(env: SyncEnv) -> tuple[int, int, int]:
    """(statements, inbox statements, records written) of one cycle."""
    with counted(env) as statements:
        summary = ok(env)
    inbox = [s for s in statements if "inbox" in s.lower()]
    return len(statements), len(inbox), summary.writes


def test_store_work_per_cycle_does_not_grow_with_the_records(env: SyncEnv) -> None:
    _burst(env, "s", 10)
    small, small_inbox, small_writes = _cycle_statements(env)
    small_next, _, _ = _cycle_statements(env)
    _burst(env, "l", 60)
    large, large_inbox, large_writes = _cycle_statements(env)
    large_next, _, next_writes = _cycle_statements(env)
    assert small_writes >= 40 and large_writes >= 240  # both bursts moved each way (create + cross-ref)
    assert next_writes == 0
    # six times the records, the same batches: per-record statements would add hundreds
    assert large <= small + 12, (small, large)
    assert large_next <= small_next + 12, (small_next, large_next)
    assert large_inbox <= small_inbox  # no inbox item open: one statement per batch at most
    idle, _, _ = _cycle_statements(env)
    assert large_next <= idle + 12, (idle, large_next)
