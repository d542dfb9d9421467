"""Payment applications, currencies and the Account roll-up, as pure mapping (no I/O)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from sfintacct_desktop.connectors import ia_mapping as iam
from sfintacct_desktop.connectors import sf_mapping as sfm
from sfintacct_desktop.domain import Invoice, Payment, PaymentApplication
from sfintacct_desktop.engine.invoices import rollup

UTC = ZoneInfo("UTC")


def test_invoice_amounts_are_the_transaction_ones_and_the_base_due_is_kept() -> None:
    row = {
        "RECORDNO": "7",
        "RECORDID": "INV-7",
        "CUSTOMERID": "C-1",
        "STATE": "Partially Paid",
        "TOTALENTERED": "110.00",
        "TOTALPAID": "11.00",
        "TOTALDUE": "99.00",
        "TRX_TOTALENTERED": "100.00",
        "TRX_TOTALPAID": "10.00",
        "TRX_TOTALDUE": "90.00",
        "CURRENCY": "EUR",
        "BASECURR": "USD",
    }
    inv = iam.invoice_from_row(row, UTC)
    assert (inv.total, inv.paid, inv.due, inv.currency) == (
        Decimal("100.00"),
        Decimal("10.00"),
        Decimal("90.00"),
        "EUR",
    )
    assert (inv.base_due, inv.base_currency, inv.due_in_base) == (Decimal("99.00"), "USD", Decimal("99.00"))
    plain = iam.invoice_from_row({k: v for k, v in row.items() if not k.startswith("TRX_")}, UTC)
    assert plain.total == Decimal("110.00")  # a row without TRX_ falls back to the base amounts


def test_details_sum_per_invoice_in_the_payment_currency_with_their_latest_date() -> None:
    details = [
        {
            "RECORDNO": "1",
            "RECORDKEY": "7",
            "PAYMENTAMOUNT": "22",
            "TRX_PAYMENTAMOUNT": "20",
            "PAYMENTDATE": "04/01/2026",
        },
        {
            "RECORDNO": "2",
            "RECORDKEY": "7",
            "PAYMENTAMOUNT": "11",
            "TRX_PAYMENTAMOUNT": "10",
            "PAYMENTDATE": "04/03/2026",
        },
        {
            "RECORDNO": "2",
            "RECORDKEY": "7",
            "PAYMENTAMOUNT": "11",
            "TRX_PAYMENTAMOUNT": "10",
            "PAYMENTDATE": "04/03/2026",
        },
        {
            "RECORDNO": "3",
            "RECORDKEY": "8",
            "PAYMENTAMOUNT": "5.5",
            "TRX_PAYMENTAMOUNT": "5",
            "PAYMENTDATE": "04/01/2026",
        },
    ]
    pay = iam.payment_from_row(
        {"RECORDNO": "9", "CUSTOMERID": "C-1", "TRX_TOTALENTERED": "50", "TOTALENTERED": "55", "CURRENCY": "EUR"},
        UTC,
        details,
    )
    assert pay.currency == "EUR" and pay.amount == Decimal("50")
    assert [(a.invoice_record_no, a.amount, a.applied_date) for a in pay.applications] == [
        ("7", Decimal("30"), date(2026, 4, 3)),
        ("8", Decimal("5"), date(2026, 4, 1)),
    ]
    assert pay.unapplied == Decimal("15")


def test_one_record_per_application_and_one_for_the_unapplied_part() -> None:
    app = PaymentApplication("7", Decimal("30"), "INV-7", date(2026, 4, 3))
    pay = Payment("9", "C-1", Decimal("50"), date(2026, 4, 1), method="Check", applications=(app,), currency="EUR")
    applied = sfm.application_fields(pay, app, account_id="001A", invoice_id="a0X1", currency_iso=True)
    assert applied["Intacct_Record_No__c"] == "9-INV-7" and applied["Invoice__c"] == "a0X1"
    assert applied["Amount__c"] == applied["Applied_Amount__c"] == Decimal("30") and applied["Unapplied__c"] is False
    assert applied["Payment_Amount__c"] == Decimal("50") and applied["Applied_Date__c"] == "2026-04-03"
    assert applied["Currency__c"] == applied["CurrencyIsoCode"] == "EUR"
    rest = sfm.application_fields(pay, None, account_id="001A")
    assert rest["Intacct_Record_No__c"] == "9-UNAPPLIED" and rest["Invoice__c"] is None
    assert rest["Amount__c"] == Decimal("20") and rest["Applied_Amount__c"] == 0 and rest["Unapplied__c"] is True
    assert "CurrencyIsoCode" not in rest  # a single-currency org has no such field


def test_a_long_invoice_number_gets_a_stable_digest_within_the_key_length() -> None:
    long_number = "Sales Invoice-INV-2026-000000012345"
    key = sfm.application_key("123456", long_number)
    assert len(key) <= 30 and key.startswith("123456-#") and key == sfm.application_key("123456", long_number)
    assert key != sfm.application_key("123456", long_number + "6")


def test_rollup_counts_base_amounts_overdue_days_and_the_last_payment() -> None:
    today = date(2026, 5, 1)

    def inv(number: str, due: str, base_due: str, due_date: date, deleted: bool = False) -> Invoice:
        return Invoice(
            number, "C-1", "Posted", date(2026, 3, 1), due_date, Decimal(due), Decimal(0), Decimal(due),
            currency="EUR", base_due=Decimal(base_due), base_currency="USD", deleted=deleted,
        )  # fmt: skip

    invoices = [
        inv("A", "100", "110", date(2026, 4, 1)),  # 30 days overdue
        inv("B", "50", "55", date(2026, 4, 21)),  # 10 days overdue
        inv("C", "20", "22", date(2026, 5, 20)),  # not due yet
        inv("D", "999", "999", date(2026, 1, 1), deleted=True),
    ]
    payments = [
        Payment("1", "C-1", Decimal(5), date(2026, 4, 10)),
        Payment("2", "C-1", Decimal(5), date(2026, 4, 20), state="Voided"),
    ]
    roll = rollup(invoices, today, payments)
    assert roll["open_balance"] == "187.00" and roll["overdue"] == "165.00" and roll["open_invoices"] == 3
    assert roll["oldest_overdue_days"] == 30 and roll["last_payment_date"] == "2026-04-10"
    assert roll["currency"] == "USD" and roll["as_of"] == "2026-05-01"
    fields = sfm.rollup_fields(roll)
    assert fields["Intacct_Open_Balance__c"] == Decimal("187.00") and fields["Intacct_Oldest_Overdue_Days__c"] == 30
    assert sfm.rollup_fields(rollup([], today))["Intacct_Oldest_Overdue_Days__c"] is None
