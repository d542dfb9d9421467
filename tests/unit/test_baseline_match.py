"""Matching and de-duplication on hand-made cases: exact keys, near misses, renames, ambiguity."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from sfintacct_desktop.domain import Address, Customer, Product, System
from sfintacct_desktop.engine.baseline import (
    AUTO,
    REVIEW,
    MatchConfig,
    cleanse_customer,
    find_duplicates,
    match_customers,
    match_products,
    score,
)
from sfintacct_desktop.engine.baseline.blocking import candidate_pairs

SF, IA = System.SALESFORCE, System.INTACCT


def sf(key: str, name: str, **kw: object) -> Customer:
    base: dict[str, object] = {
        "phone": "(415) 555-0101",
        "website": "www.acme-corp.com",
        "address": Address(("100 Market Street", "Suite 200"), "San Francisco", "CA", "94105", "USA"),
    }
    base.update(kw)
    return Customer(SF, key, name, **base)  # type: ignore[arg-type]


def ia(key: str, name: str, **kw: object) -> Customer:
    base: dict[str, object] = {
        "phone": "415.555.0101",
        "email": "ar@acme-corp.com",
        "address": Address(("100 Market St., Ste 200",), "San Francisco", "CA", "94105-4321", "United States", "US"),
    }
    base.update(kw)
    return Customer(IA, key, name, **base)  # type: ignore[arg-type]


BERLIN = Address(("Friedrichstraße 12",), "Berlin", "", "10117", "Germany", "DE")
CHICAGO = Address(("77 Wacker Drive",), "Chicago", "IL", "60601", "United States", "US")


def only(result, status: str | None = None):  # type: ignore[no-untyped-def]
    assert len(result.pairs) == 1, result.pairs
    pair = result.pairs[0]
    if status:
        assert pair.status == status, pair
    return pair


# --------------------------------------------------------------------------- exact keys
def test_account_number_equal_to_customerid_is_an_exact_match() -> None:
    result = match_customers([sf("001A", "Zenith Widgets", number="C-1001")], [ia("C-1001", "ZENITH WIDGETS LLC")])
    pair = only(result, AUTO)
    assert (pair.salesforce, pair.intacct, pair.method) == ("001A", "C-1001", "number")


def test_cross_reference_fields_match_either_way() -> None:
    by_sf = match_customers([sf("001A", "Zenith", cross_ref="C-9")], [ia("C-9", "Zenith Inc")])
    assert only(by_sf, AUTO).method == "cross_ref"
    by_ia = match_customers([sf("001000000000001AAA", "Zenith")], [ia("C-9", "Zenith", cross_ref="001000000000001")])
    assert only(by_ia, AUTO).method == "cross_ref"  # 15- and 18-character Ids are the same record


def test_a_key_on_the_wrong_record_is_not_trusted() -> None:
    # Someone copied C-1001 onto the Chicago account; the real holder of the key and the true
    # Intacct twin of the Chicago account must both still come out right.
    right = sf("001A", "Zenith Widgets", number="C-1001")
    wrong = sf("001B", "Lakeshore Dental", number="C-1001", phone="312-555-0177", website="", address=CHICAGO)
    lake = ia("C-2002", "Lakeshore Dental Inc", phone="(312) 555-0177", email="", address=CHICAGO)
    result = match_customers([right, wrong], [ia("C-1001", "Zenith Widgets"), lake])
    got = {(p.salesforce, p.intacct): p for p in result.pairs}
    assert set(got) == {("001A", "C-1001"), ("001B", "C-2002")}
    assert got[("001B", "C-2002")].method == "fuzzy"


def test_a_contradicted_key_alone_is_only_offered_for_review() -> None:
    wrong = sf("001B", "Lakeshore Dental", number="C-1001", phone="312-555-0177", website="", address=CHICAGO)
    pair = only(match_customers([wrong], [ia("C-1001", "Zenith Widgets")]), REVIEW)
    assert pair.reasons["key_conflict"] is True


# --------------------------------------------------------------------------- fuzzy + near misses
def test_drifted_spelling_matches_with_reasons() -> None:
    pair = only(match_customers([sf("001A", "The Acme Corp.")], [ia("C-1", "ACME CORPORATION")]), AUTO)
    assert pair.method == "fuzzy" and pair.score >= 0.9
    assert pair.reasons["name"] == 1.0
    for fld in ("phone", "domain", "city", "postal_code", "street", "legal_suffix"):
        assert pair.reasons[fld] == "same", fld


def test_same_name_in_another_city_with_another_phone_is_not_auto_accepted() -> None:
    other = ia("C-2", "Acme Corp", phone="(312) 555-0142", email="ap@acme-chicago.com", address=CHICAGO)
    ev = score(cleanse_customer(sf("001A", "Acme Corp")), cleanse_customer(other))
    assert ev.reasons["city"] == "different" and ev.reasons["phone"] == "different"
    assert ev.score < MatchConfig().auto_accept
    result = match_customers([sf("001A", "Acme Corp")], [other])
    assert not result.auto


def test_subsidiary_is_not_auto_accepted() -> None:
    europe = ia("C-3", "Acme Corp Europe GmbH", phone="+49 30 12345678", email="info@acme-europe.de", address=BERLIN)
    ev = score(cleanse_customer(sf("001A", "Acme Corp")), cleanse_customer(europe))
    assert ev.score < MatchConfig().auto_accept
    assert not match_customers([sf("001A", "Acme Corp")], [europe]).auto


def test_subsidiary_in_the_same_building_is_still_not_auto_accepted() -> None:
    # Shares the address but not the phone or domain: its name alone (a superset) is not enough.
    uk = ia("C-4", "Acme Corp UK Ltd", phone="(415) 555-0199", email="uk@acme-uk.co.uk")
    assert not match_customers([sf("001A", "Acme Corp")], [uk]).auto


def test_renamed_company_with_same_phone_and_domain_is_matched() -> None:
    renamed = ia("C-5", "Northwind Traders Corporation")
    pair = only(match_customers([sf("001A", "Acme Corp")], [renamed]))
    assert pair.reasons["name"] < 0.6
    assert pair.reasons["phone"] == "same" and pair.reasons["domain"] == "same"
    assert pair.score >= MatchConfig().auto_accept
    assert pair.status == AUTO  # phone, domain and address agree, same legal form: the evidence outweighs the name


def test_other_name_and_other_legal_form_at_the_same_phone_domain_and_address_is_only_reviewed() -> None:
    # A sister company sharing the group's premises looks exactly like this; a rename keeps its form.
    pair = only(match_customers([sf("001A", "Acme Corp")], [ia("C-5", "Northwind Traders LLC")]), REVIEW)
    assert pair.score >= MatchConfig().auto_accept  # the score alone would have linked them
    assert pair.reasons["legal_suffix"] == "different"
    assert "legal forms" in pair.reasons["review_because"]


def test_different_legal_form_lowers_the_score() -> None:
    a = cleanse_customer(sf("001A", "Acme Inc", phone="", website="", address=Address()))
    b = cleanse_customer(ia("C-1", "Acme GmbH", phone="", email="", address=Address()))
    c = cleanse_customer(ia("C-2", "Acme Inc.", phone="", email="", address=Address()))
    assert score(a, b).reasons["legal_suffix"] == "different"
    assert score(a, b).score < score(a, c).score


def test_assignment_is_one_to_one_by_score() -> None:
    exact = ia("C-1", "Acme Corp")
    weaker = ia("C-2", "Acme Corporation", phone="(415) 555-0999", email="", address=Address())
    result = match_customers([sf("001A", "Acme Corp")], [weaker, exact])
    pair = only(result)
    assert pair.intacct == "C-1"
    assert result.unmatched_intacct == ["C-2"]


def test_near_equal_rivals_make_the_pair_ambiguous() -> None:
    # Two distinct Intacct customers, equally plausible (name only): nobody can choose for the operator.
    bare = {"phone": "", "email": "", "address": Address()}
    result = match_customers(
        [sf("001A", "Acme Corp", phone="", website="", address=Address())],
        [ia("C-1", "Acme Corp", **bare), ia("C-2", "Acme Corp.", **bare)],
        MatchConfig(auto_accept=0.5, review=0.3),
    )
    pair = only(result, REVIEW)
    assert pair.reasons["ambiguous_with"] in {"C-1", "C-2"}


def test_deleted_records_take_no_part() -> None:
    gone = replace(sf("001A", "Acme Corp"), deleted=True)
    result = match_customers([gone], [ia("C-1", "Acme Corp")])
    assert not result.pairs and result.unmatched_salesforce == []


# --------------------------------------------------------------------------- duplicates
def test_duplicates_within_a_side_are_grouped_with_the_oldest_as_survivor() -> None:
    older = ia("C-1001", "Acme Corp", record_no="10")
    newer = ia("ACMECORP", "ACME Corporation", record_no="55")
    other = ia("C-1002", "Lakeshore Dental", phone="312-555-0177", email="", address=CHICAGO, record_no="11")
    groups = find_duplicates([cleanse_customer(c) for c in (newer, other, older)])
    assert len(groups) == 1
    assert groups[0].keys == ("C-1001", "ACMECORP") and groups[0].survivor == "C-1001"
    assert groups[0].pairs[0].reasons["phone"] == "same"


def test_matching_proposes_the_survivor_among_duplicates() -> None:
    older = ia("C-1001", "Acme Corp Inc", record_no="10", phone="")  # a little less evidence, but oldest
    newer = ia("ACMECORP", "Acme Corp", record_no="55")
    result = match_customers([sf("001A", "Acme Corp")], [newer, older])
    pair = only(result)
    assert pair.intacct == "C-1001"
    assert pair.reasons["intacct_duplicates"] == ["ACMECORP"]
    assert result.duplicates["intacct"][0].survivor == "C-1001"


# --------------------------------------------------------------------------- blocking
def test_blocking_never_scores_the_full_cross_product() -> None:
    left = [
        cleanse_customer(sf(f"001{i}", f"Company{i} Widgets", phone=f"415-555-{i:04d}", website="", address=Address()))
        for i in range(60)
    ]
    right = [
        cleanse_customer(ia(f"C-{i}", f"Company{i} Widgets", phone=f"415-555-{i:04d}", email="", address=Address()))
        for i in range(60)
    ]
    pairs = candidate_pairs(left, right)
    assert all((i, i) in pairs for i in range(60))  # every twin meets
    assert len(pairs) < 60 * 60 / 4  # the shared word "widgets" is too common to be a block


def test_renamed_company_is_found_through_its_phone_block() -> None:
    left = [cleanse_customer(sf("001A", "Acme Corp"))]
    right = [cleanse_customer(ia("C-5", "Northwind Traders LLC"))]
    assert candidate_pairs(left, right) == {(0, 0)}


# --------------------------------------------------------------------------- products
def p_sf(key: str, name: str, code: str = "", price: str | None = None) -> Product:
    return Product(SF, key, name, code=code, price=Decimal(price) if price else None)


def p_ia(key: str, name: str, price: str | None = None, **kw: object) -> Product:
    return Product(IA, key, name, code=key, price=Decimal(price) if price else None, **kw)  # type: ignore[arg-type]


def test_product_code_equal_to_itemid_is_exact() -> None:
    result = match_products([p_sf("01t1", "Edge Gateway G200", "HW-GW-200", "1499")], [p_ia("HW-GW-200", "EG-200")])
    assert only(result, AUTO).method == "code"


def test_product_cross_reference() -> None:
    result = match_products([p_sf("01t1", "Gateway")], [p_ia("X-1", "Gateway", cross_ref="01t1")])
    assert only(result, AUTO).method == "cross_ref"


def test_product_name_and_price_match_when_codes_differ() -> None:
    result = match_products(
        [
            p_sf("01t1", "Project Management Hour", "PMHR", "175.00"),
            p_sf("01t2", "AI Assistant (Annual)", "AI", "9600"),
        ],
        [p_ia("PS-PM-HOUR", "Project Mgmt - Hourly", "175.00"), p_ia("FEE-LATE", "Late Payment Fee", "50.00")],
    )
    pair = only(result, AUTO)
    assert (pair.salesforce, pair.intacct, pair.reasons["price"]) == ("01t1", "PS-PM-HOUR", "same")


def test_product_price_is_a_weak_signal() -> None:
    same = match_products([p_sf("01t1", "Quick Start Package", "", "4500")], [p_ia("QS", "QuickStart Package", "4500")])
    far = match_products([p_sf("01t1", "Quick Start Package", "", "4500")], [p_ia("QS", "QuickStart Package", "45")])
    assert same.pairs[0].score > far.pairs[0].score
    assert far.pairs[0].reasons["price"] == "different"
