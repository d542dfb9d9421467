"""The Intacct ``<query>`` function: parse its XML (select, filter, orderby, paging, options) and run it.

Records are flat dicts of upper-case (dotted) field names to wire strings. Values are compared by
field type the way the Oracle database behind Intacct does: numbers numerically, dates and
timestamps chronologically, text byte-wise and case-sensitively (unless ``caseinsensitive``). An
empty value is SQL NULL, so any comparison with it is *unknown* and the row is not returned; that is
why ``notequalto``/``notin``/``notlike`` skip empty fields, as they do on the real system.

Grammar violations are reported like Intacct's schema validation (``XL03000003`` "XML Parse schema
error", libxml2 wording) as :class:`QuerySchemaError`; semantic failures (unknown field, bad value
format) as ``DL02000001`` "There was an error processing the request."; an unknown object as
``Query Failed`` "Object definition X not found" (PHP SDK ``ResultTest``).
"""

from __future__ import annotations

import heapq
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from lxml import etree

from ..workgate import paced
from .querycore import (  # re-exported: readbyquery, reads and schema import them from here
    AGGREGATES,
    COMPARATORS,
    DEFAULT_PAGESIZE,
    DOCUMENT_OBJECTS,
    GENERIC_ERROR,
    MAX_PAGESIZE,
    NUMERIC_TYPES,
    OPERATORS,
    QUERY_CHILDREN,
    TEMPORAL_TYPES,
    VALUE_COUNTS,
    FieldTypes,
    Pred,
    QueryError,
    QuerySchemaError,
    and_pred,
    compare_pred,
    in_pred,
    invalid_field,
    key_getter,
    like_pred,
    literal_key,
    null_pred,
    object_not_found,
    or_pred,
    parse_number,
)

# ----------------------------------------------------------------------------------------------
# The <query> element.


@dataclass
class ParsedQuery:
    """A validated ``<query>``; ``predicate`` and the sort keys are compiled once, then run per row."""

    object: str
    fields: list[str]
    aggregates: list[tuple[str, str]]
    predicate: Callable[[dict], bool]
    order: list[tuple[str, bool]]  # (field, ascending)
    pagesize: int
    offset: int
    docparid: str | None
    case_insensitive: bool
    show_private: bool
    return_format: str
    columns: list[tuple[str | None, str]] = field(default_factory=list)  # select order: (aggregate|None, field)
    field_types: FieldTypes = field(default=lambda _name: None, repr=False)


def _children(el: Any) -> list[Any]:
    return [c for c in el if isinstance(c.tag, str)]


def _text(el: Any) -> str:
    return (el.text or "").strip()


def _missing(el: Any, expected: Iterable[str]) -> QuerySchemaError:
    names = list(expected)
    if len(names) == 1:
        return QuerySchemaError(1871, f"Element '{el.tag}': Missing child element(s). Expected is ( {names[0]} ).", el)
    return QuerySchemaError(
        1871, f"Element '{el.tag}': Missing child element(s). Expected is one of ( {', '.join(names)} ).", el
    )


def _unexpected(el: Any, expected: Iterable[str]) -> QuerySchemaError:
    names = list(expected)
    tail = f" Expected is one of ( {', '.join(names)} )." if names else ""
    return QuerySchemaError(1871, f"Element '{el.tag}': This element is not expected.{tail}", el)


def _xs_integer(el: Any, low: int, high: int | None) -> int:
    text = _text(el)
    if not re.fullmatch(r"[+-]?\d+", text):
        raise QuerySchemaError(1824, f"Element '{el.tag}': '{text}' is not a valid value of the local atomic type.", el)
    value = int(text)
    if value < low:
        msg = f"[facet 'minInclusive'] The value '{text}' is less than the minimum value allowed ('{low}')."
        raise QuerySchemaError(1833, f"Element '{el.tag}': {msg}", el)
    if high is not None and value > high:
        msg = f"[facet 'maxInclusive'] The value '{text}' is greater than the maximum value allowed ('{high}')."
        raise QuerySchemaError(1834, f"Element '{el.tag}': {msg}", el)
    return value


