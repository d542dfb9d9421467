"""One batch of record pairs through the pipeline: pair, merge, write both sides, commit together.

Order inside a batch (why): Intacct creates first, with their intents committed before the call
(a retried create reuses the same CUSTOMERID/ITEMID and controlid); then every Salesforce write in
one collection call (cross-references of the new customers included); then every Intacct update
(cross-references of the new Accounts included). Links, bases, audit rows, conflicts and inbox
items of the batch are committed in one transaction at its end. A side that refuses a record puts
that record in the error inbox and leaves its bases alone, so a retry redoes the same merge.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..connectors import IntacctConnector, SalesforceConnector
from ..domain import ErrorInfo, InboxStatus, Link, System
from ..store import StateStore, WriteTx
from .echoes import Echoes
from .entities import EntityKind
from .entity_creates import IntacctCreates
from .entity_work import Pair, Tally, Work, pair_digest, plan_inputs, sf_values, skip_reason, unknown_error
from .events import ConflictRaised, ErrorRaised, Event, RecordApplied
from .mapping import EntityMapping
from .merge import MergePlan, merge

__all__ = ["OP", "BatchRunner", "Pair", "Tally", "sf_values"]

OP = "sync"
log = logging.getLogger(__name__)


class BatchRunner(IntacctCreates):
    """Runs batches of pairs for one entity; the engine owns one per cycle."""

    def __init__(
        self,
        store: StateStore,
        sf: SalesforceConnector,
        ia: IntacctConnector,
        kind: EntityKind,
        mapping: EntityMapping,
        *,
        run_id: int | None,
        tallies: dict[str, Tally],
        emit: Callable[[Event], None],
        key_start: Callable[[], int],
        echoes: Echoes | None = None,
    ) -> None:
        self.store, self.sf, self.ia, self.kind, self.mapping = store, sf, ia, kind, mapping
        self.run_id, self.tallies, self.emit, self.key_start = run_id, tallies, emit, key_start
        self.echoes = echoes if echoes is not None else Echoes()  # our writes, known again next cycle
        self.taken: set[str] = set()  # ids known to exist in Intacct (from reads and probes)
        # written with the batch's transaction, in bulk: link bases/seen marks, records whose
        # open inbox items close
        self._link_changes: list[dict[str, Any]] = []
        self._resolved: list[str] = []
        self._linked: set[str] | None = None  # Intacct keys linked (read once per runner, kept up to date)
        self._any_open: bool | None = None  # any open inbox item of this entity (read once per runner)

    # ------------------------------------------------------------------ helpers
    def _now(self) -> datetime:
        return datetime.now(UTC)

    def _tally(self, pair: Pair, attr: str, n: int = 1) -> None:
        """Count an outcome once, in one stream: a record seen on both sides is still one record.

        The stream is the first in sorted order (a set's order varies between runs), so the
        counters are deterministic and their sum over streams is the number of records.
        """
        stream = min(pair.streams) if pair.streams else self.kind.sf_stream
        t = self.tallies.setdefault(stream, Tally())
        setattr(t, attr, getattr(t, attr) + n)

    def _inbox(self, tx: WriteTx, w: Work, target: System, error: ErrorInfo) -> None:
        pair = w.pair
        source = System.INTACCT if target is System.SALESFORCE else System.SALESFORCE
        payload = {
            "sf_id": (pair.sf.key if pair.sf else "") or (pair.link.sf_id if pair.link else ""),
            "ia_key": (pair.ia.key if pair.ia else "") or (pair.link.ia_key if pair.link else ""),
            "digest": pair_digest(self.mapping, pair),  # held until it changes (see _hold_refused)
        }
        item = tx.inbox.record(self.kind.name, source, target, pair.record_key, OP, error, payload, run_id=self.run_id)
        w.failed = True
        self.emit(ErrorRaised(self._now(), error, item.id))

    def _natives(self, names: Any, system: System) -> frozenset[str]:
        """The native fields behind canonical field ``names`` on ``system``."""
        fms = [self.mapping.field(n) for n in names]
        return frozenset(f for fm in fms for f in (fm.salesforce if system is System.SALESFORCE else fm.intacct))

    # --------------------------------------------------------------- planning
    def _plan(self, w: Work) -> None:
        pair, link = w.pair, w.pair.link
        sf_side = sf_values(self.mapping, pair.sf) if pair.sf else dict(link.sf_base if link else {})
        if pair.ia_deleted or pair.ia is None:
            ia_side = dict(link.ia_base if link else {})
            if pair.ia_deleted and "active" in ia_side:
                ia_side["active"] = False
        else:
            ia_side = self.mapping.extract(pair.ia)
        if link is None:
            if pair.sf is not None and pair.ia is None:  # new in Salesforce: create in Intacct
                w.values = sf_side
                w.skip = skip_reason(pair.sf.deleted, sf_side, "Salesforce")
                return
            if pair.ia is not None and pair.sf is None:  # new in Intacct: upsert in Salesforce
                w.values = ia_side
                w.skip = skip_reason(False, ia_side, "Intacct")
                return
        base_sf = link.sf_base if link else None
        base_ia = link.ia_base if link else None
        w.plan = merge(self.mapping, base_sf, base_ia, sf_side, ia_side, resolutions=pair.resolutions)
        sf_dead = pair.sf is not None and pair.sf.deleted
        if w.plan.write_salesforce and not sf_dead and pair.sf is not None:
            vals = {**sf_values(self.mapping, pair.sf), **w.plan.write_salesforce}
            w.sf_rec = dataclasses.replace(self.mapping.apply(pair.sf, vals), cross_ref=link.ia_key if link else "")
            w.sf_fields = self._natives(w.plan.write_salesforce, System.SALESFORCE)
        if w.plan.write_intacct and not pair.ia_deleted and pair.ia is not None:
            vals = {**self.mapping.extract(pair.ia), **w.plan.write_intacct}
            w.ia_rec = dataclasses.replace(self.mapping.apply(pair.ia, vals), cross_ref=link.sf_id if link else "")
            w.ia_fields = self._natives(w.plan.write_intacct, System.INTACCT)
        if link is not None:  # repair missing cross-references (links live in both systems' fields too)
            if w.sf_rec is None and pair.sf is not None and not sf_dead and pair.sf.cross_ref != link.ia_key:
                w.sf_rec, w.sf_fields = dataclasses.replace(pair.sf, cross_ref=link.ia_key), frozenset()
            if w.ia_rec is None and pair.ia is not None and not pair.ia_deleted and pair.ia.cross_ref != link.sf_id:
                w.ia_rec, w.ia_fields = dataclasses.replace(pair.ia, cross_ref=link.sf_id), frozenset()

    def needs_fetch(self, pair: Pair) -> tuple[bool, bool]:
        """Whether the Salesforce / Intacct record must be read before writing (not in the read)."""
        w = Work(pair)
        self._plan(w)
        pair.planned = (w, *plan_inputs(pair))
        plan = w.plan
        if plan is None:
            return False, False
        sf_missing = pair.sf is None and bool(plan.write_salesforce) and pair.link is not None
        ia_missing = pair.ia is None and not pair.ia_deleted and bool(plan.write_intacct) and pair.link is not None
        return sf_missing, ia_missing

    def _planned(self, pair: Pair) -> Work:
        """The pair's work, planned now or reused from pairing if the pair is unchanged since."""
        cached = pair.planned
        pair.planned = None
        if cached is not None and all(a is b for a, b in zip(cached[1:], plan_inputs(pair), strict=True)):
            return dataclasses.replace(cached[0])
        w = Work(pair)
        self._plan(w)
        return w

    # ----------------------------------------------------------------- running
    def run(self, pairs: list[Pair]) -> None:
        """Plan, write and commit one batch (at most the batch size of pairs)."""
        work = [self._planned(p) for p in pairs]
        for w in [w for w in work if w.skip]:  # never copy a dead record into the other system
            log.info("%s %s not created on the other side: %s", self.kind.name, w.pair.record_key, w.skip)
            self._tally(w.pair, "skipped")
        work = self._hold_refused([w for w in work if not w.skip])
        creates = [w for w in work if w.plan is None and w.pair.sf is not None]
        self._prepare_creates(creates)
        self._ia_creates(creates)
        with self.store.write() as tx:
            for w in work:
                if w.plan is None and w.pair.ia is not None:  # new from Intacct
                    w.sf_rec = self.kind.new_sf_record(self.mapping, w.values, w.pair.ia.key)
            sf_work = self._still_as_read([w for w in work if w.sf_rec is not None and not w.failed], System.SALESFORCE)
            results = self.kind.sf_write(self.sf, [w.sf_rec for w in sf_work], [w.sf_fields for w in sf_work])  # type: ignore[misc]
            new_in_sf: list[tuple[Work, str]] = []  # Accounts just created for Intacct records
            wrote_sf: list[tuple[Work, str]] = []
            for w, res in zip(sf_work, results, strict=True):
                if not res.ok:
                    self._inbox(tx, w, System.SALESFORCE, res.error or unknown_error(System.SALESFORCE))
                    continue
                w.wrote_sf = True
                wrote_sf.append((w, res.id or w.sf_rec.key))  # type: ignore[union-attr]
                self._tally(w.pair, "writes_salesforce")
                if w.plan is None and w.pair.ia is not None:
                    new_in_sf.append((w, res.id))
            links = self._create_links(
                tx,
                [(sf_id, w.pair.ia.key, w.pair.ia.record_no or None, w.values) for w, sf_id in new_in_sf],  # type: ignore[union-attr]
            )
            for (w, sf_id), link in zip(new_in_sf, links, strict=True):  # the Account exists: link, then cross-ref
                assert w.pair.ia is not None
                w.link_id = link.id
                tx.audit.stage(
                    self.kind.name,
                    "create",
                    target=System.SALESFORCE,
                    record_key=sf_id,
                    link_id=link.id,
                    run_id=self.run_id,
                    after=w.values,
                    reason="new in Intacct",
                )
                self.emit(RecordApplied(self._now(), self.kind.name, "create", "salesforce", sf_id))
                if w.pair.ia.cross_ref != sf_id:
                    w.ia_rec, w.ia_fields = dataclasses.replace(w.pair.ia, cross_ref=sf_id), frozenset()
            ia_work = self._still_as_read([w for w in work if w.ia_rec is not None and not w.failed], System.INTACCT)
            fields = [w.ia_fields for w in ia_work]
            results = self.kind.ia_write(self.ia, [w.ia_rec for w in ia_work], None, fields)  # type: ignore[misc]
            for w, res in zip(ia_work, results, strict=True):
                if not res.ok:
                    self._inbox(tx, w, System.INTACCT, res.error or unknown_error(System.INTACCT))
                    continue
                w.wrote_ia = True
                self._tally(w.pair, "writes_intacct")
                self.echoes.wrote_ia(self.kind.name, w.ia_rec.key, w.ia_rec.record_no)  # type: ignore[union-attr]
            self._link_changes, self._resolved = [], []
            for w in work:
                self._commit(tx, w)
            for w, sf_id in wrote_sf:  # known again next cycle once read back (echoes.py)
                if not w.failed and not (w.plan is not None and w.plan.conflicts):  # a conflict: merged again
                    self.echoes.wrote_sf(self.kind.name, sf_id, w.link_id or (w.pair.link.id if w.pair.link else None))
            tx.links.update_many(self._link_changes)  # the batch's bases and seen marks at once
            tx.inbox.resolve_many(self.kind.name, OP, self._resolved)

    def _hold_refused(self, work: list[Work]) -> list[Work]:
        """Leave out records a side refused that are just as they were then (counted as skipped).

        Why: a refused write (a validation rule, a duplicate, a closed period) fails the same way
        every cycle while the record stays in the read window, one Intacct transaction or
        Salesforce call each time. Its open inbox item keeps the pair's digest from the attempt;
        it is sent again once either side or the bases change (a new digest), when someone asks
        to retry (the item is then ``retrying``), or with a conflict's resolution.
        """
        if not work:
            return work
        with self.store.read() as r:
            if self._any_open is None:
                self._any_open = r.inbox.any_open(self.kind.name, OP)
            if not self._any_open:
                return work
            items = r.inbox.unresolved_payloads(self.kind.name, OP, [w.pair.record_key for w in work])
        if not items:
            return work
        kept: list[Work] = []
        for w in work:
            found = items.get(w.pair.record_key)
            if found and not w.pair.resolutions and all(st is InboxStatus.OPEN for st, _ in found):
                digest = pair_digest(self.mapping, w.pair)
                if all(payload.get("digest") == digest for _, payload in found):
                    log.info("%s %s held: refused before and unchanged since", self.kind.name, w.pair.record_key)
                    self._tally(w.pair, "skipped")
                    continue
            kept.append(w)
        return kept

    def _still_as_read(self, work: list[Work], system: System) -> list[Work]:
        """The updates whose target fields still hold what the cycle read; the others wait a cycle.

        Why: neither system offers a conditional write for a batch, so a field someone edits
        between our read and our write would be overwritten by the value merged from the older
        read, and lost without a trace. One read of those records just before the write (one call
        per batch, only for updates of mapped fields) leaves such a record alone: its edit brings
        it into the next cycle, which merges it (or raises the conflict). Values, not stamps, are
        compared: stamps have whole seconds, and an edit in the second of our read shares its stamp.
        Writes of our cross-reference only, and creates, touch no field anyone edits.
        """
        sf_side = system is System.SALESFORCE

        def target(w: Work) -> Any:
            return w.pair.sf if sf_side else w.pair.ia

        checked = {
            target(w).key: w
            for w in work
            if w.plan is not None
            and target(w) is not None
            and (w.plan.write_salesforce if sf_side else w.plan.write_intacct)
        }
        if not checked:
            return work
        keys = sorted(checked)
        read = self.kind.sf_by_ids(self.sf, keys) if sf_side else self.kind.ia_by_ids(self.ia, keys)
        stale: set[int] = set()
        for rec in read:
            w = checked.get(rec.key)
            if w is None or w.plan is None:
                continue
            fields = w.plan.write_salesforce if sf_side else w.plan.write_intacct
            was, now = self.mapping.extract(target(w)), self.mapping.extract(rec)
            if any(was.get(name) != now.get(name) for name in fields):
                stale.add(id(w))
                log.info("%s %s edited in %s during the cycle: merged next cycle", self.kind.name, rec.key, system)
                if sf_side:
                    w.sf_rec = None
                else:
                    w.ia_rec = None
        return [w for w in work if id(w) not in stale]

    # ------------------------------------------------------------------ commit
    def _commit(self, tx: WriteTx, w: Work) -> None:
        pair, plan, link = w.pair, w.plan, w.pair.link
        if w.failed:
            self._tally(pair, "errors")
            return
        if link is None and plan is not None:  # both records found through cross-references: relink
            assert pair.sf is not None and pair.ia is not None
            link = tx.links.create(self.kind.entity, pair.sf.key, pair.ia.key, ia_record_no=pair.ia.record_no or None)
            tx.audit.stage(
                self.kind.name,
                "link",
                link_id=link.id,
                run_id=self.run_id,
                record_key=pair.ia.key,
                reason="cross-reference fields match; link rebuilt without writing",
            )
        if plan is not None and link is not None:
            self._commit_merge(tx, w, plan, link)
        self._resolved.append(pair.record_key)  # any open inbox item of it closes with the batch
        wrote = w.wrote_sf or w.wrote_ia
        if plan is not None and plan.conflicts and not wrote:
            return
        self._tally(pair, "applied" if wrote or w.link_id else "skipped")

    def _commit_merge(self, tx: WriteTx, w: Work, plan: MergePlan, link: Link) -> None:
        pair = w.pair
        sf_base = dict(plan.base_salesforce)
        ia_base = dict(plan.base_intacct)
        sf_dead = pair.sf is not None and pair.sf.deleted
        for name in plan.write_salesforce:  # not written (deleted side): keep the old base, apply later
            if not w.wrote_sf:
                sf_base[name] = link.sf_base.get(name)
        for name in plan.write_intacct:
            if not w.wrote_ia:
                ia_base[name] = link.ia_base.get(name)
        record_no = pair.ia.record_no if pair.ia is not None and pair.ia.record_no else None
        # Seen marks only after a merge that found nothing to do; any write, pending write or conflict
        # clears them, so the next read merges this pair again (the idle-cycle skip never hides work).
        quiet = w.sf_rec is None and w.ia_rec is None and not (plan.write_salesforce or plan.write_intacct)
        quiet = quiet and not plan.conflicts and not pair.resolutions
        sf_seen, ia_seen = (pair.seen_sf, pair.seen_ia) if quiet else ("", "")
        change: dict[str, Any] = {"id": link.id, "sf_seen": sf_seen, "ia_seen": ia_seen}
        if record_no != link.ia_record_no:
            change["ia_record_no"] = record_no
        if not (quiet and plan.bases_as_stored):  # a quiet re-read stores its seen marks only
            change |= {"sf_base": sf_base, "ia_base": ia_base}
        same_marks = sf_seen in (None, link.sf_seen) and ia_seen in (None, link.ia_seen)
        if not (same_marks and len(change) == 3):  # nothing new to store for this link
            self._link_changes.append(change)
        if sf_dead and link.sf_deleted_at is None:
            tx.links.mark_deleted(link.id, System.SALESFORCE, pair.sf.modified_at if pair.sf else None)
        elif pair.sf is not None and not sf_dead and link.sf_deleted_at is not None:
            tx.links.mark_restored(link.id, System.SALESFORCE)
        if pair.ia_deleted and link.ia_deleted_at is None:
            tx.links.mark_deleted(link.id, System.INTACCT)
        for target, wrote, fields in (
            (System.SALESFORCE, w.wrote_sf, plan.write_salesforce),
            (System.INTACCT, w.wrote_ia, plan.write_intacct),
        ):
            if not (wrote and fields):
                continue
            key = link.sf_id if target is System.SALESFORCE else link.ia_key
            op = "update"
            if set(fields) == {"active"}:
                op = "reactivate" if fields["active"] else "deactivate"
            before = {n: (link.sf_base if target is System.SALESFORCE else link.ia_base).get(n) for n in fields}
            tx.audit.stage(
                self.kind.name,
                op,
                target=target,
                record_key=key,
                link_id=link.id,
                run_id=self.run_id,
                before=before,
                after=dict(fields),
                reason="; ".join(plan.decision(n).reason for n in fields),
            )
            self.emit(RecordApplied(self._now(), self.kind.name, op, target.value, key, tuple(fields)))
        for d in plan.overwrites_back:
            tx.audit.stage(
                self.kind.name,
                "overwrite_back",
                target=d.overridden,
                record_key=pair.record_key,
                link_id=link.id,
                run_id=self.run_id,
                before={d.field: getattr(d, d.overridden)},
                after={d.field: d.value},
                reason=d.reason,
            )
        for c in plan.conflicts:
            row = tx.conflicts.open(link.id, c.field, base=c.base_salesforce, sf_value=c.salesforce, ia_value=c.intacct)
            tx.audit.stage(
                self.kind.name,
                "conflict",
                link_id=link.id,
                run_id=self.run_id,
                record_key=pair.record_key,
                before={"salesforce": c.salesforce, "intacct": c.intacct},
                reason="both sides changed",
            )
            self._tally(pair, "conflicts")
            self.emit(ConflictRaised(self._now(), row.id, self.kind.name, pair.record_key, c.field))
