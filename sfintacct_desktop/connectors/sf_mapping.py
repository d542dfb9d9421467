"""Salesforce rows ↔ domain records: Account, Product2 (+ standard PricebookEntry), Opportunity.

Pure functions over the dicts the REST API returns (JSON numbers arrive as floats and become
Decimal via their shortest repr). Write bodies use ``None`` to clear a field, as Salesforce does.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..domain import (
    Address,
    Customer,
    Invoice,
    Opportunity,
    OpportunityLine,
    Payment,
    PaymentApplication,
    Product,
    System,
)
from .errors import record_error
from .results import WriteResult
from .values import flag, money, money0, sf_date, sf_datetime, text

ACCOUNT_FIELDS = (
    "Id",
    "Name",
    "AccountNumber",
    "Phone",
    "Website",
    "BillingStreet",
    "BillingCity",
    "BillingState",
    "BillingPostalCode",
    "BillingCountry",
    "Intacct_Customer_ID__c",
    "Intacct_Inactive__c",
    "IsDeleted",
    "SystemModstamp",
)
PRODUCT_FIELDS = (
    "Id",
    "Name",
    "ProductCode",
    "Description",
    "IsActive",
    "IsDeleted",
    "Intacct_Item_ID__c",
    "SystemModstamp",
)
# The entry's SystemModstamp too: a price change moves only the entry's stamp, never the product's,
# so a product's stamp for cursors and seen marks is the later of the two.
PRICE_SUBQUERY = "(SELECT Id, UnitPrice, SystemModstamp, Pricebook2.IsStandard FROM PricebookEntries)"
OPPORTUNITY_FIELDS = (
    "Id",
    "Name",
    "AccountId",
    "StageName",
    "IsClosed",
    "IsWon",
    "CloseDate",
    "Amount",
    "Intacct_Sales_Order_ID__c",
    "Intacct_Sync_Status__c",
    "IsDeleted",
    "SystemModstamp",
)
LINE_FIELDS = (
    "Id",
    "Product2Id",
    "PricebookEntryId",
    "Quantity",
    "UnitPrice",
    "TotalPrice",
    "Discount",
    "ProductCode",
    "Description",
)
LINES_SUBQUERY = f"(SELECT {', '.join(LINE_FIELDS)} FROM OpportunityLineItems)"


def _none_if_empty(value: str) -> str | None:
    return value or None


# ----------------------------------------------------------------------------- Account
def split_street(street: Any) -> tuple[str, ...]:
    """BillingStreet is one textarea: each non-empty line is an address line."""
    lines = text(street).replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return tuple(line.strip() for line in lines if line.strip())


@dataclass(frozen=True)
class SettledAccount:
    """An Account re-read through the overlap window by its stamp only (Id, stamp, deleted, link)."""

    key: str
    modified_at: datetime | None
    deleted: bool
    cross_ref: str


SETTLED_ACCOUNT_FIELDS = ("Id", "SystemModstamp", "IsDeleted", "Intacct_Customer_ID__c")


def settled_from_row(row: dict[str, Any]) -> SettledAccount:
    return SettledAccount(
        key=text(row.get("Id")),
        modified_at=sf_datetime(row.get("SystemModstamp")),
        deleted=flag(row.get("IsDeleted")),
        cross_ref=text(row.get("Intacct_Customer_ID__c")),
    )


def customer_from_account(row: dict[str, Any]) -> Customer:
    return Customer(
        system=System.SALESFORCE,
        key=text(row.get("Id")),
        name=text(row.get("Name")),
        number=text(row.get("AccountNumber")),
        phone=text(row.get("Phone")),
        website=text(row.get("Website")),
        address=Address(
            lines=split_street(row.get("BillingStreet")),
            city=text(row.get("BillingCity")),
            state=text(row.get("BillingState")),
            postal_code=text(row.get("BillingPostalCode")),
            country=text(row.get("BillingCountry")),
            country_code=text(row.get("BillingCountryCode")),
        ),
        active=not flag(row.get("Intacct_Inactive__c")),
        deleted=flag(row.get("IsDeleted")),
        cross_ref=text(row.get("Intacct_Customer_ID__c")),
        modified_at=sf_datetime(row.get("SystemModstamp")),
    )


def account_fields(customer: Customer, *, with_country_code: bool = False) -> dict[str, Any]:
    """The writable Account fields of a customer (no Id; the caller adds what identifies it).

    ``with_country_code`` only for orgs with state and country picklists (BillingCountryCode).
    """
    addr = customer.address
    body: dict[str, Any] = {
        "Name": customer.name,
        "AccountNumber": _none_if_empty(customer.number),
        "Phone": _none_if_empty(customer.phone),
        "Website": _none_if_empty(customer.website),
        "BillingStreet": _none_if_empty("\n".join(addr.lines)),
        "BillingCity": _none_if_empty(addr.city),
        "BillingState": _none_if_empty(addr.state),
        "BillingPostalCode": _none_if_empty(addr.postal_code),
        "BillingCountry": _none_if_empty(addr.country),
        "Intacct_Customer_ID__c": _none_if_empty(customer.cross_ref),
        "Intacct_Inactive__c": not customer.active,
    }
    if with_country_code:
        body["BillingCountryCode"] = _none_if_empty(addr.country_code)
    return body


# ----------------------------------------------------------------------------- Product2
def standard_entry(row: dict[str, Any]) -> dict[str, Any] | None:
    """The product's PricebookEntry in the standard price book, from the child subquery."""
    entries = (row.get("PricebookEntries") or {}).get("records") or []
    for entry in entries:
        book = entry.get("Pricebook2") or {}
        if flag(book.get("IsStandard")):
            return dict(entry)
    return None


