"""Renamed companies: never two creates when a key or strong identifiers agree; look-alikes stay out.

Hand-made pairs: the Salesforce Account has the new name, the Intacct CUSTOMER the old one. Each
test states what the matcher must propose (auto / review / nothing) and, for what is left, which
plausible partner the plan will show.
"""

from __future__ import annotations

from dataclasses import replace

from sfintacct_desktop.domain import Address, Customer, System
from sfintacct_desktop.engine.baseline import AUTO, REVIEW, MatchConfig, cleanse_customer, match_customers
from sfintacct_desktop.engine.baseline.blocking import candidate_pairs
from sfintacct_desktop.engine.baseline.cleanse import domain_of, email_domain, key_norm, phone_key
from sfintacct_desktop.engine.baseline.policy import identity, may_auto, review_floor

SF, IA = System.SALESFORCE, System.INTACCT
HQ_SF = Address(("100 Market Street", "Suite 200"), "San Francisco", "CA", "94105", "USA")
HQ_IA = Address(("100 Market St., Ste 200",), "San Francisco", "CA", "94105-4321", "United States", "US")
MOVED = Address(("2 Embarcadero Center",), "San Francisco", "CA", "94111", "United States", "US")
CHICAGO = Address(("77 Wacker Drive",), "Chicago", "IL", "60601", "United States", "US")
NONE = Address()


def renamed_sf(**kw: object) -> Customer:
    """The company under its new name, as the Salesforce rep keyed it after the rename."""
    base: dict[str, object] = {"phone": "(415) 555-0101", "website": "www.acme-corp.com", "address": HQ_SF}
    base.update(kw)
    return Customer(SF, "001A", "Northwind Traders Corp", **base)  # type: ignore[arg-type]


def old_ia(**kw: object) -> Customer:
    """The same company under its old name, as Intacct has had it for years."""
    base: dict[str, object] = {"phone": "415.555.0101", "email": "ar@acme-corp.com", "address": HQ_IA}
    base.update(kw)
    return Customer(IA, "C-5", "Acme Corp", **base)  # type: ignore[arg-type]


def one(result):  # type: ignore[no-untyped-def]
    assert len(result.pairs) == 1, result.pairs
    return result.pairs[0]


# --------------------------------------------------------------------------- with a shared key
def test_renamed_with_the_same_key_and_strong_fields_is_auto() -> None:
    pair = one(match_customers([renamed_sf(number="C-5")], [old_ia()]))
    assert (pair.status, pair.method, pair.reasons["key"]) == (AUTO, "number", "same")
    assert pair.reasons["name"] < 0.7


def test_a_key_typed_without_case_or_hyphen_is_the_same_key() -> None:
    assert key_norm(" c-5 ") == key_norm("C5") == "C5"
    pair = one(match_customers([renamed_sf(number="c5", website="")], [old_ia()]))
    assert (pair.status, pair.method) == (AUTO, "number")  # key + phone + address


def test_renamed_with_the_same_key_and_only_the_phone_is_reviewed_not_created() -> None:
    result = match_customers([renamed_sf(number="C-5", website="", address=NONE)], [old_ia(email="", address=NONE)])
    pair = one(result)
    assert (pair.status, pair.method) == (REVIEW, "number")
    assert pair.reasons["identity"] == ["same key", "same phone"]
    assert "names differ" in pair.reasons["review_because"]
    assert "key_conflict" not in pair.reasons
    assert result.unmatched_salesforce == [] and result.unmatched_intacct == []


def test_renamed_with_the_same_key_and_nothing_else_on_file_is_reviewed() -> None:
    bare = {"phone": "", "address": NONE}
    pair = one(match_customers([renamed_sf(number="C-5", website="", **bare)], [old_ia(email="", **bare)]))
    assert pair.status == REVIEW and pair.reasons["review_because"] == "same key; the names differ"


# --------------------------------------------------------------------------- without a key
def test_renamed_with_phone_domain_and_street_and_the_same_legal_form_is_auto() -> None:
    pair = one(match_customers([renamed_sf()], [old_ia()]))
    assert (pair.status, pair.method) == (AUTO, "fuzzy")
    for fld in ("phone", "domain", "street", "postal_code"):
        assert pair.reasons[fld] == "same", fld


def test_renamed_with_any_one_of_the_three_missing_is_reviewed_never_two_creates() -> None:
    for missing in ({"website": ""}, {"phone": ""}, {"address": NONE}):
        result = match_customers([renamed_sf(**missing)], [old_ia()])
        pair = one(result)
        assert pair.status == REVIEW, missing
        assert "renamed?" in pair.reasons["review_because"], missing
        # With another legal form on top, the score alone would have dropped it: two creates.
        llc = replace(renamed_sf(**missing), name="Northwind Traders LLC")
        pair = one(match_customers([llc], [old_ia()]))
        assert pair.status == REVIEW and pair.score < MatchConfig().review, missing



def test_renamed_with_only_the_phone_and_nothing_against_it_is_reviewed() -> None:
    # Decision: a phone alone never auto-links (an accountant's or a group's switchboard is shared),
    # but with nothing contradicting it two creates of one company cost more than one look.
    pair = one(match_customers([renamed_sf(website="", address=NONE)], [old_ia(email="", address=NONE)]))
    assert pair.status == REVIEW
    assert pair.reasons["review_because"] == "same phone and nothing contradicts it; the names differ"


