"""AUDITHISTORY: deletions (and payment activity) read with the documented fields only.

Why a module: three facts of the audit trail are not public and the product must be right under
every answer. (1) Only OBJECTTYPE, OBJECTKEY, ACCESSTIME, ACCESSMODE, USERID and SOURCE are
documented, so nothing else is selected, filtered or ordered by (by ACCESSTIME, ties by the other fields).
(2) OBJECTKEY is the RECORDNO for APBILL but, for CUSTOMER/ITEM/ARINVOICE, may be the RECORDNO or
the readable id (CUSTOMERID, ITEMID, invoice number), some objects write "<RECORDNO>--REC": the key
is handed on as text and the engine matches it against both. (3) ACCESSTIME's zone (the company's
or GMT): detected per profile by :func:`detect_zone` and, until known, filtered with a window that
is right under either convention.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..wire.intacct import Filter
from . import ia_mapping as m
from .values import IA_TIMESTAMP, ia_timestamp, text

FIELDS = ("OBJECTTYPE", "OBJECTKEY", "ACCESSTIME", "ACCESSMODE")  # all documented
ORDER = [("ACCESSTIME", True)]
# The change probe reads the newest rows first, so new rows come on its first page; the other
# documented fields break ties, so offset pages of one second's rows neither skip nor repeat one.
NEWEST_FIRST = [("ACCESSTIME", False), ("OBJECTTYPE", True), ("OBJECTKEY", True), ("ACCESSMODE", True)]
COMPANY, GMT = "company", "gmt"
ZONES = (COMPANY, GMT)
SAME_SECONDS = 120  # an audit row and its record's WHENMODIFIED: the same moment, give or take


def object_key(raw: Any) -> str:
    """OBJECTKEY as a key to match: ``"123--REC"`` is the RECORDNO 123."""
    key = text(raw)
    head, sep, tail = key.partition("--")
    return head if sep and tail.upper() == "REC" else key


def since_text(since: datetime, zone: ZoneInfo, convention: str | None) -> str:
    """The ACCESSTIME lower bound: wall time in the company zone, in GMT, or (unknown) the earlier.

    Why the earlier: a window starting at the earlier of the two wall times covers the moment
    under both conventions, so not knowing the zone can only re-read a few rows, never miss one.
    """
    company = since.astimezone(zone).replace(tzinfo=None)
    gmt = since.astimezone(UTC).replace(tzinfo=None)
    chosen = company if convention == COMPANY else gmt if convention == GMT else min(company, gmt)
    return chosen.strftime(IA_TIMESTAMP)


def access_time(raw: Any, zone: ZoneInfo, convention: str | None) -> datetime | None:
    """ACCESSTIME as an aware moment (the company zone while the convention is unknown)."""
    return ia_timestamp(raw, ZoneInfo("UTC") if convention == GMT else zone)


def audit_filter(deleted_types: Sequence[str], since: str, *, payments: bool = False) -> Filter:
    """Deletions of ``deleted_types`` (ACCESSMODE D) and, with ``payments``, payments created or
    changed (an unapplied payment never re-stamps an invoice), since ``since``."""
    parts: list[Filter] = []
    if deleted_types:
        parts.append(Filter.and_(_types(deleted_types), Filter.equalto("ACCESSMODE", "D")))
    if payments:
        parts.append(Filter.and_(Filter.equalto("OBJECTTYPE", "arpymt"), Filter.in_("ACCESSMODE", ["C", "M"])))
    what = parts[0] if len(parts) == 1 else Filter.or_(*parts)
    return Filter.and_(what, Filter.greaterthanorequalto("ACCESSTIME", since))


CHANGE_MODES = ("C", "M", "D", "W", "T", "U")  # every documented query code but A (Access: a read)


def changes_filter(types: Sequence[str], since: str) -> Filter:
    """Every change of ``types`` since ``since`` ("": no lower bound): all access modes but Access.

    Why every mode: Create, Modify and Delete are the obvious ones, but a Workflow action (a payment
    voided), an Activity or a User Action may change what the sync copies, and counting one too
    many only costs a read. Access (``A``) rows record reads and are left out, or every read the
    sync makes of a customer could report a change to read again.
    """
    what = Filter.and_(_types(types), Filter.in_("ACCESSMODE", list(CHANGE_MODES)))
    return Filter.and_(what, Filter.greaterthanorequalto("ACCESSTIME", since)) if since else what


def _types(types: Sequence[str]) -> Filter:
    return Filter.equalto("OBJECTTYPE", types[0]) if len(types) == 1 else Filter.in_("OBJECTTYPE", list(types))


# ------------------------------------------------------------------------------ zone detection
def detect_zone(
    audit_rows: Iterable[dict[str, Any]], records: Iterable[tuple[str, set[str], str]], zone: ZoneInfo
) -> str | None:
    """Which clock ACCESSTIME uses, from audit rows (C/M, newest first) and the records they name.

    ``records`` are ``(objecttype, {RECORDNO, readable id}, WHENMODIFIED)``. A record's newest C or
    M row was written in the same moment as its WHENMODIFIED (the company's wall time): a gap of
    about zero means the company zone, a gap of about the zone's UTC offset means GMT. A zone at
    UTC+0 answers "company" (both conventions are the same clock). None: no evidence yet.
    """
    newest: dict[tuple[str, str], str] = {}
    for r in audit_rows:
        k = (m.field(r, "OBJECTTYPE").lower(), object_key(m.field(r, "OBJECTKEY")))
        newest.setdefault(k, m.field(r, "ACCESSTIME"))
    votes = {COMPANY: 0, GMT: 0}
    for objtype, keys, modified in records:
        stamp = next((newest[(objtype, k)] for k in keys if (objtype, k) in newest), "")
        wall_modified, wall_audit = _naive(modified), _naive(stamp)
        if wall_modified is None or wall_audit is None:
            continue
        gap = (wall_audit - wall_modified).total_seconds()
        offset = (zone.utcoffset(wall_modified) or timedelta(0)).total_seconds()
        if abs(gap) <= SAME_SECONDS:
            votes[COMPANY] += 1
        elif abs(gap + offset) <= SAME_SECONDS:  # GMT wall = company wall - offset
            votes[GMT] += 1
    if not votes[COMPANY] and not votes[GMT]:
        return None
    return COMPANY if votes[COMPANY] >= votes[GMT] else GMT


def _naive(raw: str) -> datetime | None:
    try:
        return datetime.strptime(raw.strip(), IA_TIMESTAMP) if raw else None
    except ValueError:
        return None
