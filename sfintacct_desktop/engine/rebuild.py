"""Re-create a lost state store from the two systems, reading both and writing to neither.

Why this is possible: every link the product makes is also written into both systems' cross-reference
fields (Account.Intacct_Customer_ID__c <-> CUSTOMER.SFDC_ACCOUNT_ID, Product2.Intacct_Item_ID__c <->
ITEM.SFDC_PRODUCT_ID), and every sales order carries its Opportunity Id in PONUMBER. So one full read
of both sides gives back:

- the links, with merge bases equal to what each side holds now (a pair whose two sides agree then
  merges to "no change": the next sync writes nothing for it; a pair that differs is settled by the
  ordinary rules: the owner wins, a ``both`` field becomes a conflict for review);
- the order ledger: a CONFIRMED intent for every Opportunity whose order is found by PONUMBER, and
  the historical marks (``Intacct_Sync_Status__c = Historical``), so no order is ever sent again;
- what was last written to Salesforce for each invoice and payment, kept only where Salesforce holds
  exactly what the sync would write (otherwise the next sync writes it, as it should);
- the markers: live sync started, the baseline and its cut-over date (given by the caller when known).

Every record that stays unlinked is held out of the live sync (as a baseline holds out what it did not
load), because the rebuild cannot tell a record the baseline left out (a duplicate, say) from a new
one; a new baseline plan reviews them. Cursors stay empty: the next sync reads everything once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ..connectors.ia_orders import IntacctChanges, IntacctOrders
from ..domain import IntentState, Opportunity, System
from .cycle import BASELINE_META, HISTORICAL_META, LIVE_META, SyncEngine
from .entities import KINDS, EntityKind
from .entity_sync import Tally, sf_values
from .invoices import ReceivablesSync, _hash
from .merge import merge
from .orders.send import KIND as ORDER_KIND
from .orders.send import intent_key
from .run import RunContext

APPLIED_META, CUTOVER_META = BASELINE_META
LEFT_OUT_META = "baseline_left_out"
HISTORICAL = "Historical"
REBUILT_REASON = "not linked when the state was rebuilt"
_CHUNK = 200


@dataclass
class Baseline:
    """What the caller knows of the profile's history (from its marker or its newest plan file)."""

    applied: bool | None = None  # None: unknown
    cutover: date | None = None
    applied_at: str = ""
    plan: str = ""
    left_out: dict[str, Any] = field(default_factory=dict)  # the plan's held-out records, with reasons


@dataclass
class Report:
    links: dict[str, int] = field(default_factory=dict)
    differing: dict[str, int] = field(default_factory=dict)  # linked pairs whose two sides disagree now
    held_out: dict[str, dict[str, int]] = field(default_factory=dict)
    inconsistent: list[str] = field(default_factory=list)  # cross-references that point at each other wrongly
    orders_linked: int = 0
    historical: int = 0
    invoices_known: int = 0
    payments_known: int = 0
    receivables_to_update: int = 0
    cutover_date: str | None = None
    cutover_source: str = ""

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def _same_id(a: str, b: str) -> bool:
    """Salesforce Ids compare on their case-sensitive 15-character form."""
    return bool(a) and bool(b) and a[:15] == b[:15]


