"""The Intacct ``<query>`` function: grammar, typed comparisons, NULL logic, ordering, paging, aggregates."""

from __future__ import annotations

import random
from typing import Any

import pytest
import xmltodict
from lxml import etree

from sfintacct_sandbox.intacct.querycore import parse_temporal
from sfintacct_sandbox.intacct.querylang import (
    ParsedQuery,
    QueryError,
    QuerySchemaError,
    _sort_per_field,
    parse_query,
    run_query,
    sort_rows,
)

TYPES = {
    "RECORDNO": "integer",
    "CUSTOMERID": "text",
    "NAME": "text",
    "STATUS": "text",
    "CREDITLIMIT": "decimal",
    "WHENMODIFIED": "timestamp",
    "LASTINVOICEDATE": "date",
    "ONHOLD": "boolean",
    "DISPLAYCONTACT.MAILADDRESS.CITY": "text",
    "DOCPARID": "text",
}


def types_for(obj: str) -> Any:
    return TYPES.get if obj in ("CUSTOMER", "SODOCUMENT") else None


ROWS = [
    {
        "RECORDNO": "1",
        "CUSTOMERID": "C-1",
        "NAME": "Acme",
        "STATUS": "active",
        "CREDITLIMIT": "1000.00",
        "WHENMODIFIED": "01/15/2026 09:00:00",
        "LASTINVOICEDATE": "12/31/2025",
        "ONHOLD": "false",
        "DISPLAYCONTACT.MAILADDRESS.CITY": "San Jose",
    },
    {
        "RECORDNO": "2",
        "CUSTOMERID": "C-2",
        "NAME": "acme west",
        "STATUS": "inactive",
        "CREDITLIMIT": "250.5",
        "WHENMODIFIED": "02/01/2026 18:30:00",
        "LASTINVOICEDATE": "02/01/2026",
        "ONHOLD": "true",
        "DISPLAYCONTACT.MAILADDRESS.CITY": "",
    },
    {
        "RECORDNO": "10",
        "CUSTOMERID": "C-10",
        "NAME": "Beta_Co",
        "STATUS": "active",
        "CREDITLIMIT": "",
        "WHENMODIFIED": "12/31/2025 23:59:59",
        "LASTINVOICEDATE": "",
        "ONHOLD": "false",
        "DISPLAYCONTACT.MAILADDRESS.CITY": "Boston",
    },
    {
        "RECORDNO": "3",
        "CUSTOMERID": "C-3",
        "NAME": "Gamma",
        "STATUS": "active",
        "CREDITLIMIT": "9",
        "WHENMODIFIED": "01/15/2026 10:00:00",
        "LASTINVOICEDATE": "01/02/2026",
        "ONHOLD": "",
    },
]


def q(body: str, obj: str = "CUSTOMER", select: str = "<field>RECORDNO</field>") -> ParsedQuery:
    xml = f"<query><object>{obj}</object><select>{select}</select>{body}</query>"
    return parse_query(etree.fromstring(xml), types_for)


def ids(body: str, rows: list[dict] | None = None, **kw: str) -> list[str]:
    page, _total = run_query(q(body, **kw), ROWS if rows is None else rows)
    return [r["RECORDNO"] for r in page]


def flt(op: str, field: str, *values: str) -> str:
    vals = "".join(f"<value>{v}</value>" for v in values)
    return f"<filter><{op}><field>{field}</field>{vals}</{op}></filter>"


# --- comparison operators, by type -----------------------------------------------------------


def test_equalto_text_is_case_sensitive() -> None:
    assert ids(flt("equalto", "NAME", "Acme")) == ["1"]
    assert ids(flt("equalto", "NAME", "acme")) == []


def test_caseinsensitive_option() -> None:
    body = flt("equalto", "NAME", "ACME") + "<options><caseinsensitive>true</caseinsensitive></options>"
    assert ids(body) == ["1"]
    body = flt("like", "NAME", "ACME%") + "<options><caseinsensitive>true</caseinsensitive></options>"
    assert ids(body) == ["1", "2"]