def product_from_row(row: dict[str, Any], entry: dict[str, Any] | None = None) -> Product:
    entry = entry if entry is not None else standard_entry(row)
    return Product(
        system=System.SALESFORCE,
        key=text(row.get("Id")),
        name=text(row.get("Name")),
        code=text(row.get("ProductCode")),
        description=text(row.get("Description")),
        active=flag(row.get("IsActive")),
        deleted=flag(row.get("IsDeleted")),
        price=money(entry.get("UnitPrice")) if entry else None,
        cross_ref=text(row.get("Intacct_Item_ID__c")),
        pricebook_entry_id=text(entry.get("Id")) if entry else "",
        modified_at=sf_datetime(row.get("SystemModstamp")),
    )


def product_fields(product: Product) -> dict[str, Any]:
    """Writable Product2 fields (the price lives on the PricebookEntry, written separately)."""
    return {
        "Name": product.name,
        "ProductCode": _none_if_empty(product.code),
        "Description": _none_if_empty(product.description),
        "IsActive": product.active,
        "Intacct_Item_ID__c": _none_if_empty(product.cross_ref),
    }


# -------------------------------------------------------------------------- Opportunity
def line_from_row(row: dict[str, Any]) -> OpportunityLine:
    return OpportunityLine(
        product_id=text(row.get("Product2Id")),
        pricebook_entry_id=text(row.get("PricebookEntryId")),
        quantity=money0(row.get("Quantity")),
        unit_price=money0(row.get("UnitPrice")),
        total_price=money0(row.get("TotalPrice")),
        discount_percent=money(row.get("Discount")),
        product_code=text(row.get("ProductCode")),
        description=text(row.get("Description")),
        line_id=text(row.get("Id")),
    )


