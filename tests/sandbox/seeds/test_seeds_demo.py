"""The demo seed is realistic and hard in the ways the baseline matcher must handle, and its truth is exact."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from rapidfuzz import fuzz

from sfintacct_sandbox.seeds import SeedData, SeedRow, build_seed


@pytest.fixture(scope="module")
def demo() -> SeedData:
    return build_seed("demo")


@pytest.fixture(scope="module")
def rows(demo: SeedData) -> dict[str, SeedRow]:
    return {r.ref: r for r in demo.salesforce + demo.intacct}


def norm(name: str) -> str:
    """The simple normalisation a naive matcher would do: case, punctuation, whitespace."""
    return " ".join(re.sub(r"[^a-z0-9& ]", " ", name.lower()).split())


def digits(phone: str | None) -> str:
    """The national number: formats, country codes, trunk zeros and extensions removed."""
    text = (phone or "").split(" x")[0].strip()
    d = re.sub(r"\D", "", text)
    if text.startswith("+"):
        d = d[1:] if d.startswith("1") else d[2:]
    elif d.startswith("1") and len(d) == 11:
        d = d[1:]
    return d.lstrip("0")


def sf_name(rows: dict[str, SeedRow], ref: str) -> str:
    return rows[ref].fields["Name"]


def ia_name(rows: dict[str, SeedRow], ref: str) -> str:
    return rows[ref].fields["NAME"]


def domain(url: str | None) -> str:
    return re.sub(r"^(https?://)?(www\.)?", "", url or "").rstrip("/")


def count(demo: SeedData, obj: str) -> int:
    return sum(r.object == obj for r in demo.salesforce + demo.intacct)


def test_counts_are_near_the_contract_figures(demo: SeedData) -> None:
    c = demo.truth["customers"]
    assert 140 <= count(demo, "Account") <= 160
    assert 130 <= count(demo, "CUSTOMER") <= 150
    assert 95 <= len(c["pairs"]) <= 105
    assert 35 <= count(demo, "Product2") <= 45 and 35 <= count(demo, "ITEM") <= 45
    assert 25 <= count(demo, "Opportunity") <= 35
    assert 2 <= len(c["duplicates"]["salesforce"]) <= 6 and 2 <= len(c["duplicates"]["intacct"]) <= 6
    assert len(c["salesforce_only"]) >= 20 and len(c["intacct_only"]) >= 20


def test_pair_kinds_cover_exact_fuzzy_and_renamed(demo: SeedData) -> None:
    kinds = Counter(p["kind"] for p in demo.truth["customers"]["pairs"])
    assert 25 <= kinds["exact_key"] <= 35
    assert kinds["fuzzy"] >= 50
    assert kinds["renamed"] >= 2


def test_exact_key_pairs_carry_the_customer_id_as_account_number(demo: SeedData, rows: dict) -> None:
    for p in demo.truth["customers"]["pairs"]:
        number = rows[p["salesforce"]].fields.get("AccountNumber")
        cid = rows[p["intacct"]].fields["CUSTOMERID"]
        assert (number == cid) == (p["kind"] == "exact_key"), p


def test_a_wrong_account_number_points_at_another_customer(demo: SeedData, rows: dict) -> None:
    (wrong,) = demo.truth["customers"]["wrong_keys"]
    assert rows[wrong["salesforce"]].fields["AccountNumber"] == wrong["account_number"]
    assert rows[wrong["points_to"]].fields["CUSTOMERID"] == wrong["account_number"]
    assert wrong["points_to"] != wrong["true_match"]
    assert {"salesforce": wrong["salesforce"], "intacct": wrong["true_match"]} in [
        {"salesforce": p["salesforce"], "intacct": p["intacct"]} for p in demo.truth["customers"]["pairs"]
    ]


def test_names_drift_in_many_ways(demo: SeedData, rows: dict) -> None:
    pairs = demo.truth["customers"]["pairs"]
    differ = [p for p in pairs if norm(sf_name(rows, p["salesforce"])) != norm(ia_name(rows, p["intacct"]))]
    assert len(differ) >= 50, "too few pairs differ after simple normalisation"
    identical = [p for p in pairs if sf_name(rows, p["salesforce"]) == ia_name(rows, p["intacct"])]
    assert 3 <= len(identical) <= 25, "some pairs should be keyed identically, most not"
    drift = Counter(k for p in pairs for k in p["drift"])
    for kind in ("suffix", "suffix_missing", "case", "punctuation", "typo", "spacing", "abbreviation"):
        assert drift[kind] >= 5, kind
    for kind in ("the_prefix", "ampersand", "moved", "renamed"):
        assert drift[kind] >= 1, kind
    fuzzy = [p for p in pairs if p["kind"] == "fuzzy"]
    assert all(sf_name(rows, p["salesforce"]) != ia_name(rows, p["intacct"]) for p in fuzzy)


def test_legal_suffix_spellings_vary(demo: SeedData) -> None:
    names = [
        r.fields.get("Name") or r.fields["NAME"]
        for r in demo.salesforce + demo.intacct
        if r.object in ("Account", "CUSTOMER")
    ]
    seen = {
        s
        for s in (
            "Inc.",
            "Inc",
            "Incorporated",
            "LLC",
            "L.L.C.",
            "Ltd",
            "Limited",
            "Corp",
            "Corporation",
            "GmbH",
            "S.A.",
        )
        if any(re.search(rf"(^|\s|,){re.escape(s)}$", n) for n in names)
    }
    assert len(seen) >= 8, seen


def test_phone_address_country_and_website_formats_drift(demo: SeedData, rows: dict) -> None:
    pairs = demo.truth["customers"]["pairs"]
    phone_fmt = postal = country = web = street = 0
    for p in pairs:
        a, c = rows[p["salesforce"]].fields, rows[p["intacct"]].fields
        contact, addr = c["DISPLAYCONTACT"], c["DISPLAYCONTACT"]["MAILADDRESS"]
        if a.get("Phone") and contact.get("PHONE1") and a["Phone"] != contact["PHONE1"]:
            phone_fmt += 1
            if "moved" not in p["drift"]:
                assert digits(a["Phone"]) == digits(contact["PHONE1"]), p
        postal += a["BillingPostalCode"] != addr["ZIP"]
        country += a.get("BillingCountry") != addr["COUNTRY"]
        web += bool(a.get("Website") and contact.get("URL1") and a["Website"] != contact["URL1"])
        street += a["BillingStreet"] != addr["ADDRESS1"]
    assert phone_fmt >= 40 and postal >= 20 and country >= 40 and web >= 15 and street >= 50
    contact = Counter(k for p in pairs for k in p["contact_drift"])
    assert contact["phone_format"] == phone_fmt and contact["postal_code"] == postal
    assert all(contact[k] >= 5 for k in ("street", "state", "country", "website_format", "phone_missing"))
    spellings = {r.fields.get("BillingCountry") for r in demo.salesforce if r.object == "Account"}
    assert {"USA", "United States", "US"} <= spellings
    assert any("\n" in r.fields["BillingStreet"] for r in demo.salesforce if r.object == "Account")
    assert any("ADDRESS2" in r.fields["DISPLAYCONTACT"]["MAILADDRESS"] for r in demo.intacct if r.object == "CUSTOMER")


def test_distinct_companies_never_share_a_phone(demo: SeedData, rows: dict) -> None:
    """Phone is a strong signal; only the same company (pair, duplicate, rename) may repeat one."""
    same_company: dict[str, int] = {}
    for i, p in enumerate(demo.truth["customers"]["pairs"]):
        same_company[p["salesforce"]] = same_company[p["intacct"]] = i
    for j, group in enumerate(
        demo.truth["customers"]["duplicates"]["salesforce"] + demo.truth["customers"]["duplicates"]["intacct"]
    ):
        owner = same_company.get(group[0], 1000 + j)
        for ref in group:
            same_company[ref] = owner
    by_phone: dict[str, set[int]] = {}
    for r in demo.salesforce + demo.intacct:
        if r.object not in ("Account", "CUSTOMER"):
            continue
        phone = r.fields.get("Phone") if r.object == "Account" else r.fields["DISPLAYCONTACT"].get("PHONE1")
        if phone:
            by_phone.setdefault(digits(phone), set()).add(same_company.get(r.ref, hash(r.ref)))
    assert all(len(owners) == 1 for owners in by_phone.values())


def test_renamed_companies_keep_phone_and_domain(demo: SeedData, rows: dict) -> None:
    renamed = [p for p in demo.truth["customers"]["pairs"] if p["kind"] == "renamed"]
    for p in renamed:
        a, c = rows[p["salesforce"]].fields, rows[p["intacct"]].fields
        assert fuzz.token_set_ratio(norm(a["Name"]), norm(c["NAME"])) < 70
        assert a["BillingCity"] == c["DISPLAYCONTACT"]["MAILADDRESS"]["CITY"]
        if a.get("Website") and c["DISPLAYCONTACT"].get("URL1"):
            assert domain(a["Website"]) == domain(c["DISPLAYCONTACT"]["URL1"])
        assert c["DISPLAYCONTACT"]["EMAIL1"].split("@")[1] == (
            domain(a.get("Website")) or c["DISPLAYCONTACT"]["EMAIL1"].split("@")[1]
        )
        if a.get("Phone") and c["DISPLAYCONTACT"].get("PHONE1"):
            assert digits(a["Phone"]) == digits(c["DISPLAYCONTACT"]["PHONE1"])


def test_near_misses_look_alike_but_are_other_companies(demo: SeedData, rows: dict) -> None:
    near = demo.truth["customers"]["near_misses"]
    kinds = Counter(m["kind"] for m in near)
    assert kinds["same_name_other_city"] >= 2 and kinds["subsidiary"] >= 2
    pairs = {(p["salesforce"], p["intacct"]) for p in demo.truth["customers"]["pairs"]}
    for m in near:
        a, c = rows[m["salesforce"]].fields, rows[m["intacct"]].fields
        assert (m["salesforce"], m["intacct"]) not in pairs
        assert a["BillingCity"] != c["DISPLAYCONTACT"]["MAILADDRESS"]["CITY"]
        if a.get("Phone") and c["DISPLAYCONTACT"].get("PHONE1"):
            assert digits(a["Phone"]) != digits(c["DISPLAYCONTACT"]["PHONE1"])
        similarity = fuzz.token_set_ratio(norm(a["Name"]), norm(c["NAME"]))
        assert similarity >= 80, (a["Name"], c["NAME"])  # they really do look alike
    assert any("Acme Corp Europe" in rows[m["salesforce"]].fields["Name"] for m in near)


def test_duplicates_are_the_same_company_on_one_side(demo: SeedData, rows: dict) -> None:
    dups = demo.truth["customers"]["duplicates"]
    for side, key in (("salesforce", "Name"), ("intacct", "NAME")):
        for group in dups[side]:
            names = [rows[ref].fields[key] for ref in group]
            assert all(ref.startswith("acct:" if side == "salesforce" else "cust:") for ref in group)
            assert fuzz.token_set_ratio(norm(names[0]), norm(names[1])) >= 75, names
    ids = [rows[ref].fields["CUSTOMERID"] for group in dups["intacct"] for ref in group]
    assert len(set(ids)) == len(ids), "Intacct duplicates must have different CUSTOMERIDs"


def test_one_account_is_in_the_recycle_bin_and_some_customers_are_inactive(demo: SeedData, rows: dict) -> None:
    c = demo.truth["customers"]
    assert [r.ref for r in demo.salesforce if r.deleted] == c["salesforce_deleted"] != []
    assert len(c["intacct_inactive"]) >= 3
    assert all(rows[ref].fields["STATUS"] == "inactive" for ref in c["intacct_inactive"])


def test_products_have_exact_fuzzy_one_sided_inactive_and_repriced(demo: SeedData, rows: dict) -> None:
    t = demo.truth["products"]
    kinds = Counter(p["kind"] for p in t["pairs"])
    assert kinds["exact_key"] >= 25 and kinds["fuzzy"] >= 3
    assert len(t["salesforce_only"]) >= 2 and len(t["intacct_only"]) >= 2
    assert t["inactive"]["salesforce"] and t["inactive"]["intacct"]
    for p in t["pairs"]:
        code = rows[p["salesforce"]].fields.get("ProductCode")
        assert (code == rows[p["intacct"]].fields["ITEMID"]) == (p["kind"] == "exact_key")
    prices = {
        r.fields["Product2Id"].key: r.fields["UnitPrice"] for r in demo.salesforce if r.object == "PricebookEntry"
    }
    for m in t["price_mismatch"]:
        assert Decimal(str(prices[m["salesforce"]])) == Decimal(m["salesforce_price"])
        assert rows[m["intacct"]].fields["BASEPRICE"] == m["intacct_price"] != m["salesforce_price"]
    assert t["price_mismatch"]
    repriced = {m["salesforce"] for m in t["price_mismatch"]}
    for p in t["pairs"]:
        if p["salesforce"] not in repriced:
            assert Decimal(str(prices[p["salesforce"]])) == Decimal(rows[p["intacct"]].fields["BASEPRICE"])


def _opp_lines(demo: SeedData, opp: str) -> list[dict[str, Any]]:
    return [
        r.fields for r in demo.salesforce if r.object == "OpportunityLineItem" and r.fields["OpportunityId"].key == opp
    ]


def _opp_total(demo: SeedData, opp: str) -> Decimal:
    return sum((Decimal(str(f["UnitPrice"])) * f["Quantity"] for f in _opp_lines(demo, opp)), Decimal(0))


def _doc_total(fields: dict[str, Any]) -> Decimal:
    return sum((Decimal(i["price"]) * Decimal(i["quantity"]) for i in fields["sotransitems"]), Decimal(0))


def test_historical_wins_exist_in_intacct_as_hand_keyed_orders(demo: SeedData, rows: dict) -> None:
    cutover = date.fromisoformat(demo.truth["cutover_date"])
    pairs = {p["salesforce"]: p["intacct"] for p in demo.truth["customers"]["pairs"]}
    hist = demo.truth["historical_orders"]
    assert len(hist) >= 8
    for h in hist:
        opp, so = rows[h["opportunity"]].fields, rows[h["sales_order"]].fields
        assert opp["StageName"] == "Closed Won" and date.fromisoformat(opp["CloseDate"]) < cutover
        assert so["transactiontype"] == "Sales Order" and "referenceno" not in so
        assert pairs[opp["AccountId"].key] == h["customer"]
        assert so["customerid"] == rows[h["customer"]].fields["CUSTOMERID"]
        assert _opp_total(demo, h["opportunity"]) == _doc_total(so) == Decimal(h["total"]) > 0
        lag = date.fromisoformat(so["datecreated"]) - date.fromisoformat(opp["CloseDate"])
        assert timedelta(0) <= lag <= timedelta(days=7)
    # A renewal: the same customer and total a year apart, told apart only by date.
    by_key = Counter((h["customer"], h["total"]) for h in hist)
    assert max(by_key.values()) >= 2


def test_wins_after_the_cutover_are_not_in_intacct(demo: SeedData, rows: dict) -> None:
    cutover = date.fromisoformat(demo.truth["cutover_date"])
    keyed = {h["opportunity"] for h in demo.truth["historical_orders"]}
    won = [r for r in demo.salesforce if r.object == "Opportunity" and r.fields["StageName"] == "Closed Won"]
    pending = {p["opportunity"] for p in demo.truth["pending_orders"]}
    assert len(pending) >= 3
    for r in won:
        late = date.fromisoformat(r.fields["CloseDate"]) >= cutover
        assert (r.ref in pending) == late and (r.ref in keyed) == (not late)
    needs = [n for p in demo.truth["pending_orders"] for n in p["needs"]["customers"] + p["needs"]["products"]]
    assert any(n in demo.truth["customers"]["salesforce_only"] for n in needs)
    assert any(n in demo.truth["products"]["salesforce_only"] for n in needs)


def test_every_opportunity_is_classified_and_has_lines(demo: SeedData) -> None:
    t = demo.truth
    classified = (
        [h["opportunity"] for h in t["historical_orders"]]
        + [p["opportunity"] for p in t["pending_orders"]]
        + t["closed_lost"]
        + t["open_opportunities"]
    )
    opps = [r.ref for r in demo.salesforce if r.object == "Opportunity"]
    assert sorted(classified) == sorted(opps)
    assert all(_opp_lines(demo, o) for o in opps)


def test_invoices_and_payments_add_up(demo: SeedData, rows: dict) -> None:
    invoices = demo.truth["invoices"]
    assert {"paid", "partial", "unpaid"} <= {i["status"] for i in invoices}
    payments = [r for r in demo.intacct if r.object == "ARPYMT"]
    assert sorted(p for i in invoices for p in i["payments"]) == sorted(r.ref for r in payments)
    assert any(len(i["payments"]) >= 2 for i in invoices), "an invoice paid in instalments"
    for i in invoices:
        inv = rows[i["invoice"]].fields
        assert inv["createdfrom"].key == i["sales_order"]
        assert _doc_total(inv) == _doc_total(rows[i["sales_order"]].fields) == Decimal(i["total"])
        paid = sum(
            (Decimal(d["TRX_PAYMENTAMOUNT"]) for p in i["payments"] for d in rows[p].fields["ARPYMTDETAILS"]),
            Decimal(0),
        )
        assert paid == Decimal(i["paid"]) and Decimal(i["due"]) == Decimal(i["total"]) - paid
        expected = "paid" if paid == Decimal(i["total"]) else ("partial" if paid else "unpaid")
        assert i["status"] == expected
        for p in i["payments"]:
            receipt = datetime.strptime(rows[p].fields["RECEIPTDATE"], "%m/%d/%Y").date()
            assert receipt > date.fromisoformat(inv["datecreated"])
    assert demo.truth["intacct_only_orders"]