def test_numbers_compare_numerically_not_as_text() -> None:
    assert ids(flt("greaterthan", "RECORDNO", "2")) == ["10", "3"]  # "10" > "2" as a number
    assert ids(flt("lessthan", "CREDITLIMIT", "250.50")) == ["3"]
    assert ids(flt("equalto", "CREDITLIMIT", "1000")) == ["1"]  # 1000.00 == 1000
    assert ids(flt("lessthanorequalto", "CREDITLIMIT", "250.5")) == ["2", "3"]
    assert ids(flt("greaterthanorequalto", "CREDITLIMIT", "1000.0")) == ["1"]


def test_timestamps_compare_chronologically() -> None:
    # Text order would put 12/31/2025 after 02/01/2026.
    assert ids(flt("greaterthan", "WHENMODIFIED", "01/01/2026 00:00:00")) == ["1", "2", "3"]
    assert ids(flt("lessthan", "WHENMODIFIED", "01/15/2026 09:30:00")) == ["1", "10"]
    assert ids(flt("greaterthanorequalto", "WHENMODIFIED", "01/15/2026")) == ["1", "2", "3"]


def test_dates_compare_chronologically() -> None:
    assert ids(flt("lessthan", "LASTINVOICEDATE", "01/01/2026")) == ["1"]
    assert ids(flt("between", "LASTINVOICEDATE", "01/01/2026", "02/01/2026")) == ["2", "3"]


def test_boolean_values() -> None:
    assert ids(flt("equalto", "ONHOLD", "true")) == ["2"]
    assert ids(flt("equalto", "ONHOLD", "false")) == ["1", "10"]


def test_notequalto_skips_nulls_like_sql() -> None:
    assert ids(flt("notequalto", "DISPLAYCONTACT.MAILADDRESS.CITY", "Boston")) == ["1"]
    assert ids(flt("notequalto", "NAME", "Acme")) == ["2", "10", "3"]


def test_dotted_related_field() -> None:
    assert ids(flt("equalto", "DISPLAYCONTACT.MAILADDRESS.CITY", "San Jose")) == ["1"]


def test_between_inclusive() -> None:
    assert ids(flt("between", "RECORDNO", "2", "3")) == ["2", "3"]


def test_in_and_notin() -> None:
    assert ids(flt("in", "CUSTOMERID", "C-1", "C-3", "nope")) == ["1", "3"]
    assert ids(flt("notin", "CUSTOMERID", "C-1", "C-3")) == ["2", "10"]
    assert ids(flt("in", "RECORDNO", "10.0")) == ["10"]
    assert ids(flt("notin", "DISPLAYCONTACT.MAILADDRESS.CITY", "Boston")) == ["1"]


def test_like_and_notlike_wildcards() -> None:
    assert ids(flt("like", "NAME", "A%")) == ["1"]
    assert ids(flt("like", "NAME", "_cme%")) == ["1", "2"]
    assert ids(flt("like", "NAME", "Beta_Co")) == ["10"]  # '_' is a wildcard, '.' is literal below
    assert ids(flt("like", "NAME", "Acm.")) == []
    assert ids(flt("notlike", "NAME", "%a%")) == ["1"]  # case-sensitive: only "Acme" has no 'a'
    assert ids(flt("like", "NAME", "%me")) == ["1"]


def test_isnull_and_isnotnull() -> None:
    assert ids(flt("isnull", "CREDITLIMIT")) == ["10"]
    assert ids(flt("isnull", "DISPLAYCONTACT.MAILADDRESS.CITY")) == ["2", "3"]  # "" and missing
    assert ids(flt("isnotnull", "ONHOLD")) == ["1", "2", "10"]


def test_equalto_empty_value_matches_nothing() -> None:
    assert ids(flt("equalto", "NAME", "")) == []


# --- and / or nesting ------------------------------------------------------------------------


def test_nested_and_or() -> None:
    body = (
        "<filter><or><and><equalto><field>STATUS</field><value>active</value></equalto>"
        "<greaterthan><field>CREDITLIMIT</field><value>100</value></greaterthan></and>"
        "<or><equalto><field>NAME</field><value>Gamma</value></equalto>"
        "<isnull><field>LASTINVOICEDATE</field></isnull></or></or></filter>"
    )
    assert ids(body) == ["1", "10", "3"]


