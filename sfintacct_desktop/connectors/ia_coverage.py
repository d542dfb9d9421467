"""Does the company's audit trail record changes of each object type the sync reads?

Why a check: the sync polls Intacct with one AUDITHISTORY query and reads an object only when the
audit trail names a change of it. Sage documents AUDITHISTORY as "a combination of standard object
record audit trail logs, custom object record audit trail logs, user access logs, and smart event
log records", readable with View permission on custom reports; it publishes no list of the objects
a company's trail covers and no API that says whether it is on for one. So coverage is checked by
evidence: the most recently modified record of each object must have an audit row (any mode) at
or after its WHENMODIFIED (under either ACCESSTIME clock, company or GMT). An object the trail
refuses, or whose newest change left no row, is not covered (the sync then reads it every cycle);
an object without records cannot be judged yet (``unverified``: probed, and checked again later).
Two requests at most, a few transactions, once per profile and again while something is unverified.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..wire.intacct import Filter, IntacctClient
from ..wire.intacct import functions as fx
from . import ia_audit as audit
from . import ia_mapping as m
from .errors import intacct_read_error
from .values import IA_TIMESTAMP

COVERED, NOT_COVERED, UNVERIFIED = "covered", "not_covered", "unverified"
LATEST = "the latest change of the most recently modified one"
# object type -> (object, readable id field): what an audit row's OBJECTKEY may hold
OBJECTS = {
    "customer": ("CUSTOMER", "CUSTOMERID"),
    "item": ("ITEM", "ITEMID"),
    "arinvoice": ("ARINVOICE", "RECORDID"),
    "arpymt": ("ARPYMT", ""),
    "sopricelist": ("SOPRICELIST", "NAME"),
    "sopricelistentry": ("SOPRICELISTENTRY", ""),
}


def check_coverage(
    client: IntacctClient, zone: ZoneInfo, types: tuple[str, ...] = tuple(OBJECTS)
) -> dict[str, dict[str, Any]]:
    """``{object type: {"state": covered|not_covered|unverified, "detail": words[, "error": ErrorInfo dict]}}``."""
    specs = []
    for t in types:
        obj, idf = OBJECTS[t]
        fields = ("RECORDNO", "WHENMODIFIED", *((idf,) if idf else ()))
        specs.append(fx.query(obj, fields, None, [("WHENMODIFIED", False)], 1, 0))
        specs.append(fx.query("AUDITHISTORY", audit.FIELDS, Filter.equalto("OBJECTTYPE", t), [], 1, 0))
    results = client.call(specs)
    out: dict[str, dict[str, Any]] = {}
    second: list[tuple[str, Any]] = []
    for i, t in enumerate(types):
        newest, trail = results[2 * i], results[2 * i + 1]
        if not trail.ok:
            info = intacct_read_error("AUDITHISTORY", trail.errors, audit_of=t)
            out[t] = {"state": NOT_COVERED, "detail": "the audit trail refuses it", "error": info.as_dict()}
        elif not newest.ok or not newest.records:
            out[t] = {"state": UNVERIFIED, "detail": "no record to check yet"}
        else:
            row = newest.records[0]
            idf = OBJECTS[t][1]
            keys = sorted({m.field(row, "RECORDNO"), m.field(row, idf) if idf else ""} - {""})
            keys += [f"{k}--REC" for k in keys if k.isdigit()]
            since = _earliest_wall(m.field(row, "WHENMODIFIED"), zone)
            flt = Filter.and_(Filter.equalto("OBJECTTYPE", t), Filter.in_("OBJECTKEY", keys))
            if since:
                flt = Filter.and_(flt, Filter.greaterthanorequalto("ACCESSTIME", since))
            second.append((t, fx.query("AUDITHISTORY", audit.FIELDS, flt, [], 1, 0)))
    if second:
        for (t, _), res in zip(second, client.call([q for _, q in second]), strict=True):
            if res.ok and res.records:
                out[t] = {"state": COVERED, "detail": f"{LATEST} is in the audit trail"}
            elif res.ok:
                out[t] = {"state": NOT_COVERED, "detail": f"{LATEST} left no row in the audit trail"}
            else:
                info = intacct_read_error("AUDITHISTORY", res.errors, audit_of=t)
                out[t] = {"state": NOT_COVERED, "detail": "the audit trail refuses it", "error": info.as_dict()}
    return out


def _earliest_wall(modified: str, zone: ZoneInfo) -> str:
    """WHENMODIFIED (company wall time) as the earlier of its company and GMT wall times, less 2 minutes."""
    try:
        wall = datetime.strptime(modified.strip(), IA_TIMESTAMP)
    except ValueError:
        return ""
    offset = zone.utcoffset(wall) or timedelta(0)
    earliest = min(wall, wall - offset) - timedelta(seconds=audit.SAME_SECONDS)
    return earliest.strftime(IA_TIMESTAMP)


__all__ = ["COVERED", "NOT_COVERED", "OBJECTS", "UNVERIFIED", "check_coverage"]
