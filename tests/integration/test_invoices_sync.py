"""Invoices and payments from Intacct onto the Account and Opportunity in Salesforce (real HTTP)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.support.orders_env import (
    delete_sotransaction,
    invoice_order,
    invoice_record,
    make_deal,
    orders_for,
    pay,
    sf_invoices,
    sf_payments,
)
from tests.support.sync_env import SyncEnv, assert_quiet, make_env, ok


@pytest.fixture()
def env(tmp_path: Path, state_target: Path | str) -> Iterator[SyncEnv]:
    """Each scenario runs on both state backends: a SQLite file and a PostgreSQL database."""
    yield from make_env(tmp_path, state_target)


def one_invoice(env: SyncEnv) -> dict:
    rows = sf_invoices(env)
    assert len(rows) == 1, rows
    return rows[0]


def money(row: dict, field: str) -> Decimal:
    return Decimal(str(row[field])).quantize(Decimal("0.01"))


def test_invoice_then_partial_then_full_payment_then_delete(env: SyncEnv) -> None:
    deal = make_deal(env, "INV", [("100.00", 2, None), ("50.00", 1, None)], stage="Closed Won")
    ok(env)
    docid = orders_for(env, deal.opp_id)[0]["DOCID"]
    inv_doc = invoice_order(env, docid, [("INV-P1", "2"), ("INV-P2", "1")], "INV-A", date(2026, 3, 20))
    ok(env)
    inv = one_invoice(env)
    assert inv["Account__c"] == deal.account_id and inv["Opportunity__c"] == deal.opp_id
    assert inv["Sales_Order_ID__c"] == docid and inv["Intacct_Deleted__c"] is False
    assert (money(inv, "Total_Amount__c"), money(inv, "Amount_Paid__c"), money(inv, "Amount_Due__c")) == (
        Decimal("250.00"),
        Decimal("0.00"),
        Decimal("250.00"),
    )
    with env.store.read() as r:
        cached = r.cache.invoices(customer_id="INV-A")
        roll = r.meta.get("invoice_rollup")["INV-A"]
    assert [c.number for c in cached] == [inv["Invoice_Number__c"]] and Decimal(roll["open_balance"]) == 250
    assert_quiet(env)

    record = invoice_record(env, inv_doc)
    pay(env, "INV-A", record["RECORDNO"], "100.00")
    ok(env)
    inv = one_invoice(env)
    assert (money(inv, "Amount_Paid__c"), money(inv, "Amount_Due__c")) == (Decimal("100.00"), Decimal("150.00"))
    assert inv["Status__c"] == invoice_record(env, inv_doc)["STATE"]
    payments = sf_payments(env)
    assert len(payments) == 1 and payments[0]["Invoice__c"] == inv["Id"]
    assert payments[0]["Account__c"] == deal.account_id
    assert money(payments[0], "Amount__c") == Decimal("100.00")
    assert_quiet(env)

    pay(env, "INV-A", invoice_record(env, inv_doc)["RECORDNO"], "150.00")
    ok(env)
    inv = one_invoice(env)
    assert (money(inv, "Amount_Paid__c"), money(inv, "Amount_Due__c")) == (Decimal("250.00"), Decimal("0.00"))
    assert inv["Status__c"] == invoice_record(env, inv_doc)["STATE"]
    assert len(sf_payments(env)) == 2
    with env.store.read() as r:
        assert Decimal(r.meta.get("invoice_rollup")["INV-A"]["open_balance"]) == 0
    assert_quiet(env)


def test_deleting_the_invoice_in_intacct_flags_it_never_deletes(env: SyncEnv) -> None:
    deal = make_deal(env, "DEL", [("40.00", 1, None)], stage="Closed Won")
    ok(env)
    docid = orders_for(env, deal.opp_id)[0]["DOCID"]
    inv_doc = invoice_order(env, docid, [("DEL-P1", "1")], "DEL-A", date(2026, 3, 21))
    ok(env)
    assert one_invoice(env)["Intacct_Deleted__c"] is False
    res = delete_sotransaction(env, inv_doc)
    assert res.ok, res.errors
    ok(env)
    inv = one_invoice(env)  # still there: a financial record is never deleted by the product
    assert inv["Intacct_Deleted__c"] is True and inv["Opportunity__c"] == deal.opp_id
    with env.store.read() as r:
        assert r.cache.invoices(customer_id="DEL-A") == []  # deleted ones are left out of the lookup
        assert len(r.cache.invoices(customer_id="DEL-A", include_deleted=True)) == 1
    assert_quiet(env)


def test_delete_sotransaction_is_refused_with_payments_applied(env: SyncEnv) -> None:
    deal = make_deal(env, "PAID", [("40.00", 1, None)], stage="Closed Won")
    ok(env)
    docid = orders_for(env, deal.opp_id)[0]["DOCID"]
    inv_doc = invoice_order(env, docid, [("PAID-P1", "1")], "PAID-A", date(2026, 3, 21))
    refused = delete_sotransaction(env, docid)
    assert not refused.ok and "converted" in refused.errors[0].description2
    pay(env, "PAID-A", invoice_record(env, inv_doc)["RECORDNO"], "10.00")
    refused = delete_sotransaction(env, inv_doc)
    assert not refused.ok and "payments" in refused.errors[0].description2


def test_a_payment_spread_over_two_invoice_lines_counts_once(env: SyncEnv) -> None:
    """Intacct keeps one ARPYMTDETAIL per invoice line a payment pays; the payment still reaches
    Salesforce once, with its own amount, applied once to its one invoice."""
    from sfintacct_desktop.domain import PaymentApplication
    from sfintacct_desktop.wire.intacct import Filter

    deal = make_deal(env, "TWO", [("100.00", 2, None), ("50.00", 1, None)], stage="Closed Won")
    ok(env)
    docid = orders_for(env, deal.opp_id)[0]["DOCID"]
    inv_doc = invoice_order(env, docid, [("TWO-P1", "2"), ("TWO-P2", "1")], "TWO-A", date(2026, 3, 22))
    record = invoice_record(env, inv_doc)
    payment = pay(env, "TWO-A", record["RECORDNO"], "250.00")
    flt = Filter.equalto("PAYMENTKEY", payment)
    pages = env.user_ia.client.query_pages("ARPYMTDETAIL", ["RECORDNO", "RECORDKEY", "ENTRYKEY"], flt)
    details = [d for page in pages for d in page]
    assert len(details) == 2 and len({d["ENTRYKEY"] for d in details}) == 2  # one row per invoice line
    ok(env)
    inv = one_invoice(env)
    assert (money(inv, "Amount_Paid__c"), money(inv, "Amount_Due__c")) == (Decimal("250.00"), Decimal("0.00"))
    payments = sf_payments(env)
    assert len(payments) == 1 and money(payments[0], "Amount__c") == Decimal("250.00")
    assert payments[0]["Invoice__c"] == inv["Id"]
    with env.store.read() as r:
        cached = r.cache.payment(payment)
        roll = r.meta.get("invoice_rollup")["TWO-A"]
    assert cached is not None
    number = inv["Invoice_Number__c"]
    assert cached.applications == (PaymentApplication(record["RECORDNO"], Decimal("250.00"), number, date(2026, 4, 1)),)
    assert Decimal(roll["open_balance"]) == 0
    assert_quiet(env)
