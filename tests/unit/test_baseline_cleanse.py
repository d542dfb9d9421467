"""Each cleansing rule of the baseline, on hand-made values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sfintacct_desktop.domain import Address, Customer, Product, System
from sfintacct_desktop.engine.baseline import cleanse_customer, cleanse_product, standardise_customer
from sfintacct_desktop.engine.baseline.cleanse import (
    city_key,
    collapse,
    country_of,
    domain_of,
    email_domain,
    name_key,
    phone_key,
    postal_keys,
    product_key,
    standardise_text,
    street_keys,
)
from sfintacct_desktop.engine.transforms import Phone


def test_whitespace_is_trimmed_and_collapsed() -> None:
    assert collapse("  Acme \t  Corp\n ") == "Acme Corp"
    assert standardise_text("  Acme  Corp ") == ("Acme Corp", True)
    assert standardise_text("Acme Corp") == ("Acme Corp", False)


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("ACME CORP", "acme"),  # case-folded
        ("Café Élan Inc", "cafe elan"),  # accents stripped
        ("Blue-Harbor, Inc.", "blue harbor"),  # punctuation removed
        ("O'Brien's Foods", "obriens foods"),  # apostrophes join
        ("Hawkins & Reyes", "hawkins and reyes"),  # & -> and
        ("The Summit Group", "summit group"),  # leading The dropped
        ("Summit Group, The", "summit group"),  # trailing ", The" too
        ("Smith & Co.", "smith"),  # "& Co." is a suffix
    ],
)
def test_name_key_normalises(name: str, key: str) -> None:
    assert name_key(name)[0] == key


@pytest.mark.parametrize(
    ("name", "suffix"),
    [
        ("Acme Inc", "inc"),
        ("Acme Inc.", "inc"),
        ("Acme, Incorporated", "inc"),
        ("Acme LLC", "llc"),
        ("Acme L.L.C.", "llc"),
        ("Acme Ltd", "ltd"),
        ("Acme Limited", "ltd"),
        ("Acme Corp.", "corp"),
        ("Acme Corporation", "corp"),
        ("Acme Co", "co"),
        ("Acme Company", "co"),
        ("Acme GmbH", "gmbh"),
        ("Acme G.m.b.H.", "gmbh"),
        ("Acme AG", "ag"),
        ("Acme S.A.", "sa"),
        ("Acme SA", "sa"),
        ("Acme SAS", "sas"),
        ("Acme SARL", "sarl"),
        ("Acme BV", "bv"),
        ("Acme NV", "nv"),
        ("Acme PLC", "plc"),
        ("Acme Pty Ltd", "pty"),
        ("Acme KK", "kk"),
        ("Acme Oy", "oy"),
        ("Acme AB", "ab"),
        ("Acme AS", "as"),
        ("Acme ApS", "aps"),
        ("Acme SpA", "spa"),
        ("Acme Srl", "srl"),
        ("Acme", ""),
    ],
)
def test_legal_suffix_is_removed_and_its_class_kept(name: str, suffix: str) -> None:
    assert name_key(name) == ("acme", suffix)


def test_suffix_word_inside_a_name_stays() -> None:
    # "Corp" in the middle is part of the name; only the trailing suffix goes.
    assert name_key("Acme Corp Europe GmbH") == ("acme corp europe", "gmbh")
    assert name_key("Inc") == ("inc", "")  # a name that is only a suffix keeps it


@pytest.mark.parametrize(
    ("short", "long"),
    [
        ("Apex Svcs", "Apex Services"),
        ("Apex Svc", "Apex Services"),
        ("Apex Intl", "Apex International"),
        ("Apex Mfg", "Apex Manufacturing"),
        ("Apex Labs", "Apex Laboratories"),
        ("Apex Tech", "Apex Technologies"),
        ("Apex Assoc", "Apex Associates"),
        ("Apex Bros", "Apex Brothers"),
        ("Apex Dist", "Apex Distribution"),
    ],
)
def test_abbreviations_expand(short: str, long: str) -> None:
    assert name_key(short)[0] == name_key(long)[0]


def test_product_key_expands_and_strips() -> None:
    assert product_key("Project Mgmt - Hourly") == "project management hourly"
    assert product_key("Platform Subscription - Standard (Annual)") == "platform subscription standard annual"


@pytest.mark.parametrize(
    ("phone", "country", "e164"),
    [
        ("(415) 555-0101", "US", "+14155550101"),
        ("415.555.0101", "", "+14155550101"),
        ("+1 (415) 555-0101", "US", "+14155550101"),
        ("1-415-555-0101", "CA", "+14155550101"),
        ("(415) 555-0101 x201", "US", "+14155550101"),  # extension is not part of the key
        ("020 7946 0123", "GB", "+442079460123"),
        ("+44 (0)20 7946 0123", "GB", "+442079460123"),
        ("030 12345678", "DE", "+493012345678"),
        ("", "US", ""),
    ],
)
def test_phone_to_e164(phone: str, country: str, e164: str) -> None:
    assert phone_key(phone, country) == e164


@pytest.mark.parametrize(
    "phone", ["(212) 555-0199", "212.555.0199 ext. 4", "+1 212 555 0199", "12125550199", "+44 20 7946 0000"]
)
def test_phone_fast_path_agrees_with_the_transform(phone: str) -> None:
    assert phone_key(phone, "US") == Phone().canonical(phone, region="US").split(" ext. ")[0]


@pytest.mark.parametrize(
    ("country", "code", "iso"),
    [("USA", "", "US"), ("United States of America", "", "US"), ("", "GB", "GB"), ("Deutschland", "", "DE")],
)
def test_country_to_iso(country: str, code: str, iso: str) -> None:
    assert country_of(country, code) == iso
    assert country_of("Atlantis") == ""


def test_postal_codes() -> None:
    assert postal_keys("94105-1234", "US") == ("94105-1234", "94105")  # ZIP+4 keys on 5 digits
    assert postal_keys("941051234", "US") == ("941051234", "94105")
    assert postal_keys("sw1a 1aa", "GB") == ("SW1A1AA", "SW1A1AA")  # upper-case, no spaces
    assert postal_keys("m5v 2t6", "CA") == ("M5V2T6", "M5V2T6")


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("100 Market Street",), ("100 Market St.",)),
        (("5 Oak Avenue",), ("5 Oak Ave",)),
        (("5 Oak Av.",), ("5 oak avenue",)),
        (("9 Elm Road",), ("9 Elm Rd",)),
        (("1 Sunset Boulevard",), ("1 Sunset Blvd.",)),
        (("7 Park Drive",), ("7 Park Dr",)),
        (("12 North Main Street",), ("12 N Main St",)),
        (("100 Market St", "Suite 200"), ("100 Market St, Ste 200",)),
        (("100 Market St #200",), ("100 Market Street", "Ste. 200")),
    ],
)
def test_street_abbreviations(a: tuple[str, ...], b: tuple[str, ...]) -> None:
    assert street_keys(a)[1] == street_keys(b)[1]


def test_street_unit_is_kept_apart_from_the_core() -> None:
    full, core, number = street_keys(("100 Market Street", "Suite 200"))
    assert full == "100 market st ste 200"
    assert core == "100 market st" and number == "100"


@pytest.mark.parametrize(
    "url",
    [
        "https://www.acme.com",
        "www.acme.com",
        "acme.com",
        "http://acme.com/",
        "HTTPS://Acme.com/about?x=1",
        "acme.com:8080",
    ],
)
def test_website_domain(url: str) -> None:
    assert domain_of(url) == "acme.com"


def test_website_domain_rejects_junk_and_email_domain_skips_free_mail() -> None:
    assert domain_of("n/a") == "" and domain_of("") == ""
    assert email_domain("ap@Acme.com") == "acme.com"
    assert email_domain("someone@gmail.com") == ""


def test_city_key() -> None:
    assert city_key("St. Louis") == city_key("Saint Louis") == "saint louis"
    assert city_key("MÜNCHEN") == "munchen"


def test_clean_record_of_a_customer() -> None:
    c = Customer(
        system=System.INTACCT,
        key="C-1",
        name=" The  Acme Corp. ",
        phone="(415) 555-0101",
        website="https://www.acme.com/",
        email="ar@acme.com",
        address=Address(("100 Market Street", "Suite 200"), "San Francisco", "CA", "94105-1234", "United States"),
        record_no="17",
    )
    r = cleanse_customer(c)
    assert (r.name, r.name_key, r.suffix_class) == ("The Acme Corp.", "acme", "corp")
    assert (r.phone, r.domain, r.email_domain, r.country) == ("+14155550101", "acme.com", "acme.com", "US")
    assert (r.postal, r.postal_key, r.city, r.street_core) == ("94105-1234", "94105", "san francisco", "100 market st")
    assert r.seniority == (17, "C-1")


def test_clean_record_of_a_product() -> None:
    p = Product(System.SALESFORCE, "01t1", "Project Mgmt - Hourly", code="PMHR", price=Decimal("175"))
    r = cleanse_product(p)
    assert (r.kind, r.name_key, r.code, r.price) == ("product", "project management hourly", "PMHR", Decimal("175"))


def test_standardise_customer_reports_changes() -> None:
    c = Customer(
        system=System.SALESFORCE,
        key="001",
        name="Acme  Corp",
        phone="(415) 555-0101",
        address=Address(("100 Market St",), "San Francisco", "CA", "sw1a 1aa", "USA"),
    )
    out = standardise_customer(c)
    assert out["name"] == ("Acme Corp", True)
    assert out["phone"] == ("+14155550101", True)
    assert out["country"] == ("United States", True)
    assert out["country_code"] == ("US", True)
    assert out["postal_code"] == ("SW1A 1AA", True)
    assert out["city"] == ("San Francisco", False)
    assert out["street"] == (("100 Market St",), False)
