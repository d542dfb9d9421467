"""Read functions: ``query``, ``readByQuery``/``readMore`` (server-side cursors), ``read``, ``readByName``.

Why a cursor table: readByQuery answers one page and a ``resultId``; ``readMore`` must return the
rest of *that* result even if records change meanwhile, so the cursor pins the matched rows (the
store's row dicts are immutable, so pinning them costs no copy). Casing follows the gateway: query
and read answer UPPER-case listtype/rows, readByQuery/readMore lower case.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..storage import RecordStore
from ..workgate import paced
from .envelope import sub, text
from .errors import ErrorItem, FunctionError, fail
from .objects import field_types_for, get_object
from .querylang import QueryError, parse_query, run_query
from .readbyquery import SODOCUMENT_STATE_CODES, compile_where, default_db_codes, select_fields

MAX_READ_KEYS = 100
RBQ_MAX_PAGESIZE = 1000
MAX_CURSORS = 500
CURSOR_TTL_SECONDS = 15 * 60


def query_error(exc: QueryError) -> FunctionError:
    desc2 = exc.description2 or exc.description or exc.errorno
    return FunctionError([ErrorItem(exc.errorno, desc2, exc.correction, exc.description)])


def rows_element(parent: etree._Element, tag: str, rows: list[dict[str, Any]], fields: list[str] | None) -> None:
    for row in paced(rows):
        el = etree.SubElement(parent, tag)
        for name in fields if fields is not None else list(row):
            sub(el, name, str(row.get(name, "") or ""))


@dataclass
class Cursor:
    object: str
    fields: list[str]
    rows: list[dict[str, Any]]
    position: int
    pagesize: int
    owner: str
    touched: float


class Cursors:
    """Server-side readByQuery results, bounded in number and age."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, Cursor] = OrderedDict()
        self._lock = threading.Lock()

    def add(self, cursor: Cursor) -> str:
        rid = f"7765623{secrets.randbelow(999):03d}{secrets.token_urlsafe(18).replace('-', 'x')}"
        with self._lock:
            self._items[rid] = cursor
            while len(self._items) > MAX_CURSORS:
                self._items.popitem(last=False)
        return rid

    def get(self, rid: str, owner: str) -> Cursor | None:
        with self._lock:
            cur = self._items.get(rid)
            if cur is None or cur.owner != owner or time.monotonic() - cur.touched > CURSOR_TTL_SECONDS:
                self._items.pop(rid, None)
                return None
            cur.touched = time.monotonic()
            return cur

    def latest_for(self, obj: str, owner: str) -> str | None:
        with self._lock:
            for rid, cur in reversed(self._items.items()):
                if cur.object == obj and cur.owner == owner:
                    return rid
        return None

    def drop(self, rid: str) -> None:
        with self._lock:
            self._items.pop(rid, None)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def _source_rows(store: RecordStore, obj: str, docparid: str | None) -> list[dict[str, Any]]:
    rows = list(store.rows(obj).values())
    if docparid and obj == "SODOCUMENT":
        rows = [r for r in rows if r.get("DOCPARID") == docparid]
    return rows


def do_query(store: RecordStore, el: etree._Element) -> etree._Element:
    try:
        pq = parse_query(el, field_types_for)
        page, total = run_query(pq, _source_rows(store, pq.object, None))
    except QueryError as exc:
        raise query_error(exc) from None
    data = etree.Element(
        "data",
        listtype=pq.object,
        totalcount=str(total),
        offset=str(pq.offset),
        count=str(len(page)),
        numremaining=str(max(total - pq.offset - len(page), 0)),
    )
    rows_element(data, pq.object, page, None)
    return data


def _db_codes(obj: str, types: Any) -> Any:
    base = default_db_codes(types)
    if obj != "SODOCUMENT":
        return base
    return lambda name: SODOCUMENT_STATE_CODES if name == "STATE" else base(name)


def _children_text(el: etree._Element) -> dict[str, str]:
    return {c.tag: text(c) if c.text is not None else "" for c in el if isinstance(c.tag, str)}


