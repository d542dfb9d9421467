"""The request envelope, in XSD order: control, then operation(authentication, content).

Why its own module: the element order is what the gateway's schema check enforces, and the
secrets only ever pass through here into the request body (never into a log or an error).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence

from lxml import etree

from .functions import Function, sub
from .settings import IntacctSecrets, IntacctSettings


def build_request(
    settings: IntacctSettings,
    secrets: IntacctSecrets,
    functions: Sequence[Function],
    *,
    session_id: str | None,
    transaction: bool = False,
    uniqueid: bool = False,
) -> bytes:
    """Serialize one request; ``session_id`` None logs in with the user's credentials."""
    root = etree.Element("request")
    control = sub(root, "control")
    sub(control, "senderid", settings.sender_id)
    sub(control, "password", secrets.sender_password)
    sub(control, "controlid", str(uuid.uuid4()))
    sub(control, "uniqueid", "true" if uniqueid else "false")
    sub(control, "dtdversion", "3.0")
    sub(control, "includewhitespace", "false")
    op = sub(root, "operation", None)
    op.set("transaction", "true" if transaction else "false")
    auth = sub(op, "authentication")
    if session_id is not None:
        sub(auth, "sessionid", session_id)
    else:
        login = sub(auth, "login")
        sub(login, "userid", settings.user_id)
        sub(login, "companyid", settings.company_id)
        sub(login, "password", secrets.user_password)
        if settings.location_id:
            sub(login, "locationid", settings.location_id)
    content = sub(op, "content")
    for fn in functions:
        el = sub(content, "function")
        el.set("controlid", fn.controlid)
        el.append(_copy(fn.body))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _copy(el: etree._Element) -> etree._Element:
    """Functions may be resent (new session); appending moves an element, so append a copy."""
    return copy.deepcopy(el)
