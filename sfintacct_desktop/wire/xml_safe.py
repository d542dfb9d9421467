"""Hardened parsing of XML that came from the network (Salesforce SOAP answers).

Why: an answer could declare a DTD (external entities, billion laughs). A DOCTYPE or ENTITY in
the prolog is refused unread, the parser never loads DTDs, resolves entities or touches the
network, and a tree that still carries a DTD is refused after parsing. The parser, the DTD mark
and the after-parse check are shared with the Intacct client's ``wire.intacct.response.parse_xml``
(one set of rules); each caller words its own errors.
"""

from __future__ import annotations

import re

from lxml import etree

from .transport import WireError

DTD_MARK = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
PROLOG_SCAN = 64 * 1024


class UnsafeXmlError(WireError):
    """An answer that is not well-formed XML, or that declares a DTD or entities (refused)."""


def hardened_parser() -> etree.XMLParser:
    """No entities resolved, no DTD loaded, no network, no huge trees; comments and PIs dropped."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True, remove_pis=True
    )


def carries_dtd(root: etree._Element) -> bool:
    """The parsed tree still declares a DTD (refused after parsing, whatever the prolog scan saw)."""
    info = root.getroottree().docinfo
    return bool(info.doctype) or info.internalDTD is not None


def parse_untrusted(body: bytes, what: str) -> etree._Element:
    """The root of ``body``; ``what`` names the answer in the error ("the Metadata API's answer")."""
    if DTD_MARK.search(body[:PROLOG_SCAN]):  # "<!" outside CDATA/comments is only ever a DTD
        raise UnsafeXmlError(f"{what} declares a DTD (DOCTYPE/ENTITY); refused unread", code="HOSTILE_XML")
    try:
        root = etree.fromstring(body, hardened_parser())
    except etree.XMLSyntaxError:
        raise UnsafeXmlError(f"{what} is not well-formed XML", code="BAD_XML") from None
    if carries_dtd(root):
        raise UnsafeXmlError(f"{what} declares a DTD; refused", code="HOSTILE_XML")
    return root
