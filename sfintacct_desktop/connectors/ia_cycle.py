"""The cycle's Intacct reads, where a failed ``query`` function fails its stream only.

Why: a read is one request of several ``query`` functions (one transaction each), and each
function answers with its own ``<result>`` status. A function refused for a reason of its own (the
user's role lacks the object, the audit trail is refused for one object type, an unknown field)
becomes that stream's failure (no records, or records without their deletions); the other streams
sync. An audit trail function asks several object types at once; when it fails, one follow-up
request asks each type alone to find which is refused, and the engine remembers those types so
later cycles ask them in functions of their own.

The reads are built from two parts so the engine can choose what to read (``engine/ia_probe.py``):
:func:`fetch` sends object reads (WHENMODIFIED windows) and audit trail functions (every access
mode of some object types since a moment) in ONE request; :func:`assemble` turns the rows into
records, deletions and the payments the audit rows name. :func:`read_changes` is the full read.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..domain import ErrorInfo, SyncError
from ..wire.intacct import Filter, IntacctError, IntacctGatewayError, Result
from ..wire.intacct import functions as fx
from . import ia_audit as audit
from . import ia_mapping as m
from . import ia_price_lists as pl
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
    "SOPRICELIST": streams.IA_PRICE_LISTS,
    "SOPRICELISTENTRY": streams.IA_PRICE_ENTRIES,
}
OBJECT_FIELDS = {
    "CUSTOMER": m.CUSTOMER_FIELDS,
    "ITEM": m.ITEM_FIELDS,
    "ARINVOICE": m.ARINVOICE_FIELDS,
    "ARPYMT": m.ARPYMT_FIELDS,
    "SOPRICELIST": pl.PRICELIST_FIELDS,
    "SOPRICELISTENTRY": pl.PRICE_ENTRY_FIELDS,
}
AUDIT_TYPES = ("customer", "item", "arinvoice", "arpymt", "sopricelist", "sopricelistentry")
CORE_READ = ("CUSTOMER", "ITEM", "ARINVOICE")  # payments come through their invoices and the audit trail
PRICE_READ = ("SOPRICELIST", "SOPRICELISTENTRY")  # price lists ride in the same request
FULL_READ = (*CORE_READ, *PRICE_READ)
Audit = tuple[list[str], str]  # object types, ACCESSTIME lower bound ("": no bound)
# Called after each page of one function's read with the rows so far and that page's result;
# True stops the read there (the caller knows the rest; see engine/ia_probe.py).
PageCheck = Callable[[list[dict[str, Any]], Result], bool]


@dataclass
class _Outcome:
    rows: list[dict[str, Any]]
    errors: list[IntacctError] | None = None  # None: the function succeeded


@dataclass
class Fetched:
    """What one :func:`fetch` read: rows per object and per audit object type, and what failed."""

    objects: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # object -> rows (read ones only)
    audit: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # object type -> rows (asked ones)
    failures: dict[str, ErrorInfo] = field(default_factory=dict)
    audit_refused: list[str] = field(default_factory=list)

    def merge(self, other: Fetched) -> Fetched:
        self.objects.update(other.objects)
        self.audit.update(other.audit)
        for stream, info in other.failures.items():
            self.failures.setdefault(stream, info)
        self.audit_refused += [t for t in other.audit_refused if t not in self.audit_refused]
        return self


class FunctionFailed(IntacctGatewayError):
    """A ``query`` function of a batched read failed (its ``<result>`` said failure)."""

    def __init__(self, obj: str, errors: list[IntacctError]) -> None:
        super().__init__(f"Intacct query of {obj} failed", errors=errors)
        self.obj = obj


def run_each(
    orders: ChangeReader,
    specs: list[Spec],
    checks: Sequence[PageCheck | None] = (),
    first_sizes: Sequence[int | None] = (),
) -> list[_Outcome]:
    """Every spec's first page in ONE request, later pages by offset; a failure stays with its spec.

    ``checks[i]`` (optional) sees spec ``i``'s rows after each page and may end its read early;
    ``first_sizes[i]`` (optional) is a smaller size for its first page (later pages: the full size).
    """
    if not specs:
        return []
    size = orders.conn.page_size
    client = orders.client
    out: list[_Outcome] = []
    firsts = [min(size, first_sizes[i] or size) if i < len(first_sizes) else size for i in range(len(specs))]
    with orders.conn.errors():
        results = client.call(
            [fx.query(o, f, flt, ob, first, 0) for (o, f, flt, ob), first in zip(specs, firsts, strict=True)]
        )
        for i, ((obj, fields, flt, ob), res) in enumerate(zip(specs, results, strict=True)):
            got: list[dict[str, Any]] = []
            failed: Result | None = None if res.ok else res
            check = checks[i] if i < len(checks) else None
            if failed is None:
                got = list(res.records)
                while not (check is not None and check(got, res)) and res.numremaining and res.records:
                    res = client.call([fx.query(obj, fields, flt, ob, size, len(got))])[0]
                    if not res.ok:
                        failed = res
                        break
                    got += res.records
            out.append(_Outcome(got, None if failed is None else failed.errors))
    return out


def object_spec(orders: ChangeReader, obj: str, since: datetime | None, overlap: timedelta) -> Spec:
    """An object's WHENMODIFIED read from its cursor less the overlap (everything when no cursor)."""
    order = [("WHENMODIFIED", True), ("RECORDNO", True)] if since else [("RECORDNO", True)]
    return (obj, OBJECT_FIELDS[obj], orders.since_filter(since, overlap), order)


