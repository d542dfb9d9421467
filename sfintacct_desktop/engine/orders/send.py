"""Sending orders and settling every ambiguous outcome: look up by PONUMBER, then (only then) resend.

Why one function for both the cycle and start-up recovery: the rule is the same. An intent that is
SENT or UNKNOWN may have been applied, so it is looked up by its Opportunity Id (PONUMBER) first;
found -> CONFIRMED with its DOCID; not found -> sent again with the SAME controlid under
``uniqueid``, so Intacct itself refuses a second apply (XL03000013, which also means "look it up").
The request is kept in the intent's payload, so recovery never needs Salesforce to resend.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from ...connectors import IntacctConnector, SalesforceConnector
from ...connectors.ia_orders import IntacctOrders, OrderRequest
from ...domain import ErrorInfo, ErrorKind, IntentState, SyncError, System
from ...store import StateStore
from ...wire.intacct.functions import SoLine

KIND = "sales_order"
ENTITY = "order"
MAX_SENDS = 2  # per call of push_orders; what is still unknown after that waits for the next run


def intent_key(opportunity_id: str) -> str:
    """The idempotency key of an Opportunity's order: also the function controlid."""
    return f"SFOPP-{opportunity_id}"


def request_payload(req: OrderRequest) -> dict[str, Any]:
    return {
        "transaction_type": req.transaction_type,
        "order_date": req.order_date.isoformat(),
        "customer_id": req.customer_id,
        "reference_no": req.reference_no,
        "memo": req.memo,
        "lines": [[ln.itemid, ln.quantity, ln.price] for ln in req.lines],
    }


def request_from_payload(key: str, p: dict[str, Any]) -> OrderRequest:
    return OrderRequest(
        controlid=key,
        transaction_type=str(p["transaction_type"]),
        order_date=date.fromisoformat(str(p["order_date"])),
        customer_id=str(p["customer_id"]),
        reference_no=str(p["reference_no"]),
        memo=str(p.get("memo") or ""),
        lines=tuple(
            SoLine(itemid=str(i), quantity=str(q), price=None if pr is None else str(pr)) for i, q, pr in p["lines"]
        ),
    )


@dataclass(frozen=True)
class Settled:
    ok: bool
    doc_id: str = ""
    message: str = ""
    sent: bool = False  # this call created it (False: found by lookup)


def _lookup(
    store: StateStore, ia: IntacctOrders, keys: list[str], out: dict[str, Settled], sent: set[str]
) -> list[str]:
    """Confirm the intents whose order exists; return the keys still without an order."""
    with store.read() as r:
        intents = {k: r.intents.get(k) for k in keys}
    by_type: dict[str, list[str]] = {}
    for k, it in intents.items():
        assert it is not None
        by_type.setdefault(str(it.payload["transaction_type"]), []).append(k)
    missing: list[str] = []
    for txtype, group in by_type.items():
        opp_of = {k: str(intents[k].payload["reference_no"]) for k in group}  # type: ignore[union-attr]
        found = ia.find_orders(list(opp_of.values()), txtype)
        with store.write() as tx:
            for k in group:
                order = found.get(opp_of[k])
                intent = tx.intents.get(k)
                assert intent is not None
                if order is None:
                    if intent.state is IntentState.SENT:
                        tx.intents.mark_unknown(k)
                    missing.append(k)
                    continue
                if intent.state is IntentState.SENT:
                    tx.intents.mark_unknown(k)
                tx.intents.confirm(k, {"doc_id": order.doc_id, "record_no": order.record_no})
                tx.audit.add(
                    ENTITY, "create", target=System.INTACCT, record_key=order.doc_id, after={"opportunity": opp_of[k]}
                )
                tx.inbox.resolve_for(ENTITY, System.INTACCT, opp_of[k], "order")
                out[k] = Settled(True, order.doc_id, sent=k in sent)
    return missing