def _xs_boolean(el: Any) -> bool:
    text = _text(el)
    if text not in ("true", "false", "1", "0"):
        msg = f"'{text}' is not a valid value of the atomic type 'xs:boolean'."
        raise QuerySchemaError(1824, f"Element '{el.tag}': {msg}", el)
    return text in ("true", "1")


class _Resolver:
    """Field-name resolution against one object's definition (names are case-insensitive)."""

    def __init__(self, obj: str, types: FieldTypes) -> None:
        self.obj, self.types = obj, types

    def __call__(self, raw: str) -> tuple[str, str]:
        name = raw.strip().upper()
        ftype = self.types(name) if name and name != "*" else None
        if ftype is None:
            raise invalid_field(raw.strip(), self.obj)
        return name, ftype


def parse_query(query_el: etree._Element, field_types_for: Callable[[str], FieldTypes | None]) -> ParsedQuery:
    """Validate a ``<query>`` element like the XSD and the server do, and compile it.

    Schema violations win over semantic errors, as Intacct validates the request before running it.
    """
    seen: dict[str, Any] = {}
    for child in _children(query_el):
        if child.tag not in QUERY_CHILDREN or child.tag in seen:
            raise _unexpected(child, [n for n in QUERY_CHILDREN if n not in seen])
        seen[child.tag] = child
    if "select" not in seen or "object" not in seen:
        raise _missing(query_el, [n for n in QUERY_CHILDREN if n not in seen])
    pagesize = _xs_integer(seen["pagesize"], 1, MAX_PAGESIZE) if "pagesize" in seen else DEFAULT_PAGESIZE
    offset = _xs_integer(seen["offset"], 0, None) if "offset" in seen else 0
    ci = show_private = False
    return_format = "xml"
    if (options := seen.get("options")) is not None:
        ci, show_private, return_format = _parse_options(options)
    try:  # structure first: field names and values are only checked below
        _compile_parts(seen, lambda raw: (raw.strip().upper(), "text"), ci)
    except QuerySchemaError:
        raise
    except QueryError:
        pass

    obj_raw = _text(seen["object"])
    types = field_types_for(obj_raw.upper())
    if types is None:
        raise object_not_found(obj_raw)
    obj = obj_raw.upper()
    columns, predicate, order = _compile_parts(seen, _Resolver(obj, types), ci)
    fields = [f for agg, f in columns if agg is None]
    aggregates = [(agg, f) for agg, f in columns if agg is not None]
    docparid = _text(seen["docparid"]) if "docparid" in seen else None
    if docparid and obj in DOCUMENT_OBJECTS:
        predicate = and_pred([predicate, lambda row: row.get("DOCPARID") == docparid])
    if aggregates:
        for name, _asc in order:
            if name not in fields:
                raise QueryError("DL02000001", GENERIC_ERROR, description=f"ORDER BY field {name} is not grouped")
    final = predicate
    return ParsedQuery(
        object=obj,
        fields=fields,
        aggregates=aggregates,
        predicate=lambda row: final(row) is True,
        order=order,
        pagesize=pagesize,
        offset=offset,
        docparid=docparid,
        case_insensitive=ci,
        show_private=show_private,
        return_format=return_format,
        columns=columns,
        field_types=types,
    )


def _compile_parts(
    seen: dict[str, Any], resolve: Callable[[str], tuple[str, str]], ci: bool
) -> tuple[list[tuple[str | None, str]], Pred, list[tuple[str, bool]]]:
    columns = _parse_select(seen["select"], resolve)
    predicate: Pred = lambda row: True  # noqa: E731
    if (flt := seen.get("filter")) is not None:
        kids = _children(flt)
        if not kids:
            raise _missing(flt, ("and", "or", *OPERATORS))
        if len(kids) > 1:
            raise _unexpected(kids[1], ())
        predicate = _compile_filter(kids[0], resolve, ci)
    order = _parse_orderby(seen["orderby"], resolve) if "orderby" in seen else []
    return columns, predicate, order


