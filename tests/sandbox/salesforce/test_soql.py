"""SOQL parser: grammar, literals, escapes and MALFORMED_QUERY errors."""

from __future__ import annotations

import pytest

from sfintacct_sandbox.salesforce.soql import (
    Comparison,
    CountCall,
    FieldPath,
    Literal,
    Logical,
    Not,
    Query,
    SoqlError,
    SubQuery,
    parse,
)


def where(soql_where: str) -> Comparison | Logical | Not:
    q = parse(f"SELECT Id FROM Account WHERE {soql_where}")
    assert q.where is not None
    return q.where


def literal(value_text: str, op: str = "=") -> Literal:
    cond = where(f"Name {op} {value_text}")
    assert isinstance(cond, Comparison)
    assert isinstance(cond.value, Literal)
    return cond.value


def malformed(soql: str) -> SoqlError:
    with pytest.raises(SoqlError) as exc:
        parse(soql)
    assert exc.value.error_code == "MALFORMED_QUERY"
    return exc.value


# --- grammar -----------------------------------------------------------------------------------


def test_full_statement_keywords_case_insensitive() -> None:
    q = parse("select Id, name from account where name = 'x' order by name asc nulls last limit 5 offset 2")
    assert [i.parts for i in q.select if isinstance(i, FieldPath)] == [("Id",), ("name",)]
    assert q.sobject == "account"
    assert q.limit == 5 and q.offset == 2
    assert q.order_by[0].field.parts == ("name",)
    assert not q.order_by[0].descending and q.order_by[0].nulls_last


def test_select_parent_paths_and_child_subquery() -> None:
    q = parse(
        "SELECT Id, Account.Name, Opportunity.Account.Name, Account__r.Name, "
        "(SELECT Id, Quantity FROM OpportunityLineItems WHERE Quantity > 1 ORDER BY Quantity DESC LIMIT 3) "
        "FROM Opportunity"
    )
    paths = [i.parts for i in q.select if isinstance(i, FieldPath)]
    assert paths == [("Id",), ("Account", "Name"), ("Opportunity", "Account", "Name"), ("Account__r", "Name")]
    sub = q.select[-1]
    assert isinstance(sub, SubQuery)
    assert sub.query.sobject == "OpportunityLineItems"
    assert sub.query.limit == 3 and sub.query.order_by[0].descending
    assert isinstance(sub.query.where, Comparison)


def test_count_forms() -> None:
    q = parse("SELECT COUNT() FROM Account")
    assert q.select == (CountCall(None, None, 7),)
    q = parse("SELECT count(Id) total FROM Account")
    item = q.select[0]
    assert isinstance(item, CountCall) and item.field is not None and item.alias == "total"


def test_object_alias() -> None:
    q = parse("SELECT a.Name FROM Account a WHERE a.Name != null")
    assert q.alias == "a"


@pytest.mark.parametrize(
    ("text", "op"),
    [("=", "="), ("!=", "!="), ("<>", "!="), ("<", "<"), ("<=", "<="), (">", ">"), (">=", ">="), ("LIKE", "LIKE")],
)
def test_comparison_operators(text: str, op: str) -> None:
    cond = where(f"Name {text} 'a'")
    assert isinstance(cond, Comparison) and cond.op == op


def test_in_and_not_in_lists_and_semi_join() -> None:
    cond = where("Name IN ('a', 'b', null)")
    assert isinstance(cond, Comparison) and cond.op == "IN"
    assert isinstance(cond.value, tuple) and [v.value for v in cond.value] == ["a", "b", None]
    cond = where("Name not in ('a')")
    assert isinstance(cond, Comparison) and cond.op == "NOT IN"
    cond = where("Id IN (SELECT AccountId FROM Opportunity WHERE IsWon = true)")
    assert isinstance(cond, Comparison) and isinstance(cond.value, Query)


def test_and_or_not_parentheses() -> None:
    cond = where("(Name = 'a' OR Name = 'b') AND NOT Phone = null")
    assert isinstance(cond, Logical) and cond.op == "AND"
    assert isinstance(cond.items[0], Logical) and cond.items[0].op == "OR"
    assert isinstance(cond.items[1], Not)
    cond = where("Name = 'a' AND (Name = 'b' OR Name = 'c')")
    assert isinstance(cond, Logical) and cond.op == "AND"
    assert isinstance(where("NOT (Name = 'a' AND Phone = null)"), Not)


@pytest.mark.parametrize("cond", ["Name = 'a' AND Name = 'b' OR Name = 'c'", "Name = 'a' OR Name = 'b' AND Name = 'c'"])
def test_mixing_and_or_without_parentheses_is_malformed(cond: str) -> None:
    err = malformed(f"SELECT Id FROM Account WHERE {cond}")
    assert "unexpected token" in err.message