def opportunity_from_row(row: dict[str, Any], lines: list[dict[str, Any]] | None = None) -> Opportunity:
    """An Opportunity with its lines (from the ``OpportunityLineItems`` subquery unless given)."""
    if lines is None:
        lines = list((row.get("OpportunityLineItems") or {}).get("records") or [])
    close = sf_date(row.get("CloseDate"))
    if close is None:
        raise ValueError(f"Opportunity {row.get('Id')} has no CloseDate")
    return Opportunity(
        id=text(row.get("Id")),
        name=text(row.get("Name")),
        account_id=text(row.get("AccountId")),
        stage=text(row.get("StageName")),
        is_closed=flag(row.get("IsClosed")),
        is_won=flag(row.get("IsWon")),
        close_date=close,
        amount=money(row.get("Amount")),
        currency=text(row.get("CurrencyIsoCode")),
        sales_order_id=text(row.get("Intacct_Sales_Order_ID__c")),
        sync_status=text(row.get("Intacct_Sync_Status__c")),
        deleted=flag(row.get("IsDeleted")),
        lines=tuple(line_from_row(r) for r in lines),
        modified_at=sf_datetime(row.get("SystemModstamp")),
    )


# ----------------------------------------------------------- invoices and payments (out)
def invoice_fields(invoice: Invoice, *, account_id: str, opportunity_id: str = "") -> dict[str, Any]:
    """``Intacct_Invoice__c`` fields of an invoice, keyed by ``Invoice_Number__c`` for upserts."""
    return {
        "Name": invoice.number,
        "Invoice_Number__c": invoice.number,
        "Account__c": _none_if_empty(account_id),
        "Opportunity__c": _none_if_empty(opportunity_id),
        "Status__c": _none_if_empty(invoice.state),
        "Invoice_Date__c": invoice.invoice_date.isoformat() if invoice.invoice_date else None,
        "Due_Date__c": invoice.due_date.isoformat() if invoice.due_date else None,
        "Total_Amount__c": invoice.total,
        "Amount_Paid__c": invoice.paid,
        "Amount_Due__c": invoice.due,
        "Currency__c": _none_if_empty(invoice.currency),
        "Paid_Date__c": invoice.paid_date.isoformat() if invoice.paid_date else None,
        "Sales_Order_ID__c": _none_if_empty(invoice.sales_order_id),
        "Intacct_Deleted__c": invoice.deleted,
    }


def with_currency_iso(fields: dict[str, Any], currency: str, currency_iso: bool) -> dict[str, Any]:
    """``fields`` with ``CurrencyIsoCode`` when the org has multiple currencies (the record's own)."""
    return {**fields, "CurrencyIsoCode": currency} if currency_iso and currency else fields


def payment_fields(payment: Payment, *, account_id: str, invoice_id: str = "") -> dict[str, Any]:
    """``Intacct_Payment__c`` fields of a whole payment (its first application's invoice): the
    shape before applications became the unit; kept for reading records written then."""
    return {
        "Name": f"Payment {payment.record_no}",
        "Intacct_Record_No__c": payment.record_no,
        "Account__c": _none_if_empty(account_id),
        "Invoice__c": _none_if_empty(invoice_id),
        "Amount__c": payment.amount,
        "Payment_Date__c": payment.payment_date.isoformat() if payment.payment_date else None,
        "Method__c": _none_if_empty(payment.method),
        "State__c": _none_if_empty(payment.state),
    }


UNAPPLIED = "UNAPPLIED"
APPLICATION_FIELDS = (
    "Payment_Record_No__c",
    "Applied_Amount__c",
    "Applied_Date__c",
    "Payment_Amount__c",
    "Unapplied__c",
    "Currency__c",
)  # what this version adds to Intacct_Payment__c
_KEY_LENGTH = 30  # Intacct_Record_No__c is Text(30)


def application_key(record_no: str, invoice_number: str | None) -> str:
    """The external id of one application: ``RECORDNO-<invoice number>`` (``RECORDNO-UNAPPLIED`` for
    the unapplied part). Why the number: an invoice's RECORDNO is regenerated on order updates, its
    number is not; a number too long for the field is replaced by a stable digest of it."""
    tail = invoice_number if invoice_number is not None else UNAPPLIED
    key = f"{record_no}-{tail}"
    if len(key) <= _KEY_LENGTH:
        return key
    digest = hashlib.sha256(tail.encode()).hexdigest()[: _KEY_LENGTH - len(record_no) - 2]
    return f"{record_no}-#{digest}"