def _parse_options(options: Any) -> tuple[bool, bool, str]:
    ci = show_private = False
    return_format = "xml"
    order = ("caseinsensitive", "showprivate", "returnformat")
    pos = 0
    for child in _children(options):
        if child.tag not in order[pos:]:
            raise _unexpected(child, order[pos:])
        pos = order.index(child.tag) + 1
        if child.tag == "caseinsensitive":
            ci = _xs_boolean(child)
        elif child.tag == "showprivate":
            show_private = _xs_boolean(child)
        else:
            return_format = _text(child).lower() or "xml"
            if return_format not in ("xml", "csv", "json"):
                raise QueryError("DL02000001", GENERIC_ERROR, description=f"Invalid returnformat '{_text(child)}'")
    return ci, show_private, return_format


def _parse_select(select: Any, resolve: Callable[[str], tuple[str, str]]) -> list[tuple[str | None, str]]:
    kids = _children(select)
    if not kids:
        raise _missing(select, ("field", *AGGREGATES))
    columns: list[tuple[str | None, str]] = []
    for child in kids:
        if child.tag != "field" and child.tag not in AGGREGATES:
            raise _unexpected(child, ("field", *AGGREGATES))
        name, ftype = resolve(child.text or "")
        if child.tag in ("sum", "avg") and ftype not in NUMERIC_TYPES:
            raise QueryError("DL02000001", GENERIC_ERROR, description=f"Cannot {child.tag} non-numeric field {name}")
        column = (None if child.tag == "field" else child.tag, name)
        if column not in columns:
            columns.append(column)
    return columns


def _parse_orderby(orderby: Any, resolve: Callable[[str], tuple[str, str]]) -> list[tuple[str, bool]]:
    kids = _children(orderby)
    if not kids:
        raise _missing(orderby, ("order",))
    order: list[tuple[str, bool]] = []
    for od in kids:
        if od.tag != "order":
            raise _unexpected(od, ("order",))
        parts = _children(od)
        if not parts or parts[0].tag != "field":
            raise _missing(od, ("field",)) if not parts else _unexpected(parts[0], ("field",))
        if len(parts) > 2 or (len(parts) == 2 and parts[1].tag not in ("ascending", "descending")):
            raise _unexpected(parts[-1] if len(parts) > 2 else parts[1], ("ascending", "descending"))
        name, _ftype = resolve(parts[0].text or "")
        order.append((name, not (len(parts) == 2 and parts[1].tag == "descending")))
    return order


def _compile_filter(el: Any, resolve: Callable[[str], tuple[str, str]], ci: bool) -> Pred:
    tag = el.tag
    if tag in ("and", "or"):
        kids = _children(el)
        for kid in kids:
            if kid.tag not in ("and", "or", *OPERATORS):
                raise _unexpected(kid, ("and", "or", *OPERATORS))
        if len(kids) < 2:
            raise _missing(el, ("and", "or", *OPERATORS))
        preds = [_compile_filter(k, resolve, ci) for k in kids]
        return and_pred(preds) if tag == "and" else or_pred(preds)
    if tag not in OPERATORS:
        raise _unexpected(el, ("and", "or", *OPERATORS))
    kids = _children(el)
    if not kids:
        raise _missing(el, ("field",))
    if kids[0].tag != "field":
        raise _unexpected(kids[0], ("field",))
    values = kids[1:]
    low, high = VALUE_COUNTS.get(tag, (1, 1))
    for i, v in enumerate(values):
        if v.tag != "value" or i >= high:
            raise _unexpected(v, ("value",) if i < high else ())
    if len(values) < low:
        raise _missing(el, ("value",))
    name, ftype = resolve(kids[0].text or "")
    raw = [v.text or "" for v in values]
    if tag in ("isnull", "isnotnull"):
        return null_pred(name, tag == "isnotnull")
    if tag in ("like", "notlike"):
        return like_pred(name, raw[0], ci, tag == "notlike")
    text_ci = ci and ftype not in NUMERIC_TYPES | TEMPORAL_TYPES | {"boolean"}
    get = key_getter(name, ftype, text_ci)
    lits = [literal_key(ftype, r, name, text_ci) for r in raw]
    if tag in ("in", "notin"):
        return in_pred(get, lits, tag == "notin")
    if tag == "between":
        return and_pred([compare_pred(get, operator.ge, lits[0]), compare_pred(get, operator.le, lits[1])])
    return compare_pred(get, COMPARATORS[tag], lits[0])


# ----------------------------------------------------------------------------------------------
# Running.


_NEGATABLE = frozenset({"date", "timestamp", "boolean"})  # keys (int, bool) a descending order can negate


