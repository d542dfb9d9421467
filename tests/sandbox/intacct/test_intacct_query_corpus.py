"""Both query languages over a real recorded row (PsIntacct ``Find-IntacctObject.Response.xml``, an APBILL).

The recorded row is exactly the storage model (flat UPPER-case names, dotted related fields, wire
strings, empty elements for NULL), so it pins the engines to real value formats: numbers written
without decimals, ``MM/DD/YYYY`` dates, ``MM/DD/YYYY HH:MM:SS`` timestamps, and STATE shown as
``Posted`` while the database holds ``A`` (RAWSTATE), which readByQuery compares (DOC-Q ``STATE='A'``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from sfintacct_sandbox.intacct.querylang import QueryError, parse_query, run_query
from sfintacct_sandbox.intacct.readbyquery import compile_where, select_fields

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "intacct"
SAMPLE = CORPUS / "craibuc__Find-IntacctObject.Response.xml"


def _type_of(name: str) -> str:
    if name in ("RECORDNO", "TERMKEY", "PRBATCHKEY", "DUE_IN_DAYS", "PAYTO.TAXGROUP.RECORDNO"):
        return "integer"
    if name == "ONHOLD":
        return "boolean"
    if name in ("WHENMODIFIED", "AUWHENCREATED"):
        return "timestamp"
    if name.startswith("WHEN"):
        return "date"
    if "TOTAL" in name or name == "TRX_ENTITYDUE":
        return "decimal"
    return "text"


@pytest.fixture(scope="module")
def apbill() -> dict[str, str]:
    if not SAMPLE.exists():
        pytest.skip(f"recorded corpus not found at {SAMPLE} (../shared/corpus is absent)")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    root = etree.parse(str(SAMPLE), parser).getroot()
    row = root.find(".//data/apbill")
    assert row is not None
    return {c.tag: c.text or "" for c in row if isinstance(c.tag, str)}


@pytest.fixture(scope="module")
def types(apbill: dict[str, str]) -> dict[str, str]:
    return {name: _type_of(name) for name in apbill}


def _matches(text: str, row: dict[str, str], types: dict[str, str], **kw: object) -> bool:
    return compile_where(text, types.get, **kw)(row)  # type: ignore[arg-type]


def test_read_by_query_on_real_values(apbill: dict[str, str], types: dict[str, str]) -> None:
    assert _matches("VENDORID = 'VEN-000010' AND TOTALDUE > 600", apbill, types)  # numeric: '5900' < '600' as text
    assert _matches("WHENDUE > '04/15/2012' AND WHENDUE < '05/02/2012'", apbill, types)
    assert _matches("WHENMODIFIED >= '09/16/2013 15:50:21'", apbill, types)
    assert not _matches("WHENMODIFIED > '09/16/2013 15:50:21'", apbill, types)
    assert _matches("WHENPAID IS NULL AND RECORDID IS NULL AND ONHOLD = 'F'", apbill, types)
    assert _matches("PRBATCH like 'Bills: 2012/04/%'", apbill, types)


def test_read_by_query_state_compares_the_stored_code(apbill: dict[str, str], types: dict[str, str]) -> None:
    codes = {"STATE": {apbill["STATE"]: apbill["RAWSTATE"]}}  # Posted -> A, as recorded
    assert _matches("STATE='A'", apbill, types, db_codes=codes.get)
    assert not _matches("STATE='Posted'", apbill, types, db_codes=codes.get)


def test_read_by_query_cannot_filter_on_join_fields(apbill: dict[str, str], types: dict[str, str]) -> None:
    with pytest.raises(QueryError):
        compile_where("PAYTO.TAXGROUP.NAME IS NULL", types.get)
    assert select_fields("RECORDNO,PAYTO.TAXGROUP.NAME", types.get, list(apbill)) == ["RECORDNO", "PAYTO.TAXGROUP.NAME"]
    assert select_fields("*", types.get, list(apbill)) == list(apbill)


def test_query_on_real_values(apbill: dict[str, str], types: dict[str, str]) -> None:
    xml = (
        "<query><object>APBILL</object><select><field>RECORDNO</field><field>PAYTO.TAXGROUP.NAME</field>"
        "<sum>TOTALDUE</sum></select><filter><and><greaterthan><field>TOTALDUE</field><value>600</value></greaterthan>"
        "<between><field>WHENCREATED</field><value>03/01/2012</value><value>04/01/2012</value></between>"
        "<isnull><field>PAYTO.TAXGROUP.NAME</field></isnull><equalto><field>STATE</field><value>Posted</value>"
        "</equalto></and></filter></query>"
    )
    pq = parse_query(etree.fromstring(xml), lambda obj: types.get if obj == "APBILL" else None)
    page, total = run_query(pq, [apbill])
    assert total == 1
    assert page == [{"RECORDNO": "1350", "PAYTO.TAXGROUP.NAME": "", "SUM.TOTALDUE": "5900"}]
