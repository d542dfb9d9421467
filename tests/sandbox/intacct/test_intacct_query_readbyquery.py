"""The legacy ``readByQuery`` where-clause language and its ``fields`` list."""

from __future__ import annotations

import pytest

from sfintacct_sandbox.intacct.querylang import QueryError
from sfintacct_sandbox.intacct.readbyquery import (
    SODOCUMENT_STATE_CODES,
    compile_where,
    select_fields,
)

TYPES = {
    "RECORDNO": "integer",
    "CUSTOMERID": "text",
    "NAME": "text",
    "STATUS": "text",
    "STATE": "text",
    "CREDITLIMIT": "decimal",
    "WHENMODIFIED": "timestamp",
    "WHENCREATED": "date",
    "ONHOLD": "boolean",
    "DISPLAYCONTACT.EMAIL1": "text",
}
ALL = list(TYPES)

ROWS = [
    {
        "RECORDNO": "1",
        "CUSTOMERID": "C-1",
        "NAME": "Jane's Deli",
        "STATUS": "active",
        "STATE": "Pending",
        "CREDITLIMIT": "1000.00",
        "WHENMODIFIED": "01/15/2026 09:00:00",
        "WHENCREATED": "12/31/2025",
        "ONHOLD": "false",
    },
    {
        "RECORDNO": "2",
        "CUSTOMERID": "C-2",
        "NAME": "acme",
        "STATUS": "inactive",
        "STATE": "Closed",
        "CREDITLIMIT": "250.5",
        "WHENMODIFIED": "02/01/2026 18:30:00",
        "WHENCREATED": "02/01/2026",
        "ONHOLD": "true",
    },
    {
        "RECORDNO": "10",
        "CUSTOMERID": "C-10",
        "NAME": "Acme",
        "STATUS": "active",
        "STATE": "Draft",
        "CREDITLIMIT": "",
        "WHENMODIFIED": "12/31/2025 23:59:59",
        "WHENCREATED": "",
        "ONHOLD": "false",
    },
]


def ids(text: str, **kw: object) -> list[str]:
    pred = compile_where(text, TYPES.get, **kw)  # type: ignore[arg-type]
    return [r["RECORDNO"] for r in ROWS if pred(r)]


def error_of(text: str) -> QueryError:
    with pytest.raises(QueryError) as err:
        compile_where(text, TYPES.get)
    return err.value


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_query_matches_everything(text: str | None) -> None:
    assert ids(text) == ["1", "2", "10"]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RECORDNO = 2", ["2"]),
        ("RECORDNO = '2'", ["2"]),
        ("RECORDNO != 2", ["1", "10"]),
        ("RECORDNO <> 2", ["1", "10"]),
        ("RECORDNO < 2", ["1"]),
        ("RECORDNO > 2", ["10"]),  # numeric, not text order
        ("RECORDNO <= 2", ["1", "2"]),
        ("RECORDNO >= 2", ["2", "10"]),
        ("CREDITLIMIT < 1000", ["2"]),
        ("CREDITLIMIT = 250.50", ["2"]),
        ("CREDITLIMIT >= -5", ["1", "2"]),
    ],
)
def test_comparison_operators_numeric(text: str, expected: list[str]) -> None:
    assert ids(text) == expected


def test_strings_are_case_sensitive() -> None:
    assert ids("NAME = 'Acme'") == ["10"]
    assert ids("NAME = 'ACME'") == []
    assert ids("NAME > 'B'") == ["1", "2"]  # byte order: 'J' and 'a' sort after 'B'


def test_escaped_quote() -> None:
    assert ids(r"NAME = 'Jane\'s Deli'") == ["1"]


def test_keywords_and_field_names_are_case_insensitive() -> None:
    assert ids("name like 'A%' or Recordno = 1") == ["1", "10"]
    assert ids("customerid In ('C-1','C-2') anD NoT name = 'acme'") == ["1"]


def test_like_and_not_like() -> None:
    assert ids("NAME like '%cme'") == ["2", "10"]
    assert ids("NAME like '_cme'") == ["2", "10"]
    assert ids("NAME not like 'a%'") == ["1", "10"]
    assert ids("CUSTOMERID LIKE 'C-1%'") == ["1", "10"]


def test_in_and_not_in() -> None:
    assert ids("RECORDNO in (1, 10)") == ["1", "10"]
    assert ids("RECORDNO not in (1,10)") == ["2"]
    assert ids("CUSTOMERID IN ('C-2')") == ["2"]
    assert ids("CREDITLIMIT not in (1000)") == ["2"]  # NULL is never NOT IN


def test_is_null_and_is_not_null() -> None:
    assert ids("CREDITLIMIT IS NULL") == ["10"]
    assert ids("WHENCREATED is not null") == ["1", "2"]


def test_null_comparisons_are_unknown_even_under_not() -> None:
    assert ids("CREDITLIMIT != 5") == ["1", "2"]
    assert ids("NOT CREDITLIMIT = 1000") == ["2"]  # row 10 (NULL) stays out
    assert ids("NAME = NULL") == []


def test_and_or_not_precedence_and_parentheses() -> None:
    assert ids("RECORDNO = 1 OR RECORDNO = 2 AND NAME = 'Acme'") == ["1"]  # AND binds tighter
    assert ids("(RECORDNO = 1 OR RECORDNO = 2) AND NAME = 'acme'") == ["2"]
    assert ids("NOT (RECORDNO = 1 OR RECORDNO = 2)") == ["10"]
    assert ids("NOT NOT RECORDNO = 1") == ["1"]