def push_orders(
    store: StateStore, ia: IntacctOrders, keys: list[str], *, run_id: int | None = None
) -> dict[str, Settled]:
    """Send (or settle) the orders of these intents; keys absent from the answer are still UNKNOWN."""
    out: dict[str, Settled] = {}
    pending = list(dict.fromkeys(keys))
    duplicate: set[str] = set()
    sent: set[str] = set()
    sends = 0
    while pending:
        with store.read() as r:
            states = {k: r.intents.get(k) for k in pending}
        ambiguous = [
            k for k, it in states.items() if it is not None and it.state in (IntentState.SENT, IntentState.UNKNOWN)
        ]
        if ambiguous:
            missing = set(_lookup(store, ia, ambiguous, out, sent))
            for k in sorted(missing & duplicate):  # Intacct saw the controlid yet no order has the PONUMBER
                _refuse(store, k, "Intacct recorded this order's control ID but no order carries its PONUMBER.", out)
            pending = [k for k in pending if k not in out]
        if not pending or sends >= MAX_SENDS:
            break
        with store.read() as r:
            reqs = [request_from_payload(k, r.intents.get(k).payload) for k in pending]  # type: ignore[union-attr]
        with store.write() as tx:
            for k in pending:
                tx.intents.mark_sent(k)  # committed before the request leaves
        sends += 1
        sent.update(pending)
        try:
            outcomes = ia.create_orders(reqs)
        except SyncError as exc:
            with store.write() as tx:
                for k in pending:
                    tx.intents.mark_unknown(k, exc.info)
            if exc.info.kind is not ErrorKind.OUTCOME_UNKNOWN and not exc.info.transient:
                raise
            continue  # the next pass looks every one of them up before any resend
        next_round: list[str] = []
        with store.write() as tx:
            for req, o in zip(reqs, outcomes, strict=True):
                if o.ok and o.key.startswith(f"{req.transaction_type}-"):
                    tx.intents.confirm(o.controlid, {"doc_id": o.key})
                    tx.audit.add(
                        ENTITY,
                        "create",
                        target=System.INTACCT,
                        record_key=o.key,
                        run_id=run_id,
                        after={"opportunity": req.reference_no},
                    )
                    tx.inbox.resolve_for(ENTITY, System.INTACCT, req.reference_no, "order")
                    out[o.controlid] = Settled(True, o.key, sent=True)
                elif o.ok or o.duplicate:  # applied, but the key is not a DOCID, or applied earlier
                    tx.intents.mark_unknown(o.controlid)
                    if o.duplicate:
                        duplicate.add(o.controlid)
                    next_round.append(o.controlid)
                else:
                    tx.intents.mark_unknown(o.controlid, o.error)
                    tx.intents.quarantine(o.controlid, o.error)
                    message = o.error.message if o.error else "Intacct refused the order."
                    if o.error is not None:
                        tx.inbox.record(
                            ENTITY, System.SALESFORCE, System.INTACCT, req.reference_no, "order", o.error, run_id=run_id
                        )
                    out[o.controlid] = Settled(False, message=message)
        pending = next_round
    return out


def _refuse(store: StateStore, key: str, message: str, out: dict[str, Settled]) -> None:
    err = ErrorInfo(
        ErrorKind.DUPLICATE, "Order state unclear", message, "Check the order in Intacct.", System.INTACCT, "XL03000013"
    )
    with store.write() as tx:
        tx.intents.quarantine(key, err)
    out[key] = Settled(False, message=message)


def recover_orders(store: StateStore, sf: SalesforceConnector, ia: IntacctConnector) -> int:
    """At start: settle every order intent left PLANNED, SENT or UNKNOWN, before any new work."""
    with store.read() as r:
        left = r.intents.in_state(IntentState.PLANNED, IntentState.SENT, IntentState.UNKNOWN, kind=KIND)
    if not left:
        return 0
    done = push_orders(store, IntacctOrders(ia), [i.key for i in left])
    bodies = []
    for intent in left:
        s = done.get(intent.key)
        if s is None:
            continue
        opp = str(intent.payload.get("opp_id") or intent.payload["reference_no"])
        if s.ok:
            bodies.append({"Id": opp, "Intacct_Sales_Order_ID__c": s.doc_id, "Intacct_Sync_Status__c": "Synced"})
        else:
            bodies.append({"Id": opp, "Intacct_Sync_Status__c": f"Blocked: Intacct refused it: {s.message}"[:255]})
    if bodies:
        sf.update_opportunities(bodies)
    return len(left)