def test_hotglue_whenmodified_window_sample() -> None:
    """The real HG tap request shape: showprivate before filter, an and of WHENMODIFIED bounds."""
    xml = (
        "<query><object>CUSTOMER</object><select><field>RECORDNO</field></select><pagesize>1</pagesize>"
        "<options><showprivate>true</showprivate></options><filter><and><greaterthanorequalto>"
        "<field>WHENMODIFIED</field><value>01/01/2026 00:00:01</value></greaterthanorequalto><lessthanorequalto>"
        "<field>WHENMODIFIED</field><value>01/15/2026 09:00:00</value></lessthanorequalto></and></filter></query>"
    )
    pq = parse_query(etree.fromstring(xml), types_for)
    assert pq.show_private and pq.pagesize == 1
    page, total = run_query(pq, ROWS)
    assert total == 1 and page == [{"RECORDNO": "1"}]


# --- select, orderby, paging -----------------------------------------------------------------


def test_select_returns_fields_in_select_order_with_blanks() -> None:
    pq = q(
        flt("equalto", "RECORDNO", "3"), select="<field>name</field><field>RECORDNO</field><field>CREDITLIMIT</field>"
    )
    page, _ = run_query(pq, ROWS)
    assert list(page[0].items()) == [("NAME", "Gamma"), ("RECORDNO", "3"), ("CREDITLIMIT", "9")]
    pq = q("", select="<field>DISPLAYCONTACT.MAILADDRESS.CITY</field>")
    assert run_query(pq, ROWS)[0][3] == {"DISPLAYCONTACT.MAILADDRESS.CITY": ""}


def test_orderby_typed_with_nulls_last_ascending_first_descending() -> None:
    asc = "<orderby><order><field>CREDITLIMIT</field><ascending/></order></orderby>"
    desc = "<orderby><order><field>CREDITLIMIT</field><descending/></order></orderby>"
    assert ids(asc) == ["3", "2", "1", "10"]
    assert ids(desc) == ["10", "1", "2", "3"]
    assert ids("<orderby><order><field>RECORDNO</field></order></orderby>") == ["1", "2", "3", "10"]
    assert ids("<orderby><order><field>WHENMODIFIED</field><descending/></order></orderby>") == ["2", "3", "1", "10"]


def test_orderby_multiple_keys() -> None:
    body = (
        "<orderby><order><field>STATUS</field><descending></descending></order>"
        "<order><field>WHENMODIFIED</field><ascending></ascending></order></orderby>"
    )
    assert ids(body) == ["2", "10", "1", "3"]


@pytest.mark.parametrize(
    ("pagesize", "offset", "expected"),
    [(2, 0, ["1", "2"]), (2, 2, ["3", "10"]), (3, 3, ["10"]), (100, 4, []), (100, 0, ["1", "2", "3", "10"])],
)
def test_paging_arithmetic(pagesize: int, offset: int, expected: list[str]) -> None:
    order = "<orderby><order><field>RECORDNO</field></order></orderby>"
    body = f"{order}<pagesize>{pagesize}</pagesize><offset>{offset}</offset>"
    pq = q(body)
    page, total = run_query(pq, ROWS)
    assert [r["RECORDNO"] for r in page] == expected
    assert total == 4
    assert (pq.pagesize, pq.offset) == (pagesize, offset)


def test_defaults() -> None:
    pq = q("")
    assert (pq.pagesize, pq.offset, pq.case_insensitive, pq.show_private, pq.return_format) == (
        100,
        0,
        False,
        False,
        "xml",
    )
    assert pq.object == "CUSTOMER" and pq.fields == ["RECORDNO"] and pq.docparid is None
    page, total = run_query(q(""), [{"RECORDNO": str(i)} for i in range(250)])
    assert len(page) == 100 and total == 250


def test_returnformat_option() -> None:
    assert q("<options><returnformat>json</returnformat></options>").return_format == "json"
    with pytest.raises(QueryError):
        q("<options><returnformat>yaml</returnformat></options>")


