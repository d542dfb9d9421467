"""The mapping file: the shipped default matches the documented ownership rules, and every mistake is a clear error."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sfintacct_desktop.domain.records import Address, Customer, Product, System
from sfintacct_desktop.engine.mapping import (
    ConflictPolicy,
    MappingError,
    Owner,
    default_mapping_text,
    load_mapping,
    parse_mapping,
)


def test_default_matches_contract_defaults():
    m = load_mapping()
    assert m.version == 1
    assert m.customer.conflict_policy is ConflictPolicy.REVIEW
    assert m.product.conflict_policy is ConflictPolicy.REVIEW
    assert all(f.owner is Owner.BOTH for f in m.customer.fields)
    owners = {f.name: f.owner for f in m.product.fields}
    assert owners == {"name": Owner.BOTH, "description": Owner.BOTH, "active": Owner.BOTH, "price": Owner.INTACCT}
    assert m.product.field("price").intacct == ("BASEPRICE",)
    assert set(m.customer.names) >= {"name", "phone", "website", "address.lines", "address.country_code", "active"}
    country = m.customer.field("address.country_code")
    assert country.transform_name == "country"
    assert country.intacct == ("DISPLAYCONTACT.MAILADDRESS.COUNTRY", "DISPLAYCONTACT.MAILADDRESS.COUNTRYCODE")
    assert m.customer.field("active").salesforce == ("Intacct_Inactive__c",)
    assert m.customer.id_pattern == "SF-{seq:06d}" and m.customer.use_source_number is True
    assert m.product.use_source_number is True


def test_user_copy_loads_from_a_path(tmp_path):
    path = tmp_path / "mapping.toml"
    path.write_text(default_mapping_text().replace('conflict_policy = "review"', 'conflict_policy = "intacct"', 1))
    m = load_mapping(path)
    assert m.customer.conflict_policy is ConflictPolicy.INTACCT
    assert m.path == str(path)


def _edit(old: str, new: str) -> str:
    text = default_mapping_text()
    assert old in text, old
    return text.replace(old, new, 1)


BAD = [
    ("unknown top key", _edit("version = 1", "version = 1\ncolour = 'red'"), "Unknown setting", "colour"),
    ("unknown entity key", _edit("[customer]\n", "[customer]\nspeed = 3\n"), "Unknown setting", "customer.speed"),
    (
        "unknown field key",
        _edit('name = "phone"\n', 'name = "phone"\nformat = "x"\n'),
        "Unknown setting",
        "customer.phone.format",
    ),
    ("unknown transform", _edit('transform = "phone"', 'transform = "telephone"'), "Unknown transform", "phone"),
    ("unknown field", _edit('name = "website"', 'name = "homepage"'), "Unknown field", "homepage"),
    ("bad owner", _edit('owner = "intacct"', 'owner = "finance"'), "Bad owner", "product.price"),
    ("duplicate", _edit('name = "website"', 'name = "phone"'), "Duplicate field", "customer.phone"),
    ("version", _edit("version = 1", "version = 2"), "Unsupported mapping version", "version"),
    ("policy", _edit('conflict_policy = "review"', 'conflict_policy = "newest"'), "Bad conflict policy", "customer"),
    ("transform fit", _edit('transform = "decimal"', 'transform = "text"'), "Transform does not fit", "price"),
    ("missing key", _edit('transform = "url"\n', ""), "Incomplete field pair", "customer.website"),
    ("empty natives", _edit('salesforce = ["Phone"]', "salesforce = []"), "Bad native field list", "phone"),
    ("pattern", _edit('"SF-{seq:06d}"', '"SF {seq}"'), "Bad key pattern", "customer_id_pattern"),
    ("pattern len", _edit('"SF-{seq:06d}"', '"CUSTOMER-NUMBER-{seq:06d}"'), "Bad key pattern", "customer"),
    ("missing entity", "version = 1\n[customer]\n", "Missing section", "product"),
]


@pytest.mark.parametrize(("label", "text", "title", "field_part"), BAD, ids=[b[0] for b in BAD])
def test_validation_errors_are_clear(label, text, title, field_part):
    with pytest.raises(MappingError) as err:
        parse_mapping(text, path="/profiles/x/mapping.toml")
    exc = err.value
    assert exc.title.startswith(title)
    assert field_part in exc.field
    assert exc.message and exc.hint
    assert exc.path == "/profiles/x/mapping.toml"
    assert "/profiles/x/mapping.toml" in str(exc)


def test_toml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "mapping.toml"
    path.write_text("version = 1\n[customer]\nconflict_policy = review\n")
    with pytest.raises(MappingError) as err:
        load_mapping(path)
    assert err.value.title == "Mapping file is not valid TOML"
    assert "line 3" in err.value.message
    assert err.value.path == str(path)


def test_missing_file_is_a_mapping_error(tmp_path):
    with pytest.raises(MappingError) as err:
        load_mapping(tmp_path / "nope.toml")
    assert err.value.title == "Mapping file unreadable"


def test_extract_and_apply_customer():
    m = load_mapping().customer
    sf = Customer(
        System.SALESFORCE,
        "001A",
        " Acme  Corp",
        phone="(415) 555-0101",
        website="https://acme.example/",
        address=Address(lines=("1 Main St", "Suite 2"), city="San Jose", country="USA"),
        active=False,
    )
    values = m.extract(sf)
    assert values["name"] == "Acme Corp"
    assert values["phone"] == "+14155550101"
    assert values["address.lines"] == ("1 Main St", "Suite 2")
    assert values["address.country_code"] == "US"
    assert values["active"] is False
    ia = Customer(System.INTACCT, "C-1", "Old")
    written = m.apply(ia, values)
    assert written.name == "Acme Corp" and written.key == "C-1"
    assert written.address.country_code == "US" and written.address.country == "United States"
    assert written.address.lines == ("1 Main St", "Suite 2")
    assert m.extract(written) == values
    narnia = m.apply(ia, {"address.country_code": "Narnia"})
    assert (narnia.address.country_code, narnia.address.country) == ("", "Narnia")
    assert m.extract(narnia)["address.country_code"] == "Narnia"


def test_phone_region_comes_from_the_record_country():
    m = load_mapping().customer
    de = Customer(System.INTACCT, "C-2", "GmbH", phone="030 1234567", address=Address(country_code="DE"))
    assert m.extract(de)["phone"] == "+49301234567"


def test_extract_and_apply_product_price():
    m = load_mapping().product
    p = Product(System.INTACCT, "I-1", "Widget", price=Decimal("12.5"))
    assert m.extract(p)["price"] == "12.50"
    sf = m.apply(Product(System.SALESFORCE, "01t", "Widget"), {"price": "12.50", "active": False})
    assert sf.price == Decimal("12.50") and sf.active is False
