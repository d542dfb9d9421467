"""SOQL lexer and the located error: tokens, string escapes, and Salesforce's error shape.

Split from the parser so the grammar (``soql``) stays readable; nothing here knows the AST.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "DATE_LITERALS",
    "DATE_N_LITERALS",
    "RESERVED",
    "SoqlError",
    "Tok",
    "decode_string",
    "located_error",
    "tokenize",
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

RESERVED = frozenset(
    {"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "LIKE", "ORDER", "BY", "LIMIT", "OFFSET",
     "NULL", "TRUE", "FALSE", "ASC", "DESC", "NULLS", "GROUP", "HAVING", "WITH", "FOR", "USING",
     "INCLUDES", "EXCLUDES", "TYPEOF"}
)  # fmt: skip


@dataclass(frozen=True)
class Tok:
    kind: str  # ident, string, number, date, datetime, datelit, op, punct, eof
    value: str
    pos: int

    @property
    def upper(self) -> str:
        return self.value.upper() if self.kind == "ident" else ""


def tokenize(text: str) -> list[Tok]:
    toks: list[Tok] = []
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
            toks.append(Tok("string", text[pos + 1 : end], pos))
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
            toks.append(Tok(kind, m.group(), pos))
        pos = m.end()
    toks.append(Tok("eof", "<EOF>", n))
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