def test_docparid_restricts_documents() -> None:
    rows = [{"RECORDNO": "1", "DOCPARID": "Sales Order"}, {"RECORDNO": "2", "DOCPARID": "Sales Invoice"}]
    pq = q("<docparid>Sales Invoice</docparid>", obj="SODOCUMENT")
    assert pq.docparid == "Sales Invoice"
    assert [r["RECORDNO"] for r in run_query(pq, rows)[0]] == ["2"]
    assert ids("<docparid>sales invoice</docparid>", rows=rows, obj="SODOCUMENT") == []


# --- aggregates --------------------------------------------------------------------------------


def test_count_without_group_answers_one_row() -> None:
    pq = q(flt("equalto", "STATUS", "active"), select="<count>RECORDNO</count>")
    assert run_query(pq, ROWS) == ([{"COUNT.RECORDNO": "3"}], 1)
    pq = q(flt("equalto", "STATUS", "none"), select="<count>RECORDNO</count><sum>CREDITLIMIT</sum>")
    assert run_query(pq, ROWS) == ([{"COUNT.RECORDNO": "0", "SUM.CREDITLIMIT": ""}], 1)


def test_grouped_aggregates() -> None:
    select = (
        "<field>STATUS</field><count>CREDITLIMIT</count><sum>CREDITLIMIT</sum><avg>CREDITLIMIT</avg>"
        "<min>WHENMODIFIED</min><max>CREDITLIMIT</max>"
    )
    pq = q("<orderby><order><field>STATUS</field></order></orderby>", select=select)
    page, total = run_query(pq, ROWS)
    assert total == 2
    assert page[0] == {
        "STATUS": "active",
        "COUNT.CREDITLIMIT": "2",  # COUNT(col) skips NULLs
        "SUM.CREDITLIMIT": "1009.00",
        "AVG.CREDITLIMIT": "504.50",
        "MIN.WHENMODIFIED": "12/31/2025 23:59:59",
        "MAX.CREDITLIMIT": "1000.00",
    }
    assert page[1]["SUM.CREDITLIMIT"] == "250.5"


def test_sum_of_text_field_is_refused() -> None:
    with pytest.raises(QueryError) as err:
        q("", select="<sum>NAME</sum>")
    assert err.value.errorno == "DL02000001"


# --- errors -----------------------------------------------------------------------------------


def test_unknown_object() -> None:
    with pytest.raises(QueryError) as err:
        q("", obj="VENDOR9")
    assert (err.value.errorno, err.value.description2) == ("Query Failed", "Object definition VENDOR9 not found")


@pytest.mark.parametrize(
    "body_select",
    [
        ("", "<field>NOPE</field>"),
        ("", "<field>*</field>"),
        ("", "<field></field>"),
        (flt("equalto", "NOPE", "1"), "<field>RECORDNO</field>"),
        ("<orderby><order><field>NOPE</field></order></orderby>", "<field>RECORDNO</field>"),
    ],
)
def test_unknown_or_star_field_is_an_error(body_select: tuple[str, str]) -> None:
    body, select = body_select
    with pytest.raises(QueryError) as err:
        q(body, select=select)
    assert err.value.errorno == "DL02000001"
    assert err.value.description2 == "There was an error processing the request."


@pytest.mark.parametrize(
    ("field", "value"),
    [("WHENMODIFIED", "2026-01-01T00:00:00Z"), ("LASTINVOICEDATE", "13/40/2026"), ("RECORDNO", "abc")],
)
def test_bad_value_format_is_an_error(field: str, value: str) -> None:
    with pytest.raises(QueryError) as err:
        q(flt("greaterthan", field, value))
    assert err.value.errorno == "DL02000001"