def audit_spec(types: Sequence[str], since: str) -> Spec:
    """Every row of ``types`` since ``since``, whatever its access mode: a change of any kind counts."""
    flt = audit.changes_filter(types, since)
    return ("AUDITHISTORY", audit.FIELDS, flt, audit.NEWEST_FIRST)


def fetch(
    orders: ChangeReader,
    objects: Sequence[str],
    audits: Sequence[Audit],
    cursors: dict[str, datetime | None],
    overlap: timedelta,
    audit_check: PageCheck | None = None,
    audit_first_page: int | None = None,
) -> Fetched:
    """``objects`` and ``audits`` in ONE request (a failed multi-type audit: each type once more).

    ``audit_check`` watches the pages of the first audit function (the probe) and may end it early;
    ``audit_first_page`` sizes that function's first page.
    """
    specs = [object_spec(orders, obj, cursors.get(STREAM_OF[obj]), overlap) for obj in objects]
    specs += [audit_spec(types, since) for types, since in audits]
    out = Fetched()
    split_again: list[Audit] = []
    checks: list[PageCheck | None] = [*([None] * len(objects)), audit_check]
    firsts: list[int | None] = [*([None] * len(objects)), audit_first_page]
    for i, got in enumerate(run_each(orders, specs, checks, firsts)):
        if i < len(objects):
            obj = objects[i]
            if got.errors is None:
                out.objects[obj] = got.rows
            else:
                out.failures[STREAM_OF[obj]] = intacct_read_error(obj, got.errors)
            continue
        types, since = audits[i - len(objects)]
        if got.errors is None:
            _file_audit(out, types, got.rows)
        elif len(types) > 1:
            split_again += [([t], since) for t in types]
        else:
            _audit_failed(out, types[0], got.errors)
    if split_again:  # which object type's audit trail is refused: each alone, in one more request
        for (types, _), got in zip(split_again, run_each(orders, [audit_spec(*a) for a in split_again]), strict=True):
            if got.errors is None:
                _file_audit(out, types, got.rows)
            else:
                _audit_failed(out, types[0], got.errors)
    return out


