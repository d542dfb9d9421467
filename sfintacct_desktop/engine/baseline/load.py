"""Apply an accepted baseline plan with the sync engine's own idempotent writers.

Why the engine's writers: a create in Intacct goes through an intent with a deterministic
CUSTOMERID/ITEMID fixed before the call, a create in Salesforce is an upsert by the external id,
and links, bases and audit rows are committed with each batch. So a load killed at any point and
run again finds its earlier work (recovered intents, links, cross-references) and completes it
without a duplicate, and the bases it stores are exactly what the next ``sync --once`` compares
with: a quiet company makes no writes.

Order: record the held-out records first (so a sync started after a crash does not create the
duplicates and inactive records the plan leaves out), link pairs (link rows first, with empty
bases, so a re-run re-merges them identically), run every pair through the engine's batches, mark
the historical opportunities, and last set the cut-over date (the live sync is then ready).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from ...connectors.ia_orders import IntacctOrders
from ...domain import Link
from ...store import DuplicateError
from ..cycle import LOADING_META, SyncEngine
from ..entities import KINDS, EntityKind
from ..entity_sync import Pair
from ..events import Event, RecordApplied, RunSummary
from ..invoices import ReceivablesSync
from ..pipeline import process
from ..pricebooks import PriceBookSync
from ..run import RunContext
from ..streams import BASELINE_OPPORTUNITIES, IA_PRICE_ENTRIES, IA_PRICE_LISTS, SF_PRICEBOOKS
from .plan import HISTORICAL, OPP_ORDER, OPP_STATUS
from .review import is_applied

LEFT_OUT_META = "baseline_left_out"  # {entity: {"salesforce": {key: reason}, "intacct": {key: reason}}}
HISTORICAL_META = "baseline_historical"  # {opportunity id: sales order DOCID or ""}
APPLIED_META = "baseline_applied"  # {plan, applied_at, cutover_date}
CUTOVER_META = "cutover_date"
_SF_ID = re.compile(r"[A-Za-z0-9]{15}([A-Za-z0-9]{3})?")
_ID_CHUNK = 200
PRICE_STREAMS = (SF_PRICEBOOKS, IA_PRICE_LISTS, IA_PRICE_ENTRIES)
LoadProgress = Callable[[str, int, int], None]


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _stream(kind: EntityKind) -> str:
    return f"baseline.{kind.name}"


def held_out(doc: dict[str, Any], chosen_ids: set[int], earlier: dict[str, Any]) -> dict[str, Any]:
    """The records the live sync must leave alone after this load, with the reason for each.

    Everything the plan names but this load does not link or create: left out, awaiting review, or
    not accepted (yet). A record this load links or creates leaves the set.
    """
    out: dict[str, Any] = {
        e: {s: dict((earlier.get(e) or {}).get(s) or {}) for s in ("salesforce", "intacct")}
        for e in ("customer", "product", "pricebook")
    }
    for a in doc["actions"]:
        if a["entity"] not in out or (a["action"] == "link" and a.get("status") == "existing"):
            continue
        sides = out[a["entity"]]
        applied = a["id"] in chosen_ids and a["action"] != "leave_out"
        if a["action"] == "leave_out":
            keys = [(a["system"], a["key"], a.get("reason") or "left out")]
        else:
            review = a["action"] == "review" or a.get("status") == "review"
            why = "awaiting review" if review and not a.get("accepted") else "not accepted"
            keys = [(s, a[s], why) for s in ("salesforce", "intacct") if a.get(s)]
        for side, key, why in keys:
            if applied:
                sides[side].pop(key, None)
            else:
                sides[side][key] = why if a["action"] != "leave_out" else (a.get("reason") or "left out")
    return out


def _quiet(phase: str, done: int, total: int) -> None:
    return None


class _Loader:
    def __init__(
        self,
        engine: SyncEngine,
        doc: dict[str, Any],
        chosen: list[dict[str, Any]],
        plan_path: str,
        progress: LoadProgress = _quiet,
    ) -> None:
        self.engine, self.doc, self.chosen, self.plan_path = engine, doc, chosen, plan_path
        self.problems: list[dict[str, Any]] = []
        self.historical = 0
        self.progress = progress
        self.done: dict[str, dict[str, int]] = {}  # per object: records processed of the accepted total
        self.applied: dict[str, int] = {}  # "entity target operation" -> records written, from the engine's events

    def step(self, phase: str, done: int, total: int) -> None:
        self.done[phase] = {"done": done, "total": total}
        self.progress(phase, done, total)

    def counting(self, run: RunContext) -> RunContext:
        """The run with an event sink that also counts each record written (what the report says)."""
        forward = run.emit

        def emit(event: Event) -> None:
            if isinstance(event, RecordApplied):
                key = f"{event.entity} {event.target} {event.operation}"
                self.applied[key] = self.applied.get(key, 0) + 1
            forward(event)

        return dataclasses.replace(run, emit=emit)

    def problem(self, a: dict[str, Any], message: str) -> None:
        self.problems.append({"id": a.get("id"), "entity": a["entity"], "action": a["action"], "message": message})

    def body(self, run: RunContext) -> None:
        run = self.counting(run)
        store = run.store
        with store.write() as tx:  # until the end, a live sync is refused (the load is not finished)
            loading = tx.meta.get(LOADING_META) or {}
            tx.meta.set(LOADING_META, {"plan": self.plan_path, "started_at": loading.get("started_at") or _now()})
            earlier = tx.meta.get(LEFT_OUT_META) or {}
            tx.meta.set(LEFT_OUT_META, held_out(self.doc, {a["id"] for a in self.chosen}, earlier))
        for kind in KINDS:
            mine = [a for a in self.chosen if a["entity"] == kind.name and a["action"] != "leave_out"]
            mine = [a for a in mine if not (a["action"] == "link" and a.get("status") == "existing")]
            self.step(kind.name, 0, len(mine))
            pairs = self.pairs(kind, mine)
            run.tally(_stream(kind)).read += len(pairs)
            size = max(1, run.settings.batch_size)
            for start in range(0, len(pairs), size):  # one batch at a time: progress after each
                process(run, kind, pairs[start : start + size])
                self.step(kind.name, start + len(pairs[start : start + size]), len(pairs))
            if not pairs:
                self.step(kind.name, 0, 0)
        self.load_pricebooks(run, [a for a in self.chosen if a["entity"] == "pricebook"])
        self.mark_historical(run, [a for a in self.chosen if a["entity"] == "opportunity"])
        self.load_receivables(run)
        with store.write() as tx:
            tx.meta.set(CUTOVER_META, self.doc["cutover_date"])
            tx.meta.set(
                APPLIED_META,
                {
                    "plan": self.plan_path,
                    "applied_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "cutover_date": self.doc["cutover_date"],
                },
            )
            tx.meta.set(LOADING_META, None)

    # ------------------------------------------------------------------ pairs
    def pairs(self, kind: EntityKind, actions: Sequence[dict[str, Any]]) -> list[Pair]:
        eng = self.engine
        sf_keys = {a["salesforce"] for a in actions if a.get("salesforce")}
        ia_keys = {a["intacct"] for a in actions if a.get("intacct")}
        with eng.store.read() as r:
            by_sf = r.links.many_by_sf_id(kind.entity, sorted(sf_keys))
            by_ia = r.links.many_by_ia_key(kind.entity, sorted(ia_keys))
        sf_keys |= {lk.sf_id for lk in by_ia.values()}
        ia_keys |= {lk.ia_key for lk in by_sf.values()}
        sf_recs = {r.key: r for r in kind.sf_by_ids(eng.sf, sorted(sf_keys))}
        ia_recs = {r.key: r for r in kind.ia_by_ids(eng.ia, sorted(ia_keys))}
        pairs: list[Pair] = []
        new_links: list[tuple[dict[str, Any], Any, Any]] = []
        for a in actions:
            sf = sf_recs.get(a.get("salesforce") or "")
            ia = ia_recs.get(a.get("intacct") or "")
            if a["action"] in ("link", "review"):
                if sf is None or ia is None or sf.deleted:
                    self.problem(a, "a record of the pair no longer exists; plan again")
                    continue
                link = by_sf.get(sf.key) or by_ia.get(ia.key)
                if link is not None and (link.sf_id, link.ia_key) != (sf.key, ia.key):
                    self.problem(a, f"already linked: {link.sf_id} <-> {link.ia_key}; plan again")
                    continue
                if link is None:
                    new_links.append((a, sf, ia))
                    continue
                pairs.append(self._pair(kind, a, sf, ia, link))
            elif a["target"] == "intacct":
                if sf is None or sf.deleted:
                    self.problem(a, "the Salesforce record no longer exists")
                    continue
                link = by_sf.get(sf.key)
                ia_now = ia_recs.get(link.ia_key) if link else None
                pairs.append(Pair(sf=sf, ia=ia_now, link=link, streams={_stream(kind)}))
            else:
                if ia is None:
                    self.problem(a, "the Intacct record no longer exists")
                    continue
                link = by_ia.get(ia.key)
                sf_now = sf_recs.get(link.sf_id) if link else None
                pairs.append(Pair(sf=sf_now, ia=ia, link=link, streams={_stream(kind)}))
        if new_links:
            with eng.store.write() as tx:
                for a, sf, ia in new_links:
                    try:
                        link = tx.links.create(kind.entity, sf.key, ia.key, ia_record_no=ia.record_no or None)
                    except DuplicateError:
                        self.problem(a, "one of the records was linked meanwhile; plan again")
                        continue
                    tx.audit.add(kind.name, "link", link_id=link.id, record_key=ia.key, reason="baseline plan")
                    pairs.append(self._pair(kind, a, sf, ia, link))
        return pairs

    @staticmethod
    def _pair(kind: EntityKind, a: dict[str, Any], sf: Any, ia: Any, link: Link) -> Pair:
        pair = Pair(sf=sf, ia=ia, link=link, streams={_stream(kind)})
        if not link.sf_base and not link.ia_base:  # not merged yet: the plan's (edited) winners apply
            pair.resolutions = {name: c["value"] for name, c in (a.get("fields") or {}).items()}
        return pair

    # ------------------------------------------------------------- opportunities
    def load_pricebooks(self, run: RunContext, actions: list[dict[str, Any]]) -> None:
        """Accepted price book links and creates, with the live sync's writers (after products:
        entries are placed through their products' links)."""
        run.stop_if_asked()
        mine = [a for a in actions if a["action"] in ("link", "create", "review") and a.get("status") != "existing"]
        self.step("pricebook", 0, len(mine))
        if mine:
            sf_keys = {a["salesforce"] for a in mine if a.get("salesforce")}
            ia_keys = {a["intacct"] for a in mine if a.get("intacct")}
            PriceBookSync(run).load(sf_keys, ia_keys)
        self.step("pricebook", len(mine), len(mine))

    def mark_historical(self, run: RunContext, actions: list[dict[str, Any]]) -> None:
        """Intacct_Sync_Status__c = Historical (and the sales order where linked), where it differs."""
        if not actions:
            return
        run.stop_if_asked()
        self.step("opportunity", 0, len(actions))
        eng = run
        ids = [a["salesforce"] for a in actions if _SF_ID.fullmatch(a["salesforce"])]
        current: dict[str, dict[str, Any]] = {}
        with eng.sf.errors():
            for start in range(0, len(ids), _ID_CHUNK):
                chunk = ", ".join(f"'{i}'" for i in ids[start : start + _ID_CHUNK])
                soql = f"SELECT Id, {OPP_STATUS}, {OPP_ORDER} FROM Opportunity WHERE Id IN ({chunk})"
                current.update({str(r["Id"]): r for r in eng.sf.client.query_all(soql)})
        updates, done = [], {}
        for a in actions:
            row = current.get(a["salesforce"])
            if row is None:
                self.problem(a, "the opportunity no longer exists")
                continue
            want = {OPP_STATUS: HISTORICAL}
            if a.get("intacct"):
                want[OPP_ORDER] = a["intacct"]
            done[a["salesforce"]] = a.get("intacct") or ""
            diff = {k: v for k, v in want.items() if (row.get(k) or "") != v}
            if diff:
                updates.append((a, {"Id": a["salesforce"], **diff}))
        tally = run.tally(BASELINE_OPPORTUNITIES)
        tally.read += len(actions)
        if updates:
            with eng.sf.errors():
                results = eng.sf.client.update_many("Opportunity", [u for _, u in updates])
            for (a, _), res in zip(updates, results, strict=True):
                if res.success:
                    tally.writes_salesforce += 1
                    tally.applied += 1
                else:
                    tally.errors += 1
                    done.pop(a["salesforce"], None)
                    self.problem(a, "; ".join(str(e) for e in res.errors) or "refused")
        self.historical = len(done)
        with eng.store.write() as tx:
            tx.meta.set(HISTORICAL_META, {**(tx.meta.get(HISTORICAL_META) or {}), **done})
        self.step("opportunity", len(actions), len(actions))

    def load_receivables(self, run: RunContext) -> None:
        """Existing invoices and payments onto their Accounts, as the live sync would write them.

        Why here: the links exist now, so every invoice finds its Account (and its Opportunity
        through the sales order); the first live sync then re-reads them and finds nothing to write.
        """
        run.stop_if_asked()
        with run.store.read() as r:
            if not r.links.count("customer"):  # nothing accepted yet: no Account to put them on
                return
        invoices, payments = IntacctOrders(run.ia).all_receivables()
        ReceivablesSync(run).apply(invoices, payments)


