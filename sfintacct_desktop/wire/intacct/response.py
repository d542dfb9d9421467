"""Hardened parsing of gateway responses into typed outcomes.

Why hardened: the response comes from the network. A DOCTYPE (external entities, billion laughs)
is refused before and after parsing, the parser never loads DTDs or touches the network, and the
three error levels become exceptions (control, authentication) or per-function ``Result`` errors.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from ..xml_safe import DTD_MARK, PROLOG_SCAN, carries_dtd, hardened_parser
from .errors import (
    IntacctAuthError,
    IntacctControlError,
    IntacctError,
    IntacctHostileResponseError,
    IntacctResponseError,
)


def _prolog(body: bytes) -> bytes:
    """The bytes before the root element's start tag (where a DOCTYPE would have to be)."""
    i = 0
    n = min(len(body), PROLOG_SCAN)
    while i < n:
        j = body.find(b"<", i, n)
        if j < 0:
            return body[:n]
        nxt = body[j + 1 : j + 2]
        if nxt in (b"?", b"!"):
            if body.startswith(b"<!--", j):
                end = body.find(b"-->", j + 4)
                i = end + 3 if end >= 0 else n
                continue
            if nxt == b"?":
                end = body.find(b"?>", j + 2)
                i = end + 2 if end >= 0 else n
                continue
            return body[: max(n, j + 16)]  # a <!DOCTYPE or <!ENTITY: keep it for the check
        return body[:j]
    return body[:n]


def parse_xml(body: bytes) -> etree._Element:
    """Parse untrusted XML: no DTD, no entities, no network; hostile documents raise."""
    if DTD_MARK.search(_prolog(body)):
        raise IntacctHostileResponseError("Intacct response declares a DTD (DOCTYPE/ENTITY); refused unread.")
    try:
        root = etree.fromstring(body, hardened_parser())
    except etree.XMLSyntaxError as exc:
        msg = str(exc)
        if "amplification" in msg.lower() or "entity" in msg.lower():
            raise IntacctHostileResponseError("Intacct response uses entity expansion; refused.") from None
        raise IntacctResponseError("Intacct response is not well-formed XML.") from None
    if carries_dtd(root):
        raise IntacctHostileResponseError("Intacct response declares a DTD; refused.")
    return root


def _text(el: etree._Element | None, path: str) -> str:
    if el is None:
        return ""
    return (el.findtext(path) or "").strip()


def parse_errors(errormessage: etree._Element | None) -> list[IntacctError]:
    if errormessage is None:
        return []
    return [
        IntacctError(
            _text(err, "errorno"),
            _text(err, "description"),
            _text(err, "description2"),
            _text(err, "correction"),
        )
        for err in errormessage.findall("error")
    ]


def element_to_value(el: etree._Element) -> Any:
    """A record element as a dict of its fields; nested elements become nested dicts, leaves text.

    Comments and processing instructions are skipped (lxml filters them); a leaf is read in place
    (why: a cycle turns some 100,000 fields into values, and a call per leaf was half the time).
    """
    kids = list(el.iterchildren(etree.Element))
    if not kids:
        return (el.text or "").strip()
    out: dict[str, Any] = {}
    for k in kids:
        value = element_to_value(k) if len(k) else (k.text or "").strip()
        tag = k.tag
        if tag in out:
            prev = out[tag]
            out[tag] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            out[tag] = value
    return out


@dataclass
class Result:
    """One function's ``<result>``: status, its controlid, data or key, and its own errors."""

    status: str
    function: str
    controlid: str
    data: etree._Element | None = None
    key: str | None = None
    errors: list[IntacctError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "success"

    @property
    def records(self) -> list[dict[str, Any]]:
        """Rows under ``<data>`` as dicts (``query``/``read``: upper-case tags; ``readByQuery``: lower)."""
        if self.data is None:
            return []
        rows = [element_to_value(r) for r in self.data if isinstance(r.tag, str)]
        return [r if isinstance(r, dict) else {"value": r} for r in rows]

    def _int_attr(self, name: str) -> int | None:
        if self.data is None or self.data.get(name) in (None, ""):
            return None
        try:
            return int(self.data.get(name, ""))
        except ValueError:
            return None

    @property
    def count(self) -> int | None:
        return self._int_attr("count")

    @property
    def totalcount(self) -> int | None:
        return self._int_attr("totalcount")

    @property
    def numremaining(self) -> int | None:
        return self._int_attr("numremaining")

    @property
    def result_id(self) -> str | None:
        return self.data.get("resultId") if self.data is not None else None


@dataclass
class Authentication:
    status: str
    userid: str
    companyid: str
    sessiontimeout: str = ""


@dataclass
class ParsedResponse:
    """A whole response whose control and authentication succeeded."""

    controlid: str
    authentications: list[Authentication]
    results: list[Result]


def parse_result(el: etree._Element) -> Result:
    data = el.find("data")
    return Result(
        status=_text(el, "status"),
        function=_text(el, "function"),
        controlid=_text(el, "controlid"),
        data=data,
        key=el.findtext("key").strip() if el.find("key") is not None else None,  # type: ignore[union-attr]
        errors=parse_errors(el.find("errormessage")),
    )


def parse_response(body: bytes | etree._Element) -> ParsedResponse:
    """Raise ``IntacctControlError``/``IntacctAuthError`` for the upper levels; else the results."""
    root = parse_xml(body) if isinstance(body, bytes) else body
    if root.tag != "response":
        raise IntacctResponseError(f"Intacct answered <{root.tag}>, expected <response>.")
    control = root.find("control")
    if _text(control, "status") == "failure" or (control is None and root.find("errormessage") is not None):
        raise IntacctControlError.from_errors(parse_errors(root.find("errormessage")))
    if root.find("errormessage") is not None and root.find("operation") is None:
        raise IntacctControlError.from_errors(parse_errors(root.find("errormessage")))
    auths: list[Authentication] = []
    results: list[Result] = []
    for op in root.findall("operation"):
        auth = op.find("authentication")
        status = _text(auth, "status")
        if status == "failure" or (op.find("errormessage") is not None and not op.findall("result")):
            raise IntacctAuthError.from_errors(parse_errors(op.find("errormessage")))
        auths.append(
            Authentication(status, _text(auth, "userid"), _text(auth, "companyid"), _text(auth, "sessiontimeout"))
        )
        results += [parse_result(r) for r in op.findall("result")]
    return ParsedResponse(_text(control, "controlid"), auths, results)
