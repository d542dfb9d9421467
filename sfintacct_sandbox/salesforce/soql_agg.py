"""SOQL aggregate queries: GROUP BY, aggregate functions, date functions, HAVING and their errors.

Run after the WHERE clause (``soql_exec`` filters the rows, then hands them here), so the row
filter is the same code for both kinds of query. Results follow the REST shape of an
``AggregateResult``: ``attributes`` with the type only (no url: a group is no record), the
grouped fields under their API names, and every function under its alias or ``expr0``,
``expr1``, ... counted over the functions without an alias, in SELECT order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from .soql import (
    DATE_FUNCTIONS,
    Call,
    Comparison,
    CountCall,
    FieldInfo,
    FieldPath,
    Literal,
    Logical,
    Not,
    Query,
    SoqlError,
    SubQuery,
)

__all__ = ["AggCtx", "is_aggregate", "run_aggregate"]

Row = dict[str, Any]
NUMERIC = frozenset({"double", "currency", "percent", "int", "long"})
_NO_AGGREGATE = frozenset({"boolean", "base64", "multipicklist", "time", "encryptedstring", "address", "location"})
_NOT_GROUPED = "Field must be grouped or aggregated: {name}"


class Resolved(Protocol):
    field: FieldInfo
    category: str
    get: Callable[[Row], Any]


class AggCtx(Protocol):
    """What the executor's compile context offers: field resolution and located errors."""

    def resolve(self, sobject: str, alias: str | None, path: FieldPath) -> Any: ...
    def error(self, code: str, detail: str, pos: int) -> SoqlError: ...
    def literal_key(self, res: Any, lit: Literal) -> Any: ...


def is_aggregate(q: Query) -> bool:
    """GROUP BY, or any function in SELECT other than a lone COUNT() (which answers totalSize only)."""
    if q.group_by or q.having is not None:
        return True
    return any(isinstance(i, Call) or (isinstance(i, CountCall) and i.field is not None) for i in q.select)


@dataclass
class _Expr:
    """One grouped field, date function or aggregate, compiled: ``sig`` says when two are the same."""

    sig: tuple[Any, ...]
    name: str  # output name when selected
    key: Callable[[Any], Any]  # value -> comparable key (None = null)
    row_value: Callable[[Row], Any] | None = None  # grouped expressions: the value of one row
    group_value: Callable[[list[Row]], Any] | None = None  # aggregates: the value of a group


def _field_sig(res: Any) -> tuple[Any, ...]:
    return ("f", res.field.name, tuple(r.name for r in getattr(res, "rels", ())))


