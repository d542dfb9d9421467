"""SOQL parser: text -> immutable AST, with Salesforce's error codes and message shapes.

The emulator must reject what real Salesforce rejects (a client that works here must work there),
so the grammar is deliberately strict: no AND/OR mixing without parentheses, no unknown escapes,
unquoted date literals only. Schema checks (fields, types) happen in ``soql_exec``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

__all__ = [
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


class SoqlError(Exception):
    """A query rejected the way Salesforce rejects it (the REST layer answers 400 with this)."""

    def __init__(self, error_code: str, message: str, detail: str | None = None) -> None:
        super().__init__(f"{error_code}: {message}")
        self.error_code = error_code
        self.message = message
        self.detail = detail if detail is not None else message

    def to_json(self) -> list[dict[str, str]]:
        """The REST error body."""
        return [{"message": self.message, "errorCode": self.error_code}]


def located_error(error_code: str, detail: str, text: str, pos: int) -> SoqlError:
    """Salesforce prefixes query errors with the offending line, a caret and ERROR at Row:r:Column:c."""
    pos = max(0, min(pos, len(text)))
    row = text.count("\n", 0, pos) + 1
    line_start = text.rfind("\n", 0, pos) + 1
    line_end = text.find("\n", pos)
    line = text[line_start : line_end if line_end >= 0 else len(text)]
    col = pos - line_start + 1
    message = f"\n{line}\n{' ' * (col - 1)}^\nERROR at Row:{row}:Column:{col}\n{detail}"
    return SoqlError(error_code, message, detail)


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
class SubQuery:
    query: Query
    pos: int


@dataclass(frozen=True)
class Comparison:
    field: FieldPath
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
SelectItem = FieldPath | CountCall | SubQuery


@dataclass(frozen=True)
class OrderItem:
    field: FieldPath
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


# --- lexer ----------------------------------------------------------------------------------------

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_TOKEN_RE = re.compile(
    r"(?P<ws>\s+)"
    r"|(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))"
    r"|(?P<date>\d{4}-\d{2}-\d{2}(?![T\d]))"
    r"|(?P<baddate>\d{4}-\d{2}-\d{2}T)"
    r"|(?P<number>[+-]?(?:\d+(?:\.\d+)?|\.\d+)(?![A-Za-z_\d.]))"
    rf"|(?P<datelit>{_IDENT}:\d+)"
    rf"|(?P<ident>{_IDENT}(?:\.{_IDENT})*)"
    r"|(?P<op>!=|<>|<=|>=|=|<|>)"
    r"|(?P<punct>[(),])"
)

# Named date literals; the ones taking ":n" are in _DATE_N.
DATE_LITERALS = frozenset(
    {
        "YESTERDAY", "TODAY", "TOMORROW", "LAST_WEEK", "THIS_WEEK", "NEXT_WEEK", "LAST_MONTH",
        "THIS_MONTH", "NEXT_MONTH", "LAST_90_DAYS", "NEXT_90_DAYS", "THIS_YEAR", "LAST_YEAR", "NEXT_YEAR",
    }
)  # fmt: skip
DATE_N_LITERALS = frozenset(
    {"LAST_N_DAYS", "NEXT_N_DAYS", "N_DAYS_AGO", "LAST_N_WEEKS", "NEXT_N_WEEKS", "LAST_N_MONTHS",
     "NEXT_N_MONTHS", "LAST_N_YEARS", "NEXT_N_YEARS"}
)  # fmt: skip

_RESERVED = frozenset(
    {"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "LIMIT", "OFFSET",
     "NULL", "TRUE", "FALSE", "ASC", "DESC", "NULLS", "GROUP", "HAVING", "WITH", "FOR", "USING",
     "INCLUDES", "EXCLUDES", "TYPEOF"}
)  # fmt: skip


@dataclass(frozen=True)
class _Tok:
    kind: str  # ident, string, number, date, datetime, datelit, op, punct, eof
    value: str
    pos: int

    @property
    def upper(self) -> str:
        return self.value.upper() if self.kind == "ident" else ""


def _tokenize(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    pos = 0
    n = len(text)
    while pos < n:
        ch = text[pos]
        if ch == "'":
            end = pos + 1
            while end < n and text[end] != "'":
                end += 2 if text[end] == "\\" else 1
            if end >= n:
                detail = f"line 1:{pos} mismatched character '<EOF>' expecting '''"
                raise located_error("MALFORMED_QUERY", detail, text, pos)
            toks.append(_Tok("string", text[pos + 1 : end], pos))
            pos = end + 1
            continue
        if ch == ":":
            raise located_error("MALFORMED_QUERY", "Bind variables only allowed in Apex code", text, pos)
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            raise located_error("MALFORMED_QUERY", f"line 1:{pos} no viable alternative at character '{ch}'", text, pos)
        kind = m.lastgroup or ""
        if kind == "baddate":  # a datetime needs seconds and Z or an offset
            bad = m.end() + len(re.match(r"[\dT:.]*", text[m.end() :]).group())  # type: ignore[union-attr]
            char = text[bad] if bad < n else "<EOF>"
            raise located_error(
                "MALFORMED_QUERY", f"line 1:{bad} no viable alternative at character '{char}'", text, bad
            )
        if kind != "ws":
            toks.append(_Tok(kind, m.group(), pos))
        pos = m.end()
    toks.append(_Tok("eof", "<EOF>", n))
    return toks


_SIMPLE_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def decode_string(raw: str, *, like: bool, text: str = "", pos: int = 0) -> tuple[str, str | None]:
    """Decode SOQL escapes; for LIKE also build the regex (``%``, ``_`` wildcards, ``\\%``, ``\\_`` literal)."""
    out: list[str] = []
    rx: list[str] = []
    i = 0
    while i < len(raw):
        c = raw[i]
        if c == "\\":
            nxt = raw[i + 1] if i + 1 < len(raw) else ""
            if nxt.lower() in _SIMPLE_ESCAPES:
                lit = _SIMPLE_ESCAPES[nxt.lower()]
                i += 2
            elif nxt == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", raw[i + 2 : i + 6]):
                lit = chr(int(raw[i + 2 : i + 6], 16))
                i += 6
            elif like and nxt in "%_":
                lit = nxt
                i += 2
            else:
                seq = raw[i : i + 2]
                raise located_error(
                    "MALFORMED_QUERY",
                    f"Invalid string literal '{raw}'. Illegal character sequence '{seq}' in string literal.",
                    text,
                    pos,
                )
            out.append(lit)
            rx.append(re.escape(lit))
            continue
        out.append(c)
        if like and c == "%":
            rx.append(".*")
        elif like and c == "_":
            rx.append(".")
        else:
            rx.append(re.escape(c))
        i += 1
    return "".join(out), ("".join(rx) if like else None)


# --- parser ---------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0

    # token helpers
    @property
    def tok(self) -> _Tok:
        return self.toks[self.i]

    def advance(self) -> _Tok:
        t = self.toks[self.i]
        if t.kind != "eof":
            self.i += 1
        return t

    def unexpected(self, tok: _Tok | None = None) -> SoqlError:
        t = tok or self.tok
        return located_error("MALFORMED_QUERY", f"unexpected token: '{t.value}'", self.text, t.pos)

    def is_kw(self, *words: str) -> bool:
        return self.tok.upper in words

    def expect_kw(self, word: str) -> _Tok:
        if self.tok.upper != word:
            raise self.unexpected()
        return self.advance()

    def expect_punct(self, p: str) -> _Tok:
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
        if obj.kind != "ident" or "." in obj.value or obj.upper in _RESERVED:
            raise self.unexpected()
        self.advance()
        alias = None
        if self.tok.kind == "ident" and "." not in self.tok.value and self.tok.upper not in _RESERVED:
            alias = self.advance().value
        where = None
        if self.is_kw("WHERE"):
            self.advance()
            where = self.condition()
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
        return Query(tuple(select), obj.value, obj.pos, alias, where, order, limit, offset, text, offset_pos)

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
        if t.kind != "ident" or ("." not in t.value and t.upper in _RESERVED):
            raise self.unexpected()
        self.advance()
        if t.upper == "COUNT" and self.at_punct("("):
            self.advance()
            field = None
            if not self.at_punct(")"):
                field = self.field_path()
            self.expect_punct(")")
            alias = None
            if self.tok.kind == "ident" and "." not in self.tok.value and self.tok.upper not in _RESERVED:
                alias = self.advance().value
            return CountCall(field, alias, t.pos)
        if self.at_punct("("):  # other functions (SUM, toLabel, ...) are not emulated
            raise self.unexpected()
        return FieldPath(tuple(t.value.split(".")), t.pos)

    def field_path(self) -> FieldPath:
        t = self.tok
        if t.kind != "ident" or ("." not in t.value and t.upper in _RESERVED):
            raise self.unexpected()
        self.advance()
        return FieldPath(tuple(t.value.split(".")), t.pos)

    def order_list(self) -> tuple[OrderItem, ...]:
        items = []
        while True:
            field = self.field_path()
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
        field = self.field_path()
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
