"""New records from Salesforce created in Intacct: keys fixed in intents before the call, links after.

Why this order: a create's intent (with the CUSTOMERID/ITEMID it chose) commits before the request,
so a retry after a lost answer sends the same key and controlid and finds its own record instead
of making a second one. The new keys are probed in Intacct first and never reuse a linked key.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ..connectors import IntacctConnector
from ..domain import ErrorKind, Link, SyncError, System
from ..store import StateStore, WriteTx
from .echoes import Echoes
from .entities import EntityKind
from .entity_work import Work, create_payload, is_duplicate, unknown_error
from .events import Event, RecordApplied
from .mapping import EntityMapping


class IntacctCreates:
    """The Intacct-create step of :class:`~.entity_sync.BatchRunner` (a mixin: it shares its state)."""

    store: StateStore
    ia: IntacctConnector
    kind: EntityKind
    mapping: EntityMapping
    run_id: int | None
    taken: set[str]
    _linked: set[str] | None
    key_start: Callable[[], int]
    emit: Callable[[Event], None]
    echoes: Echoes
    # and the runner's _tally, _inbox and _now

    def _prepare_creates(self, creates: list[Work]) -> None:
        """Fix each new record's Intacct key in an intent (reusing an earlier attempt's key)."""
        if not creates:
            return
        chosen: dict[str, str] = {}
        seqs: dict[str, int | None] = {}
        with self.store.read() as r:
            if self._linked is None:
                self._linked = r.links.ia_keys(self.kind.entity)
            # earlier attempts of each create (a retry reuses their key): one query per attempt number
            attempt = {w.pair.sf.key: 1 for w in creates}  # type: ignore[union-attr]
            pending = set(attempt)
            while pending:
                keys = {f"{self.kind.name}.create:{sf_id}:{attempt[sf_id]}": sf_id for sf_id in pending}
                found = r.intents.get_many(keys)
                for key, earlier in found.items():
                    sf_id = keys[key]
                    prior = str(earlier.payload.get("ia_key", chosen.get(sf_id, "")))
                    if prior:
                        chosen[sf_id] = prior
                    seqs[sf_id] = earlier.payload.get("seq")
                    attempt[sf_id] += 1
                pending = {keys[key] for key in found}
        for w in creates:
            w.intent_key = f"{self.kind.name}.create:{w.pair.sf.key}:{attempt[w.pair.sf.key]}"  # type: ignore[union-attr]
        taken = self._linked | self.taken | set(chosen.values())
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

    def _ia_creates(self, creates: list[Work]) -> None:
        if not creates:
            return
        seq_key = f"{self.kind.name}_key_seq"
        with self.store.write() as tx:  # intents and the advanced key sequence commit together
            next_seq = int(tx.meta.get(seq_key, 1))
            kind = f"create_{self.kind.name}"
            tx.intents.plan_sent_many(
                [(w.intent_key, kind, System.INTACCT, create_payload(w)) for w in creates], run_id=self.run_id
            )
            for w in creates:
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
        dup = [w for w, res in zip(creates, results, strict=True) if not res.ok and is_duplicate(res.error)]
        existing = {r.key: r for r in self.kind.ia_by_ids(self.ia, [w.ia_create.key for w in dup])}  # type: ignore[union-attr]
        with self.store.write() as tx:
            made: list[tuple[Work, str | None]] = []  # created (or found as our own earlier create)
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
                        self._inbox(tx, w, System.INTACCT, res.error or unknown_error(System.INTACCT))
                        continue
                    record_no = found.record_no  # our own earlier create: it exists, link it
                made.append((w, record_no))
                if res.ok:
                    self.echoes.wrote_ia(self.kind.name, w.ia_create.key, record_no)
            tx.intents.confirm_many(
                {w.intent_key: {"ia_key": w.ia_create.key, "record_no": rn} for w, rn in made}  # type: ignore[union-attr]
            )
            links = self._create_links(
                tx,
                [
                    (w.pair.sf.key, w.ia_create.key, rn or None, w.values)  # type: ignore[union-attr]
                    for w, rn in made
                ],
            )
            for (w, _), link in zip(made, links, strict=True):
                assert w.ia_create is not None and w.pair.sf is not None
                w.link_id = link.id
                w.wrote_ia = True
                self._tally(w.pair, "writes_intacct")
                tx.audit.stage(
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

    def _create_links(self, tx: WriteTx, specs: list[tuple[str, str, str | None, dict[str, Any]]]) -> list[Link]:
        """Link new record pairs in one statement; both bases are the values both sides got."""
        links = tx.links.create_many(
            self.kind.entity,
            [
                {"sf_id": sf_id, "ia_key": ia_key, "ia_record_no": record_no, "sf_base": values, "ia_base": values}
                for sf_id, ia_key, record_no, values in specs
            ],
        )
        if self._linked is not None:
            self._linked.update(link.ia_key for link in links)
        return links
