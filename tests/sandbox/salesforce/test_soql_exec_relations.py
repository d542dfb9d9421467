"""SOQL executor: ORDER BY, LIMIT/OFFSET, deleted rows, relationships, COUNT and schema errors."""

from __future__ import annotations

import pytest

from sfintacct_sandbox.salesforce.soql import SoqlError

from .test_soql_fakes import FakeSource, demo_source, run


@pytest.fixture
def org() -> FakeSource:
    return demo_source()


def col(org: FakeSource, soql: str, field: str = "Name", **kw: bool) -> list[object]:
    return [r[field] for r in run(org, soql, **kw).records]


def error(org: FakeSource, soql: str, code: str) -> SoqlError:
    with pytest.raises(SoqlError) as exc:
        run(org, soql)
    assert exc.value.error_code == code, exc.value.message
    return exc.value


# --- ORDER BY / LIMIT / OFFSET -------------------------------------------------------------------


def test_order_by_is_case_insensitive(org: FakeSource) -> None:
    assert col(org, "SELECT Name FROM Account ORDER BY Name") == ["Acme Corp", "globex", "Initech 100%_off"]
    assert col(org, "SELECT Name FROM Account ORDER BY Name DESC") == ["Initech 100%_off", "globex", "Acme Corp"]


def test_order_by_nulls_default_first_in_both_directions(org: FakeSource) -> None:
    q = "SELECT Name, Amount FROM Opportunity ORDER BY Amount"
    assert col(org, q, "Amount") == [None, 50.0, 75.0, 300.0]
    assert col(org, q + " ASC NULLS LAST", "Amount") == [50.0, 75.0, 300.0, None]
    assert col(org, q + " DESC", "Amount") == [None, 300.0, 75.0, 50.0]
    assert col(org, q + " DESC NULLS LAST", "Amount") == [300.0, 75.0, 50.0, None]
    assert col(org, q + " DESC NULLS FIRST", "Amount") == [None, 300.0, 75.0, 50.0]


def test_order_by_multiple_keys_and_parent_field(org: FakeSource) -> None:
    q = "SELECT Name FROM Opportunity ORDER BY StageName DESC, CloseDate ASC"
    assert col(org, q) == ["Acme small", "Globex won", "Acme big deal", "Orphan"]
    q = "SELECT Name FROM Opportunity ORDER BY Account.Name NULLS LAST, Name DESC"
    assert col(org, q) == ["Acme small", "Acme big deal", "Globex won", "Orphan"]


def test_order_by_dates_booleans_and_datetimes(org: FakeSource) -> None:
    assert col(org, "SELECT Name FROM Opportunity ORDER BY CloseDate DESC LIMIT 2") == ["Acme big deal", "Globex won"]
    assert col(org, "SELECT Name FROM Product2 ORDER BY IsActive DESC") == ["Widget", "Gadget"]
    q = "SELECT Name FROM Account ORDER BY CreatedDate DESC"
    assert col(org, q) == ["Acme Corp", "globex", "Initech 100%_off"]


def test_limit_and_offset(org: FakeSource) -> None:
    q = "SELECT Name FROM Opportunity ORDER BY Name"
    assert col(org, q + " LIMIT 2") == ["Acme big deal", "Acme small"]
    assert col(org, q + " LIMIT 2 OFFSET 1") == ["Acme small", "Globex won"]
    assert col(org, q + " OFFSET 3") == ["Orphan"]
    assert col(org, q + " LIMIT 0") == []
    assert col(org, "SELECT Name FROM Opportunity LIMIT 1 OFFSET 1") == ["Acme small"]  # unordered: insertion


def test_offset_above_2000_is_rejected(org: FakeSource) -> None:
    run(org, "SELECT Id FROM Account OFFSET 2000")
    err = error(org, "SELECT Id FROM Account OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE")
    assert err.detail == "Maximum SOQL offset allowed is 2000"
    assert "ERROR at Row:1:Column:31" in err.message


# --- deleted rows -----------------------------------------------------------------------------------


