"""The XML gateway envelope: hardened parsing in XSD order, and the three levels of error answers.

Why: clients branch on where an error sits. A control failure (``response/errormessage``) stops
everything; an authentication failure puts ``errormessage`` beside ``authentication`` inside
``operation``; a function failure is a ``result`` with ``status=failure``. Gateway errors (GW-0011,
GW-0010) come with HTTP 400/429 and a minimal control block. Every ``<error>`` carries a non-empty
``description2`` because the sageintacctsdk crashes without one.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

from lxml import etree

from .errors import ErrorItem
from .schema import (
    AUTHENTICATION,
    CONTENT,
    CONTROL,
    FUNCTION_CHECKS,
    LOGIN,
    OPERATION,
    REQUEST,
    SchemaViolation,
    check,
    children,
)

CONTENT_TYPE = 'text/xml; encoding="UTF-8";charset=UTF-8'


class GatewayError(Exception):
    """The body is not an XML request at all: GW-0011, HTTP 400."""


class ControlError(Exception):
    """A request-level failure answered with control status ``failure`` and these errors."""

    def __init__(self, errors: list[ErrorItem], control: dict[str, str] | None = None) -> None:
        super().__init__(errors[0].description2 if errors else "control failure")
        self.errors = errors
        self.control = control or {}


@dataclass
class Auth:
    login: dict[str, str] | None = None
    sessionid: str | None = None


@dataclass
class Operation:
    transaction: bool
    auth: Auth
    functions: list[etree._Element]


@dataclass
class ParsedRequest:
    control: dict[str, str]
    operations: list[Operation] = field(default_factory=list)

    @property
    def uniqueid(self) -> bool:
        return self.control.get("uniqueid", "false").strip().lower() == "true"

    @property
    def pretty(self) -> bool:
        return self.control.get("includewhitespace", "true").strip().lower() != "false"

    def function_names(self) -> list[str]:
        return [fn_name(f) for op in self.operations for f in op.functions]


def hardened_parser() -> etree.XMLParser:
    """A fresh parser per request (lxml parsers are not thread-safe); never resolves entities."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
    )


def fn_name(function: etree._Element) -> str:
    kids = children(function)
    return kids[0].tag if kids else ""


def text(el: etree._Element | None) -> str:
    return (el.text or "").strip() if el is not None else ""


def _salvage_control(body: bytes) -> dict[str, str]:
    """Echo what we can of ``<control>`` when the XML does not parse (as the gateway does)."""
    out: dict[str, str] = {}
    head = body[:4096].decode("utf-8", "replace")
    for tag in ("senderid", "controlid", "uniqueid", "dtdversion"):
        m = re.search(rf"<{tag}>([^<]*)</{tag}>", head)
        if m:
            out[tag] = m.group(1)
    return out


def parse_request(body: bytes) -> ParsedRequest:
    """Parse and validate a request body; raise ``GatewayError`` or ``ControlError``."""
    stripped = body.lstrip()
    if not stripped.startswith(b"<"):
        raise GatewayError("not XML")
    if re.search(rb"<!DOCTYPE|<!ENTITY", body[:65536], re.IGNORECASE):
        raise ControlError(
            [
                ErrorItem(
                    "XL03000003",
                    "XML Parse schema error: Fatal Error 94: DOCTYPE and ENTITY declarations are not allowed "
                    "in a request. Line: 1, column: 0.",
                )
            ],
            _salvage_control(body),
        )
    parser = hardened_parser()
    try:
        root = etree.fromstring(body, parser)
    except etree.XMLSyntaxError as exc:
        if b"<request" not in body[:4096]:
            raise GatewayError("not a request") from exc
        errors = [
            ErrorItem(
                "XL03000003",
                f"XML Parse schema error: Fatal Error {e.type}: {e.message.strip()}. "
                f"Line: {e.line}, column: {e.column}.",
            )
            for e in parser.error_log
            if e.level_name in ("ERROR", "FATAL")
        ][:5] or [ErrorItem("XL03000003", f"XML Parse schema error: {exc}")]
        raise ControlError(errors, _salvage_control(body)) from exc
    if root.tag != "request":
        raise GatewayError("root is not <request>")
    control_el = root.find("control")
    control = {c.tag: text(c) for c in children(control_el)} if control_el is not None else {}
    try:
        check(root, REQUEST)
        check(control_el, CONTROL)
        operations = []
        for op_el in root.findall("operation"):
            check(op_el, OPERATION)
            auth_el = op_el.find("authentication")
            check(auth_el, AUTHENTICATION)
            auth = Auth()
            login_el = auth_el.find("login")
            if login_el is not None:
                check(login_el, LOGIN)
                auth.login = {c.tag: text(c) for c in children(login_el)}
            elif auth_el.find("sessionid") is not None:
                auth.sessionid = text(auth_el.find("sessionid"))
            functions = []
            for content in op_el.findall("content"):
                check(content, CONTENT)
                for fn in children(content):
                    if not fn.get("controlid"):
                        raise SchemaViolation(
                            f"Element 'function': The attribute 'controlid' is required but missing. "
                            f"Line: {fn.sourceline or 0}, column: 0."
                        )
                    if len(children(fn)) != 1:
                        raise SchemaViolation(
                            f"Element 'function': expects exactly one operation element. "
                            f"Line: {fn.sourceline or 0}, column: 0."
                        )
                    checker = FUNCTION_CHECKS.get(fn_name(fn))
                    if checker:
                        checker(children(fn)[0])
                    functions.append(fn)
            transaction = op_el.get("transaction", "false").strip().lower() == "true"
            operations.append(Operation(transaction, auth, functions))
    except SchemaViolation as exc:
        raise ControlError([ErrorItem("XL03000003", str(exc))], control) from exc
    return ParsedRequest(control, operations)


# ------------------------------------------------------------------ building
def sub(parent: etree._Element, tag: str, value: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, tag)
    if value is not None:
        el.text = value
    return el


def error_message(parent: etree._Element, errors: list[ErrorItem]) -> etree._Element:
    em = sub(parent, "errormessage")
    for e in errors:
        err = sub(em, "error")
        sub(err, "errorno", e.errorno)
        sub(err, "description", e.description)
        sub(err, "description2", e.description2 or e.errorno)
        sub(err, "correction", e.correction)
    return em


def control_block(parent: etree._Element, control: dict[str, str], status: str) -> etree._Element:
    c = sub(parent, "control")
    sub(c, "status", status)
    sub(c, "senderid", control.get("senderid", ""))
    sub(c, "controlid", control.get("controlid", ""))
    sub(c, "uniqueid", control.get("uniqueid", "false"))
    sub(c, "dtdversion", control.get("dtdversion", "3.0"))
    return c


def serialize(root: etree._Element, pretty: bool = True) -> bytes:
    body = etree.tostring(root, xml_declaration=False, encoding="UTF-8", pretty_print=pretty)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body


def control_failure(control: dict[str, str], errors: list[ErrorItem]) -> bytes:
    root = etree.Element("response")
    control_block(root, control, "failure")
    error_message(root, errors)
    return serialize(root)


def request_id() -> str:
    return f"{secrets.token_hex(4).upper()}:{secrets.token_hex(2).upper()}_{secrets.token_hex(4).upper()}.59"


def gateway_error(errorno: str, description: str, description2: str) -> bytes:
    """GW-00xx answers: a control block with only ``status`` (as documented), then the error."""
    root = etree.Element("response")
    c = sub(root, "control")
    sub(c, "status", "failure")
    error_message(root, [ErrorItem(errorno, description2, "", f"{description} [Request ID: {request_id()}]")])
    return serialize(root)
