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
        echoes=run.echoes,
    )


def _stream_of(kind: EntityKind, pair: Pair) -> str:
    """The stream a pair counts in (the batch runner's rule: the first of its streams)."""
    return min(pair.streams) if pair.streams else kind.sf_stream


def process(run: RunContext, kind: EntityKind, pairs: list[Pair]) -> None:
    """Merge and write the pairs in batches; stop between batches when asked.

    Progress goes out twice per batch: once for the entity as the batch starts (``done`` = pairs
    before it), and once per stream after it (``done`` of ``total`` pairs of that stream), so a
    window can draw one bar per stream.
    """
    runner = batch_runner(run, kind)
    size = max(1, run.settings.batch_size)
    totals: dict[str, int] = {}
    for p in pairs:
        totals[_stream_of(kind, p)] = totals.get(_stream_of(kind, p), 0) + 1
    done = dict.fromkeys(totals, 0)
    run_id = run.run_id or 0
    for stream in sorted(totals):
        run.emit(Progress(datetime.now(UTC), run_id, stream, "writing", 0, totals[stream]))
    for start in range(0, len(pairs), size):
        run.stop_if_asked()
        batch = pairs[start : start + size]
        run.emit(Progress(datetime.now(UTC), run_id, kind.name, "writing", start, len(pairs)))
        runner.run(batch)
        if run.run_id is not None:
            with run.store.write() as tx:
                tx.runs.checkpoint(run.run_id, {n: vars(t) for n, t in run.tallies.items()})
        touched = sorted({_stream_of(kind, p) for p in batch})
        for p in batch:
            done[_stream_of(kind, p)] += 1
        for stream in touched:
            run.emit(Progress(datetime.now(UTC), run_id, stream, "writing", done[stream], totals[stream]))
