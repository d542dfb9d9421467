"""Pairing: the changed records of both sides matched into pairs, ready for the batch pipeline.

Records pair by their link, then by matching cross-references; the other side of a pair is read
when the merge needs it. A cycle's pairs whose modstamps both equal the marks of their last quiet
merge are left out before any merging: the overlap window re-reads them every cycle for nothing.
A stamp is recorded as seen when it is older than the newest stamp of its read or, on the
Salesforce side, than Salesforce's clock taken before the read was sent (engine/sf_clock.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from .entities import KINDS, EntityKind
from .entity_sync import Pair, Tally
from .pipeline import batch_runner
from .run import RunContext
from .sf_clock import threshold
from .stamp_memo import SeenStamp, StampMemo, as_seen
from .streams import SF_CUSTOMERS


def pair_records(
    run: RunContext,
    kind: EntityKind,
    sf_recs: list[Any],
    ia_recs: list[Any],
    deleted_keys: list[str],
    *,
    tallies: dict[str, Tally] | None = None,
    settled_sf: set[str] | frozenset[str] = frozenset(),
    sf_clock: datetime | None = None,
) -> list[Pair]:
    """Pair the changed records by link, then by matching cross-references; fetch what is missing.

    With ``tallies`` (a cycle's stream read, not a retry or resolve), unchanged pairs are left out
    (counted as ``skipped`` and ``unchanged``). ``sf_clock``: Salesforce's trusted clock from before
    the read (engine/sf_clock.py), which may settle the newest second of the Salesforce side too.
    """
    top_sf = threshold(_top(sf_recs), sf_clock)
    top_ia = _top(ia_recs)
    pairs: list[Pair] = []
    by_sf: dict[str, Pair] = {}
    by_ia: dict[str, Pair] = {}
    with run.store.read() as r:  # without bases: most re-read pairs are left out unmerged
        links_sf = r.links.many_by_sf_id(kind.entity, [x.key for x in sf_recs], bases=False)
        links_ia = r.links.many_by_ia_key(kind.entity, [x.key for x in ia_recs] + deleted_keys, bases=False)
        held = (r.meta.get("baseline_left_out") or {}).get(kind.name) or {}
    # Records the baseline left out (duplicates, inactive, awaiting review) stay out until linked.
    sf_recs = [x for x in sf_recs if x.key in links_sf or x.key not in held.get("salesforce", {})]
    ia_recs = [x for x in ia_recs if x.key in links_ia or x.key not in held.get("intacct", {})]
    for rec in sf_recs:
        p = Pair(sf=rec, link=links_sf.get(rec.key), streams={kind.sf_stream})
        pairs.append(p)
        by_sf[rec.key] = p
        if p.link:
            by_ia[p.link.ia_key] = p
    for rec in ia_recs:
        link = links_ia.get(rec.key)
        p = by_ia.get(rec.key) or (by_sf.get(link.sf_id) if link else None)
        if p is None and not link and rec.cross_ref in by_sf:
            cand = by_sf[rec.cross_ref]
            if cand.link is None and cand.ia is None and cand.sf is not None and cand.sf.cross_ref in ("", rec.key):
                p = cand
        if p is None:
            p = Pair(link=link)
            pairs.append(p)
        p.ia = rec
        p.streams.add(kind.ia_stream)
        by_ia[rec.key] = p
    for key in deleted_keys:
        link = links_ia.get(key)
        if link is None or link.ia_deleted_at is not None:
            continue
        p = by_ia.get(key) or by_sf.get(link.sf_id)
        if p is None:
            p = Pair(link=link, streams={kind.ia_stream})
            pairs.append(p)
        p.ia, p.ia_deleted = None, True
    if tallies is not None:
        for p in pairs:
            p.seen_sf = _settled(p.sf, top_sf)
            p.seen_ia = _settled(p.ia, top_ia)
        kept_or_counted = pairs
        keep = [p for p in pairs if not _unchanged(p)]
        for p in pairs:
            if not _unchanged(p):
                continue
            t = tallies.setdefault(min(p.streams), Tally())
            t.skipped += 1
            t.unchanged += 1
        pairs = keep
        # Accounts left out by their stamps alone (unsettled_accounts) count once each, as a pair
        # would, unless their Intacct side was read and counted with them above
        covered = {p.link.sf_id for p in kept_or_counted if p.link is not None}
        for _ in settled_sf - covered:
            t = tallies.setdefault(kind.sf_stream, Tally())
            t.skipped += 1
            t.unchanged += 1
    with run.store.read() as r:  # the pairs to merge get their links with the bases
        full = r.links.many_by_id(p.link.id for p in pairs if p.link is not None)
    for p in pairs:
        if p.link is not None:
            p.link = full[p.link.id]
    fill_counterparts(run, kind, pairs)
    return pairs


def fill_counterparts(run: RunContext, kind: EntityKind, pairs: list[Pair]) -> None:
    """Read the other side of unlinked records with a cross-reference, and counterparts to write."""
    runner = batch_runner(run.detached(), kind)
    want_ia = {p.sf.cross_ref: p for p in pairs if p.link is None and p.ia is None and p.sf and p.sf.cross_ref}
    want_sf = {p.ia.cross_ref: p for p in pairs if p.link is None and p.sf is None and p.ia and p.ia.cross_ref}
    for p in pairs:
        if p.link is not None:
            need_sf, need_ia = runner.needs_fetch(p)
            if need_sf:
                want_sf[p.link.sf_id] = p
            if need_ia:
                want_ia[p.link.ia_key] = p
    for rec in kind.ia_by_ids(run.ia, sorted(want_ia)):
        p = want_ia[rec.key]
        if p.link is not None or (p.sf is not None and rec.cross_ref in ("", p.sf.key)):
            p.ia = rec
    for rec in kind.sf_by_ids(run.sf, sorted(k for k in want_sf if len(k) in (15, 18))):
        p = want_sf.get(rec.key) or want_sf.get(rec.key[:15])
        if p is not None and (p.link is not None or (p.ia is not None and rec.cross_ref in ("", p.ia.key))):
            p.sf = rec


# ---------------------------------------------------------------------- the idle-cycle skip
def unsettled_accounts(
    run: RunContext, settled: list[Any], memo: StampMemo | None = None
) -> tuple[list[Any], set[str]]:
    """The overlap window's Accounts, read by stamp only: those to read in full, and the Ids left out.

    An Account whose stamp, deletion and cross-reference are exactly as at its link's last quiet
    merge is left out (pairing counts it once, as it counts an unchanged pair); the others
    (a stamp not seen: a change committed late, or a record of an unsettled second; no link) are read
    by Id in full. Their stamps are capped at the stamp-only read's: a change made since then is
    newer than the cap, so the record is only merged again, and the cursor never passes it.
    ``memo`` (the engine's, across cycles) answers for the links unchanged since the last cycle
    (engine/stamp_memo.py); the others are looked up in the store.
    """
    if not settled:
        return [], set()
    memo = memo if memo is not None else StampMemo()
    kind = next(k for k in KINDS if k.sf_stream == SF_CUSTOMERS)
    with run.store.read() as r:
        mark, known = memo.usable(r.links, kind.entity)
        ask = [x.key for x in settled if not as_seen(x, known.get(x.key))]
        found = r.links.sf_seen_marks(kind.entity, ask) if ask else {}
    seen = dict(known)
    seen.update((k, SeenStamp(*v)) for k, v in found.items())
    left_out: set[str] = set()
    wanted: dict[str, Any] = {}
    kept: dict[str, SeenStamp] = {}
    for row in settled:
        mark_of = seen.get(row.key)
        if as_seen(row, mark_of):
            left_out.add(row.key)
            kept[row.key] = mark_of  # type: ignore[assignment]
        else:
            wanted[row.key] = row
    memo.remember(mark, kept)
    fetched = run.sf.customers_read_back(sorted(wanted)) if wanted else []  # 5,000 a call
    out = []
    for rec in fetched:
        cap = wanted[rec.key].modified_at
        if cap is not None and (rec.modified_at is None or rec.modified_at > cap):
            rec = replace(rec, modified_at=cap)
        out.append(rec)
    return out, left_out


def remember_read_back(run: RunContext, memo: StampMemo, sf_ids: list[str]) -> None:
    """Put the Accounts this cycle wrote and read back in the memo, as their links now hold them."""
    if not sf_ids:
        return
    kind = next(k for k in KINDS if k.sf_stream == SF_CUSTOMERS)
    with run.store.read() as r:
        memo.learn(r.links, kind.entity, sf_ids)


def settle_limit(run: RunContext, accounts: list[Any], clock: datetime | None) -> datetime | None:
    """How far the settle point may move on Salesforce's clock (engine/sf_clock.py): up to ``clock``,
    but no further than the oldest Account of this read, stamped before it, not recorded as seen.

    Why the limit: an Account read in full whose stamp is not recorded (our write to the other side
    clears the mark; a refused record) must stay in the next cycle's full read: in the stamp-only
    window it would cost one more call, to read it by Id. Run after the cycle's merges are committed.
    """
    if clock is None:
        return None
    below = [x for x in accounts if x.modified_at is not None and x.modified_at < clock]
    if not below:
        return clock
    kind = next(k for k in KINDS if k.sf_stream == SF_CUSTOMERS)
    with run.store.read() as r:
        marks = r.links.sf_seen_marks(kind.entity, [x.key for x in below])
    open_ = [x.modified_at for x in below if not as_seen(x, SeenStamp(*marks[x.key]) if x.key in marks else None)]
    return min([clock, *open_])


def _stamp(rec: Any) -> str:
    return rec.modified_at.isoformat() if rec is not None and rec.modified_at is not None else ""


def _top(recs: list[Any]) -> datetime | None:
    """The newest modstamp of one stream's read (None when none)."""
    stamps = [r.modified_at for r in recs if r.modified_at is not None]
    return max(stamps) if stamps else None


def _settled(rec: Any, top: datetime | None) -> str | None:
    """The record's modstamp if it may be recorded as seen, "" if not, None when not read.

    Why not every stamp: stamps have a granule (a second on both sides), so an edit right after our
    read can carry the same stamp. A stamp older than ``top`` is safe: the system's clock had already
    passed it when the read ran (``top`` is the newest stamp of the read, or Salesforce's clock from
    an answer received before the read was sent), so any later edit gets a greater stamp.
    """
    if rec is None:
        return None
    if rec.modified_at is None:
        return ""
    return rec.modified_at.isoformat() if top is not None and rec.modified_at < top else ""


def _sf_as_seen(rec: Any, link: Any) -> bool:
    """The Salesforce side (a record or a stamp-only row) exactly as at the link's last quiet merge:
    the same stamp and deletion, and its cross-reference in place (else a repair is due)."""
    if _stamp(rec) != link.sf_seen or rec.deleted != (link.sf_deleted_at is not None):
        return False
    return rec.deleted or rec.cross_ref == link.ia_key


def _unchanged(p: Pair) -> bool:
    """Both sides exactly as at the pair's last quiet merge, and nothing else forces a merge."""
    link = p.link
    if link is None or not link.sf_seen or not link.ia_seen or p.resolutions or p.ia_deleted:
        return False
    if p.sf is None and p.ia is None:
        return False
    if p.sf is not None and not _sf_as_seen(p.sf, link):
        return False
    if p.ia is not None:
        if _stamp(p.ia) != link.ia_seen or link.ia_deleted_at is not None:  # an undelete to apply
            return False
        if p.ia.cross_ref != link.sf_id:
            return False
    return True
