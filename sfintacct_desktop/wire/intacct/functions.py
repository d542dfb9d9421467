"""Builders for request functions and query filters, all made with lxml elements.

Why elements, not strings: every caller value lands in a text node, so a customer named
``</value><or>…`` is data, never markup (no injection), and element order is fixed here, in the
order the XSD demands.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from lxml import etree

READ_FUNCTIONS = frozenset(
    {
        "query",
        "readByQuery",
        "readMore",
        "read",
        "readByName",
        "readRelated",
        "inspect",
        "lookup",
        "getAPISession",
        "get_list",
        "getDimensions",
    }
)
QUERY_MAX_PAGESIZE = 2000
READBYQUERY_MAX_PAGESIZE = 1000
READ_MAX_KEYS = 100


def new_controlid() -> str:
    return str(uuid.uuid4())


def sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def fill(parent: etree._Element, fields: Mapping[str, Any]) -> etree._Element:
    """Nested dicts become nested elements, lists repeat the element, scalars become text."""
    for tag, value in fields.items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            el = sub(parent, tag)
            if isinstance(v, Mapping):
                fill(el, v)
            elif v is not None:
                el.text = v if isinstance(v, str) else str(v)
    return parent


@dataclass
class Function:
    """One ``<function controlid>`` body. ``controlid`` is the idempotency key of a write."""

    body: etree._Element
    controlid: str = field(default_factory=new_controlid)

    @property
    def name(self) -> str:
        return str(self.body.tag)

    @property
    def is_read(self) -> bool:
        return self.name in READ_FUNCTIONS

    @property
    def transactions(self) -> int:
        """Billed transactions: each read call 1, each record written 1 (a header with lines is 1)."""
        if self.is_read:
            return 1 if self.name in ("query", "readByQuery", "readMore", "read", "readByName") else 0
        if self.name in ("create", "update"):
            return max(1, sum(1 for c in self.body if isinstance(c.tag, str)))
        if self.name == "delete":
            keys = self.body.findtext("keys") or ""
            return max(1, len([k for k in keys.split(",") if k.strip()]))
        return 1


# ------------------------------------------------------------------------------------ filters
class Filter:
    """A ``query`` filter node. Combine with ``and_``/``or_``; values are always text nodes."""

    def __init__(self, op: str, field_name: str | None = None, values: Sequence[str] = (), kids: Sequence[Filter] = ()):
        self.op = op
        self.field = field_name
        self.values = [str(v) for v in values]
        self.kids = list(kids)

    def element(self) -> etree._Element:
        el = etree.Element(self.op)
        if self.kids:
            for k in self.kids:
                el.append(k.element())
            return el
        sub(el, "field", self.field)
        for v in self.values:
            sub(el, "value", v)
        return el

    @classmethod
    def _cmp(cls, op: str, field_name: str, value: object) -> Filter:
        return cls(op, field_name, [str(value)])

    @classmethod
    def equalto(cls, f: str, v: object) -> Filter:
        return cls._cmp("equalto", f, v)

    @classmethod
    def notequalto(cls, f: str, v: object) -> Filter:
        return cls._cmp("notequalto", f, v)

    @classmethod
    def lessthan(cls, f: str, v: object) -> Filter:
        return cls._cmp("lessthan", f, v)

    @classmethod
    def lessthanorequalto(cls, f: str, v: object) -> Filter:
        return cls._cmp("lessthanorequalto", f, v)

    @classmethod
    def greaterthan(cls, f: str, v: object) -> Filter:
        return cls._cmp("greaterthan", f, v)

    @classmethod
    def greaterthanorequalto(cls, f: str, v: object) -> Filter:
        return cls._cmp("greaterthanorequalto", f, v)

    @classmethod
    def like(cls, f: str, pattern: str) -> Filter:
        return cls._cmp("like", f, pattern)

    @classmethod
    def notlike(cls, f: str, pattern: str) -> Filter:
        return cls._cmp("notlike", f, pattern)

    @classmethod
    def between(cls, f: str, low: object, high: object) -> Filter:
        return cls("between", f, [str(low), str(high)])

    @classmethod
    def in_(cls, f: str, values: Iterable[object]) -> Filter:
        vals = [str(v) for v in values]
        if not 1 <= len(vals) <= 1000:
            raise ValueError("in/notin take 1 to 1000 values")
        return cls("in", f, vals)

    @classmethod
    def notin(cls, f: str, values: Iterable[object]) -> Filter:
        vals = [str(v) for v in values]
        if not 1 <= len(vals) <= 1000:
            raise ValueError("in/notin take 1 to 1000 values")
        return cls("notin", f, vals)

    @classmethod
    def isnull(cls, f: str) -> Filter:
        return cls("isnull", f)

    @classmethod
    def isnotnull(cls, f: str) -> Filter:
        return cls("isnotnull", f)

    @classmethod
    def and_(cls, *kids: Filter) -> Filter:
        return kids[0] if len(kids) == 1 else cls("and", kids=kids)

    @classmethod
    def or_(cls, *kids: Filter) -> Filter:
        return kids[0] if len(kids) == 1 else cls("or", kids=kids)


# ---------------------------------------------------------------------------------- builders
def query(
    obj: str,
    fields: Sequence[str],
    flt: Filter | etree._Element | None = None,
    orderby: Sequence[tuple[str, bool]] = (),
    pagesize: int = QUERY_MAX_PAGESIZE,
    offset: int = 0,
    *,
    caseinsensitive: bool = False,
    controlid: str | None = None,
) -> Function:
    """``query``: ``orderby`` is ``[(field, ascending)]``; ``fields`` may not be ``*``."""
    if not 1 <= pagesize <= QUERY_MAX_PAGESIZE:
        raise ValueError(f"query pagesize must be 1..{QUERY_MAX_PAGESIZE}")
    if not fields or "*" in fields:
        raise ValueError("query needs explicit fields (no '*')")
    body = etree.Element("query")
    sub(body, "object", obj)
    select = sub(body, "select")
    for f in fields:
        sub(select, "field", f)
    if flt is not None:
        sub(body, "filter").append(flt.element() if isinstance(flt, Filter) else flt)
    if orderby:
        ob = sub(body, "orderby")
        for f, asc in orderby:
            order = sub(ob, "order")
            sub(order, "field", f)
            sub(order, "ascending" if asc else "descending")
    if caseinsensitive:
        sub(sub(body, "options"), "caseinsensitive", "true")
    sub(body, "pagesize", str(pagesize))
    sub(body, "offset", str(offset))
    return Function(body, controlid or new_controlid())


def read_by_query(
    obj: str, query_text: str, fields: Sequence[str] = ("*",), pagesize: int = READBYQUERY_MAX_PAGESIZE
) -> Function:
    if not 1 <= pagesize <= READBYQUERY_MAX_PAGESIZE:
        raise ValueError(f"readByQuery pagesize must be 1..{READBYQUERY_MAX_PAGESIZE}")
    body = etree.Element("readByQuery")
    sub(body, "object", obj)
    sub(body, "fields", ",".join(fields))
    sub(body, "query", query_text)
    sub(body, "pagesize", str(pagesize))
    sub(body, "returnFormat", "xml")
    return Function(body)


def read_more(result_id: str) -> Function:
    body = etree.Element("readMore")
    sub(body, "resultId", result_id)
    return Function(body)


def read(obj: str, keys: Sequence[str | int], fields: Sequence[str] = ("*",), docparid: str | None = None) -> Function:
    if not 1 <= len(keys) <= READ_MAX_KEYS:
        raise ValueError(f"read takes 1..{READ_MAX_KEYS} keys")
    body = etree.Element("read")
    sub(body, "object", obj)
    sub(body, "keys", ",".join(str(k) for k in keys))
    sub(body, "fields", ",".join(fields))
    sub(body, "returnFormat", "xml")
    if docparid:
        sub(body, "docparid", docparid)
    return Function(body)


def inspect(obj: str, detail: bool = False) -> Function:
    body = etree.Element("inspect", detail="1" if detail else "0")
    sub(body, "object", obj)
    return Function(body)


def get_api_session(location_id: str | None = None) -> Function:
    body = etree.Element("getAPISession")
    if location_id is not None:
        sub(body, "locationid", location_id)
    return Function(body)


def create(obj: str, fields: Mapping[str, Any], controlid: str | None = None) -> Function:
    """Generic ``create`` of one record; nested dicts are nested elements (``DISPLAYCONTACT``)."""
    body = etree.Element("create")
    fill(sub(body, obj), fields)
    return Function(body, controlid or new_controlid())


def update(obj: str, fields: Mapping[str, Any], controlid: str | None = None) -> Function:
    """Generic ``update``; ``fields`` must carry RECORDNO or the object's ID field."""
    body = etree.Element("update")
    fill(sub(body, obj), fields)
    return Function(body, controlid or new_controlid())