def test_deleted_rows_only_with_query_all(org: FakeSource) -> None:
    assert "Gone Ltd" not in col(org, "SELECT Name FROM Account")
    assert col(org, "SELECT Name FROM Account WHERE IsDeleted = true") == []
    assert col(org, "SELECT Name, IsDeleted FROM Account WHERE IsDeleted = true", include_deleted=True) == ["Gone Ltd"]
    assert len(col(org, "SELECT Name FROM Account", include_deleted=True)) == 4


def test_deleted_children_hidden_unless_query_all(org: FakeSource) -> None:
    q = "SELECT Name, (SELECT Quantity FROM OpportunityLineItems) FROM Opportunity WHERE Name = 'Acme big deal'"
    items = run(org, q).records[0]["OpportunityLineItems"]
    assert items["totalSize"] == 2 and [r["Quantity"] for r in items["records"]] == [2.0, 1.0]
    items = run(org, q, include_deleted=True).records[0]["OpportunityLineItems"]
    assert items["totalSize"] == 3


# --- relationships ------------------------------------------------------------------------------------


def test_parent_paths_nest_with_attributes_and_null_parent(org: FakeSource) -> None:
    recs = run(org, "SELECT Name, Account.Name, Account.Phone FROM Opportunity ORDER BY Name").records
    first = recs[0]
    assert list(first) == ["attributes", "Name", "Account"]
    assert list(first["Account"]) == ["attributes", "Name", "Phone"]
    assert first["Account"]["attributes"]["type"] == "Account"
    assert first["Account"]["attributes"]["url"].startswith("/services/data/v59.0/sobjects/Account/001")
    assert first["Account"]["Name"] == "Acme Corp"
    orphan = next(r for r in recs if r["Name"] == "Orphan")
    assert orphan["Account"] is None


def test_multi_level_and_custom_parent_paths(org: FakeSource) -> None:
    rec = run(
        org, "SELECT Opportunity.Account.Name, Product2.Name FROM OpportunityLineItem ORDER BY Quantity DESC LIMIT 1"
    ).records[0]
    assert rec["Opportunity"]["Account"]["Name"] == "Acme Corp"
    assert rec["Opportunity"]["attributes"]["type"] == "Opportunity"
    assert rec["Product2"]["Name"] == "Widget"
    rec = run(org, "SELECT account__r.name FROM Intacct_Invoice__c").records[0]
    assert rec["Account__r"]["Name"] == "Acme Corp"


def test_where_on_parent_field(org: FakeSource) -> None:
    assert col(org, "SELECT Name FROM Opportunity WHERE Account.Name = 'ACME CORP' ORDER BY Name") == [
        "Acme big deal",
        "Acme small",
    ]
    assert col(org, "SELECT Name FROM Opportunity WHERE Account.Name = null") == ["Orphan"]


def test_object_name_prefix_and_alias(org: FakeSource) -> None:
    assert col(org, "SELECT a.Name FROM Account a WHERE a.Name LIKE 'a%'") == ["Acme Corp"]
    assert col(org, "SELECT Account.Name FROM Account WHERE Account.Name LIKE 'g%'") == ["globex"]


def test_child_subquery_filters_orders_limits_and_is_null_when_empty(org: FakeSource) -> None:
    q = (
        "SELECT Name, (SELECT Name, Amount FROM Opportunities WHERE Amount != null ORDER BY Amount DESC LIMIT 1) "
        "FROM Account ORDER BY Name"
    )
    recs = run(org, q).records
    assert recs[0]["Opportunities"] == {
        "totalSize": 1,
        "done": True,
        "records": [
            {
                "attributes": {
                    "type": "Opportunity",
                    "url": recs[0]["Opportunities"]["records"][0]["attributes"]["url"],
                },
                "Name": "Acme big deal",
                "Amount": 300.0,
            }
        ],
    }
    assert recs[2]["Name"] == "Initech 100%_off" and recs[2]["Opportunities"] is None


def test_child_subquery_canonical_name_and_parent_path_inside(org: FakeSource) -> None:
    rec = run(
        org, "SELECT Id, (select product2.name from opportunitylineitems) FROM Opportunity WHERE IsWon = true LIMIT 1"
    ).records[0]
    assert "OpportunityLineItems" in rec
    assert [r["Product2"]["Name"] for r in rec["OpportunityLineItems"]["records"]] == ["Widget", "Gadget"]


