"""The cycle's Progress events: one ``reading`` per stream read, then per-stream ``writing`` counts
of a known total after each batch, ending at the total (what the Sync tab draws as bars)."""

from __future__ import annotations

from sfintacct_desktop.engine.events import Event, Progress
from tests.support.sync_env import SyncEnv, ok


def test_each_stream_reports_its_read_and_its_batches_of_a_total(env: SyncEnv) -> None:
    for n in range(5):
        env.create_account(Name=f"Progress Co {n}", AccountNumber=f"PRG{n}")
    env.create_customer("PRGIA", "Progress From Intacct")
    env.new_engine(batch_size=2)
    seen: list[Progress] = []

    def hook(event: Event) -> None:
        if isinstance(event, Progress):
            seen.append(event)

    env.engine.emit = hook
    summary = ok(env)
    counts = {s.stream: s for s in summary.streams}
    reads = {e.stream: e for e in seen if e.phase == "reading"}
    assert reads["salesforce.customers"].done == reads["salesforce.customers"].total == 5
    assert reads["intacct.customers"].done == counts["intacct.customers"].read == 1
    assert {"salesforce.products", "salesforce.opportunities", "intacct.items"} <= set(reads)
    sf = [(e.done, e.total) for e in seen if e.phase == "writing" and e.stream == "salesforce.customers"]
    assert sf == [(0, 5), (2, 5), (4, 5), (5, 5)]  # announced, then after each batch of two
    ia = [(e.done, e.total) for e in seen if e.phase == "writing" and e.stream == "intacct.customers"]
    assert ia[0] == (0, 1) and ia[-1] == (1, 1)
    assert all(e.run_id == summary.run_id for e in seen)