def _soql_text(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _same_value(want: Any, have: Any) -> bool:
    if want is None or want == "":
        return have in (None, "")
    if isinstance(want, bool):
        return bool(have) is want
    if isinstance(want, (Decimal, int, float)):
        try:
            return Decimal(str(have)) == Decimal(str(want))
        except (InvalidOperation, ValueError):
            return False
    return str(want) == str(have)


class _Rebuild:
    def __init__(self, engine: SyncEngine, baseline: Baseline, now: datetime) -> None:
        self.engine, self.baseline, self.now = engine, baseline, now
        self.store = engine.store
        self.report = Report()

    # ----------------------------------------------------------------- customers and products
    def link(self, kind: EntityKind, sf_recs: list[Any], ia_recs: list[Any], tally: Tally) -> dict[str, dict[str, str]]:
        """Create the links of one entity; returns the unlinked keys per side (to hold out)."""
        mapping = self.engine.mapping.entity(kind.name)
        by_ia = {r.key: r for r in ia_recs}
        by_sf15 = {r.key[:15]: r for r in sf_recs}
        pairs: list[tuple[Any, Any]] = []
        used_sf: set[str] = set()
        used_ia: set[str] = set()
        for sf in sf_recs:
            if not sf.cross_ref:
                continue
            ia = by_ia.get(sf.cross_ref)
            if ia is not None and ia.cross_ref and not _same_id(ia.cross_ref, sf.key):
                self.report.inconsistent.append(
                    f"{kind.name}: Salesforce {sf.key} names {ia.key}, which names {ia.cross_ref}"
                )
                continue
            pairs.append((sf, ia))
            used_sf.add(sf.key)
            used_ia.add(sf.cross_ref)
        for ia in ia_recs:
            if not ia.cross_ref or ia.key in used_ia:
                continue
            sf = by_sf15.get(ia.cross_ref[:15])
            if sf is None or sf.key in used_sf:
                continue  # its Salesforce record is gone for good (or inconsistent, reported above)
            if sf.cross_ref and sf.cross_ref != ia.key:
                continue  # reported from the Salesforce side
            pairs.append((sf, ia))
            used_sf.add(sf.key)
            used_ia.add(ia.key)
        differing = 0
        with self.store.write() as tx:
            for sf, ia in pairs:
                sf_now = sf_values(mapping, sf)
                ia_now = mapping.extract(ia) if ia is not None else {**sf_now, "active": False}
                plan = merge(mapping, None, None, sf_now, ia_now)
                sf_base = {d.field: d.salesforce for d in plan.decisions}
                ia_base = {d.field: d.intacct for d in plan.decisions}
                if ia is None:  # the Intacct record was deleted: linked as deleted there
                    ia_base = dict(sf_base)
                    if "active" in ia_base:
                        ia_base["active"] = False
                if plan.has_writes or plan.conflicts:
                    differing += 1
                ia_key = ia.key if ia is not None else sf.cross_ref
                record_no = (ia.record_no or None) if ia is not None else None
                link = tx.links.create(
                    kind.entity, sf.key, ia_key, ia_record_no=record_no, sf_base=sf_base, ia_base=ia_base
                )
                if sf.deleted:
                    tx.links.mark_deleted(link.id, System.SALESFORCE, sf.modified_at)
                if ia is None:
                    tx.links.mark_deleted(link.id, System.INTACCT)
                tx.audit.add(kind.name, "link", link_id=link.id, record_key=ia_key, reason="state rebuilt")
        tally.read += len(sf_recs) + len(ia_recs)
        tally.applied += len(pairs)
        self.report.links[kind.name] = len(pairs)
        self.report.differing[kind.name] = differing
        return {
            "salesforce": {r.key: REBUILT_REASON for r in sf_recs if r.key not in used_sf and not r.deleted},
            "intacct": {r.key: REBUILT_REASON for r in ia_recs if r.key not in used_ia},
        }

    def hold_out(self, unlinked: dict[str, dict[str, dict[str, str]]]) -> None:
        """Every unlinked record stays out of the live sync; a reason the plan gave is kept."""
        held: dict[str, Any] = {}
        for entity, sides in unlinked.items():
            known = self.baseline.left_out.get(entity) or {}
            held[entity] = {
                side: {k: (known.get(side) or {}).get(k) or why for k, why in keys.items()}
                for side, keys in sides.items()
            }
        with self.store.write() as tx:
            tx.meta.set(LEFT_OUT_META, held)
        self.report.held_out = {e: {s: len(v) for s, v in sides.items()} for e, sides in held.items()}

    # ---------------------------------------------------------------------------- orders
    def orders(self, opps: list[Opportunity], tally: Tally) -> list[Opportunity]:
        """CONFIRMED intents for the orders found by PONUMBER; historical marks from Salesforce.

        Returns the deals whose order the sync made (for the cut-over guess)."""
        txtype = self.engine.settings.order_transaction_type
        candidates = [o for o in opps if o.is_won or o.sales_order_id or o.sync_status]
        found = IntacctOrders(self.engine.ia).find_orders([o.id for o in candidates], txtype) if candidates else {}
        historical: dict[str, str] = {}
        ours: list[Opportunity] = []
        with self.store.write() as tx:
            for opp in candidates:
                if opp.sync_status == HISTORICAL:  # the baseline said: never push (whatever Intacct holds)
                    historical[opp.id] = opp.sales_order_id or ""
                    continue
                order = found.get(opp.id) or found.get(opp.id[:15])
                key = intent_key(opp.id)
                if order is None or tx.intents.get(key) is not None:
                    continue
                payload = {"transaction_type": txtype, "reference_no": opp.id, "opp_id": opp.id, "rebuilt": True}
                tx.intents.plan(key, ORDER_KIND, System.INTACCT, payload)
                tx.intents.mark_sent(key)
                tx.intents.confirm(key, {"doc_id": order.doc_id, "record_no": order.record_no})
                ours.append(opp)
            tx.meta.set(HISTORICAL_META, {**(tx.meta.get(HISTORICAL_META) or {}), **historical})
        tally.read += len(opps)
        tally.applied += len(ours)
        self.report.orders_linked += len(ours)
        self.report.historical += len(historical)
        return ours

    def cutover(self, ours: list[Opportunity]) -> None:
        """Known; else none when no baseline was applied; else the earliest deal ordered by the sync."""
        if self.baseline.cutover is not None:
            self.report.cutover_date, self.report.cutover_source = self.baseline.cutover.isoformat(), "known"
        elif self.baseline.applied is False:
            self.report.cutover_date, self.report.cutover_source = None, "no baseline was ever applied"
        elif ours:
            self.report.cutover_date = min(o.close_date for o in ours).isoformat()
            self.report.cutover_source = "the earliest deal the sync turned into a sales order"
        else:
            self.report.cutover_date = self.now.date().isoformat()
            self.report.cutover_source = "the rebuild (no earlier cut-over is known)"

    # ------------------------------------------------------------------------ receivables
    def receivables(self, changes: IntacctChanges, run: RunContext) -> None:
        verify = _VerifyReceivables(run)
        verify.apply(changes.invoices, changes.payments)
        self.report.invoices_known = verify.known["invoice"]
        self.report.payments_known = verify.known["payment"]
        self.report.receivables_to_update = verify.differ

    # ---------------------------------------------------------------------------- markers
    def markers(self) -> None:
        stamp = self.now.isoformat(timespec="seconds")
        with self.store.write() as tx:
            tx.meta.set(LIVE_META, stamp)
            if self.report.cutover_date is not None:
                tx.meta.set(CUTOVER_META, self.report.cutover_date)
                tx.meta.set(
                    APPLIED_META,
                    {
                        "plan": self.baseline.plan,
                        "applied_at": self.baseline.applied_at or stamp,
                        "cutover_date": self.report.cutover_date,
                        "rebuilt_at": stamp,
                    },
                )

    # ------------------------------------------------------------------------------ run
    def body(self, run: RunContext) -> None:
        eng = self.engine
        sf_read = eng.sf.changed_streams(None, None, None)
        sf_customers, sf_products, sf_opps = sf_read.customers, sf_read.products, sf_read.opportunities
        ia = IntacctOrders(eng.ia).changed({})
        reads = {"customer": (sf_customers, ia.customers), "product": (sf_products, ia.items)}
        tallies = run.tallies
        unlinked = {}
        for kind in KINDS:
            sf_recs, ia_recs = reads[kind.name]
            unlinked[kind.name] = self.link(kind, sf_recs, ia_recs, tallies.setdefault(f"rebuild.{kind.name}", Tally()))
        self.hold_out(unlinked)
        self.cutover(self.orders(sf_opps, tallies.setdefault("rebuild.order", Tally())))
        self.receivables(ia, run)
        self.markers()


class _VerifyReceivables(ReceivablesSync):
    """The receivables pass of a sync, with every Salesforce upsert replaced by a comparison.

    Where Salesforce already holds exactly the fields the sync would write, what was "last written"
    is recorded, so the next sync skips it; anything else is left for the next sync to write.
    """

    def __init__(self, run: RunContext) -> None:
        super().__init__(run)
        self.known = {"invoice": 0, "payment": 0}
        self.differ = 0

    def _current(self, sobject: str, ext: str, names: list[str], keys: list[str]) -> dict[str, dict[str, Any]]:
        rows: dict[str, dict[str, Any]] = {}
        uniq = sorted({k for k in keys if k})
        with self.sf.errors():
            for start in range(0, len(uniq), _CHUNK):
                chunk = ", ".join(_soql_text(k) for k in uniq[start : start + _CHUNK])
                soql = f"SELECT Id, {', '.join(names)} FROM {sobject} WHERE {ext} IN ({chunk})"
                rows.update({str(r.get(ext)): r for r in self.sf.client.query_all(soql)})
        return rows

    def _write(
        self,
        sobject: str,
        ext: str,
        what: str,
        rows: list[tuple[Any, dict[str, Any]]],
        key_of: Any,
        tally: Tally,
        **_: Any,
    ) -> dict[str, str]:
        if not rows:
            return {}
        names = [n for n in rows[0][1] if n != ext]
        current = self._current(sobject, ext, [ext, *names], [key_of(rec) for rec, _ in rows])
        ids: dict[str, str] = {}
        with self.store.write() as tx:
            for rec, fields in rows:
                key = key_of(rec)
                have = current.get(key)
                if have is None:
                    self.differ += 1
                    continue
                ids[key] = str(have.get("Id") or "")
                if all(_same_value(v, have.get(n)) for n, v in fields.items()):
                    tx.meta.set(f"sf_{what}:{key}", {"id": ids[key], "hash": _hash(fields)})
                    self.known[what] += 1
                    tally.skipped += 1
                else:
                    self.differ += 1
        return ids


def rebuild_state(
    engine: SyncEngine, baseline: Baseline | None = None, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> tuple[Report, Any]:
    """Fill the engine's (empty) store from both systems; returns the report and the run summary."""
    job = _Rebuild(engine, baseline or Baseline(), now())
    summary = engine.run_custom("rebuild", job.body)
    return job.report, summary


def order_ledger_gaps(engine: SyncEngine) -> int:
    """After a restore: CONFIRMED intents for the orders sent after the backup was taken.

    Why: a backup predates the orders sent since; without their intents the next sync would treat
    those deals as new. Each deal without an intent is looked up by PONUMBER (reads only).
    Returns how many intents were added.
    """
    opps = [o for page in engine.sf.changed_opportunities(None) for o in page]
    with engine.store.read() as r:
        have = {i.key for i in r.intents.in_state(*IntentState, kind=ORDER_KIND)}
    missing = [o for o in opps if intent_key(o.id) not in have]
    if not missing:
        return 0
    return len(_Rebuild(engine, Baseline(), datetime.now(UTC)).orders(missing, Tally()))


__all__ = ["Baseline", "Report", "order_ledger_gaps", "rebuild_state"]