def delete(obj: str, keys: Sequence[str | int], controlid: str | None = None) -> Function:
    body = etree.Element("delete")
    sub(body, "object", obj)
    sub(body, "keys", ",".join(str(k) for k in keys))
    return Function(body, controlid or new_controlid())


def _date(parent: etree._Element, tag: str, day: date) -> None:
    el = sub(parent, tag)
    sub(el, "year", f"{day.year:04d}")
    sub(el, "month", f"{day.month:02d}")
    sub(el, "day", f"{day.day:02d}")


@dataclass(frozen=True)
class SoLine:
    itemid: str
    quantity: str
    price: str | None = None
    unit: str | None = None
    memo: str | None = None


def create_sotransaction(
    controlid: str,
    *,
    transactiontype: str,
    datecreated: date,
    customerid: str,
    lines: Sequence[SoLine],
    createdfrom: str | None = None,
    referenceno: str | None = None,
    memo: str | None = None,
    state: str | None = None,
) -> Function:
    """Legacy ``create_sotransaction`` in the XSD's strict order; ``controlid`` is the idempotency key."""
    if not lines:
        raise ValueError("a sales transaction needs at least one line")
    body = etree.Element("create_sotransaction")
    sub(body, "transactiontype", transactiontype)
    _date(body, "datecreated", datecreated)
    if createdfrom:
        sub(body, "createdfrom", createdfrom)
    sub(body, "customerid", customerid)
    if referenceno:
        sub(body, "referenceno", referenceno)
    if memo:
        sub(body, "message", memo)
    if state:
        sub(body, "state", state)
    items = sub(body, "sotransitems")
    for line in lines:
        item = sub(items, "sotransitem")
        sub(item, "itemid", line.itemid)
        sub(item, "quantity", line.quantity)
        if line.unit:
            sub(item, "unit", line.unit)
        if line.price is not None:
            sub(item, "price", line.price)
        if line.memo:
            sub(item, "memo", line.memo)
    return Function(body, controlid)