def _written(creates: dict[str, int], summary: RunSummary) -> dict[str, int]:
    """Records written, as ``"entity system operation": n``: creates from the engine's events, and
    every other write of the object's stream (a cross-reference alone included) as an update;
    invoices and payments (the receivables load) under ``"receivables salesforce write"``."""
    out = {k: n for k, n in creates.items() if k.endswith(" create")}
    for s in summary.streams:
        for system, writes in (("salesforce", s.writes_salesforce), ("intacct", s.writes_intacct)):
            if not writes:
                continue
            if s.stream.startswith("baseline."):
                entity = s.stream.removeprefix("baseline.")
                updates = writes - out.get(f"{entity} {system} create", 0)
                if updates > 0:
                    out[f"{entity} {system} update"] = updates
            else:
                what = "pricebook" if s.stream in PRICE_STREAMS else "receivables"
                key = f"{what} {system} write"
                out[key] = out.get(key, 0) + writes
    return out


NOT_APPLIED_SHOWN = 20


def _not_applied(actions: list[dict[str, Any]], accept_suggested: bool) -> list[dict[str, Any]]:
    """The first actions the load left alone, so a report can name them (the rest are counted)."""
    out = []
    for a in actions:
        if is_applied(a, accept_suggested):
            continue
        out.append({k: a.get(k) for k in ("id", "entity", "action", "name", "status")})
        if len(out) >= NOT_APPLIED_SHOWN:
            break
    return out


