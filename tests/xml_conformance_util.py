"""Structural comparison of XML documents, for conformance tests against recorded real responses.

Two documents conform when they have the same element names, nesting, order of first appearance of
each child name, and attribute names; text values may differ. Repeated siblings are compared by
their first occurrence (a recorded page of 5 rows and an emulated page of 2 have the same shape).
``opaque`` paths (``*/data`` matches any path ending so) have their children compared by name
only (record rows whose fields belong to another object);
``rename`` maps expected tags onto actual ones (``{"apbill": "customer"}``).

Also holds the small Intacct request builder the ``test_ia_*`` tests share.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import requests
from lxml import etree

CORPUS = Path(__file__).resolve().parents[1] / ".." / "shared" / "corpus"


def parse(xml: bytes | str) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_blank_text=True,
        remove_comments=True,
    )
    data = xml.encode() if isinstance(xml, str) else xml
    return etree.fromstring(data, parser)


def _kids(el: etree._Element) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str)]


def structure_diff(
    actual: etree._Element,
    expected: etree._Element,
    *,
    opaque: Iterable[str] = (),
    rename: dict[str, str] | None = None,
    ignore_attrs: Iterable[str] = (),
    path: str = "",
) -> list[str]:
    """Differences between the shapes of two elements, as readable ``path: problem`` lines."""
    rename = rename or {}
    opaque = set(opaque)
    ignore = set(ignore_attrs)
    exp_tag = rename.get(expected.tag, expected.tag)
    here = f"{path}/{exp_tag}"
    if actual.tag != exp_tag:
        return [f"{here}: element is <{actual.tag}>, expected <{exp_tag}>"]
    diffs: list[str] = []
    a_attrs = set(actual.attrib) - ignore
    e_attrs = set(expected.attrib) - ignore
    if a_attrs != e_attrs:
        diffs.append(f"{here}: attributes {sorted(a_attrs)} != expected {sorted(e_attrs)}")
    a_order = list(dict.fromkeys(c.tag for c in _kids(actual)))
    e_order = list(dict.fromkeys(rename.get(c.tag, c.tag) for c in _kids(expected)))
    if a_order != e_order:
        diffs.append(f"{here}: children {a_order} != expected {e_order}")
        return diffs
    if here in opaque or any(here.endswith(o[1:]) for o in opaque if o.startswith("*")):
        return diffs  # children named alike; their own contents are another object's fields
    a_first = {}
    for c in _kids(actual):
        a_first.setdefault(c.tag, c)
    for c in _kids(expected):
        tag = rename.get(c.tag, c.tag)
        if tag in a_first:
            diffs += structure_diff(a_first.pop(tag), c, opaque=opaque, rename=rename, ignore_attrs=ignore, path=here)
    return diffs


def assert_same_structure(actual: Any, expected: Any, **kw: Any) -> None:
    a = parse(actual) if isinstance(actual, (bytes, str)) else actual
    e = parse(expected) if isinstance(expected, (bytes, str)) else expected
    diffs = structure_diff(a, e, **kw)
    assert not diffs, "XML structure differs:\n" + "\n".join(diffs)


def corpus_file(name: str) -> bytes:
    import pytest

    path = CORPUS / "intacct" / name
    if not path.is_file():
        pytest.skip(f"recorded corpus not available at {path} (../shared/corpus beside the checkout)")
    return path.read_bytes()


# ---------------------------------------------------------------- Intacct requests for the tests
def ia_request(
    functions: str,
    *,
    session: str | None = None,
    uniqueid: str = "false",
    transaction: str | None = None,
    login: dict[str, str] | None = None,
    sender: tuple[str, str] | None = None,
    dtdversion: str = "3.0",
) -> str:
    from sfintacct_sandbox import credentials as cred

    sid, spw = sender or (cred.INTACCT_SENDER_ID, cred.INTACCT_SENDER_PASSWORD)
    if session is not None:
        auth = f"<sessionid>{session}</sessionid>"
    else:
        lg = {
            "userid": cred.INTACCT_USER_ID,
            "companyid": cred.INTACCT_COMPANY_ID,
            "password": cred.INTACCT_USER_PASSWORD,
            **(login or {}),
        }
        auth = (
            f"<login><userid>{lg['userid']}</userid><companyid>{lg['companyid']}</companyid>"
            f"<password>{lg['password']}</password></login>"
        )
    tx = f' transaction="{transaction}"' if transaction else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?><request><control>'
        f"<senderid>{sid}</senderid><password>{spw}</password><controlid>ctl-1</controlid>"
        f"<uniqueid>{uniqueid}</uniqueid><dtdversion>{dtdversion}</dtdversion>"
        f"<includewhitespace>false</includewhitespace></control><operation{tx}><authentication>{auth}"
        f"</authentication><content>{functions}</content></operation></request>"
    )


def fn(body: str, controlid: str = "f1") -> str:
    return f'<function controlid="{controlid}">{body}</function>'


class IaClient:
    """Posts raw XML to the emulator; ``call`` logs in once and reuses the session."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.session_id: str | None = None

    def post(self, xml: str | bytes) -> requests.Response:
        data = xml.encode() if isinstance(xml, str) else xml
        return requests.post(self.url, data=data, headers={"Content-Type": "application/xml"}, timeout=30)

    def login(self) -> str:
        root = parse(self.post(ia_request(fn("<getAPISession/>"))).content)
        self.session_id = root.findtext("operation/result/data/api/sessionid")
        assert self.session_id
        return self.session_id

    def call(self, *bodies: str, **kw: Any) -> etree._Element:
        if self.session_id is None:
            self.login()
        funcs = "".join(fn(b, f"f{i + 1}") if not b.startswith("<function") else b for i, b in enumerate(bodies))
        resp = self.post(ia_request(funcs, session=self.session_id, **kw))
        assert resp.status_code == 200, resp.text
        return parse(resp.content)

    def result(self, body: str, **kw: Any) -> etree._Element:
        root = self.call(body, **kw)
        result = root.find("operation/result")
        assert result is not None, etree.tostring(root)
        return result
