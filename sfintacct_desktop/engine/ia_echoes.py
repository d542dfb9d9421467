"""The audit rows of the cycle's own Intacct writes, read back at the end of the cycle that wrote them.

Why: every record a cycle creates or updates in Intacct leaves an audit row. The next cycle's probe
had to read all of them (one transaction per 2,000 rows) only to find they were ours: after a burst
of 10,000 records each way it read 20,000 rows and was four times as long as an idle cycle. Read
at the end of the busy cycle instead, like the Salesforce read-back (engine/echoes.py), the next
probe finds them seen and stops after its first page.

What it reads: the audit trail of the object types the cycle wrote, from the newest row the
cycle's probe saw (``high``: every row of our writes is at or after it, the writes came after the
probe), all pages. What it records: only the rows that match an expectation (type and key, not a
deletion, one row each, engine/echoes.py :func:`split`) join the probe's seen rows; ``high`` does
not move, so any other row (a user's change during the cycle) stays in the next probe's window and
is new there. Expectations it did not meet stay for the next probe, as before. The seen rows stay
counted exactly only if this read's ``totalcount`` held across its pages. Only a burst does it
(more than 1,800 Intacct writes): fewer fit on the next probe's first page, which meets them there. A failure here loses
nothing: the rows are then read by the next probe, as they were before this existed.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta
from typing import Any

from ..connectors.ia_cycle import fetch
from ..domain import SyncError
from .echoes import split
from .ia_probe import PROBE_FIRST_PAGE, IntacctRead, ProbePages, new_rows, row_id

log = logging.getLogger(__name__)


def read_back(orders: Any, read: IntacctRead | None, expected: list[tuple[str, tuple[str, ...]]]) -> list[Any]:
    """Mark this cycle's echoes seen in ``read``'s probe state; returns the expectations left over.

    ``read`` is the cycle's Intacct read (its state is stored with the cursors); nothing is done
    without a probe state that has seen a row, without expectations, or for fewer expectations than
    the next probe's first page has room for (200 plus their number, at most a page of 2,000): a
    cycle that wrote a few records costs no transaction more, and its next probe is still one.
    """
    state = read.state if read is not None else None
    if read is None or state is None or not state.high or not expected:
        return expected
    if PROBE_FIRST_PAGE + len(expected) <= orders.conn.page_size:
        return expected  # the next probe's first page has room for them: no transaction of its own
    types = sorted({t for t, _ in expected} & set(read.probed))
    if not types:
        return expected
    watch = ProbePages(None, types, state.high, may_stop=False)
    try:
        fetched = fetch(orders, [], [(types, state.high)], {}, timedelta(0), watch.check)
    except SyncError as exc:
        log.info("Intacct audit rows of this cycle's writes not read back: %s", exc.info.title)
        return expected
    if any(t not in fetched.audit or t in fetched.audit_refused for t in types):
        return expected
    rows = [r for t in types for r in fetched.audit[t]]
    _, ours, left = split(new_rows(rows, state.seen), expected)
    seen = Counter(state.seen)
    seen.update(row_id(r) for r in ours)
    state.seen = dict(seen)
    state.exact = state.exact and watch.exact
    return left


__all__ = ["read_back"]
