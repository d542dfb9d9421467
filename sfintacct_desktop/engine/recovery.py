"""Resolve intents left SENT or UNKNOWN before any new work (a crash or a lost answer).

Why a lookup first: an Intacct create whose answer was lost may well have happened. The record is
looked up by the key fixed in its intent (CUSTOMERID / ITEMID): found with our Account/Product Id
-> confirmed and linked; not found -> resent with the same key and controlid (``uniqueid``), so a
second record can never appear. The Salesforce cross-reference is then set (an idempotent update).
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any

from ..connectors import IntacctConnector, SalesforceConnector
from ..domain import IntentState, System
from ..store import DuplicateError, StateStore
from .entities import kind_of
from .mapping import Mapping


def recover_intents(store: StateStore, sf: SalesforceConnector, ia: IntacctConnector, mapping: Mapping) -> int:
    with store.read() as r:
        pending = [i for i in r.intents.unresolved() if i.kind.startswith("create_")]
    for intent in pending:
        kind = kind_of(intent.kind.removeprefix("create_"))
        emap = mapping.entity(kind.name)
        sf_id = str(intent.payload["sf_id"])
        key = str(intent.payload["ia_key"])
        values: dict[str, Any] = dict(intent.payload.get("values") or {})
        found = kind.ia_by_ids(ia, [key])
        record_no = found[0].record_no if found else ""
        if found and found[0].cross_ref not in ("", sf_id):
            with store.write() as tx:  # the key belongs to someone else's record: give up on it
                if intent.state is IntentState.SENT:
                    tx.intents.mark_unknown(intent.key)
                tx.intents.quarantine(intent.key, {"reason": f"{key} exists for another record"})
            continue
        if not found:
            with store.write() as tx:
                if intent.state is IntentState.UNKNOWN:
                    tx.intents.mark_sent(intent.key)
            record = kind.new_ia_record(emap, values, key, sf_id)
            res = kind.ia_write(ia, [record], [intent.key])[0]
            if not res.ok:
                with store.write() as tx:
                    tx.intents.mark_unknown(intent.key, res.error)
                    tx.intents.quarantine(intent.key, res.error)
                    if res.error is not None:
                        tx.inbox.record(
                            kind.name,
                            System.SALESFORCE,
                            System.INTACCT,
                            sf_id,
                            "sync",
                            res.error,
                            {"sf_id": sf_id, "ia_key": ""},
                        )
                continue
            record_no = res.record_no
        with store.write() as tx:
            if intent.state is IntentState.SENT and found:
                tx.intents.mark_unknown(intent.key)
            tx.intents.confirm(intent.key, {"ia_key": key, "record_no": record_no, "recovered": True})
            if tx.links.by_sf_id(kind.entity, sf_id) is None:
                with contextlib.suppress(DuplicateError):
                    tx.links.create(
                        kind.entity, sf_id, key, ia_record_no=record_no or None, sf_base=values, ia_base=values
                    )
            tx.audit.add(kind.name, "link", target=System.INTACCT, record_key=key, reason="recovered an intent")
        current = kind.sf_by_ids(sf, [sf_id])
        if current and not current[0].deleted and current[0].cross_ref != key:
            kind.sf_write(sf, [dataclasses.replace(current[0], cross_ref=key)])
    return len(pending)
