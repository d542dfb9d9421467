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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..connectors import IntacctConnector, SalesforceConnector
from ..domain import ErrorInfo, ErrorKind, Link, SyncError, System
from ..store import StateStore, WriteTx
from .entities import EntityKind, Record
from .events import ConflictRaised, ErrorRaised, Event, RecordApplied
from .mapping import EntityMapping
from .merge import MergePlan, merge

OP = "sync"
log = logging.getLogger(__name__)


@dataclass
class Pair:
    """One record on either or both sides, with its link (if any) and what the cycle saw of it."""

    sf: Record | None = None
    ia: Record | None = None
    link: Link | None = None
    ia_deleted: bool = False
    streams: set[str] = field(default_factory=set)
    resolutions: dict[str, Any] = field(default_factory=dict)
    # the modstamp to record as seen if this merge finds nothing to do: None leaves the stored mark,
    # "" clears it (a stamp in the newest granule of its read may still be shared by a later edit)
    seen_sf: str | None = None
    seen_ia: str | None = None

    @property
    def record_key(self) -> str:
        return (
            (self.sf.key if self.sf and self.sf.key else "")
            or (self.ia.key if self.ia else "")
            or (self.link.sf_id if self.link else "")
        )


@dataclass
class Tally:
    """Per-stream counters of one cycle (mutable while the cycle runs)."""

    read: int = 0
    applied: int = 0
    skipped: int = 0
    conflicts: int = 0
    errors: int = 0
    writes_salesforce: int = 0
    writes_intacct: int = 0
    unchanged: int = 0  # pairs left out before merging: both modstamps as last seen (also in skipped)
    failure: dict[str, str] | None = None  # the stream's read failed on its own: ErrorInfo.as_dict()


@dataclass
class _Work:
    pair: Pair
    plan: MergePlan | None = None
    values: dict[str, Any] = field(default_factory=dict)  # new record: the values both sides get
    sf_rec: Record | None = None
    ia_rec: Record | None = None
    # native fields an update sends besides the keys (None: a create, everything); never the full
    # record, so a field edited by someone between our read and our write keeps their edit
    sf_fields: frozenset[str] | None = None
    ia_fields: frozenset[str] | None = None
    ia_create: Record | None = None
    intent_key: str = ""
    key_seq: int | None = None  # the pattern sequence number the new key used (None: AccountNumber)
    failed: bool = False
    skip: str = ""  # why nothing is done for this pair (an unlinked deleted or inactive record)
    wrote_sf: bool = False
    wrote_ia: bool = False
    link_id: int | None = None


def sf_values(mapping: EntityMapping, rec: Record) -> dict[str, Any]:
    values = mapping.extract(rec)
    if rec.deleted and "active" in values:
        values["active"] = False  # a deleted record reads as inactive: the other side is deactivated
    return values


