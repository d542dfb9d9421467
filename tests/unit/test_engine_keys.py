"""Deterministic CUSTOMERID / ITEMID: the number when valid and free, else the pattern."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sfintacct_desktop.engine.keys import (
    KeyChoice,
    customer_id,
    is_valid_intacct_id,
    item_id,
    validate_pattern,
)


@pytest.mark.parametrize("value", ["C-1001", "ACME", "A_1.2", "9", "x" * 20])
def test_valid_ids(value):
    assert is_valid_intacct_id(value)


@pytest.mark.parametrize("value", ["", "x" * 21, "A B", "A--B", "A-", "A.", "0012", "-A", "A/B", "Ä1", "A\n"])
def test_invalid_ids(value):
    assert not is_valid_intacct_id(value)


def test_item_ids_may_be_30_long():
    assert is_valid_intacct_id("x" * 30, 30) and not is_valid_intacct_id("x" * 31, 30)


def test_account_number_used_when_valid_and_free():
    assert customer_id(" A-100 ", pattern="SF-{seq:06d}", is_taken=lambda _: False) == KeyChoice("A-100", "number")


@pytest.mark.parametrize("number", ["", "has space", "00042", "x" * 21])
def test_invalid_account_number_falls_back_to_pattern(number):
    got = customer_id(number, pattern="SF-{seq:06d}", is_taken=lambda _: False)
    assert got == KeyChoice("SF-000001", "pattern", 1)


def test_taken_number_and_taken_sequences_are_skipped():
    taken = {"A-100", "SF-000007", "SF-000008"}
    got = customer_id("A-100", pattern="SF-{seq:06d}", is_taken=taken.__contains__, start=7)
    assert got == KeyChoice("SF-000009", "pattern", 9)


def test_use_account_number_false_always_uses_the_pattern():
    got = customer_id("A-100", pattern="C{seq}", is_taken=lambda _: False, use_account_number=False, start=5)
    assert got == KeyChoice("C5", "pattern", 5)


def test_item_id_from_product_code():
    assert item_id("WIDGET-1", pattern="SFP-{seq:06d}", is_taken=lambda _: False).value == "WIDGET-1"
    long_code = "P" * 25  # too long for a CUSTOMERID, fine for an ITEMID
    assert item_id(long_code, pattern="SFP-{seq:06d}", is_taken=lambda _: False).value == long_code


def test_pattern_overflowing_the_length_is_an_error():
    with pytest.raises(ValueError):
        customer_id("", pattern="CUST-{seq:014d}", is_taken=lambda _: False, start=10**15)


@pytest.mark.parametrize(
    ("pattern", "ok"),
    [
        ("SF-{seq:06d}", True),
        ("C{seq}", True),
        ("SF-{n}", False),
        ("SF", False),
        ("{seq}-{seq}", False),
        ("SF {seq}", False),
        ("SF-{seq:x}", True),
        ("SF-{seq:q}", False),
        ("{seq", False),
    ],
)
def test_validate_pattern(pattern, ok):
    assert (validate_pattern(pattern, 20) == "") is ok


@given(number=st.text(max_size=25), taken=st.sets(st.text(max_size=12), max_size=20), start=st.integers(1, 50))
def test_choice_is_deterministic_and_free(number, taken, start):
    first = customer_id(number, pattern="SF-{seq:06d}", is_taken=taken.__contains__, start=start)
    assert first == customer_id(number, pattern="SF-{seq:06d}", is_taken=taken.__contains__, start=start)
    assert first.value not in taken
    assert is_valid_intacct_id(first.value, 20)
