"""Intacct rows ↔ domain records: CUSTOMER, ITEM, SODOCUMENT(+ENTRY), ARINVOICE, ARPYMT(+DETAIL).

Pure functions. ``query`` returns nested fields flat (``DISPLAYCONTACT.MAILADDRESS.CITY``), while
``read``/``readByQuery`` nest them; :func:`field` accepts both. Timestamps are wall time in the
company's time zone (``zone``); money is Decimal from the XML text.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from ..domain import (
    Address,
    Customer,
    Invoice,
    Payment,
    PaymentApplication,
    Product,
    SalesOrder,
    SalesOrderLine,
    System,
)
from .values import decimal_text, ia_date, ia_timestamp, money, money0, text

_ADDR = "DISPLAYCONTACT.MAILADDRESS."
CUSTOMER_FIELDS = (
    "RECORDNO",
    "CUSTOMERID",
    "NAME",
    "DISPLAYCONTACT.PHONE1",
    "DISPLAYCONTACT.EMAIL1",
    "DISPLAYCONTACT.URL1",
    *(_ADDR + p for p in ("ADDRESS1", "ADDRESS2", "ADDRESS3", "CITY", "STATE", "ZIP", "COUNTRY", "COUNTRYCODE")),
    "STATUS",
    "SFDC_ACCOUNT_ID",
    "WHENMODIFIED",
)
ITEM_FIELDS = (
    "RECORDNO",
    "ITEMID",
    "NAME",
    "EXTENDED_DESCRIPTION",
    "STATUS",
    "BASEPRICE",
    "SFDC_PRODUCT_ID",
    "WHENMODIFIED",
)
SODOCUMENT_FIELDS = (
    "RECORDNO",
    "DOCID",
    "DOCPARID",
    "CUSTVENDID",
    "WHENCREATED",
    "PONUMBER",
    "STATE",
    "TOTAL",
    "MESSAGE",
    "CREATEDFROM",
    "PRRECORDKEY",
    "WHENMODIFIED",
)
SODOCUMENTENTRY_FIELDS = ("RECORDNO", "DOCHDRID", "LINE_NO", "ITEMID", "QUANTITY", "PRICE", "MEMO")
ARINVOICE_FIELDS = (
    "RECORDNO",
    "RECORDID",
    "CUSTOMERID",
    "CUSTOMERNAME",
    "STATE",
    "WHENCREATED",
    "WHENDUE",
    "WHENPAID",
    "TOTALENTERED",
    "TOTALPAID",
    "TOTALDUE",
    "TRX_TOTALENTERED",
    "TRX_TOTALPAID",
    "TRX_TOTALDUE",
    "CURRENCY",
    "BASECURR",
    "WHENMODIFIED",
)
ARPYMT_FIELDS = (
    "RECORDNO",
    "CUSTOMERID",
    "STATE",
    "PAYMENTMETHOD",
    "RECEIPTDATE",
    "PAYMENTDATE",
    "TOTALENTERED",
    "TRX_TOTALENTERED",
    "CURRENCY",
    "WHENMODIFIED",
)
ARPYMTDETAIL_FIELDS = (
    "RECORDNO",
    "PAYMENTKEY",
    "RECORDKEY",
    "PAYMENTAMOUNT",
    "TRX_PAYMENTAMOUNT",
    "PAYMENTDATE",
)
MAX_ADDRESS_LINES = 3


def field(row: dict[str, Any], path: str) -> str:
    """A field by dotted path, from a flat ``query`` row or a nested ``read`` row."""
    if path in row:
        return text(row[path])
    cur: Any = row
    for part in path.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return ""
        cur = cur[part]
    return text(cur) if not isinstance(cur, dict) else ""


def _prune(value: dict[str, Any]) -> dict[str, Any]:
    """Drop empty leaves and then empty groups (a create leaves unknown values out)."""
    out: dict[str, Any] = {}
    for key, item in value.items():
        if isinstance(item, dict):
            item = _prune(item)
            if item:
                out[key] = item
        elif item not in (None, ""):
            out[key] = item
    return out


# ----------------------------------------------------------------------------- CUSTOMER
def customer_from_row(row: dict[str, Any], zone: ZoneInfo) -> Customer:
    lines = tuple(v for v in (field(row, _ADDR + f"ADDRESS{i}") for i in (1, 2, 3)) if v)
    return Customer(
        system=System.INTACCT,
        key=field(row, "CUSTOMERID"),
        name=field(row, "NAME"),
        phone=field(row, "DISPLAYCONTACT.PHONE1"),
        website=field(row, "DISPLAYCONTACT.URL1"),
        email=field(row, "DISPLAYCONTACT.EMAIL1"),
        address=Address(
            lines=lines,
            city=field(row, _ADDR + "CITY"),
            state=field(row, _ADDR + "STATE"),
            postal_code=field(row, _ADDR + "ZIP"),
            country=field(row, _ADDR + "COUNTRY"),
            country_code=field(row, _ADDR + "COUNTRYCODE"),
        ),
        active=field(row, "STATUS").lower() != "inactive",
        cross_ref=field(row, "SFDC_ACCOUNT_ID"),
        record_no=field(row, "RECORDNO"),
        modified_at=ia_timestamp(field(row, "WHENMODIFIED"), zone),
    )


def _address_lines(lines: tuple[str, ...]) -> list[str]:
    """Intacct has three street lines: any beyond the third are joined onto it."""
    out = list(lines[: MAX_ADDRESS_LINES - 1])
    rest = lines[MAX_ADDRESS_LINES - 1 :]
    if rest:
        out.append(", ".join(rest))
    return out + [""] * (MAX_ADDRESS_LINES - len(out))


def customer_fields(customer: Customer, *, for_update: bool = False) -> dict[str, Any]:
    """The nested ``<CUSTOMER>`` of a create (empty values left out) or an update (sent, to clear)."""
    addr = customer.address
    street = _address_lines(addr.lines)
    body: dict[str, Any] = {
        "CUSTOMERID": customer.key,
        "NAME": customer.name,
        "DISPLAYCONTACT": {
            "PRINTAS": customer.name,
            "PHONE1": customer.phone,
            "EMAIL1": customer.email,
            "URL1": customer.website,
            "MAILADDRESS": {
                "ADDRESS1": street[0],
                "ADDRESS2": street[1],
                "ADDRESS3": street[2],
                "CITY": addr.city,
                "STATE": addr.state,
                "ZIP": addr.postal_code,
                "COUNTRY": addr.country,
                "COUNTRYCODE": addr.country_code,
            },
        },
        "STATUS": "active" if customer.active else "inactive",
        "SFDC_ACCOUNT_ID": customer.cross_ref,
    }
    return body if for_update else _prune(body)


# --------------------------------------------------------------------------------- ITEM
def product_from_item(row: dict[str, Any], zone: ZoneInfo) -> Product:
    return Product(
        system=System.INTACCT,
        key=field(row, "ITEMID"),
        name=field(row, "NAME"),
        code=field(row, "ITEMID"),
        description=field(row, "EXTENDED_DESCRIPTION"),
        active=field(row, "STATUS").lower() != "inactive",
        price=money(field(row, "BASEPRICE")),
        cross_ref=field(row, "SFDC_PRODUCT_ID"),
        record_no=field(row, "RECORDNO"),
        modified_at=ia_timestamp(field(row, "WHENMODIFIED"), zone),
    )


def item_fields(product: Product, *, for_update: bool = False, item_type: str = "Non-Inventory") -> dict[str, Any]:
    """The ``<ITEM>`` of a create (with ITEMTYPE, required there) or an update (type is fixed)."""
    body: dict[str, Any] = {
        "ITEMID": product.key,
        "NAME": product.name,
        "STATUS": "active" if product.active else "inactive",
        "EXTENDED_DESCRIPTION": product.description,
        "BASEPRICE": decimal_text(product.price),
        "SFDC_PRODUCT_ID": product.cross_ref,
    }
    if for_update:
        if product.price is None:
            del body["BASEPRICE"]
        return body
    return _prune({**body, "ITEMTYPE": item_type})


# --------------------------------------------------------------------------- SODOCUMENT
def order_line_from_row(row: dict[str, Any]) -> SalesOrderLine:
    return SalesOrderLine(
        item_id=field(row, "ITEMID"),
        quantity=money0(field(row, "QUANTITY")),
        price=money0(field(row, "PRICE")),
        memo=field(row, "MEMO"),
    )


def document_entries(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The lines a ``read`` of a whole SODOCUMENT carries: ``SODOCUMENTENTRIES`` holding one or
    more lower-case ``sodocumententry`` elements (one becomes a dict, several a list)."""
    owned = row.get("SODOCUMENTENTRIES")
    got = owned.get("sodocumententry", []) if isinstance(owned, dict) else []
    return [got] if isinstance(got, dict) else [g for g in got if isinstance(g, dict)]


