"""The cycle's one Intacct read, where a failed ``query`` function fails its stream only.

Why: the read is one request of several ``query`` functions (one transaction each), and each
function answers with its own ``<result>`` status. A function refused for a reason of its own (the
user's role lacks the object, the audit trail is refused for one object type, an unknown field)
becomes that stream's failure (no records, or records without their deletions); the other streams
sync. The audit trail is one function for every object type; when it fails, one follow-up request
asks each type alone to find which is refused, and the engine remembers those types so later
cycles ask them in separate functions of the same single request.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ..domain import SyncError
from ..wire.intacct import Filter, IntacctError, IntacctGatewayError, Result
from ..wire.intacct import functions as fx
from . import ia_audit as audit
from . import ia_mapping as m
from . import streams
from .errors import intacct_read_error
from .ia_changes import ChangeReader, IntacctChanges
from .results import Deletion

Spec = tuple[str, Sequence[str], Filter | None, list[tuple[str, bool]]]
STREAM_OF = {
    "CUSTOMER": streams.IA_CUSTOMERS,
    "ITEM": streams.IA_ITEMS,
    "ARINVOICE": streams.IA_INVOICES,
    "ARPYMT": streams.IA_PAYMENTS,
}
AUDIT_TYPES = ("customer", "item", "arinvoice", "arpymt")


@dataclass
class _Outcome:
    rows: list[dict[str, Any]]
    errors: list[IntacctError] | None = None  # None: the function succeeded


class FunctionFailed(IntacctGatewayError):
    """A ``query`` function of a batched read failed (its ``<result>`` said failure)."""

    def __init__(self, obj: str, errors: list[IntacctError]) -> None:
        super().__init__(f"Intacct query of {obj} failed", errors=errors)
        self.obj = obj


def run_each(orders: ChangeReader, specs: list[Spec]) -> list[_Outcome]:
    """Every spec's first page in ONE request, later pages by offset; a failure stays with its spec."""
    if not specs:
        return []
    size = orders.conn.page_size
    client = orders.client
    out: list[_Outcome] = []
    with orders.conn.errors():
        results = client.call([fx.query(o, f, flt, ob, size, 0) for o, f, flt, ob in specs])
        for (obj, fields, flt, ob), res in zip(specs, results, strict=True):
            got: list[dict[str, Any]] = []
            failed: Result | None = None if res.ok else res
            if failed is None:
                got = list(res.records)
                while res.numremaining and res.records:
                    res = client.call([fx.query(obj, fields, flt, ob, size, len(got))])[0]
                    if not res.ok:
                        failed = res
                        break
                    got += res.records
            out.append(_Outcome(got, None if failed is None else failed.errors))
    return out


def read_changes(
    orders: ChangeReader,
    cursors: dict[str, datetime | None],
    *,
    master: bool,
    receivables: bool,
    overlap: timedelta,
    audit_zone: str | None,
    audit_split: Collection[str],
) -> IntacctChanges:
    """Customers, items, AR invoices and the audit trail in ONE request (see the module docstring)."""
    zone = orders.zone
    order = [("WHENMODIFIED", True), ("RECORDNO", True)]
    objs = ([("CUSTOMER", m.CUSTOMER_FIELDS), ("ITEM", m.ITEM_FIELDS)] if master else []) + (
        [("ARINVOICE", m.ARINVOICE_FIELDS)] if receivables else []
    )
    specs: list[Spec] = []
    tags: list[str] = []
    for obj, fields in objs:
        since = cursors.get(STREAM_OF[obj])
        specs.append((obj, fields, orders.since_filter(since, overlap), order if since else [("RECORDNO", True)]))
        tags.append(obj)
    deleted = [obj.lower() for obj, _ in objs if cursors.get(STREAM_OF[obj]) is not None]
    known = [c for c in (cursors.get(STREAM_OF[o]) for o, _ in objs) if c is not None]
    since_text = audit.since_text(min(known) - overlap, zone, audit_zone) if known else ""
    types = [*deleted, *(["arpymt"] if receivables and deleted else [])]
    groups = _groups(types, audit_split)
    for group in groups:
        specs.append(_audit_spec(group, since_text))
        tags.append("audit:" + ",".join(group))
    outcomes = run_each(orders, specs)
    out = IntacctChanges()
    rows: dict[str, list[dict[str, Any]]] = {}
    split_again: list[list[str]] = []
    for tag, got in zip(tags, outcomes, strict=True):
        if got.errors is None:
            rows[tag] = got.rows
        elif tag.startswith("audit:"):
            group = tag[6:].split(",")
            if len(group) > 1:
                split_again += [[t] for t in group]
            else:
                _audit_failed(out, group[0], got.errors)
        else:
            out.failures[STREAM_OF[tag]] = intacct_read_error(tag, got.errors)
    if split_again:  # which object type's audit trail is refused: each alone, in one more request
        again = run_each(orders, [_audit_spec(g, since_text) for g in split_again])
        for group, got in zip(split_again, again, strict=True):
            if got.errors is None:
                rows["audit:" + group[0]] = got.rows
            else:
                _audit_failed(out, group[0], got.errors)
    out.customers = [m.customer_from_row(r, zone) for r in rows.get("CUSTOMER", [])]
    out.items = [m.product_from_item(r, zone) for r in rows.get("ITEM", [])]
    dels: dict[str, list[Deletion]] = {t: [] for t in AUDIT_TYPES}
    pay_keys: set[str] = set()
    for tag, got_rows in rows.items():
        if not tag.startswith("audit:"):
            continue
        for r in got_rows:
            objtype, mode = m.field(r, "OBJECTTYPE").lower(), m.field(r, "ACCESSMODE")
            key = audit.object_key(m.field(r, "OBJECTKEY"))
            if objtype == "arpymt":
                if mode in ("C", "M") and key:
                    pay_keys.add(key)
            elif mode == "D" and key:
                when = audit.access_time(m.field(r, "ACCESSTIME"), zone, audit_zone)
                dels.setdefault(objtype, []).append(Deletion(key, when, key if key.isdigit() else ""))
    out.deleted_customers, out.deleted_items, out.deleted_invoices = dels["customer"], dels["item"], dels["arinvoice"]
    first = receivables and cursors.get(streams.IA_INVOICES) is None and cursors.get(streams.IA_PAYMENTS) is None
    try:
        out.invoices, out.payments = orders.receivables(
            rows.get("ARINVOICE", []), [], payment_keys=pay_keys, all_payments=first
        )
    except SyncError as exc:
        cause = exc.__cause__
        if not isinstance(cause, FunctionFailed):
            raise
        info = intacct_read_error(cause.obj, cause.errors)
        for stream in (streams.IA_INVOICES, streams.IA_PAYMENTS):
            out.failures.setdefault(stream, info)
    return out


