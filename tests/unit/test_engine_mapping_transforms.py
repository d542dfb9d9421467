"""Transforms: equal spellings compare equal, and every canonical form is a fixed point."""

from __future__ import annotations

from decimal import Decimal

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfintacct_desktop.engine.transforms import TRANSFORMS, _nanp_e164, country_code, country_name, get_transform

EQUAL = [
    ("phone", "(415) 555-0101", "+1 415.555.0101"),
    ("phone", "415-555-0101", "+14155550101"),
    ("country", "USA", "United States"),
    ("country", "U.S.A.", "US"),
    ("country", "Deutschland", "Germany"),
    ("country", "österreich", "AT"),
    ("street_lines", "1 Main St\n\nSuite 200 ", ("1 Main St", "Suite 200")),
    ("street_lines", "a\nb\nc\nd", ("a", "b", "c, d")),
    ("text", "  Acme   Corp ", "Acme Corp"),
    ("text", None, ""),
    ("postal_code", " sw1a 1aa", "SW1A 1AA"),
    ("url", "HTTPS://Example.com/", "example.com"),
    ("url", "http://example.com/a/", "example.com/a"),
    ("bool", "true", True),
    ("bool", "inactive", False),
    ("inverted_bool", True, "active"),
    ("decimal", "12.5", Decimal("12.50")),
    ("decimal", 3, "3.00"),
    ("decimal", None, ""),
]
DIFFERENT = [
    ("phone", "(415) 555-0101", "(415) 555-0102"),
    ("country", "Austria", "Australia"),
    ("url", "www.example.com", "example.com"),
    ("url", "example.com/a", "example.com/b"),
    ("street_lines", ("a", "b"), ("b", "a")),
    ("decimal", "10.00", "10.01"),
    ("decimal", None, "0"),
    ("text", "Acme", "acme"),
]


@pytest.mark.parametrize(("name", "a", "b"), EQUAL)
def test_equal_spellings(name, a, b):
    assert get_transform(name).equal(a, b)


@pytest.mark.parametrize(("name", "a", "b"), DIFFERENT)
def test_different_values(name, a, b):
    assert not get_transform(name).equal(a, b)


def test_phone_canonical_is_e164_and_uses_the_region():
    phone = get_transform("phone")
    assert phone.canonical("(415) 555-0101") == "+14155550101"
    assert phone.canonical("030 1234567", region="DE") == "+49301234567"
    assert phone.canonical("call me maybe") == "call me maybe"  # unparseable: stripped text


def test_country_codes_names_and_unknowns():
    country = get_transform("country")
    assert country.canonical("united states of america") == "US"
    assert country.canonical("MN") == "MN"  # any ISO code phonenumbers knows
    assert country.canonical(" Narnia ") == "Narnia"
    assert not country.is_known("Narnia") and country.is_known("Germany")
    assert country_name("US") == "United States" and country_name("DE") == "Germany"
    assert country_code("Korea, Republic of") == "KR"
    assert sum(1 for c in ("US", "GB", "FR", "JP", "BR", "ZA", "NZ", "SG") if country_name(c) != c) == 8


def test_money_is_never_float():
    money = get_transform("decimal")
    assert money.canonical("1.005") == "1.01"
    assert money.canonical("-0.001") == "0.00"
    with pytest.raises(TypeError):
        money.canonical(1.5)
    with pytest.raises(ValueError):
        money.canonical("abc")
    assert money.to_native("2.5", "intacct") == Decimal("2.50")


def test_inverted_bool_negates_only_on_salesforce():
    t = get_transform("inverted_bool")
    assert t.canonical(False) is False
    assert t.to_native(True, "salesforce") is False  # Intacct_Inactive__c
    assert t.to_native(True, "intacct") is True


def test_bool_refuses_nonsense():
    with pytest.raises(ValueError):
        get_transform("bool").canonical("perhaps")


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
_values = {
    "text": _text,
    "postal_code": _text,
    "url": _text,
    "country": st.one_of(_text, st.sampled_from(["USA", "u.s.", "Deutschland", "DE", "Côte d'Ivoire", "xx"])),
    "phone": st.one_of(_text, st.from_regex(r"\+?[0-9 ().-]{3,20}", fullmatch=True)),
    "street_lines": st.one_of(_text, st.lists(_text, max_size=6)),
    "bool": st.one_of(st.booleans(), st.sampled_from(["true", "false", "1", "0", "active", "inactive"])),
    "inverted_bool": st.booleans(),
    "decimal": st.one_of(
        st.none(), st.decimals(allow_nan=False, allow_infinity=False, places=4, max_value=10**9, min_value=-(10**9))
    ),
}


@pytest.mark.parametrize("name", sorted(TRANSFORMS))
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_canonical_is_idempotent(name, data):
    t = TRANSFORMS[name]
    value = data.draw(_values[name])
    region = data.draw(st.sampled_from(["", "US", "DE", "GB", "ZZ"]))
    once = t.canonical(value, region=region)
    assert t.canonical(once, region=region) == once
    assert t.equal(once, value, region=region)


NANP_SPELLINGS = [
    "(415) 555-0101", "415-555-0101", "415.555.0101", "4155550101", "1 415 555 0101", "1-415-555-0101",
    "+1 415 555 0101", "+1 (415) 555-0101", "+14155550101", "(415)555-0101", "1 (800) 555-0199", "+1-604-555-0123",
]  # fmt: skip
NOT_NANP = [
    "+44 20 7946 0958", "091 555 0063", "+1 015 555 0101", "555-0101", "4155550101 x12", "415 555 0101 ext. 3",
    "+2 415 555 0101", "11 415 555 0101", "415-555-01011", "", "+ 44 415 555 0101",
]  # fmt: skip


@pytest.mark.parametrize("text", NANP_SPELLINGS)
@pytest.mark.parametrize("region", ["US", "CA"])
def test_the_plain_north_american_shortcut_gives_what_phonenumbers_gives(text: str, region: str) -> None:
    parsed = phonenumbers.format_number(phonenumbers.parse(text, region), phonenumbers.PhoneNumberFormat.E164)
    assert _nanp_e164(text) == parsed
    assert get_transform("phone").canonical(text, region=region) == parsed


@pytest.mark.parametrize("text", NOT_NANP)
def test_other_spellings_take_the_full_parse(text: str) -> None:
    assert _nanp_e164(text) == ""