@pytest.mark.parametrize(
    ("xml", "needle"),
    [
        ("<query><object>CUSTOMER</object></query>", "Element 'query': Missing child element(s)"),
        ("<query><select><field>RECORDNO</field></select></query>", "Missing child element(s)"),
        ("<query><object>CUSTOMER</object><select/></query>", "Element 'select': Missing child"),
        ("<query><object>CUSTOMER</object><select><star/></select></query>", "Element 'star': This element is not"),
        ("<query><object>CUSTOMER</object><object>X</object><select><field>A</field></select></query>", "'object'"),
        ("<query><object>CUSTOMER</object><select><field>NAME</field></select><limit>1</limit></query>", "'limit'"),
        ("<query><object>CUSTOMER</object><select><field>NAME</field></select><filter/></query>", "'filter'"),
    ],
)
def test_schema_violations(xml: str, needle: str) -> None:
    with pytest.raises(QuerySchemaError) as err:
        parse_query(etree.fromstring(xml), types_for)
    assert err.value.errorno == "XL03000003"
    assert err.value.description2.startswith("XML Parse schema error: Error 18")
    assert needle in err.value.description2


@pytest.mark.parametrize(
    "body",
    [
        "<filter><and><equalto><field>NAME</field><value>a</value></equalto></and></filter>",
        "<filter><or><isnull><field>NAME</field></isnull></or></filter>",
        "<filter><equalto><field>NAME</field><value>a</value></equalto><isnull><field>NAME</field></isnull></filter>",
        "<filter><between><field>RECORDNO</field><value>1</value></between></filter>",
        "<filter><between><field>RECORDNO</field><value>1</value><value>2</value><value>3</value></between></filter>",
        "<filter><equalto><field>NAME</field></equalto></filter>",
        "<filter><equalto><field>NAME</field><value>a</value><value>b</value></equalto></filter>",
        "<filter><isnull><field>NAME</field><value>a</value></isnull></filter>",
        "<filter><in><field>NAME</field></in></filter>",
        "<filter><contains><field>NAME</field><value>a</value></contains></filter>",
        "<filter><equalto><value>a</value><field>NAME</field></equalto></filter>",
        "<orderby/>",
        "<orderby><order><field>NAME</field><sideways/></order></orderby>",
    ],
)
def test_filter_grammar_violations(body: str) -> None:
    with pytest.raises(QuerySchemaError):
        q(body)


def test_in_accepts_up_to_1000_values() -> None:
    values = [str(i) for i in range(1000)]
    assert ids(flt("in", "RECORDNO", *values)) == ["1", "2", "10", "3"]
    with pytest.raises(QuerySchemaError):
        q(flt("in", "RECORDNO", *values, "1000"))


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("<pagesize>0</pagesize>", "1833"),
        ("<pagesize>2001</pagesize>", "1834"),
        ("<pagesize>abc</pagesize>", "1824"),
        ("<offset>-1</offset>", "1833"),
        ("<options><caseinsensitive>yes</caseinsensitive></options>", "1824"),
        ("<options><showprivate>true</showprivate><caseinsensitive>true</caseinsensitive></options>", "1871"),
    ],
)
def test_paging_and_option_limits(body: str, code: str) -> None:
    with pytest.raises(QuerySchemaError) as err:
        q(body)
    assert f"Error {code}:" in err.value.description2


def test_pagesize_2000_is_allowed() -> None:
    assert q("<pagesize>2000</pagesize>").pagesize == 2000


def test_parse_temporal() -> None:
    assert parse_temporal("07/24/2017 15:19:46") == 20170724151946
    assert parse_temporal("05/15/2019") == 20190515000000
    assert parse_temporal("5/1/2019 7:05") == 20190501070500
    assert parse_temporal("02/30/2019") is None
    assert parse_temporal("2019-05-15") is None


# --- requests as sageintacctsdk builds them ----------------------------------------------------


class _Capture:
    def __init__(self, total: int) -> None:
        self.total = total
        self.requests: list[etree._Element] = []

    def __call__(self, data: dict) -> dict:
        xml = xmltodict.unparse(data)
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
        self.requests.append(etree.fromstring(xml.encode(), parser))
        return {"data": {"@totalcount": str(self.total), "CUSTOMER": [{}]}}


@pytest.fixture
def sdk_customers() -> Any:
    from sageintacctsdk import SageIntacctSDK

    sdk = SageIntacctSDK(
        sender_id="s", sender_password="p", user_id="u", company_id="c", user_password="x", session_id="sess"
    )
    return sdk.customers


