"""SOQL parser: text -> immutable AST, with Salesforce's error codes and message shapes.

The emulator must reject what real Salesforce rejects (a client that works here must work there),
so the grammar is deliberately strict: no AND/OR mixing without parentheses, no unknown escapes,
unquoted date literals only. Schema checks (fields, types) happen in ``soql_exec``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from .soql_lex import (
    DATE_LITERALS,
    DATE_N_LITERALS,
    RESERVED,
    SoqlError,
    Tok,
    decode_string,
    located_error,
    tokenize,
)

__all__ = [
    "AGGREGATE_FUNCTIONS",
    "DATE_FUNCTIONS",
    "Call",
    "Comparison",
    "CountCall",
    "FieldInfo",
    "FieldPath",
    "Literal",
    "Logical",
    "Not",
    "OrderItem",
    "Query",
    "RecordSource",
    "SoqlError",
    "SoqlSchema",
    "SubQuery",
    "parse",
]


# --- schema / data protocols (implemented by the Salesforce org model) ---------------------------


class FieldInfo(Protocol):
    name: str  # canonical API name
    type: str  # describe type: id, string, ..., date, datetime, reference
    reference_to: tuple[str, ...]
    relationship_name: str | None


class SoqlSchema(Protocol):
    def object_name(self, sobject: str) -> str | None: ...
    def get_field(self, sobject: str, name: str) -> FieldInfo | None: ...
    def parent_relationship(self, sobject: str, rel: str) -> FieldInfo | None: ...
    def child_relationship(self, sobject: str, rel: str) -> tuple[str, str] | None: ...
    def child_relationship_name(self, sobject: str, rel: str) -> str | None: ...


class RecordSource(Protocol):
    def rows(self, sobject: str) -> Iterable[dict[str, Any]]: ...
    def by_id(self, record_id: str) -> tuple[str, dict[str, Any]] | None: ...
    def children(self, child_sobject: str, field: str, parent_id: str) -> Iterable[dict[str, Any]]: ...


# --- AST ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    """kind: string, number, boolean, null, date, datetime, datelit (named, e.g. LAST_N_DAYS:7)."""

    kind: str
    value: Any  # str | int | float | bool | None | (name, n) for datelit
    pos: int
    raw: str
    pattern: str | None = None  # regex source when the literal is a LIKE pattern


@dataclass(frozen=True)
class FieldPath:
    parts: tuple[str, ...]
    pos: int

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class CountCall:
    field: FieldPath | None  # None for COUNT()
    alias: str | None
    pos: int


@dataclass(frozen=True)
class Call:
    """An aggregate (SUM, AVG, MIN, MAX, COUNT_DISTINCT) or a date function (CALENDAR_MONTH, ...)."""

    func: str  # upper case
    field: FieldPath
    alias: str | None
    pos: int


AGGREGATE_FUNCTIONS = frozenset({"COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"})
DATE_FUNCTIONS = frozenset({"CALENDAR_MONTH", "CALENDAR_QUARTER", "CALENDAR_YEAR"})
Expr = FieldPath | CountCall | Call


@dataclass(frozen=True)
class SubQuery:
    query: Query
    pos: int


@dataclass(frozen=True)
class Comparison:
    field: Expr  # a function only in HAVING (and date functions, not emulated in WHERE)
    op: str  # = != < <= > >= IN NOT IN LIKE
    value: Literal | tuple[Literal, ...] | Query
    pos: int


@dataclass(frozen=True)
class Logical:
    op: str  # AND | OR
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition = Comparison | Logical | Not
SelectItem = FieldPath | CountCall | Call | SubQuery


@dataclass(frozen=True)
class OrderItem:
    field: Expr
    descending: bool
    nulls_last: bool


@dataclass(frozen=True)
class Query:
    select: tuple[SelectItem, ...]
    sobject: str
    sobject_pos: int
    alias: str | None
    where: Condition | None
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None
    text: str
    offset_pos: int = 0
    group_by: tuple[FieldPath | Call, ...] = ()
    having: Condition | None = None


# --- parser ---------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokenize(text)
        self.i = 0

    # token helpers
    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def advance(self) -> Tok:
        t = self.toks[self.i]
        if t.kind != "eof":
            self.i += 1
        return t

    def unexpected(self, tok: Tok | None = None) -> SoqlError:
        t = tok or self.tok
        return located_error("MALFORMED_QUERY", f"unexpected token: '{t.value}'", self.text, t.pos)

    def is_kw(self, *words: str) -> bool:
        return self.tok.upper in words

    def expect_kw(self, word: str) -> Tok:
        if self.tok.upper != word:
            raise self.unexpected()
        return self.advance()

    def expect_punct(self, p: str) -> Tok:
        if not (self.tok.kind == "punct" and self.tok.value == p):
            raise self.unexpected()
        return self.advance()

    def at_punct(self, p: str) -> bool:
        return self.tok.kind == "punct" and self.tok.value == p

    # grammar
    def query(self, nested: bool) -> Query:
        start = self.tok.pos
        self.expect_kw("SELECT")
        select = self.select_list()
        self.expect_kw("FROM")
        obj = self.tok
        if obj.kind != "ident" or "." in obj.value or obj.upper in RESERVED:
            raise self.unexpected()
        self.advance()
        alias = None
        if self.tok.kind == "ident" and "." not in self.tok.value and self.tok.upper not in RESERVED:
            alias = self.advance().value
        where = None
        if self.is_kw("WHERE"):
            self.advance()
            where = self.condition()
        group_by: tuple[FieldPath | Call, ...] = ()
        having = None
        if self.is_kw("GROUP"):
            self.advance()
            self.expect_kw("BY")
            group_by = self.group_list()
        if self.is_kw("HAVING"):
            self.advance()
            having = self.condition()
        order: tuple[OrderItem, ...] = ()
        if self.is_kw("ORDER"):
            self.advance()
            self.expect_kw("BY")
            order = self.order_list()
        limit = offset = None
        offset_pos = 0
        if self.is_kw("LIMIT"):
            self.advance()
            limit = self.integer()
        if self.is_kw("OFFSET"):
            self.advance()
            offset_pos = self.tok.pos
            offset = self.integer()
        end_ok = self.at_punct(")") if nested else self.tok.kind == "eof"
        if not end_ok:
            raise self.unexpected()
        end = self.tok.pos
        text = self.text[start:end]
        return Query(
            tuple(select), obj.value, obj.pos, alias, where, order, limit, offset, text, offset_pos, group_by, having
        )

    def group_list(self) -> tuple[FieldPath | Call, ...]:
        items: list[FieldPath | Call] = []
        while True:
            item = self.expr()
            if isinstance(item, CountCall) or (isinstance(item, Call) and item.func not in DATE_FUNCTIONS):
                raise located_error(
                    "MALFORMED_QUERY", f"unexpected token: '{self.text[item.pos :].split('(')[0]}'", self.text, item.pos
                )
            items.append(item)
            if not self.at_punct(","):
                return tuple(items)
            self.advance()

    def expr(self) -> Expr:
        """A field path or a function call: COUNT(), COUNT(f), SUM(f), ..., CALENDAR_MONTH(f)."""
        t = self.tok
        nxt = self.toks[min(self.i + 1, len(self.toks) - 1)]
        if not (t.kind == "ident" and "." not in t.value and nxt.kind == "punct" and nxt.value == "("):
            return self.field_path()
        name = t.upper
        if name not in AGGREGATE_FUNCTIONS and name not in DATE_FUNCTIONS:  # toLabel, FORMAT, ... not emulated
            raise self.unexpected(nxt)
        self.advance()
        self.advance()
        if name == "COUNT":
            field = None if self.at_punct(")") else self.field_path()
            self.expect_punct(")")
            return CountCall(field, None, t.pos)
        field = self.field_path()
        self.expect_punct(")")
        return Call(name, field, None, t.pos)

    def integer(self) -> int:
        t = self.tok
        if t.kind != "number" or not t.value.isdigit():
            raise self.unexpected()
        self.advance()
        return int(t.value)

    def select_list(self) -> list[SelectItem]:
        items: list[SelectItem] = [self.select_item()]
        while self.at_punct(","):
            self.advance()
            items.append(self.select_item())
        return items

    def select_item(self) -> SelectItem:
        t = self.tok
        if self.at_punct("("):
            self.advance()
            sub = self.query(nested=True)
            self.expect_punct(")")
            return SubQuery(sub, t.pos)
        if t.kind != "ident" or ("." not in t.value and t.upper in RESERVED):
            raise self.unexpected()
        item = self.expr()
        if isinstance(item, FieldPath):
            return item
        alias = None
        if self.tok.kind == "ident" and "." not in self.tok.value and self.tok.upper not in RESERVED:
            alias = self.advance().value
        if isinstance(item, CountCall):
            return CountCall(item.field, alias, item.pos)
        return Call(item.func, item.field, alias, item.pos)

    def field_path(self) -> FieldPath:
        t = self.tok
        if t.kind != "ident" or ("." not in t.value and t.upper in RESERVED):
            raise self.unexpected()
        self.advance()
        return FieldPath(tuple(t.value.split(".")), t.pos)

    def order_list(self) -> tuple[OrderItem, ...]:
        items = []
        while True:
            field = self.expr()
            desc = False
            if self.is_kw("ASC", "DESC"):
                desc = self.advance().upper == "DESC"
            nulls_last = False
            if self.is_kw("NULLS"):
                self.advance()
                if not self.is_kw("FIRST", "LAST"):
                    raise self.unexpected()
                nulls_last = self.advance().upper == "LAST"
            items.append(OrderItem(field, desc, nulls_last))
            if not self.at_punct(","):
                return tuple(items)
            self.advance()

    def condition(self) -> Condition:
        first = self.term()
        if not self.is_kw("AND", "OR"):
            return first
        op = self.tok.upper
        items = [first]
        while self.is_kw("AND", "OR"):
            if self.tok.upper != op:  # SOQL demands parentheses when mixing AND and OR
                raise self.unexpected()
            self.advance()
            items.append(self.term())
        return Logical(op, tuple(items))

    def term(self) -> Condition:
        if self.is_kw("NOT"):
            self.advance()
            return Not(self.term())
        if self.at_punct("("):
            self.advance()
            inner = self.condition()
            self.expect_punct(")")
            return inner
        return self.comparison()

    def comparison(self) -> Comparison:
        field = self.expr()
        t = self.tok
        if t.kind == "op":
            self.advance()
            op = "!=" if t.value == "<>" else t.value
            return Comparison(field, op, self.literal(like=False), t.pos)
        if t.upper == "LIKE":
            self.advance()
            return Comparison(field, "LIKE", self.literal(like=True), t.pos)
        if t.upper in ("IN", "NOT"):
            self.advance()
            op = "IN"
            if t.upper == "NOT":
                self.expect_kw("IN")
                op = "NOT IN"
            self.expect_punct("(")
            if self.is_kw("SELECT"):
                sub = self.query(nested=True)
                self.expect_punct(")")
                return Comparison(field, op, sub, t.pos)
            values = [self.literal(like=False)]
            while self.at_punct(","):
                self.advance()
                values.append(self.literal(like=False))
            self.expect_punct(")")
            return Comparison(field, op, tuple(values), t.pos)
        raise self.unexpected()

    def literal(self, like: bool) -> Literal:
        t = self.tok
        if t.kind == "string":
            self.advance()
            value, pattern = decode_string(t.value, like=like, text=self.text, pos=t.pos)
            return Literal("string", value, t.pos, t.value, pattern)
        if t.kind == "number":
            self.advance()
            v = t.value
            num: int | float = float(v) if "." in v else int(v)
            return Literal("number", num, t.pos, v)
        if t.kind in ("date", "datetime"):
            try:  # shape is lexed; the calendar (month 13, hour 25) is checked here
                (datetime if t.kind == "datetime" else date).fromisoformat(t.value)
            except ValueError:
                raise located_error(
                    "MALFORMED_QUERY", f"line 1:{t.pos} invalid {t.kind} literal: {t.value}", self.text, t.pos
                ) from None
            self.advance()
            return Literal(t.kind, t.value, t.pos, t.value)
        if t.kind == "datelit":
            name, _, n = t.value.partition(":")
            if name.upper() not in DATE_N_LITERALS:
                raise self.unexpected()
            self.advance()
            return Literal("datelit", (name.upper(), int(n)), t.pos, t.value)
        if t.kind == "ident" and "." not in t.value:
            word = t.upper
            if word in ("TRUE", "FALSE"):
                self.advance()
                return Literal("boolean", word == "TRUE", t.pos, t.value)
            if word == "NULL":
                self.advance()
                return Literal("null", None, t.pos, t.value)
            if word in DATE_LITERALS:
                self.advance()
                return Literal("datelit", (word, 0), t.pos, t.value)
        raise self.unexpected()


@functools.lru_cache(maxsize=512)
def parse(text: str) -> Query:
    """Parse a SOQL statement; raises SoqlError(MALFORMED_QUERY, ...) on bad syntax."""
    p = _Parser(text)
    if p.tok.kind == "eof":
        raise p.unexpected()
    return p.query(nested=False)
