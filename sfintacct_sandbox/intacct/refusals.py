"""Reads a company refuses: a missing object permission, the audit trail refused for an object type.

Why: on a real tenant one stream's read can fail while the others work (the user's role lacks an
object, the audit trail is not available for one object type). Each ``query`` function of a request
carries its own ``<result>`` status, so a client can isolate such a failure; the emulator must be
able to produce it with the gateway's per-function error shape.

``refuse_reads`` maps a target to a kind:

- ``"ARINVOICE": "permission"``: every ``query``/``readByQuery`` of the object fails with PL04000005
  "You do not have permission for API operation ..." (errorno and wording as reported by the
  estuary/connectors Sage Intacct source, which probes object permissions for exactly this code).
- ``"AUDITHISTORY:customer": "permission"``: an AUDITHISTORY query that may return rows of that
  object type fails, without an errorno, with "You do not have permission to view audit history"
  (estuary/connectors: "AUDITHISTORY denials arrive without an errorno").
- ``"AUDITHISTORY:customer": "not_enabled"``: as above with DL02000001 "There was an error
  processing the request." (the text tap-intacct skips on AUDITHISTORY); the exact answer of a
  company whose audit trail is off for an object is not public.

A query "may return rows of a type" unless its filter pins OBJECTTYPE to other values only.
"""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from .errors import ErrorItem, FunctionError

KINDS = ("permission", "not_enabled")


def check_refusals(refuse: Mapping[str, str], function: str, el: etree._Element) -> None:
    """Raise the gateway's per-function failure when this read touches a refused target."""
    if not refuse:
        return
    obj = (el.findtext("object") or "").strip().upper()
    kind = refuse.get(obj)
    if kind:
        op = "QUERY" if function == "query" else "READ_BY_QUERY"
        raise FunctionError(
            [ErrorItem("PL04000005", f"You do not have permission for API operation {op} on objects of type {obj}.")]
        )
    if obj != "AUDITHISTORY":
        return
    types = _objecttypes(el, function)
    for target, kind in refuse.items():
        head, _, objtype = target.partition(":")
        if head.upper() != "AUDITHISTORY" or not objtype:
            continue
        if types is None or objtype.lower() in types:
            raise FunctionError([_audit_error(kind, objtype.lower())])


def _audit_error(kind: str, objtype: str) -> ErrorItem:
    if kind == "not_enabled":
        return ErrorItem(
            "DL02000001",
            "There was an error processing the request.",
            f"Enable the audit trail for {objtype} records, or ask Sage Intacct support.",
        )
    return ErrorItem(
        "",
        f"You do not have permission to view audit history ({objtype}).",
        "Grant the user View permission on custom reports (Platform Services).",
    )


def _objecttypes(el: etree._Element, function: str) -> set[str] | None:
    """The OBJECTTYPE values a query is pinned to (None: not pinned, any type may come back)."""
    if function != "query":
        text = (el.findtext("query") or "").lower()
        return None if "objecttype" not in text else {w.strip("'\"(), ") for w in text.replace("=", " ").split()}
    flt = el.find("filter")
    if flt is None:
        return None
    found: set[str] = set()
    pinned = False
    for cond in flt.iter("equalto", "in"):
        if (cond.findtext("field") or "").strip().upper() != "OBJECTTYPE":
            continue
        pinned = True
        found |= {(v.text or "").strip().lower() for v in cond.findall("value")}
    return found if pinned else None