def do_read_by_query(store: RecordStore, cursors: Cursors, el: etree._Element, owner: str) -> etree._Element:
    args = _children_text(el)
    if "object" not in args or "query" not in args:
        missing = "object" if "object" not in args else "query"
        raise fail("XL03000003", f"XML Parse schema error: Element 'readByQuery': Missing child element {missing}.")
    od = get_object(args["object"])
    if od is None:
        raise fail("Query Failed", f"Object definition {args['object']} not found")
    types = field_types_for(od.name)
    assert types is not None
    try:
        pagesize = int(args.get("pagesize") or 100)
    except ValueError:
        pagesize = 0
    if not 1 <= pagesize <= RBQ_MAX_PAGESIZE:
        raise fail("DL02000001", "There was an error processing the request.", "pagesize must be 1 to 1000.")
    try:
        fields = select_fields(args.get("fields") or "*", types, od.field_names)
        pred = compile_where(args.get("query", ""), types, db_codes=_db_codes(od.name, types))
    except QueryError as exc:
        raise query_error(exc) from None
    matched = [r for r in _source_rows(store, od.name, args.get("docparid") or None) if pred(r)]
    cursor = Cursor(od.name, fields, matched, 0, pagesize, owner, time.monotonic())
    return _page(cursors, cursor, None)


def _page(cursors: Cursors, cursor: Cursor, rid: str | None) -> etree._Element:
    start = cursor.position
    page = cursor.rows[start : start + cursor.pagesize]
    cursor.position = start + len(page)
    remaining = len(cursor.rows) - cursor.position
    if rid is None:
        rid = cursors.add(cursor) if remaining > 0 else f"7765623000{secrets.token_urlsafe(12)}"
    elif remaining == 0:
        cursors.drop(rid)
    tag = cursor.object.lower()
    data = etree.Element(
        "data",
        listtype=tag,
        count=str(len(page)),
        totalcount=str(len(cursor.rows)),
        numremaining=str(remaining),
        resultId=rid,
    )
    rows_element(data, tag, page, cursor.fields)
    return data


def do_read_more(cursors: Cursors, el: etree._Element, owner: str) -> etree._Element:
    args = _children_text(el)
    rid = args.get("resultId", "")
    if not rid and args.get("object"):
        od = get_object(args["object"])
        rid = cursors.latest_for(od.name, owner) if od else None
        if rid is None:
            raise fail(
                "DL02000001",
                f"There are no more records to read for object {args['object']}.",
                "Start again with readByQuery.",
            )
    cursor = cursors.get(rid, owner)
    if cursor is None:
        # UNCONFIRMED errorno/text: the real gateway's wording for an unknown/expired resultId.
        raise fail(
            "DL02000001",
            f"Invalid resultId '{rid}': the result set does not exist or has expired.",
            "Start again with readByQuery.",
        )
    return _page(cursors, cursor, rid)


def do_read(store: RecordStore, el: etree._Element, by_name: bool = False) -> etree._Element:
    args = _children_text(el)
    od = get_object(args.get("object"))
    if od is None:
        raise fail("Query Failed", f"Object definition {args.get('object', '')} not found")
    types = field_types_for(od.name)
    assert types is not None
    keys = [k.strip() for k in args.get("keys", "").split(",") if k.strip()]
    if len(keys) > MAX_READ_KEYS:
        raise fail("DL02000001", f"A read takes at most {MAX_READ_KEYS} keys.", "Split the keys over requests.")
    fields_text = args.get("fields") or "*"
    try:
        fields = select_fields(fields_text, types, od.field_names)
    except QueryError:
        raise fail(f"Invalid fields list {fields_text}", f"Invalid fields list {fields_text}") from None
    docparid = args.get("docparid") or None
    rows: list[dict[str, Any]] = []
    if not keys:
        rows = _source_rows(store, od.name, docparid)[:MAX_READ_KEYS]
    for key in keys:
        if by_name and od.id_field:
            found = store.find(od.name, od.id_field, key)
            row = store.get(od.name, found[0]) if found else None
        else:
            row = store.get(od.name, key)
        if row is not None and (not docparid or row.get("DOCPARID") == docparid):
            rows.append(row)
    data = etree.Element("data", listtype=od.name, count=str(len(rows)))
    rows_element(data, od.name, rows, fields)
    if od.name == "SODOCUMENT" and fields_text.strip() == "*":
        for el, row in zip(data, rows, strict=True):
            _document_entries(store, el, row)
    return data


def _document_entries(store: RecordStore, el: etree._Element, doc: dict[str, Any]) -> None:
    """A ``read`` of a whole SODOCUMENT owns its lines: ``<SODOCUMENTENTRIES>`` holding lower-case
    ``<sodocumententry>`` rows in line order, ``LINE_NO`` zero-based (documented by Intacct next
    to the one-based ``line_num`` of ``update_sotransaction``)."""
    od = get_object("SODOCUMENTENTRY")
    assert od is not None
    keys = store.find("SODOCUMENTENTRY", "DOCHDRNO", doc["RECORDNO"])
    entries = sorted((store.get("SODOCUMENTENTRY", k) or {} for k in keys), key=lambda e: int(e.get("LINE_NO") or 0))
    rows_element(sub(el, "SODOCUMENTENTRIES"), "sodocumententry", entries, list(od.field_names))