def _file_audit(out: Fetched, types: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    for t in types:
        out.audit.setdefault(t, [])
    for r in rows:
        out.audit.setdefault(m.field(r, "OBJECTTYPE").lower(), []).append(r)


def assemble(
    orders: ChangeReader,
    fetched: Fetched,
    audit_rows: Iterable[dict[str, Any]],
    *,
    audit_zone: str | None,
    all_payments: bool = False,
) -> IntacctChanges:
    """Records of the objects read, deletions and payments named by ``audit_rows``, receivables."""
    zone = orders.zone
    out = IntacctChanges(failures=dict(fetched.failures), audit_refused=list(fetched.audit_refused))
    out.customers = [m.customer_from_row(r, zone) for r in fetched.objects.get("CUSTOMER", [])]
    out.items = [m.product_from_item(r, zone) for r in fetched.objects.get("ITEM", [])]
    out.price_lists = [pl.price_list_from_row(r, zone) for r in fetched.objects.get("SOPRICELIST", [])]
    out.price_entries = [pl.price_entry_from_row(r, zone) for r in fetched.objects.get("SOPRICELISTENTRY", [])]
    dels: dict[str, list[Deletion]] = {t: [] for t in AUDIT_TYPES}
    pay_keys: set[str] = set()
    for r in audit_rows:
        objtype, mode = m.field(r, "OBJECTTYPE").lower(), m.field(r, "ACCESSMODE")
        key = audit.object_key(m.field(r, "OBJECTKEY"))
        if not key:
            continue
        if objtype == "arpymt" and mode != "D":
            pay_keys.add(key)
        elif mode == "D":
            when = audit.access_time(m.field(r, "ACCESSTIME"), zone, audit_zone)
            dels.setdefault(objtype, []).append(Deletion(key, when, key if key.isdigit() else ""))
    out.deleted_customers, out.deleted_items, out.deleted_invoices = dels["customer"], dels["item"], dels["arinvoice"]
    out.deleted_payments = dels["arpymt"]
    try:
        out.invoices, out.payments = orders.receivables(
            fetched.objects.get("ARINVOICE", []),
            fetched.objects.get("ARPYMT", []),
            payment_keys=pay_keys,
            all_payments=all_payments,
        )
    except SyncError as exc:
        cause = exc.__cause__
        if not isinstance(cause, FunctionFailed):
            raise
        info = intacct_read_error(cause.obj, cause.errors)
        for stream in (streams.IA_INVOICES, streams.IA_PAYMENTS):
            out.failures.setdefault(stream, info)
    return out


def cursor_since(
    orders: ChangeReader, cursors: dict[str, datetime | None], overlap: timedelta, zone_conv: str | None
) -> str:
    """The audit trail's lower bound for the streams' own windows ("" when no stream has a cursor)."""
    known = [c for c in (cursors.get(STREAM_OF[o]) for o in CORE_READ) if c is not None]
    return audit.since_text(min(known) - overlap, orders.zone, zone_conv) if known else ""


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
    """Customers, items, AR invoices and the audit trail in ONE request: every stream, in full."""
    objs = [o for o in FULL_READ if (o == "ARINVOICE" and receivables) or (o != "ARINVOICE" and master)]
    since = cursor_since(orders, cursors, overlap, audit_zone)
    types = [t for t in (o.lower() for o in objs) if cursors.get(STREAM_OF[t.upper()]) is not None]
    types += ["arpymt"] if receivables and types else []
    audits = _groups(types, audit_split, since)
    fetched = fetch(orders, objs, audits, cursors, overlap)
    rows = [r for t, got in fetched.audit.items() if t in types for r in got]
    first = receivables and cursors.get(streams.IA_INVOICES) is None and cursors.get(streams.IA_PAYMENTS) is None
    return assemble(orders, fetched, rows, audit_zone=audit_zone, all_payments=first)


def _groups(types: list[str], split: Collection[str], since: str) -> list[Audit]:
    """One audit function for every type, plus one per type known to be refused."""
    together = [t for t in types if t not in split]
    return ([(together, since)] if together else []) + [([t], since) for t in types if t in split]


def _audit_failed(out: Fetched, objtype: str, errors: list[IntacctError]) -> None:
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


__all__ = [
    "Fetched",
    "FunctionFailed",
    "PageCheck",
    "assemble",
    "detect_audit_zone",
    "fetch",
    "read_changes",
    "run_each",
]