def application_fields(
    payment: Payment,
    application: PaymentApplication | None,
    *,
    account_id: str,
    invoice_id: str = "",
    currency_iso: bool = False,
) -> dict[str, Any]:
    """``Intacct_Payment__c`` fields of one application of a payment (None: its unapplied part).

    ``Amount__c`` is what this record stands for (the applied amount, or the unapplied rest), so
    summing an invoice's payments gives what was paid against it; ``Payment_Amount__c`` is the
    whole payment. Every amount is in the payment's currency (``Currency__c``, and
    ``CurrencyIsoCode`` when ``currency_iso``: the org has multiple currencies).
    """
    unapplied = application is None
    amount = payment.unapplied if application is None else application.amount
    number = None if application is None else application.invoice_number
    applied_on = None if application is None else (application.applied_date or payment.payment_date)
    name = f"Payment {payment.record_no} " + ("unapplied" if unapplied else f"on {number}")
    body: dict[str, Any] = {
        "Name": name[:80],
        "Intacct_Record_No__c": application_key(payment.record_no, number),
        "Payment_Record_No__c": payment.record_no,
        "Account__c": _none_if_empty(account_id),
        "Invoice__c": _none_if_empty(invoice_id),
        "Amount__c": amount,
        "Applied_Amount__c": Decimal(0) if unapplied else amount,
        "Applied_Date__c": applied_on.isoformat() if applied_on else None,
        "Payment_Amount__c": payment.amount,
        "Unapplied__c": unapplied,
        "Currency__c": _none_if_empty(payment.currency),
        "Payment_Date__c": payment.payment_date.isoformat() if payment.payment_date else None,
        "Method__c": _none_if_empty(payment.method),
        "State__c": _none_if_empty(payment.state),
    }
    if currency_iso and payment.currency:
        body["CurrencyIsoCode"] = payment.currency
    return body


def withdrawn_application_fields(key: str, state: str = "Withdrawn") -> dict[str, Any]:
    """An application Intacct no longer has (moved, or its payment reversed): zeroed, never deleted."""
    return {
        "Intacct_Record_No__c": key,
        "Amount__c": Decimal(0),
        "Applied_Amount__c": Decimal(0),
        "State__c": state,
    }


ROLLUP_FIELDS = (
    "Intacct_Open_Balance__c",
    "Intacct_Overdue_Amount__c",
    "Intacct_Oldest_Overdue_Days__c",
    "Intacct_Last_Payment_Date__c",
    "Intacct_Balance_Currency__c",
    "Intacct_Balance_As_Of__c",
)


def rollup_fields(roll: dict[str, Any]) -> dict[str, Any]:
    """The Account's balance fields from a customer's roll-up (engine ``invoices.rollup``)."""
    days = roll.get("oldest_overdue_days")
    return {
        "Intacct_Open_Balance__c": Decimal(str(roll.get("open_balance") or "0")),
        "Intacct_Overdue_Amount__c": Decimal(str(roll.get("overdue") or "0")),
        "Intacct_Oldest_Overdue_Days__c": int(days) if days else None,
        "Intacct_Last_Payment_Date__c": roll.get("last_payment_date") or None,
        "Intacct_Balance_Currency__c": roll.get("currency") or None,
        "Intacct_Balance_As_Of__c": roll.get("as_of") or None,
    }


def write_results(sent: list[tuple[int, str]], results: list[Any]) -> dict[int, WriteResult]:
    """Each sent record's outcome by its index: ``sent`` holds (index, key) in the order written,
    ``results`` the wire's per-record results; a refusal carries its first error as the record's."""
    out: dict[int, WriteResult] = {}
    for (index, key), res in zip(sent, results, strict=True):
        if res.success:
            out[index] = WriteResult(index, key, True, id=res.id or "", created=res.created)
            continue
        first = res.errors[0] if res.errors else None
        err = record_error(
            System.SALESFORCE,
            first.status_code if first else "",
            first.message if first else "",
            first.fields if first else (),
            key,
        )
        out[index] = WriteResult(index, key, False, id=res.id or "", error=err)
    return out