def _groups(types: list[str], split: Collection[str]) -> list[list[str]]:
    """One audit function for every type, plus one per type known to be refused."""
    together = [t for t in types if t not in split]
    return ([together] if together else []) + [[t] for t in types if t in split]


def _audit_spec(group: list[str], since_text: str) -> Spec:
    deleted = [t for t in group if t != "arpymt"]
    flt = audit.audit_filter(deleted, since_text, payments="arpymt" in group)
    return ("AUDITHISTORY", audit.FIELDS, flt, audit.ORDER)


def _audit_failed(out: IntacctChanges, objtype: str, errors: list[IntacctError]) -> None:
    out.audit_refused.append(objtype)
    stream = STREAM_OF[objtype.upper()]
    out.failures.setdefault(stream, intacct_read_error("AUDITHISTORY", errors, audit_of=objtype))


def detect_audit_zone(orders: ChangeReader) -> str | None:
    """ACCESSTIME's clock, from the newest customer/item audit rows and those records' WHENMODIFIED.

    Two requests; the engine calls it only while the profile's convention is unknown and only
    after a cycle that saw or made changes (so there are fresh rows to compare).
    """
    flt = Filter.and_(Filter.in_("OBJECTTYPE", ["customer", "item"]), Filter.in_("ACCESSMODE", ["C", "M"]))
    with orders.conn.errors():  # one page of the newest rows, never the whole history
        res = orders.client.call([fx.query("AUDITHISTORY", audit.FIELDS, flt, [("ACCESSTIME", False)], 50, 0)])[0]
    rows = list(res.records) if res.ok else []
    if not rows:
        return None
    keys: dict[str, set[str]] = {"customer": set(), "item": set()}
    for r in rows:
        key = audit.object_key(m.field(r, "OBJECTKEY"))
        if key:
            keys.setdefault(m.field(r, "OBJECTTYPE").lower(), set()).add(key)
    specs: list[Spec] = []
    for objtype, obj, id_field in (("customer", "CUSTOMER", "CUSTOMERID"), ("item", "ITEM", "ITEMID")):
        wanted = sorted(keys.get(objtype, set()))
        if not wanted:
            continue
        by_id = Filter.in_(id_field, wanted)
        numbers = [k for k in wanted if k.isdigit()]
        flt2 = Filter.or_(by_id, Filter.in_("RECORDNO", numbers)) if numbers else by_id
        specs.append((obj, ("RECORDNO", id_field, "WHENMODIFIED"), flt2, [("RECORDNO", True)]))
    records: list[tuple[str, set[str], str]] = []
    for (obj, fields, *_), res in zip(specs, run_each(orders, specs), strict=True):
        for r in res.rows:
            ids = {m.field(r, "RECORDNO"), m.field(r, fields[1])} - {""}
            records.append((obj.lower(), ids, m.field(r, "WHENMODIFIED")))
    return audit.detect_zone(rows, records, orders.zone)


__all__ = ["FunctionFailed", "detect_audit_zone", "read_changes", "run_each"]