def sales_order_from_row(row: dict[str, Any], zone: ZoneInfo, lines: Iterable[dict[str, Any]] = ()) -> SalesOrder:
    """A SODOCUMENT with its SODOCUMENTENTRY rows (``LINE_NO`` order): the rows given (from a
    query of SODOCUMENTENTRY) or else the ones nested in a ``read`` row."""
    day = ia_date(field(row, "WHENCREATED"))
    if day is None:
        raise ValueError(f"SODOCUMENT {field(row, 'DOCID')} has no WHENCREATED")
    ordered = sorted(list(lines) or document_entries(row), key=lambda r: int(field(r, "LINE_NO") or 0))
    return SalesOrder(
        doc_id=field(row, "DOCID"),
        transaction_type=field(row, "DOCPARID"),
        customer_id=field(row, "CUSTVENDID"),
        order_date=day,
        reference_no=field(row, "PONUMBER"),
        record_no=field(row, "RECORDNO"),
        state=field(row, "STATE"),
        total=money(field(row, "TOTAL")),
        memo=field(row, "MESSAGE"),
        created_from=field(row, "CREATEDFROM"),
        lines=tuple(order_line_from_row(r) for r in ordered),
        modified_at=ia_timestamp(field(row, "WHENMODIFIED"), zone),
    )