def test_sdk_count_request(sdk_customers: Any) -> None:
    capture = _Capture(total=3)
    sdk_customers.format_and_send_request = capture
    assert sdk_customers.count() == 3
    pq = parse_query(capture.requests[0], types_for)
    assert pq.pagesize == 1 and pq.fields == ["RECORDNO"]
    assert run_query(pq, ROWS)[1] == 3  # STATUS = active


def test_sdk_get_all_generator_request(sdk_customers: Any) -> None:
    capture = _Capture(total=4)
    sdk_customers.format_and_send_request = capture
    pages = list(
        sdk_customers.get_all_generator(
            fields=["RECORDNO", "NAME"],
            updated_at="01/01/2026 00:00:00",
            order_by_field="WHENMODIFIED",
            order="ascending",
        )
    )
    assert pages
    query_el = capture.requests[-1]
    pq = parse_query(query_el, types_for)
    assert (pq.pagesize, pq.offset, pq.order) == (2000, 0, [("WHENMODIFIED", True)])
    page, total = run_query(pq, ROWS)
    assert [r["RECORDNO"] for r in page] == ["1", "3", "2"] and total == 3


def test_sdk_get_all_request_without_filter(sdk_customers: Any) -> None:
    capture = _Capture(total=4)
    sdk_customers.format_and_send_request = capture
    sdk_customers.get_all(fields=["RECORDNO", "CUSTOMERID", "NAME"])
    count_req, page_req = capture.requests[0], capture.requests[1]
    assert parse_query(count_req, types_for).predicate(ROWS[0])
    pq = parse_query(page_req, types_for)
    assert pq.fields == ["RECORDNO", "CUSTOMERID", "NAME"] and run_query(pq, ROWS)[1] == 4


def test_schema_errors_win_over_semantic_errors() -> None:
    """Intacct validates the request against its schema before running it."""
    xml = "<query><object>VENDOR9</object><select><field>NOPE</field></select><pagesize>5000</pagesize></query>"
    with pytest.raises(QuerySchemaError):
        parse_query(etree.fromstring(xml), types_for)
    xml = "<query><object>VENDOR9</object><select><field>NOPE</field></select><filter><and/></filter></query>"
    with pytest.raises(QuerySchemaError):
        parse_query(etree.fromstring(xml), types_for)
    xml = "<query><object>VENDOR9</object><select><field>NOPE</field></select></query>"
    with pytest.raises(QueryError, match="Object definition VENDOR9 not found"):
        parse_query(etree.fromstring(xml), types_for)


@pytest.mark.parametrize(
    "order",
    [
        [("WHENMODIFIED", False), ("STATUS", True), ("CUSTOMERID", True), ("NAME", True)],  # the probe's order
        [("ONHOLD", False), ("LASTINVOICEDATE", True)],
        [("NAME", False), ("WHENMODIFIED", False)],  # a descending text field: sorted per field
        [("CREDITLIMIT", True), ("RECORDNO", True)],
    ],
)
@pytest.mark.parametrize("limit", [None, 1, 7, 40, 500])
def test_one_composite_sort_and_a_page_pick_keep_the_per_field_order(order: list[tuple[str, bool]], limit: Any) -> None:
    """The page picked with one composite key is exactly the head of one stable sort per field,
    last field first (NULLs, ties and the insertion order of equal rows included)."""
    rng = random.Random(7)
    stamps = ["", "01/02/2026 10:00:00", "01/02/2026 10:00:01", "12/31/2025 23:59:59", "01/02/2026"]
    rows = [
        {
            "RECORDNO": str(i),
            "CUSTOMERID": rng.choice(["", "C1", "C2", "c1"]),
            "NAME": rng.choice(["", "Acme", "Beta", "acme"]),
            "STATUS": rng.choice(["", "active", "inactive"]),
            "CREDITLIMIT": rng.choice(["", "10", "9.5", "100"]),
            "WHENMODIFIED": rng.choice(stamps),
            "LASTINVOICEDATE": rng.choice(["", "01/02/2026", "12/31/2025"]),
            "ONHOLD": rng.choice(["", "true", "false"]),
        }
        for i in range(300)
    ]
    expected = _sort_per_field(rows, order, TYPES.get)
    assert sort_rows(rows, order, TYPES.get, limit) == expected[:limit]
