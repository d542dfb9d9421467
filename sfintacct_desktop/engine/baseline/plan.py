"""The baseline plan: one proposed action per record, with the dry-run diff of every write.

Actions (``entity`` customer | product | opportunity):

* ``link``      a Salesforce record and an Intacct record are the same (``status`` auto, or
                ``existing`` for a link already in the state store); ``fields`` lists the values
                that differ with the proposed winner, ``writes`` what the load would write.
* ``create``    a record of one side only: created on ``target`` (the other side). When the other
                side has a record sharing its key, phone or company domain that was not proposed
                as a pair (another record claimed it, or other identifiers contradict it), the
                create names it as ``partner`` (its key, name, evidence and why it was not
                proposed); ``counts.<entity>.creates_with_partner`` counts those creates.
* ``leave_out`` a duplicate of another record of its side, or inactive, with its ``reason``; also
                a record an earlier baseline left out (it stays out until a person says otherwise).
* ``review``    a possible pair a person must confirm (``accepted: true`` then links them).
* ``historical`` a Closed Won opportunity before the cut-over date, with the Intacct sales order
                it clearly matches (``intacct``) or none.

Winner rule for a field that differs on a new link: the mapping's owner; for ``both`` the
Salesforce value, unless it is empty (then the Intacct value), because the CRM is where people
keep contact data current. The rule is written into the plan (``rules``) and every field choice
can be edited (``winner``: salesforce | intacct | value, and ``value``).

Pure: build_plan reads only its arguments. Nothing here writes anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ...domain import Customer, Link, Opportunity, Product, SalesOrder
from ..entities import CUSTOMERS, PRODUCTS, EntityKind
from ..mapping import EntityMapping, Mapping, Owner
from ..merge import merge
from .extract import Extract
from .match import AUTO, MatchConfig, MatchResult, match_customers, match_products
from .pricebooks import LINK_RULE, plan_pricebooks

PLAN_FORMAT = "sfintacct-baseline-plan"
PLAN_VERSION = 1
HISTORICAL = "Historical"
ORDER_WINDOW_DAYS = 7
XREF = {
    "customer": ("Intacct_Customer_ID__c", "SFDC_ACCOUNT_ID"),
    "product": ("Intacct_Item_ID__c", "SFDC_PRODUCT_ID"),
}
OPP_STATUS, OPP_ORDER = "Intacct_Sync_Status__c", "Intacct_Sales_Order_ID__c"
WINNER_RULE = (
    "a field that differs takes the value of its owner in the mapping; a field owned by both takes "
    "the Salesforce value unless it is empty, then the Intacct value"
)
HISTORICAL_RULE = (
    "a Closed Won opportunity closed before the cut-over date is historical; it is linked to the "
    "Intacct sales order of the same customer (through the proposed link), the same total and an "
    "order date within {days} days of the close date, when exactly one such order exists"
)

Record = Customer | Product
_SIDES = ("salesforce", "intacct")


def jsonable(value: Any) -> Any:
    """Canonical values as JSON (Decimal -> str, tuples -> lists, dates -> ISO)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [jsonable(v) for v in value]
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == () or value == []


