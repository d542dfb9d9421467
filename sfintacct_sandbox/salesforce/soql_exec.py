"""SOQL executor: validates a parsed query against the schema and runs it over stored rows.

Everything is resolved and type-checked once per query, then the WHERE clause becomes a tree of
plain closures over row dicts, so a 50,000-row scan stays well under a second. Output records
follow the REST shape exactly (``attributes`` first, SELECT order, nested parents, child
relationships as ``null`` or ``{"totalSize", "done", "records"}``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from ..workgate import paced
from .soql import (
    Call,
    Comparison,
    CountCall,
    FieldInfo,
    FieldPath,
    Literal,
    Logical,
    Not,
    Query,
    RecordSource,
    SoqlError,
    SoqlSchema,
    SubQuery,
    located_error,
    parse,
)
from .soql_agg import is_aggregate, run_aggregate
from .soql_dates import Range, date_range

__all__ = ["QueryResult", "execute"]

MAX_OFFSET = 2000
_ID_TYPES = frozenset({"id", "reference"})
_NUMBER_TYPES = frozenset({"double", "currency", "percent", "int", "long"})
_ID_RE = re.compile(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?")
_NO_COLUMN = (
    "No such column '{name}' on entity '{entity}'. If you are attempting to use a custom field, be sure to "
    "append the '__c' after the custom field name. Please reference your WSDL or the describe call for the "
    "appropriate names."
)
_BAD_PARENT_REL = (
    "Didn't understand relationship '{rel}' in field path. If you are attempting to use a custom "
    "relationship, be sure to append the '__r' after the custom relationship name. Please reference your "
    "WSDL or the describe call for the appropriate names."
)
_BAD_CHILD_REL = (
    "Didn't understand relationship '{rel}' in FROM part of query call. If you are attempting to use a "
    "custom relationship, be sure to append the '__r' after the custom relationship name. Please reference "
    "your WSDL or the describe call for the appropriate names."
)
_BAD_TYPE = (
    "sObject type '{name}' is not supported. If you are attempting to use a custom object, be sure to "
    "append the '__c' after the entity name. Please reference your WSDL or the describe call for the "
    "appropriate names."
)

_NOT_AGGREGATE_QUERY = "Aggregate functions in ORDER BY need an aggregate query (GROUP BY or aggregates in SELECT)"
Row = dict[str, Any]
Pred = Callable[[Row], Any]


@dataclass
class QueryResult:
    records: list[dict[str, Any]]
    total_size: int
    is_count: bool
    aggregate: bool = False  # AggregateResult rows: one batch only, no query locator


# --- value keys: stored JSON value -> comparable key (None = null) ------------------------------


def _category(ftype: str) -> str:
    if ftype in _ID_TYPES:
        return "id"
    if ftype in _NUMBER_TYPES:
        return "number"
    if ftype in ("boolean", "date", "datetime"):
        return ftype
    return "string"


def _dt_key(v: Any) -> str | None:
    """Datetimes compare as 'YYYY-MM-DDTHH:MM:SS.000' in UTC: to the second, as the org does."""
    if not v:
        return None
    if len(v) == 28 and v.endswith("+0000"):
        return v[:20] + "000"
    return _fmt_dt(datetime.fromisoformat(v))


def _fmt_dt(dt: datetime) -> str:
    """Milliseconds of a literal are ignored, as the org compares datetimes to the second."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.000")


_KEYS: dict[str, Callable[[Any], Any]] = {
    "string": lambda v: str(v).casefold() if v not in (None, "") else None,
    "id": lambda v: v[:15] if v else None,
    "number": lambda v: v,
    "boolean": bool,
    "date": lambda v: v[:10] if v else None,
    "datetime": _dt_key,
}


# --- compile context -------------------------------------------------------------------------------


@dataclass
class _Resolved:
    field: FieldInfo
    rels: tuple[FieldInfo, ...]
    category: str
    get: Callable[[Row], Any]


