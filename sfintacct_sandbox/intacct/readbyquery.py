"""The legacy ``readByQuery`` query text: a SQL WHERE subset, compiled once into a row predicate.

Grammar (DOC-Q "Supported operators"): ``= != <> < > <= >=``, ``[NOT] LIKE``, ``[NOT] IN (...)``,
``IS [NOT] NULL``, ``AND``, ``OR``, prefix ``NOT``, parentheses and the ``rownum`` pseudo-column.
Keywords and field names are case-insensitive; string literals are single-quoted with ``\\'`` escapes
and compared case-sensitively. Related (dotted) fields are joins, which readByQuery cannot filter on.

Unlike ``query``, readByQuery compares the values stored in the database: booleans and the
``STATUS`` field are ``'T'``/``'F'`` (DOC-Q: ``STATUS = 'F' AND ONETIME = 'T'`` lists inactive,
one-time vendors), so ``STATUS = 'active'`` matches nothing, as on the real system. Callers can pass
``db_codes`` for other coded fields (e.g. :data:`SODOCUMENT_STATE_CODES`).

Every malformed text answers ``DL02000001`` "There was an error processing the request.", which is
what Intacct answers for bad query text, unknown fields and badly formatted dates.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from .querycore import (
    COMPARATORS,
    GENERIC_ERROR,
    FieldTypes,
    Pred,
    QueryError,
    and_pred,
    compare_pred,
    in_pred,
    key_getter,
    like_pred,
    like_regex,
    literal_key,
    not_pred,
    null_pred,
    or_pred,
)

DbCodes = Callable[[str], dict[str, str] | None]  # field -> {wire value: stored code}
MAX_PAGESIZE = 1000
BOOLEAN_CODES = {"true": "T", "false": "F"}
STATUS_CODES = {"active": "T", "inactive": "F"}
SODOCUMENT_STATE_CODES = {
    "Submitted": "S",
    "Approved": "A",
    "Partially Approved": "X",
    "Declined": "R",
    "Draft": "I",
    "Pending": "O",
    "Closed": "D",
    "In Progress": "G",
    "Converted": "C",
    "Partially Converted": "P",
}
_OPS = {"=": "equalto", "!=": "notequalto", "<>": "notequalto", "<": "lessthan", "<=": "lessthanorequalto"}
_OPS |= {">": "greaterthan", ">=": "greaterthanorequalto"}
_KEYWORDS = frozenset({"AND", "OR", "NOT", "LIKE", "IN", "IS", "NULL"})
_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<num>-?\d+(?:\.\d+)?(?![\w.]))|(?P<op><>|!=|<=|>=|=|<|>)"
    r"|(?P<punct>[(),])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))",
    re.DOTALL,
)


def syntax_error(detail: str) -> QueryError:
    return QueryError("DL02000001", GENERIC_ERROR, description=detail)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos, end = 0, len(text.rstrip())
    while pos < end:
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise syntax_error(f"Invalid query near '{text[pos:].strip()[:30]}'")
        kind = m.lastgroup or ""
        value = m.group(kind)
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1], flags=re.DOTALL)
        elif kind == "word" and value.upper() in _KEYWORDS:
            kind, value = "kw", value.upper()
        tokens.append((kind, value))
        pos = m.end()
    return tokens


def default_db_codes(field_types: FieldTypes) -> DbCodes:
    """Booleans and STATUS are stored as T/F."""

    def codes(name: str) -> dict[str, str] | None:
        if name == "STATUS":
            return STATUS_CODES
        return BOOLEAN_CODES if field_types(name) == "boolean" else None

    return codes


class WherePredicate:
    """A compiled where clause. With ``rownum`` it counts accepted rows (Oracle semantics), so it serves
    one scan: call :meth:`reset` before scanning again."""

    def __init__(self, text: str, field_types: FieldTypes, db_codes: DbCodes | None) -> None:
        self._types = field_types
        self._codes = db_codes or default_db_codes(field_types)
        self._tokens = _tokenize(text)
        self._pos = 0
        self.accepted = 0
        self.uses_rownum = False
        self._pred: Pred | None = None
        if self._tokens:
            self._pred = self._or()
            if self._pos < len(self._tokens):
                raise syntax_error(f"Unexpected '{self._tokens[self._pos][1]}'")

    def reset(self) -> None:
        self.accepted = 0

    def __call__(self, row: dict) -> bool:
        if self._pred is None:
            return True
        ok = self._pred(row) is True
        if ok:
            self.accepted += 1
        return ok

    # --- recursive descent -------------------------------------------------------------------

    def _peek(self) -> tuple[str, str]:
        return self._tokens[self._pos] if self._pos < len(self._tokens) else ("eof", "")

    def _take(self, kind: str, value: str | None = None) -> str:
        tok = self._peek()
        if tok[0] != kind or (value is not None and tok[1] != value):
            raise syntax_error(
                f"Expected {value or kind} but found '{tok[1]}'" if tok[0] != "eof" else "Incomplete query"
            )
        self._pos += 1
        return tok[1]

    def _accept_kw(self, word: str) -> bool:
        if self._peek() == ("kw", word):
            self._pos += 1
            return True
        return False

    def _or(self) -> Pred:
        preds = [self._and()]
        while self._accept_kw("OR"):
            preds.append(self._and())
        return preds[0] if len(preds) == 1 else or_pred(preds)

    def _and(self) -> Pred:
        preds = [self._not()]
        while self._accept_kw("AND"):
            preds.append(self._not())
        return preds[0] if len(preds) == 1 else and_pred(preds)

    def _not(self) -> Pred:
        if self._accept_kw("NOT"):
            return not_pred(self._not())
        if self._peek() == ("punct", "("):
            self._pos += 1
            inner = self._or()
            self._take("punct", ")")
            return inner
        return self._comparison()

    def _literal(self) -> str | None:
        kind, value = self._peek()
        if kind in ("str", "num"):
            self._pos += 1
            return value
        if (kind, value) == ("kw", "NULL"):
            self._pos += 1
            return None
        raise syntax_error(f"Expected a value but found '{value}'" if kind != "eof" else "Incomplete query")

    def _field(self) -> tuple[str, str, Callable[[dict], Any] | None]:
        raw = self._take("word")
        name = raw.upper()
        if name == "ROWNUM":
            self.uses_rownum = True
            return name, "integer", lambda _row: Decimal(self.accepted + 1)
        ftype = None if "." in name else self._types(name)
        if ftype is None:
            raise syntax_error(f"Invalid field '{raw}' in query")
        codes = self._codes(name)
        if codes is not None:  # compare the stored code, as text
            return name, "text", lambda row: codes.get(v, v) if (v := row.get(name)) else None
        return name, ftype, None

    def _comparison(self) -> Pred:
        name, ftype, coded_get = self._field()
        get = coded_get or key_getter(name, ftype)
        kind, value = self._peek()
        if kind == "op":
            self._pos += 1
            lit = self._literal()
            return compare_pred(get, COMPARATORS[_OPS[value]], self._key(ftype, lit, name))
        if (kind, value) == ("kw", "IS"):
            self._pos += 1
            negate = self._accept_kw("NOT")
            self._take("kw", "NULL")
            return (lambda _row: negate) if name == "ROWNUM" else null_pred(name, negate)
        negate = self._accept_kw("NOT")
        if self._accept_kw("LIKE"):
            pattern = self._literal()
            if coded_get is not None:
                return self._like_on_key(get, pattern or "", negate)
            return like_pred(name, pattern or "", False, negate)
        if self._accept_kw("IN"):
            self._take("punct", "(")
            lits = [self._key(ftype, self._literal(), name)]
            while self._peek() == ("punct", ","):
                self._pos += 1
                lits.append(self._key(ftype, self._literal(), name))
            self._take("punct", ")")
            return in_pred(get, lits, negate)
        raise syntax_error(f"Expected an operator after {name}" if kind == "eof" else f"Unexpected '{value}'")

    @staticmethod
    def _key(ftype: str, lit: str | None, name: str) -> Any:
        return None if lit is None else literal_key(ftype, lit, name)

    @staticmethod
    def _like_on_key(get: Callable[[dict], Any], pattern: str, negate: bool) -> Pred:
        if not pattern:
            return lambda row: None
        match = like_regex(pattern).fullmatch

        def pred(row: dict) -> bool | None:
            k = get(row)
            if k is None:
                return None
            return (match(str(k)) is None) == negate

        return pred


def compile_where(text: str, field_types: FieldTypes, *, db_codes: DbCodes | None = None) -> WherePredicate:
    """Compile readByQuery ``<query>`` text ("" or whitespace: every row). Raises :class:`QueryError`."""
    return WherePredicate(text or "", field_types, db_codes)


def select_fields(fields_text: str, field_types: FieldTypes, all_fields: list[str]) -> list[str]:
    """``*`` -> every field of the object; ``A,B,C`` -> those (case-insensitive), in order, validated."""
    text = (fields_text or "").strip()
    if text == "*":
        return list(all_fields)
    names: list[str] = []
    for item in text.split(","):
        name = item.strip().upper()
        if not name or name == "*" or field_types(name) is None:
            raise QueryError("DL02000001", GENERIC_ERROR, description=f"Invalid fields list {item.strip() or text}")
        if name not in names:
            names.append(name)
    return names