# --- literals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("null", "null", None),
        ("NULL", "null", None),
        ("true", "boolean", True),
        ("TRUE", "boolean", True),
        ("False", "boolean", False),
        ("42", "number", 42),
        ("-7", "number", -7),
        ("3.25", "number", 3.25),
        ("-0.5", "number", -0.5),
        ("2024-01-31", "date", "2024-01-31"),
        ("2024-01-31T12:00:00Z", "datetime", "2024-01-31T12:00:00Z"),
        ("2024-01-31T12:00:00+00:00", "datetime", "2024-01-31T12:00:00+00:00"),
        ("2024-01-31T12:00:00.123-05:30", "datetime", "2024-01-31T12:00:00.123-05:30"),
        ("TODAY", "datelit", ("TODAY", 0)),
        ("yesterday", "datelit", ("YESTERDAY", 0)),
        ("LAST_N_DAYS:30", "datelit", ("LAST_N_DAYS", 30)),
    ],
)
def test_literals(text: str, kind: str, value: object) -> None:
    lit = literal(text)
    assert (lit.kind, lit.value) == (kind, value)


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (r"a\nb", "a\nb"),
        (r"a\Nb", "a\nb"),
        (r"\r\R", "\r\r"),
        (r"\t\T", "\t\t"),
        (r"\b\B", "\b\b"),
        (r"\f\F", "\f\f"),
        (r"say \"hi\"", 'say "hi"'),
        (r"O\'Brien", "O'Brien"),
        (r"back\\slash", "back\\slash"),
        (r"\u00e9t\u00C9", "étÉ"),
        ("plain % and _", "plain % and _"),
    ],
)
def test_string_escapes(raw: str, value: str) -> None:
    assert literal(f"'{raw}'").value == value


def test_like_escapes_only_inside_like() -> None:
    lit = literal(r"'100\%\_%'", op="LIKE")
    assert lit.value == "100%_%"
    assert lit.pattern is not None
    malformed(r"SELECT Id FROM Account WHERE Name = '100\%'")
    malformed(r"SELECT Id FROM Account WHERE Name = 'a\_b'")


@pytest.mark.parametrize("raw", [r"\x", r"\a", r"\u12", r"\uZZZZ", "\\"])
def test_unknown_escape_is_malformed(raw: str) -> None:
    malformed(f"SELECT Id FROM Account WHERE Name = '{raw}'")


# --- malformed queries -------------------------------------------------------------------------


def test_unexpected_token_message_shape() -> None:
    err = malformed("SELECT Id FORM Account")
    assert err.detail == "unexpected token: 'FORM'"
    assert err.message == "\nSELECT Id FORM Account\n          ^\nERROR at Row:1:Column:11\nunexpected token: 'FORM'"
    assert err.to_json() == [{"message": err.message, "errorCode": "MALFORMED_QUERY"}]


def test_error_location_on_later_line() -> None:
    err = malformed("SELECT Id\nFROM Account\nWHERE Name = = 'x'")
    assert "ERROR at Row:3:Column:14" in err.message


@pytest.mark.parametrize(
    "soql",
    [
        "",
        "   ",
        "SELECT",
        "SELECT FROM Account",
        "SELECT Id, FROM Account",
        "SELECT Id FROM",
        "SELECT Id FROM Account WHERE",
        "SELECT Id FROM Account WHERE Name",
        "SELECT Id FROM Account WHERE Name = ",
        "SELECT Id FROM Account WHERE Name = 'x",
        'SELECT Id FROM Account WHERE Name = "x"',
        "SELECT Id FROM Account WHERE Name = :name",
        "SELECT Id FROM Account WHERE Name IN ()",
        "SELECT Id FROM Account WHERE Name IN ('a'",
        "SELECT Id FROM Account WHERE Name NOT LIKE 'a%'",
        "SELECT Id FROM Account WHERE (Name = 'a'",
        "SELECT Id FROM Account WHERE Name = bogus",
        "SELECT Id FROM Account WHERE CreatedDate > 2024-01-01T00:00:00",
        "SELECT Id FROM Account WHERE CreatedDate > 2024-13-01T00:00:00Z",
        "SELECT Id FROM Account WHERE CloseDate = 2024-02-30",
        "SELECT Id FROM Account WHERE CloseDate = FOO_DAYS:3",
        "SELECT Id FROM Account LIMIT -1",
        "SELECT Id FROM Account LIMIT 'x'",
        "SELECT Id FROM Account LIMIT 1.5",
        "SELECT Id FROM Account OFFSET 1 LIMIT 1",
        "SELECT Id FROM Account ORDER Name",
        "SELECT Id FROM Account ORDER BY Name NULLS",
        "SELECT Id FROM Account GROUP BY ROLLUP(Name)",
        "SELECT Id FROM Account trailing garbage",
        "SELECT toLabel(StageName) FROM Opportunity",
        "SELECT SUM(Amount FROM Opportunity",
        "SELECT Id FROM Account WHERE Name = 'a' ;",
        "SELECT (SELECT Id FROM Contacts FROM Account",
    ],
)
def test_malformed(soql: str) -> None:
    malformed(soql)


def test_parse_is_cached_and_immutable() -> None:
    text = "SELECT Id FROM Account WHERE Name = 'x'"
    assert parse(text) is parse(text)
