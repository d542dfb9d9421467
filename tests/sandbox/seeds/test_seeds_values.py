"""Seed values obey the rules of the systems they are loaded into (lengths, picklists, wire formats)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import pytest

from sfintacct_sandbox.seeds import STANDARD_PRICEBOOK, Ref, SeedData, build_seed

STAGES = {
    "Prospecting", "Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers",
    "Perception Analysis", "Proposal/Price Quote", "Negotiation/Review", "Closed Won", "Closed Lost",
}  # fmt: skip
ACCOUNT_TYPES = {"Prospect", "Customer - Direct", "Customer - Channel", "Channel Partner / Reseller",
                 "Installation Partner", "Technology Partner", "Other"}  # fmt: skip
INDUSTRIES = {
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals", "Communications", "Construction",
    "Consulting", "Education", "Electronics", "Energy", "Engineering", "Entertainment", "Environmental",
    "Finance", "Food & Beverage", "Government", "Healthcare", "Hospitality", "Insurance", "Machinery",
    "Manufacturing", "Media", "Not For Profit", "Recreation", "Retail", "Shipping", "Technology",
    "Telecommunications", "Transportation", "Utilities", "Other",
}  # fmt: skip
OPP_TYPES = {"Existing Customer - Upgrade", "New Customer", "Other"}
LEAD_SOURCES = {"Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other"}
# Field -> max length (Account/Opportunity describes; Product2.Name 255, ProductCode 255).
LENGTHS = {
    "Account": {"Name": 255, "AccountNumber": 40, "Phone": 40, "Website": 255, "BillingStreet": 255,
                "BillingCity": 40, "BillingState": 80, "BillingPostalCode": 20, "BillingCountry": 80},
    "Opportunity": {"Name": 120},
    "Product2": {"Name": 255, "ProductCode": 255, "Description": 4000},
}  # fmt: skip
READ_ONLY = {"Id", "IsDeleted", "SystemModstamp", "LastModifiedDate", "CreatedDate", "IsClosed", "IsWon",
             "Amount", "TotalPrice", "ListPrice", "Product2Id@OpportunityLineItem", "IsStandard"}  # fmt: skip
ITEM_TYPES = {"Inventory", "Non-Inventory", "Non-Inventory (Purchase only)", "Non-Inventory (Sales only)",
              "Kit", "Stockable Kit"}  # fmt: skip
PAYMENT_METHODS = {"Printed Check", "Check", "Cash", "EFT", "Credit Card", "Record transfer", "Online"}
MONEY = re.compile(r"^\d+\.\d{2}$")
COUNTRIES = {"US": "United States", "CA": "Canada", "GB": "United Kingdom", "DE": "Germany", "FR": "France",
             "ES": "Spain"}  # fmt: skip


@pytest.fixture(scope="module", params=["demo", "scale:1500"])
def seed(request: pytest.FixtureRequest) -> SeedData:
    return build_seed(request.param)


def test_salesforce_strings_fit_their_fields_and_required_fields_are_set(seed: SeedData) -> None:
    for r in seed.salesforce:
        for name, limit in LENGTHS.get(r.object, {}).items():
            value = r.fields.get(name)
            assert value is None or (isinstance(value, str) and len(value) <= limit), (r.ref, name, value)
        if r.object in ("Account", "Product2", "Opportunity"):
            assert isinstance(r.fields.get("Name"), str) and r.fields["Name"].strip(), r.ref
        for name in r.fields:
            assert name not in READ_ONLY and f"{name}@{r.object}" not in READ_ONLY, (r.ref, name)


def test_salesforce_picklists_hold_standard_values(seed: SeedData) -> None:
    for r in seed.salesforce:
        f = r.fields
        if r.object == "Account":
            assert f.get("Type", "Other") in ACCOUNT_TYPES and f.get("Industry", "Other") in INDUSTRIES
        if r.object == "Opportunity":
            assert f["StageName"] in STAGES
            assert f.get("Type", "Other") in OPP_TYPES and f.get("LeadSource", "Other") in LEAD_SOURCES
            assert date.fromisoformat(f["CloseDate"]).isoformat() == f["CloseDate"]
            assert f["Pricebook2Id"] == STANDARD_PRICEBOOK


def test_line_items_and_price_book_entries_are_well_formed(seed: SeedData) -> None:
    for r in seed.salesforce:
        f = r.fields
        if r.object == "OpportunityLineItem":
            assert set(f) == {"OpportunityId", "PricebookEntryId", "Quantity", "UnitPrice"}
            assert isinstance(f["Quantity"], int) and f["Quantity"] > 0
            assert isinstance(f["UnitPrice"], float) and f["UnitPrice"] > 0
        if r.object == "PricebookEntry":
            assert f["Pricebook2Id"] == STANDARD_PRICEBOOK and isinstance(f["Product2Id"], Ref)
            assert isinstance(f["UnitPrice"], float) and f["UnitPrice"] >= 0
            assert isinstance(f["IsActive"], bool)
    lines = [r.fields for r in seed.salesforce if r.object == "OpportunityLineItem"]
    entries = {r.ref: r.fields for r in seed.salesforce if r.object == "PricebookEntry"}
    assert all(entries[f["PricebookEntryId"].key]["IsActive"] for f in lines), "sold through an inactive entry"


def test_intacct_customers_are_valid_creates(seed: SeedData) -> None:
    customers = [r.fields for r in seed.intacct if r.object == "CUSTOMER"]
    ids = [c["CUSTOMERID"] for c in customers]
    assert len(set(ids)) == len(ids)
    names = [c["NAME"].lower() for c in customers]
    assert len(set(names)) == len(names), "Intacct contact names (from NAME) must be unique"
    for c in customers:
        assert 0 < len(c["CUSTOMERID"]) <= 20 and 0 < len(c["NAME"]) <= 100
        assert c["STATUS"] in ("active", "inactive") and c["TERMNAME"] == "Net 30"
        addr = c["DISPLAYCONTACT"]["MAILADDRESS"]
        assert COUNTRIES[addr["COUNTRYCODE"]] == addr["COUNTRY"]
        assert all(isinstance(v, str) for v in addr.values())


def test_intacct_items_are_valid_creates(seed: SeedData) -> None:
    items = [r.fields for r in seed.intacct if r.object == "ITEM"]
    ids = [i["ITEMID"] for i in items]
    assert len(set(ids)) == len(ids)
    for i in items:
        assert 0 < len(i["ITEMID"]) <= 30 and i["NAME"]
        assert i["ITEMTYPE"] in ITEM_TYPES and i["STATUS"] in ("active", "inactive")
        assert MONEY.match(i["BASEPRICE"]), i


def test_intacct_documents_and_payments_use_wire_strings(seed: SeedData) -> None:
    customers = {r.fields["CUSTOMERID"]: r.fields for r in seed.intacct if r.object == "CUSTOMER"}
    items = {r.fields["ITEMID"]: r.fields for r in seed.intacct if r.object == "ITEM"}
    allowed = {"transactiontype", "datecreated", "customerid", "referenceno", "createdfrom", "memo", "sotransitems"}
    for r in seed.intacct:
        f = r.fields
        if r.object == "SODOCUMENT":
            assert set(f) <= allowed and f["transactiontype"] in ("Sales Order", "Sales Invoice")
            assert date.fromisoformat(f["datecreated"]).isoformat() == f["datecreated"]
            assert customers[f["customerid"]]["STATUS"] == "active"
            assert f["sotransitems"]
            for line in f["sotransitems"]:
                assert set(line) == {"itemid", "quantity", "price"}
                assert items[line["itemid"]]["STATUS"] == "active"
                assert line["quantity"].isdigit() and int(line["quantity"]) > 0
                assert re.fullmatch(r"\d+(\.\d{1,2})?", line["price"]) and Decimal(line["price"]) > 0
        if r.object == "ARPYMT":
            assert f["FINANCIALENTITY"] == "BOA" and f["PAYMENTMETHOD"] in PAYMENT_METHODS
            assert f["CUSTOMERID"] in customers
            datetime.strptime(f["RECEIPTDATE"], "%m/%d/%Y")
            for d in f["ARPYMTDETAILS"]:
                assert isinstance(d["RECORDKEY"], Ref) and MONEY.match(d["TRX_PAYMENTAMOUNT"])
                assert Decimal(d["TRX_PAYMENTAMOUNT"]) > 0
