"""SOQL aggregates: GROUP BY, COUNT/COUNT_DISTINCT/SUM/AVG/MIN/MAX, date functions, HAVING, errors.

Expected results follow the SOQL reference ("GROUP BY", "Aggregate Functions", "Date Functions",
"Considerations for GROUP BY", "Support for Field Types in Aggregate Functions"); the record shape
follows a recorded REST answer (``attributes`` with the type only, ``expr0`` for an unnamed function).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from sfintacct_sandbox.salesforce.soql import SoqlError

from .sf_support import Api, api_fixture, sf_server_fixture  # noqa: F401
from .test_soql_fakes import FakeSource, demo_source, run

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "salesforce"


@pytest.fixture
def org() -> FakeSource:
    return demo_source()


def rows(org: FakeSource, soql: str) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "attributes"} for r in run(org, soql).records]


def error(org: FakeSource, soql: str, code: str) -> SoqlError:
    with pytest.raises(SoqlError) as exc:
        run(org, soql)
    assert exc.value.error_code == code, exc.value.message
    return exc.value


def test_group_by_with_sum_count_and_default_names(org: FakeSource) -> None:
    res = run(org, "SELECT StageName, SUM(Amount), COUNT(Id) FROM Opportunity GROUP BY StageName")
    assert res.aggregate and res.total_size == 3
    assert res.records[0]["attributes"] == {"type": "AggregateResult"}  # no url: a group is not a record
    assert rows(org, "SELECT StageName, SUM(Amount), COUNT(Id) FROM Opportunity GROUP BY StageName") == [
        {"StageName": "Closed Lost", "expr0": 50.0, "expr1": 1},
        {"StageName": "Closed Won", "expr0": 375.0, "expr1": 2},
        {"StageName": "Prospecting", "expr0": None, "expr1": 1},  # SUM over nulls only is null
    ]


def test_aliases_do_not_use_up_expr_numbers(org: FakeSource) -> None:
    got = rows(org, "SELECT SUM(Amount) total, MAX(CloseDate), COUNT(Amount) n, MIN(Name) FROM Opportunity")
    assert got == [{"total": 425.0, "expr0": "2024-03-15", "n": 3, "expr1": "Acme big deal"}]
    assert list(got[0]) == ["total", "expr0", "n", "expr1"]  # SELECT order


def test_avg_count_distinct_and_no_rows(org: FakeSource) -> None:
    got = rows(org, "SELECT AVG(Amount) a, COUNT_DISTINCT(StageName) s FROM Opportunity")
    assert got == [{"a": pytest.approx(425.0 / 3), "s": 3}]
    none = rows(org, "SELECT COUNT(Id) n, SUM(Amount) s FROM Opportunity WHERE Name = 'nobody'")
    assert none == [{"n": 0, "s": None}]  # no GROUP BY: one result even over no rows
    assert rows(org, "SELECT StageName, COUNT(Id) FROM Opportunity WHERE Name = 'x' GROUP BY StageName") == []


def test_calendar_functions_group_and_order(org: FakeSource) -> None:
    soql = (
        "SELECT CALENDAR_YEAR(CloseDate) y, CALENDAR_MONTH(CloseDate) m, CALENDAR_QUARTER(CloseDate) q, "
        "SUM(Amount) amount FROM Opportunity GROUP BY CALENDAR_YEAR(CloseDate), CALENDAR_MONTH(CloseDate), "
        "CALENDAR_QUARTER(CloseDate) ORDER BY CALENDAR_MONTH(CloseDate) DESC"
    )
    assert rows(org, soql) == [
        {"y": 2024, "m": 3, "q": 1, "amount": 375.0},
        {"y": 2024, "m": 2, "q": 1, "amount": 50.0},
    ]
    # a date field grouped as itself may be shown through a date function (not so for a datetime)
    assert rows(org, "SELECT CALENDAR_YEAR(CloseDate) FROM Opportunity GROUP BY CloseDate LIMIT 1") == [{"expr0": 2024}]
    error(org, "SELECT CALENDAR_YEAR(CreatedDate) FROM Opportunity GROUP BY CreatedDate", "MALFORMED_QUERY")


def test_having_order_by_aggregate_limit_offset(org: FakeSource) -> None:
    base = "SELECT StageName, COUNT(Id) n FROM Opportunity GROUP BY StageName"
    assert rows(org, base + " HAVING COUNT(Id) > 1") == [{"StageName": "Closed Won", "n": 2}]
    assert rows(org, base + " HAVING StageName != 'Closed Won' AND COUNT(Id) = 1 ORDER BY StageName DESC") == [
        {"StageName": "Prospecting", "n": 1},
        {"StageName": "Closed Lost", "n": 1},
    ]
    error(
        org, "SELECT StageName s, COUNT(Id) FROM Opportunity GROUP BY StageName", "MALFORMED_QUERY"
    )  # fields take no alias
    top = rows(org, "SELECT StageName, SUM(Amount) t FROM Opportunity GROUP BY StageName ORDER BY SUM(Amount) DESC")
    assert [r["StageName"] for r in top] == ["Prospecting", "Closed Won", "Closed Lost"]  # nulls first when DESC
    assert [r["StageName"] for r in rows(org, base + " ORDER BY COUNT(Id) DESC, StageName LIMIT 2 OFFSET 1")] == [
        "Closed Lost",
        "Prospecting",
    ]


def test_grouping_by_relationship_field(org: FakeSource) -> None:
    got = rows(org, "SELECT Account.Name, COUNT(Id) FROM Opportunity WHERE AccountId != null GROUP BY Account.Name")
    assert got == [{"Name": "Acme Corp", "expr0": 2}, {"Name": "globex", "expr0": 1}]


def test_field_must_be_grouped_or_aggregated(org: FakeSource) -> None:
    e = error(org, "SELECT Name, SUM(Amount) FROM Opportunity GROUP BY StageName", "MALFORMED_QUERY")
    assert e.detail == "Field must be grouped or aggregated: Name"
    assert "ERROR at Row:1:Column:8" in e.message
    e = error(org, "SELECT StageName FROM Opportunity GROUP BY StageName ORDER BY Name", "MALFORMED_QUERY")
    assert e.detail == "Ordered field must be grouped or aggregated: Name"


def test_a_grouped_field_is_not_aggregated(org: FakeSource) -> None:
    e = error(org, "SELECT StageName, COUNT(StageName) FROM Opportunity GROUP BY StageName", "MALFORMED_QUERY")
    assert e.detail == "Grouped field should not be aggregated: StageName"
    error(org, "SELECT COUNT(Id) FROM Opportunity GROUP BY SUM(Amount)", "MALFORMED_QUERY")  # no aggregate in GROUP BY


def test_type_rules_of_aggregates_and_grouping(org: FakeSource) -> None:
    e = error(org, "SELECT SUM(Name) FROM Opportunity", "MALFORMED_QUERY")
    assert e.detail == "field Name does not support aggregate operator SUM"
    e = error(org, "SELECT AVG(CloseDate) FROM Opportunity", "MALFORMED_QUERY")
    assert e.detail == "field CloseDate does not support aggregate operator AVG"
    e = error(org, "SELECT COUNT(IsWon) FROM Opportunity", "MALFORMED_QUERY")
    assert e.detail == "field IsWon does not support aggregate operator COUNT"
    e = error(org, "SELECT Amount, COUNT(Id) FROM Opportunity GROUP BY Amount", "MALFORMED_QUERY")
    assert e.detail == "field 'Amount' can not be grouped in a query call"  # currency: describe says groupable false
    assert rows(org, "SELECT MIN(CloseDate) d FROM Opportunity") == [{"d": "2024-02-10"}]  # MIN on a date is fine
    e = error(org, "SELECT CALENDAR_MONTH(Name) FROM Opportunity GROUP BY CALENDAR_MONTH(Name)", "MALFORMED_QUERY")
    assert "CALENDAR_MONTH" in e.detail and "Name" in e.detail


def test_count_alone_still_answers_total_size(org: FakeSource) -> None:
    res = run(org, "SELECT COUNT() FROM Opportunity")
    assert res.is_count and res.total_size == 4 and res.records == []
    error(org, "SELECT COUNT(), SUM(Amount) FROM Opportunity", "MALFORMED_QUERY")


def test_shape_matches_recorded_aggregate_answer(org: FakeSource) -> None:
    if not CORPUS.is_dir():
        pytest.skip("shared corpus not available")
    recorded = json.loads((CORPUS / "restforce__sobject_query_aggregate_success_response.json").read_text())
    ours = run(org, "SELECT AccountId, SUM(Amount) FROM Opportunity GROUP BY AccountId").records
    theirs = recorded["records"]
    assert [r["attributes"] for r in ours] == [theirs[0]["attributes"]] * len(ours)
    shape = [k.replace("CampaignId", "AccountId") for k in theirs[0]]  # attributes, the grouped field, expr0
    assert [list(r) for r in ours] == [shape] * len(ours)
    assert None in [r["AccountId"] for r in ours] and None in [r["CampaignId"] for r in theirs]  # a null group


# --- over HTTP ---------------------------------------------------------------------------------


def _query(api: Api, soql: str, **kw: Any) -> requests.Response:
    return api.call("GET", f"query/?q={quote(soql)}", **kw)


def test_rest_aggregate_answer_and_no_query_locator(api: Api) -> None:
    for i in range(205):
        api.create("Account", {"Name": f"Acct {i:03d}", "NumberOfEmployees": i % 3})
    r = _query(api, "SELECT NumberOfEmployees, COUNT(Id) n FROM Account GROUP BY NumberOfEmployees")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["done"] is True and body["totalSize"] == 3 and "nextRecordsUrl" not in body
    assert body["records"][0] == {"attributes": {"type": "AggregateResult"}, "NumberOfEmployees": 0, "n": 69}
    # more groups than one batch: refused (an aggregate query cannot be paged with a query locator)
    small = {"Sforce-Query-Options": "batchSize=200"}
    r = _query(api, "SELECT Name, COUNT(Id) FROM Account GROUP BY Name", headers=small)
    assert r.status_code == 400
    assert r.json() == [
        {
            "message": "Aggregate query does not support queryMore(), use LIMIT to restrict the results "
            "to a single batch",
            "errorCode": "EXCEEDED_ID_LIMIT",
        }
    ]
    r = _query(api, "SELECT Name, COUNT(Id) FROM Account GROUP BY Name LIMIT 200", headers=small)
    assert r.status_code == 200 and r.json()["totalSize"] == 200
    # a plain query of the same rows pages as usual
    r = _query(api, "SELECT Name FROM Account", headers=small)
    assert r.status_code == 200 and "nextRecordsUrl" in r.json()