class _Ctx:
    def __init__(
        self, text: str, schema: SoqlSchema, source: RecordSource, include_deleted: bool, version: str, now: datetime
    ) -> None:
        self.text = text
        self.schema = schema
        self.source = source
        self.include_deleted = include_deleted
        self.version = version[1:] if version[:1] in ("v", "V") else version
        self.today = (now.astimezone(UTC) if now.tzinfo else now).date()

    def error(self, code: str, detail: str, pos: int) -> SoqlError:
        return located_error(code, detail, self.text, pos)

    def resolve(self, sobject: str, alias: str | None, path: FieldPath) -> _Resolved:
        schema = self.schema
        parts = list(path.parts)
        if len(parts) > 1 and (
            (alias and parts[0].lower() == alias.lower())
            or (parts[0].lower() == sobject.lower() and schema.parent_relationship(sobject, parts[0]) is None)
        ):
            parts = parts[1:]
        cur = sobject
        rels: list[FieldInfo] = []
        for rel in parts[:-1]:
            ref = schema.parent_relationship(cur, rel)
            if ref is None:
                raise self.error("INVALID_FIELD", _BAD_PARENT_REL.format(rel=rel), path.pos)
            rels.append(ref)
            cur = ref.reference_to[0] if ref.reference_to else cur
        field = schema.get_field(cur, parts[-1])
        if field is None:
            raise self.error("INVALID_FIELD", _NO_COLUMN.format(name=parts[-1], entity=cur), path.pos)
        return _Resolved(field, tuple(rels), _category(field.type), self._getter(field.name, rels))

    def _getter(self, name: str, rels: list[FieldInfo]) -> Callable[[Row], Any]:
        if not rels:
            return lambda row: row.get(name)
        ref_names = [r.name for r in rels]
        by_id = self.source.by_id

        def get(row: Row) -> Any:
            for ref in ref_names:
                value = row.get(ref)
                hit = by_id(value) if value else None
                if hit is None:
                    return None
                row = hit[1]
            return row.get(name)

        return get

    # --- literals ---------------------------------------------------------------------------------

    def literal_key(self, res: _Resolved, lit: Literal) -> Any:
        """The comparable key of a literal for this field, or a Range; raises on a type mismatch."""
        cat, fname = res.category, res.field.name
        if lit.kind == "null":
            return None
        if cat in ("string", "id"):
            if lit.kind != "string":
                tname = "id" if cat == "id" else "string"
                raise self.error(
                    "INVALID_FIELD",
                    f"value of filter criterion for field '{fname}' must be of type {tname} "
                    "and should be enclosed in quotes",
                    lit.pos,
                )
            if cat == "string":
                return lit.value.casefold() or None
            if not _ID_RE.fullmatch(lit.value):
                raise self.error("INVALID_QUERY_FILTER_OPERATOR", f"invalid ID field: {lit.value}", lit.pos)
            return lit.value[:15]
        wanted = {"number": ("number",), "boolean": ("boolean",), "date": ("date", "datelit")}.get(
            cat, ("datetime", "datelit")
        )
        if lit.kind not in wanted:
            tname = {"number": "integer" if res.field.type in ("int", "long") else "double"}.get(cat, cat)
            tname = "dateTime" if tname == "datetime" else tname
            raise self.error(
                "INVALID_FIELD",
                f"value of filter criterion for field '{fname}' must be of type {tname} "
                "and should not be enclosed in quotes",
                lit.pos,
            )
        if lit.kind == "datelit":
            lo, hi = date_range(lit.value[0], lit.value[1], self.today)
            if cat == "date":
                return Range(lo.isoformat(), hi.isoformat())
            return Range(lo.isoformat() + "T00:00:00.000", hi.isoformat() + "T00:00:00.000")
        if lit.kind == "datetime":
            return _fmt_dt(datetime.fromisoformat(lit.value))
        return lit.value

    # --- WHERE ------------------------------------------------------------------------------------

    def condition(self, sobject: str, alias: str | None, cond: Any) -> Pred:
        if isinstance(cond, Logical):
            preds = [self.condition(sobject, alias, c) for c in cond.items]
            if cond.op == "AND":
                return lambda row: all(p(row) for p in preds)
            return lambda row: any(p(row) for p in preds)
        if isinstance(cond, Not):
            inner = self.condition(sobject, alias, cond.item)
            return lambda row: not inner(row)
        return self.comparison(sobject, alias, cond)

    def comparison(self, sobject: str, alias: str | None, cmp: Comparison) -> Pred:
        if not isinstance(cmp.field, FieldPath):  # aggregates belong in HAVING; date functions in WHERE not emulated
            detail = f"unexpected token: '{'COUNT' if isinstance(cmp.field, CountCall) else cmp.field.func}'"
            raise self.error("MALFORMED_QUERY", detail, cmp.field.pos)
        res = self.resolve(sobject, alias, cmp.field)
        get, key, op = res.get, _KEYS[res.category], cmp.op
        if op == "LIKE":
            return self._like(res, cmp)
        if op in ("IN", "NOT IN"):
            member = self._membership(res, cmp)
            if op == "IN":
                return member
            return lambda row: not member(row)
        lit = cmp.value
        assert isinstance(lit, Literal)
        if lit.kind == "null" and op not in ("=", "!="):
            raise self.error("INVALID_QUERY_FILTER_OPERATOR", f"invalid operator on null value: {op}", cmp.pos)
        if res.category == "boolean" and op not in ("=", "!="):
            raise self.error("INVALID_QUERY_FILTER_OPERATOR", "invalid operator on boolean field", cmp.pos)
        k = self.literal_key(res, lit)
        if isinstance(k, Range):
            lo, hi = k.lo, k.hi

            def inside(row: Row) -> bool:
                v = key(get(row))
                return v is not None and lo <= v < hi

            return {
                "=": inside,
                "!=": lambda row: not inside(row),
                "<": lambda row: (v := key(get(row))) is not None and v < lo,
                "<=": lambda row: (v := key(get(row))) is not None and v < hi,
                ">": lambda row: (v := key(get(row))) is not None and v >= hi,
                ">=": lambda row: (v := key(get(row))) is not None and v >= lo,
            }[op]
        if k is None:  # null literal, or '' on a text field (Salesforce stores empty text as null)
            if op == "=":
                return lambda row: key(get(row)) is None
            if op == "!=":
                return lambda row: key(get(row)) is not None
            return lambda row: False
        return {
            "=": lambda row: key(get(row)) == k,
            "!=": lambda row: key(get(row)) != k,
            "<": lambda row: (v := key(get(row))) is not None and v < k,
            "<=": lambda row: (v := key(get(row))) is not None and v <= k,
            ">": lambda row: (v := key(get(row))) is not None and v > k,
            ">=": lambda row: (v := key(get(row))) is not None and v >= k,
        }[op]

    def _like(self, res: _Resolved, cmp: Comparison) -> Pred:
        if res.category != "string":
            ftype = "id" if res.category == "id" else res.field.type
            raise self.error("INVALID_QUERY_FILTER_OPERATOR", f"invalid operator on {ftype} field", cmp.pos)
        lit = cmp.value
        assert isinstance(lit, Literal)
        if lit.kind != "string" or lit.pattern is None:
            self.literal_key(res, lit)  # raises the type error
            raise self.error("MALFORMED_QUERY", f"unexpected token: '{lit.raw}'", lit.pos)
        match = re.compile(lit.pattern, re.IGNORECASE | re.DOTALL).fullmatch
        get = res.get
        return lambda row: bool((v := get(row)) and match(str(v)))

    def _membership(self, res: _Resolved, cmp: Comparison) -> Pred:
        get, key = res.get, _KEYS[res.category]
        if isinstance(cmp.value, Query):
            if res.category != "id":
                raise self.error("INVALID_FIELD", f"Invalid semi join: field '{res.field.name}' must be an id", cmp.pos)
            ids = self._semi_join(cmp.value)
            return lambda row: key(get(row)) in ids
        keys = [self.literal_key(res, lit) for lit in cmp.value]  # type: ignore[union-attr]
        has_null = any(k is None for k in keys)
        scalars = {k for k in keys if k is not None and not isinstance(k, Range)}
        ranges = [(k.lo, k.hi) for k in keys if isinstance(k, Range)]

        def member(row: Row) -> bool:
            v = key(get(row))
            if v is None:
                return has_null
            return v in scalars or any(lo <= v < hi for lo, hi in ranges)

        return member

    def _semi_join(self, q: Query) -> set[str]:
        sobject = self.object_name(q)
        items = q.select
        if len(items) != 1 or not isinstance(items[0], FieldPath):
            raise self.error("MALFORMED_QUERY", "semi join sub-selects can only select one id field", q.sobject_pos)
        res = self.resolve(sobject, q.alias, items[0])
        if res.category != "id":
            raise self.error(
                "INVALID_FIELD", f"Invalid semi join: field '{res.field.name}' must be an id", items[0].pos
            )
        plan = _Plan(self, q, sobject, shape={})
        return {v[:15] for row in plan.select(self.source.rows(sobject)) if (v := res.get(row))}

    def child_plan(self, parent: str, sub: SubQuery) -> _ChildPlan:
        return _ChildPlan(self, parent, sub)

    def object_name(self, q: Query) -> str:
        name = self.schema.object_name(q.sobject)
        if name is None:
            raise self.error("INVALID_TYPE", _BAD_TYPE.format(name=q.sobject), q.sobject_pos)
        return name