def _date_part(func: str, raw: Any) -> int | None:
    if not raw:
        return None
    if len(raw) == 10:
        d = datetime.fromisoformat(raw)
    else:
        d = datetime.fromisoformat(raw.replace("+0000", "+00:00")).astimezone(UTC)
    return {"CALENDAR_MONTH": d.month, "CALENDAR_YEAR": d.year, "CALENDAR_QUARTER": (d.month - 1) // 3 + 1}[func]


class _Compiler:
    def __init__(self, ctx: AggCtx, q: Query, sobject: str, keys: dict[str, Callable[[Any], Any]]) -> None:
        self.ctx, self.q, self.sobject, self.keys = ctx, q, sobject, keys
        self.groups = [self.grouped(item, in_group_by=True) for item in q.group_by]
        self.sigs = {g.sig: g for g in self.groups}

    def resolve(self, path: FieldPath) -> Any:
        return self.ctx.resolve(self.sobject, self.q.alias, path)

    def grouped(self, item: FieldPath | Call, *, in_group_by: bool) -> _Expr:
        """A grouped field or a date function (checked groupable when it is in GROUP BY)."""
        if isinstance(item, FieldPath):
            res = self.resolve(item)
            ftype, fname = res.field.type, res.field.name
            long_text = ftype == "textarea" and getattr(res.field, "length", 0) > 255
            if in_group_by and ((ftype in NUMERIC and ftype != "int") or ftype in _NO_AGGREGATE or long_text):
                raise self.ctx.error("MALFORMED_QUERY", f"field '{fname}' can not be grouped in a query call", item.pos)
            return _Expr(_field_sig(res), fname, self.keys[res.category], row_value=res.get)
        res = self.resolve(item.field)
        if res.field.type not in ("date", "datetime"):
            detail = f"field {res.field.name} does not support date function {item.func}"
            raise self.ctx.error("MALFORMED_QUERY", detail, item.field.pos)
        get, func = res.get, item.func
        return _Expr(("d", func, _field_sig(res)), "", lambda v: v, row_value=lambda row: _date_part(func, get(row)))

    def aggregate(self, item: CountCall | Call) -> _Expr:
        func = "COUNT" if isinstance(item, CountCall) else item.func
        assert item.field is not None
        res = self.resolve(item.field)
        ftype, get = res.field.type, res.get
        key = self.keys[res.category]
        if ftype in _NO_AGGREGATE or (func in ("SUM", "AVG") and ftype not in NUMERIC):
            detail = f"field {res.field.name} does not support aggregate operator {func}"
            raise self.ctx.error("MALFORMED_QUERY", detail, item.field.pos)

        def present(rows: list[Row]) -> list[Any]:
            return [v for r in rows if (v := get(r)) not in (None, "")]

        def total(rows: list[Row]) -> Any:
            vals = present(rows)
            return (sum(vals) if ftype == "int" else float(sum(vals))) if vals else None

        def extreme(pick: Callable[..., Any]) -> Callable[[list[Row]], Any]:
            return lambda rows: pick(vals, key=key) if (vals := present(rows)) else None

        fns: dict[str, Callable[[list[Row]], Any]] = {
            "COUNT": lambda rows: len(present(rows)),
            "COUNT_DISTINCT": lambda rows: len({key(v) for v in present(rows)}),
            "SUM": total,
            "AVG": lambda rows: float(sum(vals)) / len(vals) if (vals := present(rows)) else None,
            "MIN": extreme(min),
            "MAX": extreme(max),
        }
        if ("f", *_field_sig(res)[1:]) in self.sigs:  # COUNT(Id) ... GROUP BY Id
            detail = f"Grouped field should not be aggregated: {item.field.dotted}"
            raise self.ctx.error("MALFORMED_QUERY", detail, item.field.pos)
        value_key = key if func in ("MIN", "MAX") else (lambda v: v)
        return _Expr(("a", func, _field_sig(res)), "", value_key, group_value=fns[func])

    def expr(self, item: Any, *, where: str) -> _Expr:
        """A SELECT, HAVING or ORDER BY expression of an aggregate query, grouped or aggregated."""
        if isinstance(item, CountCall) or (isinstance(item, Call) and item.func not in DATE_FUNCTIONS):
            return self.aggregate(item)
        expr = self.grouped(item, in_group_by=False)
        if expr.sig in self.sigs:
            return self.sigs[expr.sig]
        if isinstance(item, Call) and expr.sig[2] in self.sigs and item.field is not None:
            res = self.resolve(item.field)
            if res.field.type == "date":  # a date field grouped as itself may be shown through a date function
                return expr
        name = item.dotted if isinstance(item, FieldPath) else item.field.dotted
        template = "Ordered field must be grouped or aggregated: {name}" if where == "order" else _NOT_GROUPED
        raise self.ctx.error("MALFORMED_QUERY", template.format(name=name), item.pos)

    def select(self) -> list[_Expr]:
        out: list[_Expr] = []
        n = 0
        for item in self.q.select:
            if isinstance(item, SubQuery):
                raise self.ctx.error("MALFORMED_QUERY", _NOT_GROUPED.format(name="subquery"), item.pos)
            if isinstance(item, CountCall) and item.field is None:
                detail = "COUNT() must be the only element in the SELECT list"
                raise self.ctx.error("MALFORMED_QUERY", detail, item.pos)
            expr = self.expr(item, where="select")
            if isinstance(item, FieldPath):
                name = expr.name
            elif item.alias:
                name = item.alias
            else:
                name, n = f"expr{n}", n + 1
            if any(o.name.lower() == name.lower() for o in out):
                raise self.ctx.error("MALFORMED_QUERY", f"duplicate alias: {name}", item.pos)
            out.append(_Expr(expr.sig, name, expr.key, expr.row_value, expr.group_value))
        return out

    def having(self, cond: Any) -> Callable[[Row, list[Row]], bool]:
        """A HAVING condition as a predicate over (a representative row, the group's rows)."""
        if isinstance(cond, Logical):
            preds = [self.having(c) for c in cond.items]
            if cond.op == "AND":
                return lambda r, g: all(p(r, g) for p in preds)
            return lambda r, g: any(p(r, g) for p in preds)
        if isinstance(cond, Not):
            inner = self.having(cond.item)
            return lambda r, g: not inner(r, g)
        return self.having_comparison(cond)

    def having_comparison(self, cmp: Comparison) -> Callable[[Row, list[Row]], bool]:
        expr = self.expr(cmp.field, where="having")
        lit = cmp.value
        if not isinstance(lit, Literal) or cmp.op not in ("=", "!=", "<", "<=", ">", ">="):
            raise self.ctx.error("MALFORMED_QUERY", f"unexpected token: '{cmp.op}'", cmp.pos)
        if isinstance(cmp.field, FieldPath):
            target = self.ctx.literal_key(self.resolve(cmp.field), lit)
        elif lit.kind not in ("number", "null"):
            detail = "value of filter criterion for field must be of type double and should not be enclosed in quotes"
            raise self.ctx.error("INVALID_FIELD", detail, lit.pos)
        else:
            target = lit.value
        value = self.value_of(expr)
        key, op = expr.key, cmp.op

        def test(row: Row, group: list[Row]) -> bool:
            v = key(value(row, group))
            if v is None or target is None:
                return (v is None) == (target is None) if op == "=" else (v is None) != (target is None)
            return {"=": v == target, "!=": v != target, "<": v < target, "<=": v <= target, ">": v > target}.get(
                op, v >= target
            )

        return test

    @staticmethod
    def value_of(expr: _Expr) -> Callable[[Row, list[Row]], Any]:
        if expr.group_value is not None:
            fn = expr.group_value
            return lambda row, group: fn(group)
        get = expr.row_value
        assert get is not None
        return lambda row, group: get(row)


def _sort(items: list[tuple[Row, list[Row]]], keys: Sequence[tuple[Callable[..., Any], bool, bool]]) -> None:
    for value, desc, nulls_last in reversed(keys):
        null_rank = (2 if nulls_last else 0) if not desc else (0 if nulls_last else 2)

        def sort_key(item: tuple[Row, list[Row]], value: Any = value, null_rank: int = null_rank) -> tuple:
            v = value(*item)
            return (null_rank, None) if v is None else (1, v)

        items.sort(key=sort_key, reverse=desc)


def run_aggregate(
    ctx: AggCtx, q: Query, sobject: str, rows: Iterable[Row], keys: dict[str, Callable[[Any], Any]]
) -> list[dict[str, Any]]:
    """The AggregateResult records of one aggregate query over the rows its WHERE clause kept."""
    comp = _Compiler(ctx, q, sobject, keys)
    selected = comp.select()
    having = comp.having(q.having) if q.having is not None else None
    order = []
    for item in q.order_by:
        expr = comp.expr(item.field, where="order")
        get = comp.value_of(expr)
        order.append((lambda r, g, get=get, key=expr.key: key(get(r, g)), item.descending, item.nulls_last))
    buckets: dict[tuple[Any, ...], list[Row]] = {}
    for row in rows:
        gkey = tuple(g.key(g.row_value(row)) for g in comp.groups if g.row_value is not None)
        buckets.setdefault(gkey, []).append(row)
    if not q.group_by and not buckets:
        buckets[()] = []  # no GROUP BY: one result even over no rows (COUNT 0, SUM null)
    items = [(group[0] if group else {}, group) for group in buckets.values()]
    if having is not None:
        items = [it for it in items if having(*it)]
    default = [
        (lambda r, g, gr=gr: gr.key(gr.row_value(r)) if gr.row_value else None, False, False) for gr in comp.groups
    ]
    _sort(items, order or default)
    start = q.offset or 0
    end = None if q.limit is None else start + q.limit
    items = items[start:end]
    values = [(e.name, comp.value_of(e)) for e in selected]
    return [{"attributes": {"type": "AggregateResult"}} | {n: fn(r, g) for n, fn in values} for r, g in items]
