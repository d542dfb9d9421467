"""Ranking customers by what a salesperson types (the matching rules, on a small directory)."""

from __future__ import annotations

import pytest

from sfintacct_desktop.app.customer_search import AmbiguousCustomer, Customer, normalize, rank, resolve

DIRECTORY = {
    c.customer_id: c
    for c in (
        Customer("C-1001", "Acme Widgets Inc.", "001A", "ACME Widgets"),
        Customer("C-1002", "Acme Holdings, LLC", "001B", "Acme Holdings"),
        Customer("GLBX", "Globex Corporation", "001C", "Globex Corp"),
        Customer("C-2001", "Initech", "", ""),  # invoices only, not linked
        Customer("ACME", "Zed Industries", "001D", "Zed Industries"),  # an ID that reads like a name
        Customer("C-3001", "Société Générale", "001E", "Societe Generale"),
    )
}


def test_normalize_drops_case_punctuation_and_accents() -> None:
    assert normalize("  Acme, Widgets-Inc. ") == "acme widgets inc"
    assert normalize("Société Générale") == "societe generale"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("acme widgets", "C-1001"),
        ("ACME WIDGETS INC", "C-1001"),
        ("Acme Widgets, Inc.", "C-1001"),
        ("c-1001", "C-1001"),
        ("c1001", "C-1001"),
        ("globex", "GLBX"),
        ("globex corp", "GLBX"),  # the Account name
        ("globx corporation", "GLBX"),  # a typo
        ("initech", "C-2001"),  # an Intacct name only
        ("societe generale", "C-3001"),
        ("acme", "ACME"),  # an exact ID beats the customers merely named like it
    ],
)
def test_one_customer_is_chosen(typed: str, expected: str) -> None:
    assert resolve(DIRECTORY, typed).customer_id == expected


def test_several_plausible_customers_are_listed_not_guessed() -> None:
    directory = {k: v for k, v in DIRECTORY.items() if k != "ACME"}
    with pytest.raises(AmbiguousCustomer) as raised:
        resolve(directory, "acme")
    ids = [c["customer_id"] for c in raised.value.candidates]
    assert sorted(ids) == ["C-1001", "C-1002"]
    assert "C-1001 Acme Widgets Inc. (Salesforce: ACME Widgets)" in raised.value.info.message
    assert raised.value.info.code == "AMBIGUOUS_CUSTOMER"


def test_nothing_plausible_is_not_found() -> None:
    assert rank(DIRECTORY, "umbrella") == []
    with pytest.raises(Exception, match="No customer's name or ID, invoice number or deal name matches"):
        resolve(DIRECTORY, "umbrella")


def test_invoice_numbers_match_exactly_and_deal_names_as_typed() -> None:
    known = {
        **DIRECTORY,
        "C-1001": Customer(
            "C-1001", "Acme Widgets Inc.", "001A", "ACME Widgets", ("INV-0042",), ("Turbo encabulator rollout",)
        ),
        "GLBX": Customer("GLBX", "Globex Corporation", "001C", "Globex Corp", ("INV-0043",), ("Acme Widgets",)),
    }
    assert resolve(known, "inv0042").customer_id == "C-1001"  # case and punctuation do not matter
    assert resolve(known, "INV-0043").customer_id == "GLBX"
    assert [m.why for m in rank(known, "inv-0042")][:1] == ["invoice"]
    assert not [m for m in rank(known, "INV-004") if m.why == "invoice"]  # a number is never guessed
    found = rank(known, "turbo encabulatr")
    assert (found[0].customer.customer_id, found[0].why) == ("C-1001", "opportunity")
    # a customer's own name beats another customer's deal named like it
    assert resolve(known, "Acme Widgets Inc.").customer_id == "C-1001"
    assert resolve(known, "acme widgets").customer_id == "C-1001"


def test_the_only_literal_hit_beats_names_that_merely_look_alike() -> None:
    known = {
        "GLBX": Customer("GLBX", "Globex Corporation"),
        "GLOBE": Customer("GLOBE", "Globe Trotters"),
    }
    assert resolve(known, "globex").customer_id == "GLBX"  # "Globe Trotters" only looks like it
    with pytest.raises(AmbiguousCustomer):
        resolve(known, "glob")  # the start of both: asked, not guessed
