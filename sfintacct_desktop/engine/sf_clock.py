"""Salesforce's own clock, read off an answer received before a read was sent: which stamps are settled.

Why: SystemModstamps have whole seconds, so an edit right after a read can carry a stamp that read
saw. A stamp was recorded as seen only when it was older than the newest stamp of the same answer;
the Accounts of the newest second were then read in full and merged again every cycle, for nothing
(hundreds after a burst: the second in which the cycle's last write-back landed).

The rule: every answer of Salesforce's data API carries a ``Date`` header (whole seconds). Take the
one received *before* the read request was sent (wire client ``server_clock``). The read's query
runs after that answer was made, so any change committed after the read gets a stamp at or after
that clock's second; a stamp strictly older than the clock can therefore be recorded as seen even
when it is the newest of the answer. The threshold is the later of the answer's newest stamp and
that clock. A ``Date`` taken *after* the read would not do: an edit in the query's own second could
share the stamp it recorded.

The same clock moves the settle point (engine/echoes.py) at the end of a cycle: every Account
stamped before it was in this cycle's read and has been processed, so the next cycle reads those by
stamp only (pairing ``unsettled_accounts``), not in full.

Guards (any of them: today's rule, the newest stamp of the answer): no ``Date``, an unreadable one,
one that went back from the answer before it (wire client), or a clock earlier than a stamp the
engine already knows (the customers cursor, the settle point): the server's clock and its stamps'
disagree. The Intacct side does not use it.
"""

from __future__ import annotations

from datetime import datetime


def trusted(clock: datetime | None, *seen: datetime | None) -> datetime | None:
    """``clock`` unless it is missing or earlier than a stamp already seen (then None: no clock)."""
    if clock is None or clock.tzinfo is None:
        return None
    if any(s is not None and clock < s for s in seen):
        return None
    return clock


def threshold(top: datetime | None, clock: datetime | None) -> datetime | None:
    """Stamps strictly older than this may be recorded as seen: the later of the answer's newest
    stamp and the (trusted) clock of an answer received before the read; None when neither."""
    if top is None:
        return clock
    return top if clock is None else max(top, clock)


__all__ = ["threshold", "trusted"]