def apply_plan(
    engine: SyncEngine,
    doc: dict[str, Any],
    *,
    accept_suggested: bool = False,
    plan_path: str = "",
    progress: LoadProgress = _quiet,
) -> dict[str, Any]:
    """Apply a validated plan; returns the report (``status`` ok | interrupted | failed).

    ``progress(object, done, total)`` after every batch (customer, product, opportunity): the
    records of that object processed so far of those accepted. The report's ``progress`` holds the
    last of each and ``applied`` the records written, as ``"entity system operation": count``."""
    chosen = [a for a in doc["actions"] if is_applied(a, accept_suggested)]
    loader = _Loader(engine, doc, chosen, plan_path, progress)
    summary: RunSummary = engine.run_custom("baseline", loader.body)
    with engine.store.read() as r:
        links = {kind.name: len(r.links.list(kind.entity)) for kind in KINDS}
        left = r.meta.get(LEFT_OUT_META) or {}
        cutover = r.meta.get(CUTOVER_META)
    data = summary.as_dict()
    return {
        "plan": plan_path,
        "status": summary.status,
        "run_id": summary.run_id,
        "accepted_actions": len(chosen),
        "not_applied": len(doc["actions"]) - len(chosen),
        "not_applied_first": _not_applied(doc["actions"], accept_suggested),
        "links": links,
        "held_out": {e: {s: len(v) for s, v in sides.items()} for e, sides in left.items()},
        "historical_marked": loader.historical,
        "cutover_date": cutover if summary.status == "ok" else None,
        "streams": data["streams"],
        "writes": data["writes"],
        "api_calls": data["api_calls"],
        "problems": loader.problems,
        "progress": loader.done,
        "applied": _written(loader.applied, summary),
        "error": data.get("error"),
    }


__all__ = ["APPLIED_META", "CUTOVER_META", "HISTORICAL_META", "LEFT_OUT_META", "apply_plan", "held_out"]
