"""SOQL executor: filtering semantics, type rules, ordering, windows, relationships and error codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sfintacct_sandbox.salesforce.soql import SoqlError

from .test_soql_fakes import FakeSource, demo_source, run

CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "salesforce"


@pytest.fixture
def org() -> FakeSource:
    return demo_source()


def names(org: FakeSource, soql: str, **kw: bool) -> list[str]:
    return [r["Name"] for r in run(org, soql, **kw).records]


def acc(org: FakeSource, where: str) -> list[str]:
    return names(org, f"SELECT Name FROM Account WHERE {where}")


def error(org: FakeSource, soql: str, code: str) -> SoqlError:
    with pytest.raises(SoqlError) as exc:
        run(org, soql)
    assert exc.value.error_code == code, exc.value.message
    return exc.value


# --- record shape ------------------------------------------------------------------------------


def test_record_shape_attributes_first_and_canonical_names(org: FakeSource) -> None:
    res = run(org, "select name, ID, phone from ACCOUNT where name = 'acme corp'")
    assert res.total_size == 1 and not res.is_count
    rec = res.records[0]
    assert list(rec) == ["attributes", "Name", "Id", "Phone"]
    assert rec["attributes"] == {"type": "Account", "url": f"/services/data/v59.0/sobjects/Account/{rec['Id']}"}
    assert rec["Name"] == "Acme Corp" and rec["Phone"] == "555-0100"


def test_child_relationship_shape_matches_recorded_response(org: FakeSource) -> None:
    if not CORPUS.is_dir():
        pytest.skip("shared corpus not available")
    recorded = json.loads((CORPUS / "restforce__sobject_query_success_response.json").read_text())
    child = recorded["records"][0]["Whizbangs__r"]
    res = run(org, "SELECT Name, (SELECT Name FROM Invoices__r) FROM Account WHERE Name = 'Acme Corp'")
    ours = res.records[0]["Invoices__r"]
    assert set(ours) == set(child) and ours["done"] is True
    assert set(ours["records"][0]) == set(child["records"][0])
    parent = recorded["records"][0]["ParentWhizbang__r"]
    nested = run(org, "SELECT Parent.Name FROM Account WHERE Name = 'globex'").records[0]["Parent"]
    assert set(parent["attributes"]) == set(nested["attributes"])


# --- operators and literals --------------------------------------------------------------------


def test_string_equality_is_case_insensitive(org: FakeSource) -> None:
    assert acc(org, "Name = 'ACME corp'") == ["Acme Corp"]
    assert acc(org, "Name = 'GLOBEX'") == ["globex"]


def test_not_equal_includes_nulls_and_diamond_operator(org: FakeSource) -> None:
    assert acc(org, "Type != 'Customer'") == ["globex", "Initech 100%_off"]
    assert acc(org, "Type <> 'Customer'") == ["globex", "Initech 100%_off"]


def test_null_comparisons(org: FakeSource) -> None:
    assert acc(org, "Phone = null") == ["globex", "Initech 100%_off"]
    assert acc(org, "Phone != null") == ["Acme Corp"]
    assert acc(org, "Type = ''") == ["globex"]  # empty text is stored as null in Salesforce


def test_number_comparisons(org: FakeSource) -> None:
    assert acc(org, "NumberOfEmployees > 8") == ["Acme Corp"]
    assert acc(org, "NumberOfEmployees >= 8") == ["Acme Corp", "globex"]
    assert acc(org, "NumberOfEmployees < 0") == ["Initech 100%_off"]
    assert acc(org, "NumberOfEmployees <= -3") == ["Initech 100%_off"]
    assert acc(org, "AnnualRevenue = 250000.5") == ["globex"]
    assert acc(org, "AnnualRevenue < 300000") == ["globex"]


def test_number_comparisons_skip_nulls(org: FakeSource) -> None:
    assert acc(org, "AnnualRevenue > -1") == ["Acme Corp", "globex"]
    assert acc(org, "AnnualRevenue != 1500000") == ["globex", "Initech 100%_off"]


def test_boolean_literals(org: FakeSource) -> None:
    assert names(org, "SELECT Name FROM Product2 WHERE IsActive = TRUE") == ["Widget"]
    assert names(org, "SELECT Name FROM Product2 WHERE IsActive = false") == ["Gadget"]
    assert names(org, "SELECT Name FROM Product2 WHERE IsActive != True") == ["Gadget"]


def test_in_and_not_in(org: FakeSource) -> None:
    assert acc(org, "Name IN ('acme corp', 'GLOBEX')") == ["Acme Corp", "globex"]
    assert acc(org, "Name NOT IN ('acme corp', 'GLOBEX')") == ["Initech 100%_off"]
    assert acc(org, "Type IN ('Prospect', null)") == ["globex", "Initech 100%_off"]
    assert acc(org, "Type NOT IN ('Prospect')") == ["Acme Corp", "globex"]
    assert acc(org, "NumberOfEmployees IN (8, 120)") == ["Acme Corp", "globex"]


def test_like_wildcards_case_insensitive_and_escapes(org: FakeSource) -> None:
    assert acc(org, "Name LIKE 'acme%'") == ["Acme Corp"]
    assert acc(org, "Name LIKE '%O%'") == ["Acme Corp", "globex", "Initech 100%_off"]
    assert acc(org, "Name LIKE 'glob_x'") == ["globex"]
    assert acc(org, "Name LIKE 'glob_'") == []
    assert acc(org, r"Name LIKE '%100\%\_off'") == ["Initech 100%_off"]
    assert acc(org, r"Name LIKE '%1\%%'") == []
    assert acc(org, "Phone LIKE '%'") == ["Acme Corp"]  # null never matches


def test_and_or_not(org: FakeSource) -> None:
    assert acc(org, "Name LIKE 'a%' OR Name LIKE 'g%'") == ["Acme Corp", "globex"]
    assert acc(org, "Name LIKE '%e%' AND NumberOfEmployees > 10") == ["Acme Corp"]
    assert acc(org, "NOT Name LIKE 'a%'") == ["globex", "Initech 100%_off"]
    assert acc(org, "(Type = null OR Type = 'Prospect') AND NOT (NumberOfEmployees < 0)") == ["globex"]


def test_id_compare_accepts_15_and_18_chars_case_sensitively(org: FakeSource) -> None:
    acme_id = run(org, "SELECT Id FROM Account WHERE Name = 'Acme Corp'").records[0]["Id"]
    assert acc(org, f"Id = '{acme_id}'") == ["Acme Corp"]
    assert acc(org, f"Id = '{acme_id[:15]}'") == ["Acme Corp"]
    assert acc(org, f"Id = '{acme_id[:15].upper()}'") == []
    assert acc(org, f"ParentId IN ('{acme_id[:15]}')") == ["globex"]
    err = error(org, "SELECT Id FROM Account WHERE Id = 'abc'", "INVALID_QUERY_FILTER_OPERATOR")
    assert err.detail == "invalid ID field: abc"


def test_semi_join(org: FakeSource) -> None:
    assert acc(org, "Id IN (SELECT AccountId FROM Opportunity WHERE StageName = 'Closed Won')") == [
        "Acme Corp",
        "globex",
    ]
    assert acc(org, "Id NOT IN (SELECT AccountId FROM Opportunity)") == ["Initech 100%_off"]


# --- dates -------------------------------------------------------------------------------------


def opp(org: FakeSource, where: str) -> list[str]:
    return names(org, f"SELECT Name FROM Opportunity WHERE {where}")


def test_date_literals_on_date_field(org: FakeSource) -> None:
    assert opp(org, "CloseDate = 2024-03-15") == ["Acme big deal"]
    assert opp(org, "CloseDate >= 2024-03-01") == ["Acme big deal", "Acme small", "Globex won"]
    assert opp(org, "CloseDate < 2024-03-01") == ["Orphan"]
    assert opp(org, "CloseDate IN (2024-02-10, 2024-03-14)") == ["Orphan", "Globex won"]


def test_named_date_literals(org: FakeSource) -> None:  # NOW is 2024-03-15 12:00 UTC
    assert opp(org, "CloseDate = TODAY") == ["Acme big deal"]
    assert opp(org, "CloseDate = YESTERDAY") == ["Globex won"]
    assert opp(org, "CloseDate < TODAY") == ["Acme small", "Orphan", "Globex won"]
    assert opp(org, "CloseDate > YESTERDAY") == ["Acme big deal"]
    assert opp(org, "CloseDate <= YESTERDAY") == ["Acme small", "Orphan", "Globex won"]
    assert opp(org, "CloseDate = LAST_N_DAYS:14") == ["Acme big deal", "Acme small", "Globex won"]
    assert opp(org, "CloseDate = THIS_MONTH") == ["Acme big deal", "Acme small", "Globex won"]
    assert opp(org, "CloseDate = LAST_MONTH") == ["Orphan"]
    assert opp(org, "CloseDate != TODAY") == ["Acme small", "Orphan", "Globex won"]


def test_datetime_literals_with_offsets(org: FakeSource) -> None:
    assert acc(org, "CreatedDate > 2024-03-15T00:00:00Z") == ["Acme Corp"]
    assert acc(org, "CreatedDate > 2024-03-15T00:00:00+00:00") == ["Acme Corp"]
    # 2024-03-14T19:00:00-05:00 is midnight UTC on the 15th
    assert acc(org, "CreatedDate >= 2024-03-14T19:00:00-05:00") == ["Acme Corp"]
    assert acc(org, "CreatedDate = 2024-03-14T23:59:59.000Z") == ["globex"]
    assert acc(org, "CreatedDate = TODAY") == ["Acme Corp"]
    assert acc(org, "CreatedDate = LAST_N_DAYS:1") == ["Acme Corp", "globex"]


@pytest.mark.parametrize(
    ("where", "detail"),
    [
        (
            "CloseDate = '2024-03-15'",
            "value of filter criterion for field 'CloseDate' must be of type date and should not be enclosed in quotes",
        ),
        (
            "CloseDate = 2024-03-15T00:00:00Z",
            "value of filter criterion for field 'CloseDate' must be of type date and should not be enclosed in quotes",
        ),
        (
            "CreatedDate > 2024-03-15",
            "value of filter criterion for field 'CreatedDate' must be of type dateTime "
            "and should not be enclosed in quotes",
        ),
        (
            "Amount = '300'",
            "value of filter criterion for field 'Amount' must be of type double and should not be enclosed in quotes",
        ),
        (
            "IsWon = 'true'",
            "value of filter criterion for field 'IsWon' must be of type boolean and should not be enclosed in quotes",
        ),
        (
            "Name = 5",
            "value of filter criterion for field 'Name' must be of type string and should be enclosed in quotes",
        ),
        (
            "Name IN ('a', 5)",
            "value of filter criterion for field 'Name' must be of type string and should be enclosed in quotes",
        ),
    ],
)
def test_type_mismatch_is_invalid_field(org: FakeSource, where: str, detail: str) -> None:
    err = error(org, f"SELECT Id FROM Opportunity WHERE {where}", "INVALID_FIELD")
    assert err.detail == detail
    assert "ERROR at Row:1:Column:" in err.message


@pytest.mark.parametrize(
    "where",
    ["Id LIKE '006%'", "Amount LIKE '3%'", "IsWon > true", "Amount > null", "Name < null", "AccountId LIKE 'a'"],
)
def test_bad_operator_for_type(org: FakeSource, where: str) -> None:
    error(org, f"SELECT Id FROM Opportunity WHERE {where}", "INVALID_QUERY_FILTER_OPERATOR")


def test_like_on_id_message(org: FakeSource) -> None:
    err = error(org, "SELECT Id FROM Account WHERE Id LIKE '001%'", "INVALID_QUERY_FILTER_OPERATOR")
    assert err.detail == "invalid operator on id field"
