"""The product's own writes seen again by the next cycle ("echoes"), recognised without a full read.

Why: after a busy cycle, the next one found every record the cycle wrote changed on both sides
(our writes moved their stamps and left audit rows) and read and merged them all again, finding
nothing to do; that made it two to three times as long as an idle cycle.

- **Intacct.** Each record the cycle created or updated in Intacct is an *expectation*: one audit
  row (not a deletion) of its object type, keyed by its readable id or its RECORDNO (the audit
  trail's OBJECTKEY may be either). The next probe counts a new row matching an expectation as seen
  and consumes the expectation; expectations are kept for that one probe only. Two rows for one
  expectation (a user's edit besides ours, even in the same second) leave one row new, so the
  stream is read. What it can hide: a user's edit of a record we wrote when our write left no row
  of its own; the safety net's full read (every 30 minutes) reads every stream whatever the probe
  says, and merges it then.
- **Salesforce.** Right after the cycle's writes, the Accounts it wrote are read back by Id (one
  ``composite`` call per 5,000). An Account whose mapped values, cross-reference and deletion are
  exactly what the link's base now holds gets its stamp recorded as seen, so the next stamp-only
  read leaves it out. Values, not the user who changed it, decide: a user's edit between our write
  and this read (even with the sync's own login) changes a value and is merged next cycle. Only a
  stamp older than the newest stamp of the same answer, or than Salesforce's clock taken before the
  read-back was sent (engine/sf_clock.py), is recorded: Salesforce stamps have whole seconds, and an
  edit after this read in the same second would share the stamp. So the read-back is the cycle's last
  Salesforce request and waits, if need be, until Salesforce's clock has passed the second of the
  answer before it (at most 1.2 s after that answer, measured on this machine's monotonic clock;
  checked against the read-back's own ``Date``): then every Account the cycle wrote is recorded as
  seen, and the next cycle reads none of them in full.
  The newest stamp of the answer becomes the *settle point*: the next cycle reads Accounts up to it
  by stamp only (reading in full only those whose stamp it has not seen, as it does through the
  overlap window) and in full from it on. At the end of each cycle the settle point moves up to the
  (trusted) clock taken before the cycle's read, when that is later: every Account stamped before
  it was in that read, so the next cycle need not read it in full again.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..connectors import ia_audit as audit
from ..connectors import ia_mapping as m
from ..domain import SyncError
from ..store import StateStore, WriteTx
from .entity_work import sf_values
from .merge import settled_as_base
from .sf_clock import threshold, trusted

ECHOES_META = "intacct_echoes"  # [[object type, [keys]], ...]: one audit row each, for the next probe
SETTLE_META = "salesforce_settle_point"  # ISO stamp: Accounts below it are read by stamp only
log = logging.getLogger(__name__)
AUDIT_TYPE = {"customer": "customer", "product": "item"}  # entity -> audit OBJECTTYPE (lower case)


@dataclass
class Echoes:
    """What one run wrote: the Intacct rows it expects, the Accounts it wrote (Id -> link id)."""

    ia: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    sf_accounts: dict[str, int] = field(default_factory=dict)

    def wrote_ia(self, entity: str, *keys: str | None) -> None:
        objtype = AUDIT_TYPE.get(entity)
        found = tuple(sorted({k for k in keys if k}))
        if objtype and found:
            self.ia.append((objtype, found))

    def wrote_sf(self, entity: str, sf_id: str, link_id: int | None) -> None:
        if entity == "customer" and sf_id and link_id is not None:
            self.sf_accounts[sf_id] = link_id

    def commit(self, tx: WriteTx, probed: bool) -> None:
        """Store the expectations for the next probe (a cycle that did not probe keeps the older ones)."""
        old = [] if probed else list(tx.meta.get(ECHOES_META) or [])
        tx.meta.set(ECHOES_META, [*old, *([t, list(k)] for t, k in self.ia)])


def expectations(store: StateStore) -> list[tuple[str, tuple[str, ...]]]:
    with store.read() as r:
        raw = r.meta.get(ECHOES_META) or []
    return as_expectations(raw)


def as_expectations(raw: Any) -> list[tuple[str, tuple[str, ...]]]:
    """The stored expectations (state meta ``intacct_echoes``) as (object type, keys) pairs."""
    return [(str(t), tuple(str(k) for k in keys)) for t, keys in raw or [] if isinstance(keys, list)]


def consume(fresh: Iterable[dict[str, Any]], expected: list[tuple[str, tuple[str, ...]]]) -> list[dict[str, Any]]:
    """The new rows that are not our own writes: each expectation takes one matching row, once.

    A row matches by object type and key (its readable id or RECORDNO); a deletion never does.
    """
    return split(fresh, expected)[0]


def split(
    fresh: Iterable[dict[str, Any]], expected: list[tuple[str, tuple[str, ...]]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[tuple[str, tuple[str, ...]]]]:
    """``(others, ours, unmet)``: the rows not ours, the rows that met an expectation, the
    expectations no row met (see :func:`consume`)."""
    left: Counter[tuple[str, tuple[str, ...]]] = Counter(expected)
    by_key: dict[tuple[str, str], list[tuple[str, tuple[str, ...]]]] = {}
    for exp in left:
        for key in exp[1]:
            by_key.setdefault((exp[0], key), []).append(exp)
    others, ours = [], []
    for row in fresh:
        if m.field(row, "ACCESSMODE").upper() != "D":
            candidates = by_key.get((m.field(row, "OBJECTTYPE").lower(), audit.object_key(m.field(row, "OBJECTKEY"))))
            hit = next((e for e in candidates or () if left[e] > 0), None)
            if hit is not None:
                left[hit] -= 1
                ours.append(row)
                continue
        others.append(row)
    return others, ours, [e for e, n in left.items() for _ in range(n)]


def settle_point(store: StateStore) -> datetime | None:
    with store.read() as r:
        raw = r.meta.get(SETTLE_META)
    try:
        return datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def settle_accounts(run: Any, written: dict[str, int], seen: datetime | None = None) -> datetime | None:
    """Read back the Accounts the run wrote; record as seen those holding exactly their link's base.

    Returns the newest stamp of the answer (the next settle point), or the second after the clock
    the read-back was sent on when every Account was recorded, None when nothing was read.
    ``run`` is the run's context (typed loosely: the run module holds the echoes); ``seen``: the
    newest Salesforce stamp or clock the cycle already knows (a clock earlier than it is not trusted).
    """
    if not written:
        return None
    clock = trusted(run.sf.server_clock(), seen)  # before the read-back is sent (engine/sf_clock.py)
    # every write was answered by then, so stamped at or before that second: once the clock has
    # passed it, the read-back sees them all settled (else the newest second's are merged again)
    ticked = run.sf.wait_next_second(run.should_stop) if clock is not None else None
    try:
        recs = run.sf.customers_read_back(sorted(written))
    except SyncError as exc:  # they are read in full next cycle instead, as before this existed
        log.info("Accounts written this cycle not read back: %s", exc.info.title)
        return None
    after = run.sf.server_clock()
    if ticked is not None and (after is None or after < ticked):
        ticked = None  # the server's clock did not move as this machine's did: trust only the answer's
    stamps = [r.modified_at for r in recs if r.modified_at is not None]
    if not stamps:
        return None
    top = max(stamps)
    # the org's clock had passed every stamp older than this when it ran the read-back
    below = threshold(top, ticked or clock) or top
    mapping = run.mapping.entity("customer")
    with run.store.read() as r:
        links = r.links.many_by_id(set(written.values()))
    changes = []
    for rec in recs:
        link = links.get(written.get(rec.key, -1))
        if link is None or rec.modified_at is None or rec.modified_at >= below:
            continue
        if rec.deleted or link.sf_deleted_at is not None or rec.cross_ref != link.ia_key:
            continue
        if not settled_as_base(mapping, link, sf_values(mapping, rec)):
            continue
        changes.append({"id": link.id, "sf_seen": rec.modified_at.isoformat()})
    if changes:
        with run.store.write() as tx:
            tx.links.update_many(changes)
    if ticked is not None and len(changes) == len(recs):
        # all recorded: the next cycle reads the newest second by stamp only too (an Account changed
        # since the cycle's read is then a stamp not seen, read by Id as in the overlap window)
        return max(top, ticked)
    return top


__all__ = [
    "ECHOES_META",
    "SETTLE_META",
    "Echoes",
    "as_expectations",
    "consume",
    "expectations",
    "settle_accounts",
    "settle_point",
    "split",
]