# --- plans -----------------------------------------------------------------------------------------


class _Plan:
    """One compiled SELECT over one sobject: filter, sort, window and record shape."""

    def __init__(self, ctx: _Ctx, q: Query, sobject: str, shape: dict[str, Any] | None = None) -> None:
        self.ctx, self.q, self.sobject = ctx, q, sobject
        self.pred = ctx.condition(sobject, q.alias, q.where) if q.where is not None else None
        if q.offset is not None and q.offset > MAX_OFFSET:
            detail = f"Maximum SOQL offset allowed is {MAX_OFFSET}"
            raise ctx.error("NUMBER_OUTSIDE_VALID_RANGE", detail, q.offset_pos)
        self.order = []
        for item in q.order_by:
            if not isinstance(item.field, FieldPath):
                raise ctx.error("MALFORMED_QUERY", _NOT_AGGREGATE_QUERY, item.field.pos)
            res = ctx.resolve(sobject, q.alias, item.field)
            self.order.append((res.get, _KEYS[res.category], item.descending, item.nulls_last))
        self.shape = self._shape() if shape is None else shape

    def _shape(self) -> dict[str, Any]:
        shape: dict[str, Any] = {}
        for item in self.q.select:
            if isinstance(item, SubQuery):
                child = self.ctx.child_plan(self.sobject, item)
                if child.name in shape:
                    raise self.ctx.error("MALFORMED_QUERY", f"duplicate field selected: {child.name}", item.pos)
                shape[child.name] = ("c", child)
                continue
            if isinstance(item, CountCall | Call):
                raise self.ctx.error("MALFORMED_QUERY", "COUNT() must be the only element in the SELECT list", item.pos)
            res = self.ctx.resolve(self.sobject, self.q.alias, item)
            node = shape
            for rel in res.rels:
                rel_name = rel.relationship_name or rel.name
                entry = node.get(rel_name)
                if entry is None:
                    entry = node[rel_name] = ("p", rel.name, {})
                node = entry[2]
            if res.field.name in node:
                raise self.ctx.error("MALFORMED_QUERY", f"duplicate field selected: {item.dotted}", item.pos)
            node[res.field.name] = ("f",)
        return shape

    def select(self, rows: Iterable[Row]) -> list[Row]:
        """Filter deleted + WHERE, then ORDER BY, OFFSET, LIMIT (stored rows, not output records)."""
        pred, keep_deleted = self.pred, self.ctx.include_deleted
        q = self.q
        stop = None if self.order or q.limit is None else (q.offset or 0) + q.limit
        out: list[Row] = []
        for row in paced(rows):
            if (keep_deleted or not row.get("IsDeleted")) and (pred is None or pred(row)):
                out.append(row)
                if stop is not None and len(out) >= stop:
                    break
        for get, key, desc, nulls_last in reversed(self.order):
            null_rank = (2 if nulls_last else 0) if not desc else (0 if nulls_last else 2)

            def sort_key(row: Row, get: Any = get, key: Any = key, null_rank: int = null_rank) -> tuple:
                v = key(get(row))
                return (null_rank, None) if v is None else (1, v)

            out.sort(key=sort_key, reverse=desc)
        start = q.offset or 0
        end = None if q.limit is None else start + q.limit
        return out[start:end] if start or end is not None else out

    def build(self, sobject: str, row: Row, shape: dict[str, Any]) -> dict[str, Any]:
        rec: dict[str, Any] = {
            "attributes": {
                "type": sobject,
                "url": f"/services/data/v{self.ctx.version}/sobjects/{sobject}/{row.get('Id')}",
            }
        }
        for name, node in shape.items():
            kind = node[0]
            if kind == "f":
                rec[name] = row.get(name)
            elif kind == "p":
                ref = row.get(node[1])
                hit = self.ctx.source.by_id(ref) if ref else None
                rec[name] = self.build(hit[0], hit[1], node[2]) if hit else None
            else:
                rec[name] = node[1].run(row.get("Id"))
        return rec