def field_choices(
    emap: EntityMapping,
    sf: Record,
    ia: Record,
    sf_vals: dict[str, Any] | None = None,
    ia_vals: dict[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """Every mapped field whose values differ, with the proposed winner and value.

    ``sf_vals`` / ``ia_vals``: the records' ``emap.extract`` when the caller has it already."""
    sf_vals = emap.extract(sf) if sf_vals is None else sf_vals
    ia_vals = emap.extract(ia) if ia_vals is None else ia_vals
    out: dict[str, dict[str, Any]] = {}
    for spec in emap.fields:
        a, b = sf_vals.get(spec.name), ia_vals.get(spec.name)
        if a == b or spec.transform.equal(a, b):  # canonical values: equal ones need no second parse
            continue
        if spec.owner is Owner.SALESFORCE:
            winner, why = "salesforce", "Salesforce owns the field"
        elif spec.owner is Owner.INTACCT:
            winner, why = "intacct", "Intacct owns the field"
        elif _empty(a):
            winner, why = "intacct", "owned by both; the Salesforce value is empty"
        else:
            winner, why = "salesforce", "owned by both; the Salesforce value is proposed"
        out[spec.name] = {
            "salesforce": jsonable(a),
            "intacct": jsonable(b),
            "owner": spec.owner.value,
            "winner": winner,
            "value": jsonable(a if winner == "salesforce" else b),
            "reason": why,
        }
    return out


def link_writes(
    kind: EntityKind,
    emap: EntityMapping,
    sf: Record,
    ia: Record,
    fields: dict[str, Any],
    sf_vals: dict[str, Any] | None = None,
    ia_vals: dict[str, Any] | None = None,
) -> list[dict]:
    """The dry-run diff of linking two records: merged fields plus both cross-references.

    ``fields`` are :func:`field_choices` of the pair: with none (every field agrees) a new link's
    merge writes no field, so only the cross-references are left to write."""
    sf_vals = emap.extract(sf) if sf_vals is None else sf_vals
    ia_vals = emap.extract(ia) if ia_vals is None else ia_vals
    write_sf: Any = {}
    write_ia: Any = {}
    if all(c["winner"] in _SIDES and c["value"] == c[c["winner"]] for c in fields.values()):
        # A new link's merge, resolved by field_choices' own winners, writes each differing field's
        # winning value (canonical, as the merge puts it) to the other side and nothing else: the
        # winner's side already holds it. Said directly: running the merge re-canonicalises every
        # field of every pair (phones: a parse each), which dominated the plan at 50,000 pairs.
        for name, c in fields.items():
            value = emap.field(name).transform.canonical(c["value"])
            (write_ia if c["winner"] == "salesforce" else write_sf)[name] = value
    else:
        resolutions = {name: c["value"] for name, c in fields.items()}
        plan = merge(emap, None, None, sf_vals, ia_vals, resolutions=resolutions)
        write_sf, write_ia = plan.write_salesforce, plan.write_intacct
    sf_field, ia_field = XREF[kind.name]
    writes: list[dict[str, Any]] = []
    sf_after = {n: jsonable(v) for n, v in write_sf.items()}
    sf_before = {n: jsonable(sf_vals.get(n)) for n in sf_after}
    if sf.cross_ref != ia.key:
        sf_before[sf_field], sf_after[sf_field] = sf.cross_ref, ia.key
    if sf_after:
        writes.append(_write("salesforce", "update", sf.key, sf_before, sf_after))
    ia_after = {n: jsonable(v) for n, v in write_ia.items()}
    ia_before = {n: jsonable(ia_vals.get(n)) for n in ia_after}
    if ia.cross_ref != sf.key:
        ia_before[ia_field], ia_after[ia_field] = ia.cross_ref, sf.key
    if ia_after:
        writes.append(_write("intacct", "update", ia.key, ia_before, ia_after))
    return writes


def _write(system: str, operation: str, key: str | None, before: dict | None, after: dict) -> dict[str, Any]:
    return {"system": system, "operation": operation, "key": key, "before": before, "after": after}


class _EntityPlanner:
    """Plans one entity (customers or products)."""

    def __init__(
        self,
        kind: EntityKind,
        emap: EntityMapping,
        sf: Sequence[Record],
        ia: Sequence[Record],
        links: Iterable[Link],
        left_out: dict[str, dict[str, str]],
        sf_deleted: Sequence[str] = (),
    ) -> None:
        self.kind, self.emap = kind, emap
        self.sf = {r.key: r for r in sf}
        self.ia = {r.key: r for r in ia}
        self.links = [lk for lk in links if lk.sf_deleted_at is None and lk.ia_deleted_at is None]
        self.left_out = left_out  # {"salesforce": {key: reason}, "intacct": {...}} from earlier baselines
        self.actions: list[dict[str, Any]] = []
        self.sf_deleted = sf_deleted
        self.proposed_ia: dict[str, str] = {}  # sf key -> ia key of every link (existing or proposed)
        self.key_seq = 1
        # Intacct refuses a second customer whose contact (its NAME) exists: BL34000061.
        self.ia_names = {r.name.strip().casefold(): r.key for r in ia} if kind is CUSTOMERS else {}

    def _action(self, action: str, **extra: Any) -> dict[str, Any]:
        row = {"entity": self.kind.name, "action": action, "accepted": False, **extra}
        self.actions.append(row)
        return row

    def existing(self) -> tuple[list[Record], list[Record]]:
        """Links already in the store: no new proposal. Returns the unlinked records."""
        linked_sf, linked_ia = set(), set()
        for lk in self.links:
            linked_sf.add(lk.sf_id)
            linked_ia.add(lk.ia_key)
            self.proposed_ia[lk.sf_id] = lk.ia_key
            sf, ia = self.sf.get(lk.sf_id), self.ia.get(lk.ia_key)
            self._action(
                "link",
                salesforce=lk.sf_id,
                intacct=lk.ia_key,
                name=(sf or ia).name if (sf or ia) else "",
                status="existing",
                accepted=True,
                fields={},
                writes=[],
            )
        for key in self.sf_deleted:  # the recycle bin: the live sync must not bring them across
            if key not in linked_sf:
                reason = "deleted in Salesforce (recycle bin)"
                self._action("leave_out", system="salesforce", key=key, name="", reason=reason, writes=[])
        free_sf, free_ia = [], []
        for side, records, linked, out in (
            ("salesforce", self.sf, linked_sf, free_sf),
            ("intacct", self.ia, linked_ia, free_ia),
        ):
            earlier = self.left_out.get(side, {})
            for key, rec in records.items():
                if key in linked:
                    continue
                if key in earlier:
                    self._leave_out(side, rec, f"left out by an earlier baseline: {earlier[key]}", earlier=True)
                    continue
                out.append(rec)
        return free_sf, free_ia

    def _leave_out(self, side: str, rec: Record, reason: str, *, earlier: bool = False) -> None:
        self._action("leave_out", system=side, key=rec.key, name=rec.name, reason=reason, earlier=earlier, writes=[])

    def pairs(self, result: MatchResult) -> None:
        for p in result.pairs:
            sf, ia = self.sf[p.salesforce], self.ia[p.intacct]
            sf_vals, ia_vals = self.emap.extract(sf), self.emap.extract(ia)  # once per pair, not per use
            fields = field_choices(self.emap, sf, ia, sf_vals, ia_vals)
            common = {
                "salesforce": p.salesforce,
                "intacct": p.intacct,
                "name": sf.name,
                "intacct_name": ia.name,
                "score": round(p.score, 4),
                "method": p.method,
                "reasons": jsonable(p.reasons),
                "fields": fields,
                "writes": link_writes(self.kind, self.emap, sf, ia, fields, sf_vals, ia_vals),
            }
            if p.status == AUTO:
                self.proposed_ia[p.salesforce] = p.intacct
                self._action("link", status="auto", **common)
            else:
                self._action("review", status="review", **common)

    def unmatched(self, result: MatchResult, taken_ia: set[str]) -> None:
        in_pair = {"salesforce": {p.salesforce for p in result.pairs}, "intacct": {p.intacct for p in result.pairs}}
        for side, keys, records in (
            ("salesforce", result.unmatched_salesforce, self.sf),
            ("intacct", result.unmatched_intacct, self.ia),
        ):
            survivor_of: dict[str, str] = {}
            for g in result.duplicates[side]:
                chosen = next((k for k in g.keys if k in in_pair[side]), g.keys[0])
                for k in g.keys:
                    if k != chosen:
                        survivor_of[k] = chosen
            partners = result.partners.get(side, {})
            for key in keys:
                rec = records[key]
                if key in survivor_of:
                    self._leave_out(side, rec, f"duplicate of {survivor_of[key]} ({records[survivor_of[key]].name})")
                elif not rec.active:
                    self._leave_out(side, rec, "inactive")
                else:
                    partner = partners[key].as_json() if key in partners else None
                    if side == "salesforce":
                        self._create_in_intacct(rec, taken_ia, partner)
                    else:
                        self._create_in_salesforce(rec, partner)

    def _create_in_intacct(self, rec: Record, taken: set[str], partner: dict[str, Any] | None = None) -> None:
        choice = self.kind.choose_key(rec, self.emap, taken.__contains__, self.key_seq)
        taken.add(choice.value)
        if choice.seq:
            self.key_seq = choice.seq + 1
        values = {n: jsonable(v) for n, v in self.emap.extract(rec).items()}
        sf_field, ia_field = XREF[self.kind.name]
        extra: dict[str, Any] = {"status": "suggested"}
        clash = self.ia_names.get(rec.name.strip().casefold())
        if clash is not None:
            extra = {
                "status": "review",
                "reason": f"Intacct already has a customer contact named {rec.name!r} ({clash}); Intacct refuses "
                "a second one: rename one of them, then plan again or accept this create",
            }
        elif self.ia_names:
            self.ia_names[rec.name.strip().casefold()] = f"the new customer {choice.value}"
        if partner:
            extra["partner"] = partner
        self._action(
            "create",
            target="intacct",
            salesforce=rec.key,
            name=rec.name,
            proposed_key=choice.value,
            **extra,
            writes=[
                _write("intacct", "create", choice.value, None, {**values, ia_field: rec.key}),
                _write("salesforce", "update", rec.key, {sf_field: rec.cross_ref}, {sf_field: choice.value}),
            ],
        )

    def _create_in_salesforce(self, rec: Record, partner: dict[str, Any] | None = None) -> None:
        values = {n: jsonable(v) for n, v in self.emap.extract(rec).items()}
        sf_field, ia_field = XREF[self.kind.name]
        self._action(
            "create",
            target="salesforce",
            status="suggested",
            intacct=rec.key,
            name=rec.name,
            **({"partner": partner} if partner else {}),
            writes=[
                _write("salesforce", "create", None, None, {**values, sf_field: rec.key}),
                _write("intacct", "update", rec.key, {ia_field: rec.cross_ref}, {ia_field: "(the new record's Id)"}),
            ],
        )


def plan_historical(
    opportunities: Sequence[Opportunity],
    orders: Sequence[SalesOrder],
    customer_of_account: dict[str, str],
    cutover: date,
    window_days: int = ORDER_WINDOW_DAYS,
) -> list[dict[str, Any]]:
    """One ``historical`` action per Closed Won opportunity before the cut-over."""
    by_doc = {o.doc_id: o for o in orders}
    old = [o for o in opportunities if o.is_won and o.close_date < cutover]
    claimed = {o.sales_order_id for o in old if o.sales_order_id in by_doc}
    claimed |= {o.doc_id for o in orders if o.reference_no}
    by_customer: dict[str, list[SalesOrder]] = {}
    for so in orders:
        by_customer.setdefault(so.customer_id, []).append(so)
    by_reference = {so.reference_no: so.doc_id for so in orders if so.reference_no}
    candidates: dict[str, list[str]] = {}
    for opp in old:
        cust = customer_of_account.get(opp.account_id, "")
        if opp.sales_order_id in by_doc or not cust or opp.amount is None:
            continue
        candidates[opp.id] = [
            so.doc_id
            for so in by_customer.get(cust, [])
            if so.doc_id not in claimed
            and so.total is not None
            and so.total == opp.amount
            and abs((so.order_date - opp.close_date).days) <= window_days
        ]
    wanted: dict[str, int] = {}
    for docs in candidates.values():
        for d in docs:
            wanted[d] = wanted.get(d, 0) + 1
    actions = []
    for opp in old:
        doc, reason = "", ""
        ref = by_reference.get(opp.id, "")
        if opp.sales_order_id in by_doc:
            doc, reason = opp.sales_order_id, "already linked to its sales order"
        elif ref:
            doc, reason = ref, "the sales order names this opportunity in its reference"
        else:
            docs = candidates.get(opp.id, [])
            if len(docs) == 1 and wanted[docs[0]] == 1:
                doc, reason = docs[0], "same customer, same total, order date near the close date"
            elif docs:
                reason = f"{len(docs)} sales orders could match: none proposed ({', '.join(sorted(docs))})"
            else:
                reason = "no matching sales order in Intacct"
        after: dict[str, Any] = {}
        before: dict[str, Any] = {}
        if opp.sync_status != HISTORICAL:
            before[OPP_STATUS], after[OPP_STATUS] = opp.sync_status, HISTORICAL
        if doc and opp.sales_order_id != doc:
            before[OPP_ORDER], after[OPP_ORDER] = opp.sales_order_id, doc
        actions.append(
            {
                "entity": "opportunity",
                "action": "historical",
                "accepted": False,
                "salesforce": opp.id,
                "name": opp.name,
                "close_date": opp.close_date.isoformat(),
                "amount": jsonable(opp.amount),
                "intacct": doc or None,
                "reason": reason,
                "status": "existing" if not after else ("linked" if doc else "unlinked"),
                "writes": [_write("salesforce", "update", opp.id, before, after)] if after else [],
            }
        )
    return actions


def build_plan(
    ex: Extract,
    links: dict[str, list[Link]],
    mapping: Mapping,
    *,
    profile: str,
    cutover: date,
    config: MatchConfig | None = None,
    left_out: dict[str, dict[str, dict[str, str]]] | None = None,
    window_days: int = ORDER_WINDOW_DAYS,
    created_at: datetime | None = None,
) -> dict[str, Any]:
    """The plan document (JSON-ready) for the extracted records and the store's links."""
    config = config or MatchConfig()
    left_out = left_out or {}
    actions: list[dict[str, Any]] = []
    taken_ia = {r.key for r in ex.ia_customers}
    customer_of_account: dict[str, str] = {}
    item_of_product: dict[str, str] = {}
    for kind, sf, ia, deleted, match in (
        (CUSTOMERS, ex.sf_customers, ex.ia_customers, ex.sf_deleted_customers, match_customers),
        (PRODUCTS, ex.sf_products, ex.ia_products, ex.sf_deleted_products, match_products),
    ):
        planner = _EntityPlanner(
            kind, mapping.entity(kind.name), sf, ia, links.get(kind.name, []), left_out.get(kind.name, {}), deleted
        )
        free_sf, free_ia = planner.existing()
        result = match(free_sf, free_ia, config)  # type: ignore[arg-type]
        planner.pairs(result)
        planner.unmatched(result, taken_ia if kind is CUSTOMERS else {r.key for r in ia})
        actions += planner.actions
        if kind is CUSTOMERS:
            customer_of_account = planner.proposed_ia
        else:
            item_of_product = {**{lk.sf_id: lk.ia_key for lk in links.get("product", [])}, **planner.proposed_ia}
    actions += plan_pricebooks(
        mapping,
        ex.sf_pricebooks,
        ex.sf_price_entries,
        ex.ia_price_lists,
        ex.ia_price_entries,
        links.get("pricebook", []),
        item_of_product,
        left_out.get("pricebook", {}),
    )
    actions += plan_historical(ex.opportunities, ex.sales_orders, customer_of_account, cutover, window_days)
    for n, a in enumerate(actions, 1):
        a["id"] = n
    doc = {
        "format": PLAN_FORMAT,
        "version": PLAN_VERSION,
        "profile": profile,
        "created_at": (created_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        "cutover_date": cutover.isoformat(),
        "config": {**vars(config), "order_window_days": window_days},
        "rules": {
            "winner": WINNER_RULE,
            "historical": HISTORICAL_RULE.format(days=window_days),
            "pricebook": LINK_RULE.format(owner=mapping.pricebook.price.value),
        },
        "read": ex.counts(),
        "actions": actions,
    }
    doc["counts"] = plan_counts(actions)
    return doc


def plan_counts(actions: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Per entity: links (auto / review / existing), creates per side (and how many of them have a
    plausible partner on the other side), left out, historical; writes."""
    counts: dict[str, Any] = {}
    for entity in ("customer", "product", "pricebook"):
        mine = [a for a in actions if a["entity"] == entity]
        counts[entity] = {
            "links_auto": sum(1 for a in mine if a["action"] == "link" and a.get("status") == "auto"),
            "links_review": sum(1 for a in mine if a["action"] == "review"),
            "already_linked": sum(1 for a in mine if a["action"] == "link" and a.get("status") == "existing"),
            "create_in_intacct": sum(1 for a in mine if a["action"] == "create" and a["target"] == "intacct"),
            "create_in_salesforce": sum(1 for a in mine if a["action"] == "create" and a["target"] == "salesforce"),
            "creates_review": sum(1 for a in mine if a["action"] == "create" and a.get("status") == "review"),
            "creates_with_partner": sum(1 for a in mine if a["action"] == "create" and a.get("partner")),
            "left_out": sum(1 for a in mine if a["action"] == "leave_out"),
        }
    hist = [a for a in actions if a["action"] == "historical"]
    counts["historical"] = {
        "opportunities": len(hist),
        "linked_to_orders": sum(1 for a in hist if a.get("intacct")),
        "already_done": sum(1 for a in hist if a.get("status") == "existing"),
    }
    writes = [w for a in actions for w in a.get("writes") or []]
    counts["writes"] = {
        "salesforce": sum(1 for w in writes if w["system"] == "salesforce"),
        "intacct": sum(1 for w in writes if w["system"] == "intacct"),
    }
    counts["new_proposals"] = sum(1 for a in actions if a.get("writes") or a["action"] == "review")
    return counts
