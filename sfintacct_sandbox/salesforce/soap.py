"""SOAP partner API calls other than login: ``undelete``, which the REST API does not offer.

A person restores a deleted Account from the recycle bin; the sync must then see it active again.
Real orgs expose that through the partner API (``undelete(ids)`` on the serverUrl with a
``SessionHeader``); the emulator answers the same envelope, per-record results included.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from lxml import etree
from werkzeug.wrappers import Request, Response

from .auth import PARSER, soap_fault
from .errors import SfError

if TYPE_CHECKING:
    from .host import SalesforceHost

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def body_operation(raw: bytes) -> tuple[str, etree._Element | None, etree._Element | None]:
    """(operation local name, operation element, envelope root); ('', None, None) if unparseable."""
    try:
        root = etree.fromstring(raw, PARSER)
    except etree.XMLSyntaxError:
        return "", None, None
    for child in root:
        if _local(child) == "Body":
            for op in child:
                if _local(op):
                    return _local(op), op, root
    return "", None, root


def _session_id(root: etree._Element) -> str | None:
    for el in root.iter():
        if _local(el) == "sessionId" and el.getparent() is not None and _local(el.getparent()) == "SessionHeader":
            return (el.text or "").strip()
    return None


def undelete(emu: SalesforceHost, root: etree._Element, op: etree._Element) -> Response:
    token = _session_id(root)
    if not token or not emu.sessions.touch(token, emu.clock.monotonic_now()):
        return soap_fault("INVALID_SESSION_ID", "INVALID_SESSION_ID: Invalid Session ID found in SessionHeader")
    ids = [(el.text or "").strip() for el in op if _local(el) == "ids"]
    if not ids or len(ids) > 200:
        return soap_fault("INVALID_BATCH_SIZE", f"INVALID_BATCH_SIZE: Invalid batch size: {len(ids)}")
    emu.stats.count("undelete", api_calls=1)
    emu.spend_api_call()
    results = []
    for record_id in ids:
        try:
            restored = emu.org.undelete(record_id)
            emu.stats.add_writes(1)
            results.append(f"<result><id>{escape(restored)}</id><success>true</success></result>")
        except SfError as exc:
            results.append(
                "<result><errors>"
                f"<message>{escape(exc.message)}</message><statusCode>{escape(exc.code)}</statusCode>"
                f'</errors><id xsi:nil="true"/><success>false</success></result>'
            )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_NS}" xmlns="urn:partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<soapenv:Body><undeleteResponse>{''.join(results)}</undeleteResponse></soapenv:Body></soapenv:Envelope>"
    )
    return Response(body, status=200, content_type="text/xml;charset=UTF-8")


def handle_soap(emu: SalesforceHost, request: Request, version: str, login: object) -> Response:
    """Route a partner-API envelope: ``login`` to the login flow, ``undelete`` here."""
    name, op, root = body_operation(request.get_data())
    if name == "undelete" and op is not None and root is not None:
        with emu.store.lock:
            return undelete(emu, root, op)
    if name in ("", "login"):
        return login()  # type: ignore[operator]
    return soap_fault("UNKNOWN_EXCEPTION", f"UNKNOWN_EXCEPTION: the sandbox does not implement {name}()")