class _ChildPlan:
    """A parent-to-child subquery, run once per parent record."""

    def __init__(self, ctx: _Ctx, parent: str, sub: SubQuery) -> None:
        q = sub.query
        info = ctx.schema.child_relationship(parent, q.sobject)
        if info is None:
            raise ctx.error("INVALID_TYPE", _BAD_CHILD_REL.format(rel=q.sobject), q.sobject_pos)
        self.sobject, self.field = info
        self.name = ctx.schema.child_relationship_name(parent, q.sobject) or q.sobject
        if any(isinstance(i, SubQuery) for i in q.select):
            raise ctx.error("MALFORMED_QUERY", "Nesting of parent-child relationships is not supported", sub.pos)
        self.ctx = ctx
        self.plan = _Plan(ctx, q, self.sobject)

    def run(self, parent_id: str | None) -> dict[str, Any] | None:
        if not parent_id:
            return None
        rows = self.plan.select(self.ctx.source.children(self.sobject, self.field, parent_id))
        if not rows:
            return None
        records = [self.plan.build(self.sobject, r, self.plan.shape) for r in rows]
        return {"totalSize": len(records), "done": True, "records": records}


# --- entry point -----------------------------------------------------------------------------------


def _run_count(ctx: _Ctx, q: Query, sobject: str) -> QueryResult:
    """``SELECT COUNT() ...``: the count in totalSize, no records; anything else beside it is refused."""
    others = [i for i in q.select if not isinstance(i, CountCall)]
    if others:
        first = others[0]
        name = first.dotted if isinstance(first, FieldPath) else "subquery"
        raise ctx.error("MALFORMED_QUERY", f"Field must be grouped or aggregated: {name}", first.pos)
    plan = _Plan(ctx, q, sobject, shape={})
    return QueryResult([], len(plan.select(ctx.source.rows(sobject))), True)