def test_dates_compare_chronologically() -> None:
    assert ids("WHENMODIFIED > '01/01/2026 00:00:00'") == ["1", "2"]
    assert ids("WHENMODIFIED >= '01/15/2026'") == ["1", "2"]
    assert ids("WHENCREATED < '01/01/2026'") == ["1"]
    assert ids("WHENCREATED >= '12/31/2025' AND WHENCREATED <= '02/01/2026'") == ["1", "2"]


def test_booleans_and_status_use_stored_codes() -> None:
    assert ids("STATUS = 'T'") == ["1", "10"]
    assert ids("STATUS = 'F'") == ["2"]
    assert ids("STATUS = 'active'") == []  # the database holds T/F
    assert ids("ONHOLD = 'T'") == ["2"]
    assert ids("ONHOLD = 'true'") == []
    assert ids("STATUS like 'T%'") == ["1", "10"]
    assert ids("STATUS in ('F')") == ["2"]


def test_custom_db_codes() -> None:
    codes = {"STATE": SODOCUMENT_STATE_CODES}
    assert ids("STATE = 'O'", db_codes=codes.get) == ["1"]
    assert ids("STATE in ('D','I')", db_codes=codes.get) == ["2", "10"]
    assert ids("STATE = 'Pending'", db_codes=codes.get) == []


def test_rownum_counts_accepted_rows() -> None:
    pred = compile_where("STATUS = 'T' and rownum = 1", TYPES.get)
    assert [r["RECORDNO"] for r in ROWS if pred(r)] == ["1"]
    pred = compile_where("rownum < 3", TYPES.get)
    assert [r["RECORDNO"] for r in ROWS if pred(r)] == ["1", "2"]
    assert pred.uses_rownum
    pred.reset()
    assert [r["RECORDNO"] for r in ROWS if pred(r)] == ["1", "2"]


def test_join_fields_refused() -> None:
    assert error_of("DISPLAYCONTACT.EMAIL1 = 'a@b.c'").errorno == "DL02000001"


@pytest.mark.parametrize(
    "text",
    [
        "RECORDNO <",
        "RECORDNO",
        "= 1",
        "NOPE = 1",
        "NAME = 'unterminated",
        'NAME = "double"',
        "NAME = 'a' ORDER BY NAME",
        "NAME = 'a' AND",
        "(NAME = 'a'",
        "NAME = 'a')",
        "RECORDNO in 1,2",
        "RECORDNO in ()",
        "NAME IS 'x'",
        "NAME = 'a'; DROP TABLE x",
        "RECORDNO = 'abc'",
        "WHENMODIFIED > '2026-01-01T00:00:00Z'",
        "WHENCREATED = '02/30/2026'",
        "RECORDNO == 1",
    ],
)
def test_malformed_queries(text: str) -> None:
    err = error_of(text)
    assert err.errorno == "DL02000001"
    assert err.description2 == "There was an error processing the request."


def test_entity_escaped_operators_arrive_decoded() -> None:
    from lxml import etree

    el = etree.fromstring("<query>RECORDNO &lt; 2 AND CREDITLIMIT &gt;= 1000</query>")
    assert ids(el.text or "") == ["1"]


# --- fields ----------------------------------------------------------------------------------


def test_select_star() -> None:
    assert select_fields("*", TYPES.get, ALL) == ALL
    assert select_fields(" * ", TYPES.get, ALL) == ALL


def test_select_list_is_case_insensitive_ordered_and_deduplicated() -> None:
    assert select_fields("name, RECORDNO,Name", TYPES.get, ALL) == ["NAME", "RECORDNO"]
    assert select_fields("DISPLAYCONTACT.EMAIL1", TYPES.get, ALL) == ["DISPLAYCONTACT.EMAIL1"]


@pytest.mark.parametrize("text", ["NAME,NOPE", "", "NAME,,RECORDNO", "*,NAME"])
def test_select_list_errors(text: str) -> None:
    with pytest.raises(QueryError) as err:
        select_fields(text, TYPES.get, ALL)
    assert err.value.errorno == "DL02000001"


def test_sdk_get_and_read_by_query_requests() -> None:
    """The readByQuery bodies sageintacctsdk builds: ``get(field, value)`` and ``read_by_query()``."""
    import xmltodict
    from lxml import etree
    from sageintacctsdk import SageIntacctSDK

    sent: list[etree._Element] = []

    def capture(data: dict) -> dict:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
        sent.append(etree.fromstring(xmltodict.unparse(data).encode(), parser))
        return {"data": {}}

    customers = SageIntacctSDK("s", "p", "u", "c", "x", session_id="sess").customers
    customers.format_and_send_request = capture
    customers.get(field="CUSTOMERID", value="C-10")
    customers.read_by_query(fields=["RECORDNO", "NAME"])
    get_req, all_req = sent
    assert ids(get_req.findtext("query") or "") == ["10"]
    assert select_fields(get_req.findtext("fields") or "", TYPES.get, ALL) == ALL
    assert ids(all_req.findtext("query") or "") == ["1", "2", "10"]  # <query></query>
    assert select_fields(all_req.findtext("fields") or "", TYPES.get, ALL) == ["RECORDNO", "NAME"]