def test_renamed_moved_with_a_new_domain_keeping_only_the_phone_is_not_proposed() -> None:
    # Everything but the phone says "another company": the shape of two clients of one accountant.
    result = match_customers([renamed_sf(website="northwind.com", address=MOVED)], [old_ia()])
    assert result.pairs == []
    assert result.partners == {"salesforce": {}, "intacct": {}}


def test_renamed_and_moved_keeping_the_phone_without_a_website_names_a_plausible_partner() -> None:
    result = match_customers([renamed_sf(website="", address=MOVED)], [old_ia()])
    assert result.pairs == []
    partner = result.partners["salesforce"]["001A"]
    assert (partner.system, partner.key, partner.paired_with) == ("intacct", "C-5", "")
    assert partner.evidence == ["same phone", "different address"]
    assert "not proposed" in partner.why
    assert result.partners["intacct"]["C-5"].key == "001A"


def test_a_create_whose_partner_is_taken_by_another_record_names_it() -> None:
    # Keyed twice in Salesforce: the old name linked by its key, the new name with no website.
    linked = Customer(SF, "001B", "Acme Corp", number="C-5", phone="415-555-0101", address=HQ_SF)
    result = match_customers([renamed_sf(website=""), linked], [old_ia()])
    assert [(p.salesforce, p.intacct, p.status) for p in result.pairs] == [("001B", "C-5", AUTO)]
    partner = result.partners["salesforce"]["001A"]
    assert (partner.key, partner.paired_with) == ("C-5", "001B")
    assert "already proposed" in partner.why


# --------------------------------------------------------------------------- look-alikes
def test_another_company_in_the_same_office_building_is_neither_proposed_nor_a_partner() -> None:
    tenant = Customer(IA, "C-9", "Bayside Dental LLC", phone="(415) 555-0177", email="ap@baysidedental.com")
    tenant = Customer(IA, "C-9", tenant.name, phone=tenant.phone, email=tenant.email, address=HQ_IA)
    result = match_customers([renamed_sf()], [tenant])
    assert result.pairs == [] and result.partners == {"salesforce": {}, "intacct": {}}
    # The address alone (nothing else on file on one side) is still no evidence of identity.
    bare = renamed_sf(phone="", website="")
    result = match_customers([bare], [tenant])
    assert result.pairs == [] and result.partners == {"salesforce": {}, "intacct": {}}
    idn = identity(result_reasons(bare, tenant))
    assert idn.agree == {"address"} and review_floor(idn) is None and not may_auto(idn)


def result_reasons(a: Customer, b: Customer) -> dict:
    from sfintacct_desktop.engine.baseline import score

    return score(cleanse_customer(a), cleanse_customer(b)).reasons


def test_another_legal_form_at_the_same_phone_domain_and_address_is_not_auto() -> None:
    sister = replace(renamed_sf(), name="Northwind Traders LLC")
    pair = one(match_customers([sister], [old_ia()]))
    assert pair.status == REVIEW and "sister company" in pair.reasons["review_because"]


def test_same_name_in_another_city_and_a_subsidiary_stay_out_of_auto() -> None:
    other_city = Customer(IA, "C-7", "Northwind Traders Corp", phone="(312) 555-0142", email="ap@nw-chicago.com")
    other_city = Customer(IA, "C-7", other_city.name, phone=other_city.phone, email=other_city.email, address=CHICAGO)
    assert not match_customers([renamed_sf()], [other_city]).auto
    berlin = Address(("Friedrichstraße 12",), "Berlin", "", "10117", "Germany", "DE")
    sub = Customer(IA, "C-8", "Northwind Traders Europe GmbH", phone="+49 30 12345678", address=berlin)
    assert not match_customers([renamed_sf()], [sub]).auto


def test_placeholder_phones_and_social_pages_are_no_identity() -> None:
    for placeholder in ("000-000-0000", "(555) 555-5555", "123-456-7890", "+1 (999) 999-9999"):
        assert phone_key(placeholder, "US") == "", placeholder
    assert phone_key("(212) 234-5678", "US") == "+12122345678"
    assert domain_of("https://www.facebook.com/acme") == "" and domain_of("m.facebook.com/acme") == ""
    assert domain_of("sites.google.com/view/acme") == "" and domain_of("gmail.com") == ""
    assert domain_of("acme.wixsite.com/home") == "acme.wixsite.com"  # a company's own sub-site
    assert email_domain("owner@comcast.net") == "" and email_domain("ap@acme.com") == "acme.com"
    a = Customer(SF, "001A", "Blue Fern Bakery", phone="000-000-0000", website="facebook.com/bluefern", address=HQ_SF)
    b = Customer(IA, "C-1", "Harbor Lights Salon", phone="000 000 0000", email="x@facebook.com", address=MOVED)
    assert match_customers([a], [b]).pairs == []


# --------------------------------------------------------------------------- blocking
def test_non_name_blocks_meet_renamed_pairs_and_oversized_blocks_are_counted() -> None:
    assert candidate_pairs([cleanse_customer(renamed_sf())], [cleanse_customer(old_ia())]) == {(0, 0)}
    # Eleven companies on each side behind one switchboard: 121 pairs > 100, the block says nothing.
    left = [
        cleanse_customer(Customer(SF, f"001{i}", f"Alpha{i} Widgets", phone="415-555-0199", address=NONE))
        for i in range(11)
    ]
    right = [
        cleanse_customer(Customer(IA, f"C-{i}", f"Omega{i} Gears", phone="415-555-0199", address=NONE))
        for i in range(11)
    ]
    stats: dict[str, int] = {}
    assert candidate_pairs(left, right, stats=stats) == set()
    assert stats["blocks_skipped_phone"] == 1
