"""Prepared pairs through the ordinary batch pipeline, batch by batch, with a checkpoint after each.

Why a module of its own: the cycle, retries, conflict resolution, orders (accounts and products
synced on demand) and the baseline load all send pairs down the same path; none of them should
need the engine object to do so.
"""

from __future__ import annotations

from datetime import UTC, datetime

from .entities import EntityKind
from .entity_sync import BatchRunner, Pair
from .events import Progress
from .run import RunContext


def batch_runner(run: RunContext, kind: EntityKind) -> BatchRunner:
    """The batch runner of one entity in this run (new keys continue the stored sequence)."""

    def key_start() -> int:
        with run.store.read() as r:
            return int(r.meta.get(f"{kind.name}_key_seq", 1))

    return BatchRunner(
        run.store,
        run.sf,
        run.ia,
        kind,
        run.mapping.entity(kind.name),
        run_id=run.run_id,
        tallies=run.tallies,
        emit=run.emit,
        key_start=key_start,
    )


def process(run: RunContext, kind: EntityKind, pairs: list[Pair]) -> None:
    """Merge and write the pairs in batches; stop between batches when asked."""
    runner = batch_runner(run, kind)
    size = max(1, run.settings.batch_size)
    for start in range(0, len(pairs), size):
        run.stop_if_asked()
        batch = pairs[start : start + size]
        run.emit(Progress(datetime.now(UTC), run.run_id or 0, kind.name, "writing", start, len(pairs)))
        runner.run(batch)
        if run.run_id is not None:
            with run.store.write() as tx:
                tx.runs.checkpoint(run.run_id, {n: vars(t) for n, t in run.tallies.items()})
