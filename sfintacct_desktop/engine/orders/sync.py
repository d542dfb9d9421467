"""Closed Won opportunities -> exactly one Intacct sales order each.

Why this order of steps: an intent keyed ``SFOPP-<Opportunity Id>`` is committed (PLANNED, then SENT)
before ``create_sotransaction`` leaves; the function controlid is that key, sent with
``uniqueid=true``, and PONUMBER carries the Opportunity Id. Any answer that does not say what
happened (5xx, 524, timeout, dropped connection, XL03000013 "already recorded", a crash) is settled
by looking the order up by PONUMBER before the same key is ever sent again (``order_recovery``).
Pre-checks run first so a doomed order never costs a create: customer and items linked (synced on
demand) and active, lines valid, the transaction definition present (asked once per run).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ...connectors.ia_orders import IntacctOrders, OrderRequest
from ...domain import Entity, ErrorInfo, ErrorKind, IntentState, Opportunity, System
from ..entities import CUSTOMERS, PRODUCTS, EntityKind
from ..pairing import pair_records
from ..pipeline import process
from ..run import RunContext
from ..streams import SF_OPPORTUNITIES
from .build import BlockedOrder, build_request
from .list_price import Departure, departures, list_prices, with_list_prices
from .send import ENTITY, KIND, intent_key, push_orders, request_payload

STREAM = SF_OPPORTUNITIES
BLOCKED_META = "orders_blocked"  # {opp id: {"reason", "keys", "fp"}}: retried when a key changes
FINANCE_OP = "finance_review"
PRICE_OP = "price_review"  # a line sent at a price far from its price list: a note for finance
HISTORICAL = "Historical"
HISTORICAL_META = "baseline_historical"  # baseline load / first live sync: {opportunity id: DOCID or ""}
OP = "order"


def fingerprint(opp: Opportunity) -> str:
    """What an order is built from: a change here re-evaluates a blocked or refused order."""
    lines = [(ln.product_id, str(ln.quantity), str(ln.total_price)) for ln in opp.lines]
    raw = [opp.account_id, opp.is_won, opp.close_date.isoformat(), opp.name, lines]
    return hashlib.sha256(json.dumps(raw, default=str).encode()).hexdigest()[:16]


@dataclass
class _Batch:
    sf_updates: dict[str, dict[str, Any]] = field(default_factory=dict)


class OrderSync:
    """One run's order work (a cycle's, or a retry's)."""

    def __init__(self, run: RunContext) -> None:
        self.run_ctx = run
        self.store, self.sf = run.store, run.sf
        self.ia = IntacctOrders(run.ia)
        self.txtype = run.settings.order_transaction_type
        self.tally = run.tally(STREAM)
        self.historical: set[str] = set()
        self.line_price = run.settings.order_line_price
        self.alert_percent = run.settings.order_price_alert_percent
        self.prices: dict[str, Any] = {}  # PricebookEntry Id -> its linked price list's price

    # ---------------------------------------------------------------------- entry
    def run(self, opps: list[Opportunity], changed_keys: set[str]) -> None:
        with self.store.read() as r:
            blocked: dict[str, Any] = dict(r.meta.get(BLOCKED_META) or {})
            cutover_raw = r.meta.get("cutover_date")
            self.historical = set(r.meta.get(HISTORICAL_META) or {})
        cutover = date.fromisoformat(str(cutover_raw)[:10]) if cutover_raw else None
        seen = {o.id for o in opps}
        recheck = {i for i, b in blocked.items() if set(b.get("keys", [])) & changed_keys}
        if recheck - seen:  # blocked deals whose cause changed are re-read, even if they did not change
            opps = opps + self.sf.opportunities_by_ids(sorted(recheck - seen))
        batch = _Batch()
        todo: list[Opportunity] = []
        for opp in opps:
            if self._settled(opp, cutover, blocked, batch, forced=opp.id in recheck):
                continue
            todo.append(opp)
        if todo:
            self._prepare_and_push(todo, blocked, batch)
        self._write_back(batch)

    def _settled(
        self, opp: Opportunity, cutover: date | None, blocked: dict[str, Any], batch: _Batch, *, forced: bool
    ) -> bool:
        """True when nothing is to be sent for this opportunity (its status may still be written)."""
        with self.store.read() as r:
            intent = r.intents.get(intent_key(opp.id))
        won = opp.is_won and not opp.deleted
        if intent is not None and intent.state is IntentState.CONFIRMED:
            doc = str((intent.result or {}).get("doc_id") or "")
            if not won:
                self._flag_finance(opp, doc)
            elif opp.sales_order_id != doc or opp.sync_status != "Synced":
                batch.sf_updates[opp.id] = {"Intacct_Sales_Order_ID__c": doc, "Intacct_Sync_Status__c": "Synced"}
            return True
        if not won:
            if opp.id in blocked:
                self._unblock(opp.id)
            return True
        if intent is not None and intent.state in (IntentState.SENT, IntentState.UNKNOWN, IntentState.PLANNED):
            return False  # left by a crash before recovery ran: push_orders settles it by lookup
        # Historical: marked so, listed by the baseline or the cut-over snapshot, or closed before the cut-over day.
        if opp.sync_status == HISTORICAL or opp.id in self.historical or (cutover and opp.close_date < cutover):
            if opp.sync_status != HISTORICAL:
                batch.sf_updates[opp.id] = {"Intacct_Sync_Status__c": HISTORICAL}
            self.tally.skipped += 1
            return True
        fp = fingerprint(opp)
        if intent is not None and intent.state is IntentState.QUARANTINED and not forced:
            return intent.payload.get("fp") == fp  # refused by Intacct: again only once the deal changed
        entry = blocked.get(opp.id)
        status = f"Blocked: {entry.get('reason')}" if entry else None
        return bool(entry and not forced and entry.get("fp") == fp and opp.sync_status == status)

    # ----------------------------------------------------------------- pre-checks
    def _on_demand(self, kind: EntityKind, sf_ids: set[str]) -> None:
        """Sync unlinked Accounts / Products first, through the ordinary batch pipeline."""
        with self.store.read() as r:
            linked = r.links.many_by_sf_id(kind.entity, sorted(sf_ids))
        missing = sorted(i for i in sf_ids if i and i not in linked)
        if not missing:
            return
        records = kind.sf_by_ids(self.sf, missing)
        pairs = pair_records(self.run_ctx, kind, list(records), [], [])
        for p in pairs:
            p.streams = {f"order.{kind.name}"}
        process(self.run_ctx, kind, pairs)

    def _prepare_and_push(self, opps: list[Opportunity], blocked: dict[str, Any], batch: _Batch) -> None:
        self._on_demand(CUSTOMERS, {o.account_id for o in opps if o.account_id})
        self._on_demand(PRODUCTS, {ln.product_id for o in opps for ln in o.lines if ln.product_id})
        with self.store.read() as r:
            accounts = r.links.many_by_sf_id(Entity.CUSTOMER, [o.account_id for o in opps if o.account_id])
            products = r.links.many_by_sf_id(Entity.PRODUCT, [ln.product_id for o in opps for ln in o.lines])
        cust_ids = [link.ia_key for link in accounts.values()]
        item_ids = [link.ia_key for link in products.values()]
        asked = self.run_ctx.order_definition_ok is None
        checks = self.ia.prechecks(cust_ids, item_ids, self.txtype if asked else None)
        if asked:
            self.run_ctx.order_definition_ok = bool(checks.definition_active)
        self.prices = list_prices(self.store, opps)
        ready: list[tuple[Opportunity, OrderRequest]] = []
        for opp in opps:
            built = build_request(
                opp,
                accounts=accounts,
                products=products,
                checks=checks,
                definition_ok=bool(self.run_ctx.order_definition_ok),
                transaction_type=self.txtype,
                controlid=intent_key(opp.id),
            )
            if isinstance(built, BlockedOrder):
                self._block(opp, built, blocked, batch)
            elif self.line_price == "price_list":
                ready.append((opp, with_list_prices(built, opp, self.prices)))
            else:
                ready.append((opp, built))
        if ready:
            self._push(ready, batch, blocked)

    def _block(self, opp: Opportunity, why: BlockedOrder, blocked: dict[str, Any], batch: _Batch) -> None:
        status = f"Blocked: {why.reason}"[:255]
        if opp.sync_status != status:
            batch.sf_updates[opp.id] = {"Intacct_Sync_Status__c": status}
        error = ErrorInfo(
            ErrorKind.VALIDATION,
            "Sales order blocked",
            f"Opportunity {opp.name!r} cannot become a sales order: {why.reason}.",
            why.hint,
            System.INTACCT,
            "ORDER_BLOCKED",
            opp.id,
        )
        entry = {"reason": why.reason, "keys": sorted(why.keys), "fp": fingerprint(opp)}
        with self.store.write() as tx:
            if blocked.get(opp.id) != entry:
                tx.inbox.record(ENTITY, System.SALESFORCE, System.INTACCT, opp.id, OP, error, {"sf_id": opp.id})
            current = dict(tx.meta.get(BLOCKED_META) or {})
            current[opp.id] = entry
            tx.meta.set(BLOCKED_META, current)
        blocked[opp.id] = entry
        self.tally.errors += 1

    def _unblock(self, opp_id: str) -> None:
        with self.store.write() as tx:
            current = dict(tx.meta.get(BLOCKED_META) or {})
            if current.pop(opp_id, None) is not None:
                tx.meta.set(BLOCKED_META, current)
            tx.inbox.resolve_for(ENTITY, System.INTACCT, opp_id, OP)

    # ----------------------------------------------------------------------- push
    def _push(self, ready: list[tuple[Opportunity, OrderRequest]], batch: _Batch, blocked: dict[str, Any]) -> None:
        with self.store.write() as tx:
            for opp, req in ready:
                payload = {**request_payload(req), "opp_id": opp.id, "fp": fingerprint(opp)}
                intent = tx.intents.get(req.controlid)
                if intent is None:
                    tx.intents.plan(req.controlid, KIND, System.INTACCT, payload, run_id=self.run_ctx.run_id)
                elif intent.state is IntentState.QUARANTINED:
                    tx.intents.replan(req.controlid, payload)
        done = push_orders(self.store, self.ia, [req.controlid for _, req in ready], run_id=self.run_ctx.run_id)
        for opp, req in ready:
            outcome = done.get(req.controlid)
            if outcome is None:
                continue  # still unknown: the next run's recovery settles it before anything else
            if outcome.ok:
                self.tally.applied += 1
                self.tally.writes_intacct += 1 if outcome.sent else 0
                self._unblock(opp.id)
                if outcome.sent and self.line_price == "opportunity" and (self.alert_percent or 0) >= 0:
                    self._price_note(opp, outcome.doc_id, departures(opp, self.prices, self.alert_percent))
                batch.sf_updates[opp.id] = {
                    "Intacct_Sales_Order_ID__c": outcome.doc_id,
                    "Intacct_Sync_Status__c": "Synced",
                }
            else:  # refused by Intacct after the pre-checks passed: blocked until a cause changes
                keys = {opp.account_id, req.customer_id, *(ln.product_id for ln in opp.lines)}
                keys.update(line.itemid for line in req.lines)
                why = BlockedOrder(
                    f"Intacct refused it: {outcome.message}",
                    "Fix what Intacct names (e.g. reactivate the item or customer) or edit the deal; "
                    "the order is then sent again automatically.",
                    {k for k in keys if k},
                )
                self._block(opp, why, blocked, batch)

    # --------------------------------------------------------------- write-backs
    def _flag_finance(self, opp: Opportunity, doc_id: str) -> None:
        """A deal reopened or lost after its order exists: Intacct is left alone, finance is told."""
        with self.store.read() as r:
            if r.inbox.find_open(ENTITY, System.INTACCT, opp.id, FINANCE_OP) is not None:
                return
        stage = "deleted" if opp.deleted else opp.stage
        error = ErrorInfo(
            ErrorKind.VALIDATION,
            "Ordered opportunity left Closed Won",
            f"Opportunity {opp.name!r} is now {stage!r}, but sales order {doc_id} exists in Intacct. "
            "Nothing was changed in Intacct.",
            "Finance: cancel or adjust the sales order in Intacct if the deal is really off.",
            System.INTACCT,
            "ORDER_REOPENED",
            opp.id,
        )
        with self.store.write() as tx:
            tx.inbox.record(ENTITY, System.SALESFORCE, System.INTACCT, opp.id, FINANCE_OP, error, {"doc_id": doc_id})
        self.tally.skipped += 1

    def _price_note(self, opp: Opportunity, doc_id: str, found: list[Departure]) -> None:
        """Lines sent at a price departing from their price list by more than the alert: finance is told."""
        if not found:
            return
        lines = "; ".join(
            f"line {d.line} ({d.product_code or 'product'}) at {d.negotiated} against {d.listed} ({d.percent:+}%)"
            for d in found
        )
        error = ErrorInfo(
            ErrorKind.VALIDATION,
            "Order priced off its price list",
            f"Sales order {doc_id} for opportunity {opp.name!r} carries the negotiated prices: {lines}.",
            f"Finance: check the discount (the alert is above {self.alert_percent:g}% from the price list); "
            "adjust the sales order in Intacct if it was not approved.",
            System.INTACCT,
            "PRICE_DEPARTURE",
            opp.id,
        )
        payload = {
            "doc_id": doc_id,
            "lines": [[d.line, d.product_code, str(d.negotiated), str(d.listed), str(d.percent)] for d in found],
        }
        with self.store.write() as tx:
            tx.inbox.record(ENTITY, System.SALESFORCE, System.INTACCT, opp.id, PRICE_OP, error, payload)

    def _write_back(self, batch: _Batch) -> None:
        if not batch.sf_updates:
            return
        bodies = [{"Id": i, **f} for i, f in sorted(batch.sf_updates.items())]
        results = self.sf.update_opportunities(bodies)
        with self.store.write() as tx:
            for body, res in zip(bodies, results, strict=True):
                if res.ok:
                    self.tally.writes_salesforce += 1
                    tx.audit.add(
                        ENTITY,
                        "update",
                        target=System.SALESFORCE,
                        record_key=body["Id"],
                        run_id=self.run_ctx.run_id,
                        after=body,
                    )
                elif res.error is not None:
                    self.tally.errors += 1
                    tx.inbox.record(ENTITY, System.INTACCT, System.SALESFORCE, body["Id"], "status", res.error)