def sort_rows(
    rows: list[dict], order: list[tuple[str, bool]], field_types: FieldTypes, limit: int | None = None
) -> list[dict]:
    """Oracle order: NULLs last when ascending, first when descending; sort keys computed once per row.

    ``limit``: only the first rows are needed (a page): they are picked without sorting the rest.
    Why one composite key: the probe's audit query sorts thousands of rows by four fields each poll;
    one stable sort (or a stable pick of the first ``limit``) gives exactly the order of one stable
    sort per field, last field first. A descending text field cannot be negated: sorted per field.
    """
    parts = []
    for name, ascending in order:
        ftype = field_types(name) or "text"
        if not ascending and ftype not in _NEGATABLE:
            return _sort_per_field(rows, order, field_types)[:limit]
        parts.append((key_getter(name, ftype), ascending))

    def key(row: dict) -> tuple[Any, ...]:
        out: list[Any] = []
        for get, ascending in parts:
            k = get(row)
            if ascending:  # NULLs last
                out.append((k is None, k if k is not None else 0))
            else:  # NULLs first, then the greatest first
                out.append((k is not None, -k if k is not None else 0))
        return tuple(out)

    if limit is not None and limit < len(rows):
        return heapq.nsmallest(limit, rows, key=key)  # the same as sorted(rows, key=key)[:limit]
    return sorted(rows, key=key)


def _sort_per_field(rows: list[dict], order: list[tuple[str, bool]], field_types: FieldTypes) -> list[dict]:
    for name, ascending in reversed(order):
        get = key_getter(name, field_types(name) or "text")
        keyed = [(k is None, k if k is not None else 0, i) for i, k in enumerate(map(get, rows))]
        keyed.sort(key=lambda t: (t[0], t[1]), reverse=not ascending)
        rows = [rows[t[2]] for t in keyed]
    return rows


def run_query(pq: ParsedQuery, rows: Iterable[dict]) -> tuple[list[dict], int]:
    """Filter, group (when aggregating), sort and page. Returns (page rows in select order, totalcount)."""
    matched = [row for row in paced(rows) if pq.predicate(row)]
    if pq.aggregates:
        result = _aggregate(pq, matched)
        result = sort_rows(result, pq.order, pq.field_types) if pq.order else result
        total = len(result)
        return result[pq.offset : pq.offset + pq.pagesize], total
    total = len(matched)
    if pq.order:
        matched = sort_rows(matched, pq.order, pq.field_types, limit=pq.offset + pq.pagesize)
    names = pq.fields
    page = [{n: row.get(n, "") for n in names} for row in paced(matched[pq.offset : pq.offset + pq.pagesize])]
    return page, total


def _aggregate(pq: ParsedQuery, rows: list[dict]) -> list[dict]:
    groups: dict[tuple[str, ...], list[dict]] = {}
    for row in rows:
        groups.setdefault(tuple(row.get(f, "") for f in pq.fields), []).append(row)
    if not groups and not pq.fields:
        groups[()] = []  # an aggregate without GROUP BY always answers one row
    out: list[dict] = []
    for key, members in groups.items():
        plain = dict(zip(pq.fields, key, strict=True))
        record: dict[str, str] = {}
        for agg, name in pq.columns:
            if agg is None:
                record[name] = plain[name]
            else:
                record[f"{agg.upper()}.{name}"] = _aggregate_value(agg, name, pq.field_types(name) or "text", members)
        out.append(record)
    return out


def _aggregate_value(agg: str, name: str, ftype: str, rows: list[dict]) -> str:
    present = [r[name] for r in rows if r.get(name)]
    if agg == "count":
        return str(len(present))
    if not present:
        return ""
    get = key_getter(name, ftype)
    if agg in ("min", "max"):
        pairs = [(get({name: v}), v) for v in present]
        pairs = [p for p in pairs if p[0] is not None]
        if not pairs:
            return ""
        pick = min if agg == "min" else max
        return pick(pairs, key=lambda p: p[0])[1]
    numbers = [n for v in present if (n := parse_number(v)) is not None]
    total = sum(numbers, Decimal(0))
    if agg == "sum":
        return str(total)
    return str(total / len(numbers)) if numbers else ""