# --- COUNT ----------------------------------------------------------------------------------------------


def test_count_returns_total_size_only(org: FakeSource) -> None:
    res = run(org, "SELECT COUNT() FROM Account")
    assert (res.records, res.total_size, res.is_count) == ([], 3, True)
    assert run(org, "SELECT COUNT() FROM Account", include_deleted=True).total_size == 4
    assert run(org, "SELECT COUNT() FROM Opportunity WHERE IsWon = true").total_size == 1


def test_count_field_aggregate(org: FakeSource) -> None:
    res = run(org, "SELECT COUNT(Id), COUNT(Phone) phones FROM Account")
    assert res.records == [{"attributes": {"type": "AggregateResult"}, "expr0": 3, "phones": 1}]
    assert res.total_size == 1 and not res.is_count


@pytest.mark.parametrize("soql", ["SELECT COUNT(), Name FROM Account", "SELECT Name, COUNT(Id) FROM Account"])
def test_count_mixed_with_fields_is_malformed(org: FakeSource, soql: str) -> None:
    error(org, soql, "MALFORMED_QUERY")


# --- schema errors ----------------------------------------------------------------------------------------


def test_unknown_column_message(org: FakeSource) -> None:
    err = error(org, "SELECT Id, Foo FROM Account", "INVALID_FIELD")
    assert err.detail == (
        "No such column 'Foo' on entity 'Account'. If you are attempting to use a custom field, be sure to "
        "append the '__c' after the custom field name. Please reference your WSDL or the describe call for "
        "the appropriate names."
    )
    assert err.message.startswith("\nSELECT Id, Foo FROM Account\n           ^\nERROR at Row:1:Column:12\n")


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT Id FROM Account WHERE Foo = 'x'",
        "SELECT Id FROM Account ORDER BY Foo",
        "SELECT Account.Foo FROM Opportunity",
        "SELECT Bogus.Name FROM Opportunity",
        "SELECT Account FROM Opportunity",
        "SELECT Id FROM Opportunity WHERE Id IN (SELECT Nope FROM Account)",
        "SELECT (SELECT Foo FROM Opportunities) FROM Account",
        "SELECT COUNT(Foo) FROM Account",
    ],
)
def test_unknown_fields_are_invalid_field(org: FakeSource, soql: str) -> None:
    error(org, soql, "INVALID_FIELD")


def test_unknown_relationship_message(org: FakeSource) -> None:
    err = error(org, "SELECT Bogus.Name FROM Opportunity", "INVALID_FIELD")
    assert err.detail.startswith("Didn't understand relationship 'Bogus' in field path.")


def test_unknown_object_is_invalid_type(org: FakeSource) -> None:
    err = error(org, "SELECT Id FROM Foo", "INVALID_TYPE")
    assert err.detail.startswith("sObject type 'Foo' is not supported.")
    error(org, "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Nope)", "INVALID_TYPE")


def test_unknown_child_relationship_is_invalid_type(org: FakeSource) -> None:
    err = error(org, "SELECT Id, (SELECT Id FROM Contacts) FROM Account", "INVALID_TYPE")
    assert err.detail.startswith("Didn't understand relationship 'Contacts' in FROM part of query call.")


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT Id, Name, id FROM Account",
        "SELECT Account.Name, account.name FROM Opportunity",
        "SELECT (SELECT Id FROM Opportunities), (SELECT Name FROM Opportunities) FROM Account",
    ],
)
def test_duplicate_fields_are_rejected(org: FakeSource, soql: str) -> None:
    err = error(org, soql, "MALFORMED_QUERY")
    assert "duplicate field selected" in err.detail


def test_semi_join_must_select_an_id(org: FakeSource) -> None:
    error(org, "SELECT Id FROM Account WHERE Id IN (SELECT Name FROM Opportunity)", "INVALID_FIELD")
    error(org, "SELECT Id FROM Account WHERE Name IN (SELECT AccountId FROM Opportunity)", "INVALID_FIELD")