def _run_aggregate(ctx: _Ctx, q: Query, sobject: str) -> QueryResult:
    """GROUP BY / aggregate functions: WHERE here, the grouping in ``soql_agg``."""
    if any(isinstance(i, SubQuery) for i in q.select):
        raise ctx.error("MALFORMED_QUERY", "Field must be grouped or aggregated: subquery", q.sobject_pos)
    if q.offset is not None and q.offset > MAX_OFFSET:
        raise ctx.error("NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}", q.offset_pos)
    bare = replace(q, order_by=(), limit=None, offset=None, group_by=(), having=None)
    rows = _Plan(ctx, bare, sobject, shape={}).select(ctx.source.rows(sobject))
    records = run_aggregate(ctx, q, sobject, rows, _KEYS)
    return QueryResult(records, len(records), False, aggregate=True)


def execute(
    text: str,
    schema: SoqlSchema,
    source: RecordSource,
    *,
    include_deleted: bool,
    api_version: str,
    now: datetime,
) -> QueryResult:
    """Run one SOQL statement; raises SoqlError with Salesforce's error code and message."""
    q = parse(text)
    ctx = _Ctx(text, schema, source, include_deleted, api_version, now)
    sobject = ctx.object_name(q)
    if is_aggregate(q):
        return _run_aggregate(ctx, q, sobject)
    if any(isinstance(i, CountCall) for i in q.select):
        return _run_count(ctx, q, sobject)
    plan = _Plan(ctx, q, sobject)
    rows = plan.select(source.rows(sobject))
    records = [plan.build(sobject, r, plan.shape) for r in paced(rows)]
    return QueryResult(records, len(records), False)