class BatchRunner:
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
    ) -> None:
        self.store, self.sf, self.ia, self.kind, self.mapping = store, sf, ia, kind, mapping
        self.run_id, self.tallies, self.emit, self.key_start = run_id, tallies, emit, key_start
        self.taken: set[str] = set()  # ids known to exist in Intacct (from reads and probes)

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

    def _inbox(self, tx: WriteTx, w: _Work, target: System, error: ErrorInfo) -> None:
        pair = w.pair
        source = System.INTACCT if target is System.SALESFORCE else System.SALESFORCE
        payload = {
            "sf_id": (pair.sf.key if pair.sf else "") or (pair.link.sf_id if pair.link else ""),
            "ia_key": (pair.ia.key if pair.ia else "") or (pair.link.ia_key if pair.link else ""),
        }
        item = tx.inbox.record(self.kind.name, source, target, pair.record_key, OP, error, payload, run_id=self.run_id)
        w.failed = True
        self.emit(ErrorRaised(self._now(), error, item.id))

    def _natives(self, names: Any, system: System) -> frozenset[str]:
        """The native fields behind canonical field ``names`` on ``system``."""
        fms = [self.mapping.field(n) for n in names]
        return frozenset(f for fm in fms for f in (fm.salesforce if system is System.SALESFORCE else fm.intacct))

    # --------------------------------------------------------------- planning
    def _plan(self, w: _Work) -> None:
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
                w.skip = _skip_reason(pair.sf.deleted, sf_side, "Salesforce")
                return
            if pair.ia is not None and pair.sf is None:  # new in Intacct: upsert in Salesforce
                w.values = ia_side
                w.skip = _skip_reason(False, ia_side, "Intacct")
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
        w = _Work(pair)
        self._plan(w)
        plan = w.plan
        if plan is None:
            return False, False
        sf_missing = pair.sf is None and bool(plan.write_salesforce) and pair.link is not None
        ia_missing = pair.ia is None and not pair.ia_deleted and bool(plan.write_intacct) and pair.link is not None
        return sf_missing, ia_missing

    # ----------------------------------------------------------------- running
    def run(self, pairs: list[Pair]) -> None:
        """Plan, write and commit one batch (at most the batch size of pairs)."""
        work = [_Work(p) for p in pairs]
        for w in work:
            self._plan(w)
        for w in [w for w in work if w.skip]:  # never copy a dead record into the other system
            log.info("%s %s not created on the other side: %s", self.kind.name, w.pair.record_key, w.skip)
            self._tally(w.pair, "skipped")
        work = [w for w in work if not w.skip]
        creates = [w for w in work if w.plan is None and w.pair.sf is not None]
        self._prepare_creates(creates)
        self._ia_creates(creates)
        with self.store.write() as tx:
            for w in work:
                if w.plan is None and w.pair.ia is not None:  # new from Intacct
                    w.sf_rec = self.kind.new_sf_record(self.mapping, w.values, w.pair.ia.key)
            sf_work = [w for w in work if w.sf_rec is not None and not w.failed]
            results = self.kind.sf_write(self.sf, [w.sf_rec for w in sf_work], [w.sf_fields for w in sf_work])  # type: ignore[misc]
            for w, res in zip(sf_work, results, strict=True):
                if not res.ok:
                    self._inbox(tx, w, System.SALESFORCE, res.error or _unknown_error(System.SALESFORCE))
                    continue
                w.wrote_sf = True
                self._tally(w.pair, "writes_salesforce")
                if w.plan is None and w.pair.ia is not None:  # the Account now exists: link, then cross-ref
                    link = tx.links.create(
                        self.kind.entity,
                        res.id,
                        w.pair.ia.key,
                        ia_record_no=w.pair.ia.record_no or None,
                        sf_base=w.values,
                        ia_base=w.values,
                    )
                    w.link_id = link.id
                    tx.audit.add(
                        self.kind.name,
                        "create",
                        target=System.SALESFORCE,
                        record_key=res.id,
                        link_id=link.id,
                        run_id=self.run_id,
                        after=w.values,
                        reason="new in Intacct",
                    )
                    self.emit(RecordApplied(self._now(), self.kind.name, "create", "salesforce", res.id))
                    if w.pair.ia.cross_ref != res.id:
                        w.ia_rec, w.ia_fields = dataclasses.replace(w.pair.ia, cross_ref=res.id), frozenset()
            ia_work = [w for w in work if w.ia_rec is not None and not w.failed]
            fields = [w.ia_fields for w in ia_work]
            results = self.kind.ia_write(self.ia, [w.ia_rec for w in ia_work], None, fields)  # type: ignore[misc]
            for w, res in zip(ia_work, results, strict=True):
                if not res.ok:
                    self._inbox(tx, w, System.INTACCT, res.error or _unknown_error(System.INTACCT))
                    continue
                w.wrote_ia = True
                self._tally(w.pair, "writes_intacct")
            for w in work:
                self._commit(tx, w)

    # ----------------------------------------------------------- Intacct creates
    def _prepare_creates(self, creates: list[_Work]) -> None:
        """Fix each new record's Intacct key in an intent (reusing an earlier attempt's key)."""
        if not creates:
            return
        with self.store.read() as r:
            links = {link.ia_key for link in r.links.list(self.kind.entity)}
            chosen: dict[str, str] = {}
            seqs: dict[str, int | None] = {}
            for w in creates:
                sf_id = w.pair.sf.key  # type: ignore[union-attr]
                n, key = 1, ""
                while (earlier := r.intents.get(f"{self.kind.name}.create:{sf_id}:{n}")) is not None:
                    key = str(earlier.payload.get("ia_key", key))
                    seqs[sf_id] = earlier.payload.get("seq")
                    n += 1
                w.intent_key = f"{self.kind.name}.create:{sf_id}:{n}"
                if key:
                    chosen[sf_id] = key
        taken = links | self.taken | set(chosen.values())
        for _ in range(5):  # choose, probe Intacct for the choices, re-choose the taken ones
            seq = self.key_start()
            for w in creates:
                sf_id = w.pair.sf.key  # type: ignore[union-attr]
                if sf_id in chosen and chosen[sf_id] not in self.taken:
                    continue
                choice = self.kind.choose_key(w.pair.sf, self.mapping, taken.__contains__, seq)  # type: ignore[arg-type]
                chosen[sf_id] = choice.value
                seqs[sf_id] = choice.seq
                taken.add(choice.value)
                seq = (choice.seq or seq) + 1 if choice.seq else seq
            probe = [v for v in chosen.values() if v not in self.taken]
            found = {r.key for r in self.kind.ia_by_ids(self.ia, probe)}
            if not found:
                break
            self.taken |= found
            taken |= found
            for sf_id in [k for k, v in chosen.items() if v in found]:
                del chosen[sf_id]
        for w in creates:
            w.key_seq = seqs.get(w.pair.sf.key)  # type: ignore[union-attr]
            w.ia_create = self.kind.new_ia_record(self.mapping, w.values, chosen[w.pair.sf.key], w.pair.sf.key)  # type: ignore[union-attr]

    def _ia_creates(self, creates: list[_Work]) -> None:
        if not creates:
            return
        seq_key = f"{self.kind.name}_key_seq"
        with self.store.write() as tx:  # intents and the advanced key sequence commit together
            next_seq = int(tx.meta.get(seq_key, 1))
            for w in creates:
                payload = {"sf_id": w.pair.sf.key, "ia_key": w.ia_create.key, "values": w.values, "seq": w.key_seq}  # type: ignore[union-attr]
                tx.intents.plan(w.intent_key, f"create_{self.kind.name}", System.INTACCT, payload, run_id=self.run_id)
                tx.intents.mark_sent(w.intent_key)
                if w.key_seq is not None:
                    next_seq = max(next_seq, w.key_seq + 1)
            tx.meta.set(seq_key, next_seq)
        try:
            results = self.kind.ia_write(self.ia, [w.ia_create for w in creates], [w.intent_key for w in creates])  # type: ignore[misc]
        except SyncError as exc:
            with self.store.write() as tx:
                for w in creates:
                    tx.intents.mark_unknown(w.intent_key, exc.info)
                    w.failed = True
            if exc.info.kind is ErrorKind.OUTCOME_UNKNOWN or exc.info.fatal:
                for w in creates:
                    self._tally(w.pair, "errors")
                raise
            return
        dup = [w for w, res in zip(creates, results, strict=True) if not res.ok and _is_duplicate(res.error)]
        existing = {r.key: r for r in self.kind.ia_by_ids(self.ia, [w.ia_create.key for w in dup])}  # type: ignore[union-attr]
        with self.store.write() as tx:
            for w, res in zip(creates, results, strict=True):
                assert w.ia_create is not None and w.pair.sf is not None
                record_no = res.record_no
                if not res.ok:
                    found = existing.get(w.ia_create.key)
                    if found is None or found.cross_ref != w.pair.sf.key:  # refused, or someone else's record
                        tx.intents.mark_unknown(w.intent_key, res.error)
                        tx.intents.quarantine(w.intent_key, res.error)
                        if found is not None:
                            self.taken.add(found.key)
                        self._inbox(tx, w, System.INTACCT, res.error or _unknown_error(System.INTACCT))
                        continue
                    record_no = found.record_no  # our own earlier create: it exists, link it
                tx.intents.confirm(w.intent_key, {"ia_key": w.ia_create.key, "record_no": record_no})
                link = tx.links.create(
                    self.kind.entity,
                    w.pair.sf.key,
                    w.ia_create.key,
                    ia_record_no=record_no or None,
                    sf_base=w.values,
                    ia_base=w.values,
                )
                w.link_id = link.id
                w.wrote_ia = True
                self._tally(w.pair, "writes_intacct")
                tx.audit.add(
                    self.kind.name,
                    "create",
                    target=System.INTACCT,
                    record_key=w.ia_create.key,
                    link_id=link.id,
                    run_id=self.run_id,
                    after=w.values,
                    reason="new in Salesforce",
                )
                self.emit(RecordApplied(self._now(), self.kind.name, "create", "intacct", w.ia_create.key))
                if not w.pair.sf.deleted:
                    w.sf_rec, w.sf_fields = dataclasses.replace(w.pair.sf, cross_ref=w.ia_create.key), frozenset()

    # ------------------------------------------------------------------ commit
    def _commit(self, tx: WriteTx, w: _Work) -> None:
        pair, plan, link = w.pair, w.plan, w.pair.link
        if w.failed:
            self._tally(pair, "errors")
            return
        if link is None and plan is not None:  # both records found through cross-references: relink
            assert pair.sf is not None and pair.ia is not None
            link = tx.links.create(self.kind.entity, pair.sf.key, pair.ia.key, ia_record_no=pair.ia.record_no or None)
            tx.audit.add(
                self.kind.name,
                "link",
                link_id=link.id,
                run_id=self.run_id,
                record_key=pair.ia.key,
                reason="cross-reference fields match; link rebuilt without writing",
            )
        if plan is not None and link is not None:
            self._commit_merge(tx, w, plan, link)
        for target in (System.SALESFORCE, System.INTACCT):
            tx.inbox.resolve_for(self.kind.name, target, pair.record_key, OP)
        wrote = w.wrote_sf or w.wrote_ia
        if plan is not None and plan.conflicts and not wrote:
            return
        self._tally(pair, "applied" if wrote or w.link_id else "skipped")

    def _commit_merge(self, tx: WriteTx, w: _Work, plan: MergePlan, link: Link) -> None:
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
        tx.links.update(
            link.id, sf_base=sf_base, ia_base=ia_base, ia_record_no=record_no, sf_seen=sf_seen, ia_seen=ia_seen
        )
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
            tx.audit.add(
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
            tx.audit.add(
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
            tx.audit.add(
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


def _skip_reason(deleted: bool, values: dict[str, Any], where: str) -> str:
    """Why an unlinked record is not created on the other side ("" when it is)."""
    if deleted:
        return f"deleted in {where} (in the recycle bin) and never linked"
    if values.get("active", True) is False:
        return f"inactive in {where} and never linked"
    return ""


def _is_duplicate(error: ErrorInfo | None) -> bool:
    return error is not None and (error.kind is ErrorKind.DUPLICATE or error.code == "BL34000061")


def _unknown_error(system: System) -> ErrorInfo:
    return ErrorInfo(ErrorKind.INTERNAL, "Write refused", "The record was refused without a reason.", "", system)
