"""Hardened parsing of XML that came from the network (Salesforce SOAP answers).

Why: an answer could declare a DTD (external entities, billion laughs). A DOCTYPE or ENTITY in
the prolog is refused unread, the parser never loads DTDs, resolves entities or touches the
network, and a tree that still carries a DTD is refused after parsing. Same rules as the Intacct
client's ``wire.intacct.response.parse_xml``, with errors that name no system.
"""

from __future__ import annotations

import re

from lxml import etree

from .transport import WireError

_DTD_MARK = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_PROLOG_SCAN = 64 * 1024


class UnsafeXmlError(WireError):
    """An answer that is not well-formed XML, or that declares a DTD or entities (refused)."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True
    )


def parse_untrusted(body: bytes, what: str) -> etree._Element:
    """The root of ``body``; ``what`` names the answer in the error ("the Metadata API's answer")."""
    if _DTD_MARK.search(body[:_PROLOG_SCAN]):  # "<!" outside CDATA/comments is only ever a DTD
        raise UnsafeXmlError(f"{what} declares a DTD (DOCTYPE/ENTITY); refused unread", code="HOSTILE_XML")
    try:
        root = etree.fromstring(body, _parser())
    except etree.XMLSyntaxError:
        raise UnsafeXmlError(f"{what} is not well-formed XML", code="BAD_XML") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise UnsafeXmlError(f"{what} declares a DTD; refused", code="HOSTILE_XML")
    return root
