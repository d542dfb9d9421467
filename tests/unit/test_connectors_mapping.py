"""Pure row <-> record mappings of both connectors: round trips, empty values, dates, Decimal money."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from sfintacct_desktop.connectors import ia_mapping as ia
from sfintacct_desktop.connectors import sf_mapping as sf
from sfintacct_desktop.connectors import values as v
from sfintacct_desktop.domain import Address, Customer, Invoice, Payment, Product, System

LA = ZoneInfo("America/Los_Angeles")

ACCOUNT = {
    "attributes": {"type": "Account"},
    "Id": "0015e000000000BAAQ",
    "Name": "Vertex Mesa Solar",
    "AccountNumber": "C-1015",
    "Phone": "602.555.0100",
    "Website": "vertexmesa.io",
    "BillingStreet": "127 Mission Street\r\nUnit 500\n",
    "BillingCity": "Phoenix",
    "BillingState": "AZ",
    "BillingPostalCode": "85010",
    "BillingCountry": "United States",
    "Intacct_Customer_ID__c": "C-1015",
    "Intacct_Inactive__c": True,
    "IsDeleted": False,
    "SystemModstamp": "2026-11-28T08:06:50.238+0000",
}


def test_account_to_customer() -> None:
    c = sf.customer_from_account(ACCOUNT)
    assert c.system is System.SALESFORCE and c.key == "0015e000000000BAAQ"
    assert c.address.lines == ("127 Mission Street", "Unit 500")
    assert c.address.country == "United States" and c.address.country_code == ""
    assert c.cross_ref == "C-1015" and c.number == "C-1015"
    assert c.active is False and c.deleted is False
    assert c.modified_at == datetime(2026, 11, 28, 8, 6, 50, 238000, tzinfo=UTC)


def test_account_round_trip_and_empty_values() -> None:
    c = sf.customer_from_account(ACCOUNT)
    body = sf.account_fields(c)
    assert body["BillingStreet"] == "127 Mission Street\nUnit 500"
    again = sf.customer_from_account({**body, "Id": c.key, "SystemModstamp": ACCOUNT["SystemModstamp"]})
    assert again == c
    empty = sf.account_fields(Customer(System.SALESFORCE, "", "Bare"))
    assert empty["Phone"] is None and empty["BillingStreet"] is None and empty["Intacct_Inactive__c"] is False
    assert "BillingCountryCode" not in empty
    assert sf.account_fields(c, with_country_code=True)["BillingCountryCode"] is None
    bare = sf.customer_from_account({"Id": "001", "Name": "X", "BillingStreet": None, "Intacct_Inactive__c": None})
    assert bare.address == Address() and bare.active and bare.modified_at is None


def test_product_with_standard_price_is_decimal() -> None:
    row = {
        "Id": "01t5e0000000001AAA",
        "Name": "Widget",
        "ProductCode": "W-1",
        "IsActive": True,
        "Intacct_Item_ID__c": "W-1",
        "SystemModstamp": "2026-11-28T08:00:00.000+0000",
        "PricebookEntries": {
            "records": [
                {"Id": "01uOTHER", "UnitPrice": 1.0, "Pricebook2": {"IsStandard": False}},
                {"Id": "01uSTD", "UnitPrice": 0.1, "Pricebook2": {"IsStandard": True}},
            ]
        },
    }
    p = sf.product_from_row(row)
    assert p.price == Decimal("0.1") and isinstance(p.price, Decimal)
    assert p.pricebook_entry_id == "01uSTD" and p.cross_ref == "W-1"
    body = sf.product_fields(p)
    assert body == {
        "Name": "Widget",
        "ProductCode": "W-1",
        "Description": None,
        "IsActive": True,
        "Intacct_Item_ID__c": "W-1",
    }
    no_price = sf.product_from_row({**row, "PricebookEntries": None})
    assert no_price.price is None and no_price.pricebook_entry_id == ""


def test_opportunity_with_lines() -> None:
    row = {
        "Id": "0065e0000000001AAA",
        "Name": "Deal",
        "AccountId": "001A",
        "StageName": "Closed Won",
        "IsClosed": True,
        "IsWon": True,
        "CloseDate": "2024-04-15",
        "Amount": 4695.1,
        "OpportunityLineItems": {
            "records": [
                {
                    "Id": "00k1",
                    "Product2Id": "01t1",
                    "Quantity": 5.0,
                    "UnitPrice": 39.02,
                    "TotalPrice": 195.1,
                    "Discount": None,
                }
            ]
        },
    }
    o = sf.opportunity_from_row(row)
    assert o.close_date == date(2024, 4, 15) and o.amount == Decimal("4695.1")
    (line,) = o.lines
    assert line.quantity == Decimal("5.0") and line.unit_price == Decimal("39.02") and line.discount_percent is None
    assert sf.opportunity_from_row({**row, "OpportunityLineItems": None}).lines == ()
    with pytest.raises(ValueError):
        sf.opportunity_from_row({**row, "CloseDate": None})


def test_invoice_and_payment_fields() -> None:
    inv = Invoice("INV0001", "C-1", "Paid", date(2024, 5, 10), None, Decimal("10.50"), Decimal("10.50"), Decimal("0"))
    body = sf.invoice_fields(inv, account_id="001A")
    assert body["Invoice_Number__c"] == "INV0001" and body["Total_Amount__c"] == 10.5 and body["Amount_Due__c"] == 0
    assert body["Invoice_Date__c"] == "2024-05-10" and body["Due_Date__c"] is None and body["Opportunity__c"] is None
    pay = Payment("9", "C-1", Decimal("4695"), date(2024, 6, 1), method="Cash")
    pbody = sf.payment_fields(pay, account_id="001A", invoice_id="a0X1")
    assert pbody["Intacct_Record_No__c"] == "9" and pbody["Amount__c"] == 4695 and pbody["Invoice__c"] == "a0X1"


IA_CUSTOMER = {
    "RECORDNO": "7",
    "CUSTOMERID": "C-1015",
    "NAME": "Vertex Mesa Solar",
    "DISPLAYCONTACT.PHONE1": "602.555.0100",
    "DISPLAYCONTACT.EMAIL1": "ap@vertexmesa.io",
    "DISPLAYCONTACT.URL1": "vertexmesa.io",
    "DISPLAYCONTACT.MAILADDRESS.ADDRESS1": "127 Mission Street",
    "DISPLAYCONTACT.MAILADDRESS.ADDRESS2": "Unit 500",
    "DISPLAYCONTACT.MAILADDRESS.ADDRESS3": "",
    "DISPLAYCONTACT.MAILADDRESS.CITY": "Phoenix",
    "DISPLAYCONTACT.MAILADDRESS.STATE": "AZ",
    "DISPLAYCONTACT.MAILADDRESS.ZIP": "85010",
    "DISPLAYCONTACT.MAILADDRESS.COUNTRY": "United States",
    "DISPLAYCONTACT.MAILADDRESS.COUNTRYCODE": "US",
    "STATUS": "inactive",
    "SFDC_ACCOUNT_ID": "0015e000000000BAAQ",
    "WHENMODIFIED": "11/28/2026 00:06:50",
}


def test_intacct_customer_flat_and_nested() -> None:
    c = ia.customer_from_row(IA_CUSTOMER, LA)
    assert c.address.lines == ("127 Mission Street", "Unit 500") and c.address.country_code == "US"
    assert not c.active and c.cross_ref == "0015e000000000BAAQ" and c.record_no == "7"
    assert c.modified_at == datetime(2026, 11, 28, 8, 6, 50, tzinfo=UTC)  # PST is UTC-8
    nested = ia.customer_fields(c)
    assert nested["DISPLAYCONTACT"]["MAILADDRESS"] == {
        "ADDRESS1": "127 Mission Street",
        "ADDRESS2": "Unit 500",
        "CITY": "Phoenix",
        "STATE": "AZ",
        "ZIP": "85010",
        "COUNTRY": "United States",
        "COUNTRYCODE": "US",
    }
    again = ia.customer_from_row({**nested, "RECORDNO": "7", "WHENMODIFIED": IA_CUSTOMER["WHENMODIFIED"]}, LA)
    assert again == c  # nested read shape maps the same as flat query rows


def test_intacct_customer_empty_values_and_long_street() -> None:
    bare = Customer(System.INTACCT, "C-9", "Bare", address=Address(lines=("a", "b", "c", "d")))
    create = ia.customer_fields(bare)
    assert create["DISPLAYCONTACT"]["MAILADDRESS"] == {"ADDRESS1": "a", "ADDRESS2": "b", "ADDRESS3": "c, d"}
    assert "SFDC_ACCOUNT_ID" not in create and create["STATUS"] == "active"
    update = ia.customer_fields(bare, for_update=True)
    assert update["SFDC_ACCOUNT_ID"] == "" and update["DISPLAYCONTACT"]["PHONE1"] == ""  # sent, to clear
    row = ia.customer_from_row({"CUSTOMERID": "C-9", "NAME": "Bare", "STATUS": "active", "WHENMODIFIED": ""}, LA)
    assert row.active and row.modified_at is None and row.address == Address()


def test_item_round_trip_price_decimal() -> None:
    row = {"RECORDNO": "1", "ITEMID": "W-1", "NAME": "Widget", "STATUS": "active", "BASEPRICE": "12000.10"}
    p = ia.product_from_item(row, LA)
    assert p.price == Decimal("12000.10") and str(p.price) == "12000.10"
    body = ia.item_fields(p)
    assert body["BASEPRICE"] == "12000.10" and body["ITEMTYPE"] == "Non-Inventory"
    assert ia.product_from_item({**body, "RECORDNO": "1"}, LA) == p
    no_price = Product(System.INTACCT, "W-2", "No price")
    assert "BASEPRICE" not in ia.item_fields(no_price) and "BASEPRICE" not in ia.item_fields(no_price, for_update=True)


def test_sales_order_invoice_payment() -> None:
    doc = {"RECORDNO": "1", "DOCID": "Sales Order-SO0001", "DOCPARID": "Sales Order", "CUSTVENDID": "C-1"}
    doc |= {"WHENCREATED": "04/19/2024", "PONUMBER": "0065e0000000001AAA", "TOTAL": "4695.5", "STATE": "Pending"}
    lines = [
        {"LINE_NO": "1", "ITEMID": "B", "QUANTITY": "1", "PRICE": "4500"},
        {"LINE_NO": "0", "ITEMID": "A", "QUANTITY": "5", "PRICE": "39.1"},
    ]
    so = ia.sales_order_from_row(doc, LA, lines)
    assert so.order_date == date(2024, 4, 19) and so.reference_no == "0065e0000000001AAA"
    assert [line.item_id for line in so.lines] == ["A", "B"] and so.lines[0].price == Decimal("39.1")
    inv = ia.invoice_from_row(
        {"RECORDNO": "3", "RECORDID": "INV1", "STATE": "Partially Paid", "TOTALENTERED": "100", "TOTALPAID": "40"}
        | {"TOTALDUE": "60", "WHENCREATED": "05/10/2024", "WHENDUE": "", "WHENPAID": ""},
        LA,
        "Sales Order-SO0001",
    )
    assert (inv.total, inv.paid, inv.due) == (Decimal("100"), Decimal("40"), Decimal("60"))
    assert inv.due_date is None and inv.sales_order_id == "Sales Order-SO0001" and not inv.deleted
    pay = ia.payment_from_row(
        {"RECORDNO": "9", "CUSTOMERID": "C-1", "TOTALENTERED": "40", "RECEIPTDATE": "06/01/2024", "PAYMENTDATE": ""},
        LA,
        [{"RECORDKEY": "3", "TRX_PAYMENTAMOUNT": "", "PAYMENTAMOUNT": "40.00"}],
    )
    assert pay.amount == Decimal("40") and pay.payment_date == date(2024, 6, 1)
    assert pay.applications[0].invoice_record_no == "3" and pay.applications[0].amount == Decimal("40.00")


def test_payment_details_per_invoice_line_sum_to_one_application_per_invoice() -> None:
    """ARPYMTDETAIL rows are per invoice line; a row read twice (same RECORDNO) counts once."""
    rows = [
        {"RECORDNO": "11", "RECORDKEY": "3", "ENTRYKEY": "31", "TRX_PAYMENTAMOUNT": "200"},
        {"RECORDNO": "12", "RECORDKEY": "3", "ENTRYKEY": "32", "TRX_PAYMENTAMOUNT": "50"},
        {"RECORDNO": "13", "RECORDKEY": "4", "ENTRYKEY": "41", "TRX_PAYMENTAMOUNT": "", "PAYMENTAMOUNT": "7.5"},
        {"RECORDNO": "12", "RECORDKEY": "3", "ENTRYKEY": "32", "TRX_PAYMENTAMOUNT": "50"},  # an overlapping re-read
    ]
    pay = ia.payment_from_row({"RECORDNO": "9", "CUSTOMERID": "C-1", "TRX_TOTALENTERED": "257.5"}, LA, rows)
    assert [(a.invoice_record_no, a.amount) for a in pay.applications] == [("3", Decimal("250")), ("4", Decimal("7.5"))]
    assert pay.amount == sum(a.amount for a in pay.applications)


def test_sales_order_lines_from_a_read_row() -> None:
    """A ``read`` of a SODOCUMENT nests its lines: one line as a dict, several as a list."""
    doc = {"RECORDNO": "1", "DOCID": "Sales Order-SO0001", "WHENCREATED": "04/19/2024"}
    many = {"sodocumententry": [{"LINE_NO": "1", "ITEMID": "B"}, {"LINE_NO": "0", "ITEMID": "A"}]}
    assert [ln.item_id for ln in ia.sales_order_from_row(doc | {"SODOCUMENTENTRIES": many}, LA).lines] == ["A", "B"]
    one = {"sodocumententry": {"LINE_NO": "0", "ITEMID": "A", "QUANTITY": "2"}}
    so = ia.sales_order_from_row(doc | {"SODOCUMENTENTRIES": one}, LA)
    assert [(ln.item_id, ln.quantity) for ln in so.lines] == [("A", Decimal("2"))]
    assert ia.sales_order_from_row(doc | {"SODOCUMENTENTRIES": ""}, LA).lines == ()  # none owned


def test_values() -> None:
    assert v.money(0.1) == Decimal("0.1") and v.money("1,234.50") == Decimal("1234.50") and v.money("") is None
    with pytest.raises(ValueError):
        v.money("abc")
    assert v.json_number(Decimal("12.50")) == 12.5 and v.json_number(Decimal("12.00")) == 12
    assert v.ia_wall_time(datetime(2026, 7, 1, 19, 0, tzinfo=UTC), LA) == "07/01/2026 12:00:00"  # PDT
    with pytest.raises(ValueError):
        v.ia_wall_time(datetime(2026, 7, 1), LA)
    assert v.ia_date("2024-05-10") == date(2024, 5, 10) and v.sf_date("") is None
    assert v.sf_datetime("2026-01-01T00:00:00Z") == datetime(2026, 1, 1, tzinfo=UTC)
    assert v.flag("T") and v.flag(True) and not v.flag("false") and not v.flag(None)