# ---------------------------------------------------------------------------- ARINVOICE
def _trx(row: dict[str, Any], name: str) -> Decimal:
    """The transaction-currency amount ``TRX_<name>``; the base ``<name>`` where a row lacks it."""
    amount = money(field(row, f"TRX_{name}"))
    return amount if amount is not None else money0(field(row, name))


def invoice_from_row(row: dict[str, Any], zone: ZoneInfo, sales_order_id: str = "") -> Invoice:
    """An AR invoice; ``sales_order_id`` is the DOCID of the SODOCUMENT whose PRRECORDKEY is it.

    Why TRX_: ``TOTALENTERED``/``TOTALPAID``/``TOTALDUE`` are in the company's base currency
    (BASECURR), ``TRX_*`` in the invoice's own (CURRENCY); the invoice is shown in its own
    currency, its base amount due kept for the customer's balance.
    """
    return Invoice(
        number=field(row, "RECORDID"),
        customer_id=field(row, "CUSTOMERID"),
        state=field(row, "STATE"),
        invoice_date=ia_date(field(row, "WHENCREATED")),
        due_date=ia_date(field(row, "WHENDUE")),
        total=_trx(row, "TOTALENTERED"),
        paid=_trx(row, "TOTALPAID"),
        due=_trx(row, "TOTALDUE"),
        currency=field(row, "CURRENCY"),
        base_due=money(field(row, "TOTALDUE")),
        base_currency=field(row, "BASECURR"),
        paid_date=ia_date(field(row, "WHENPAID")),
        sales_order_id=sales_order_id,
        record_no=field(row, "RECORDNO"),
        deleted=field(row, "STATE").lower() == "reversed",
        modified_at=ia_timestamp(field(row, "WHENMODIFIED"), zone),
        customer_name=field(row, "CUSTOMERNAME"),
    )


# ------------------------------------------------------------------------------- ARPYMT
def application_from_row(row: dict[str, Any]) -> PaymentApplication:
    """One ARPYMTDETAIL: TRX_PAYMENTAMOUNT is in the payment's currency, PAYMENTAMOUNT in base."""
    return PaymentApplication(
        invoice_record_no=field(row, "RECORDKEY"),
        amount=_trx(row, "PAYMENTAMOUNT"),
        applied_date=ia_date(field(row, "PAYMENTDATE")),
    )


def applications_from_rows(details: Iterable[dict[str, Any]]) -> tuple[PaymentApplication, ...]:
    """One application per invoice, its ARPYMTDETAIL amounts summed.

    Why: Intacct keeps a detail row per invoice LINE a payment touched (ENTRYKEY), so a payment of a
    two-line invoice has two rows with the same RECORDKEY. A row read twice (same RECORDNO, from
    overlapping reads) counts once. Invoices keep the order of their first row.
    """
    seen: set[str] = set()
    total: dict[str, PaymentApplication] = {}
    for d in details:
        key = field(d, "RECORDNO")
        if key and key in seen:
            continue
        seen.add(key)
        app = application_from_row(d)
        had = total.get(app.invoice_record_no)
        if had is not None:
            dates = [x for x in (had.applied_date, app.applied_date) if x is not None]
            app = PaymentApplication(app.invoice_record_no, had.amount + app.amount, "", max(dates, default=None))
        total[app.invoice_record_no] = app
    return tuple(total.values())


def payment_from_row(row: dict[str, Any], zone: ZoneInfo, details: Iterable[dict[str, Any]] = ()) -> Payment:
    return Payment(
        record_no=field(row, "RECORDNO"),
        customer_id=field(row, "CUSTOMERID"),
        amount=_trx(row, "TOTALENTERED"),
        currency=field(row, "CURRENCY"),
        payment_date=ia_date(field(row, "PAYMENTDATE") or field(row, "RECEIPTDATE")),
        method=field(row, "PAYMENTMETHOD"),
        state=field(row, "STATE"),
        applications=applications_from_rows(details),
        modified_at=ia_timestamp(field(row, "WHENMODIFIED"), zone),
    )
