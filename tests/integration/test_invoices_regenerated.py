"""An invoice updated in Intacct (new ARINVOICE RECORDNO) stays ONE record on the same Opportunity."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lxml import etree

from sfintacct_desktop.wire.intacct.functions import Function, new_controlid
from tests.support.orders_env import invoice_order, invoice_record, make_deal, orders_for, pay, sf_invoices, sf_payments
from tests.support.sync_env import SyncEnv, assert_quiet, ok


def money(row: dict, field: str) -> Decimal:
    return Decimal(str(row[field])).quantize(Decimal("0.01"))


def update_line(env: SyncEnv, docid: str, line_num: int, quantity: str) -> None:
    """``update_sotransaction`` as a user editing the posted invoice in Intacct."""
    el = etree.Element("update_sotransaction", key=docid)
    items = etree.SubElement(el, "updatesotransitems")
    line = etree.SubElement(items, "updatesotransitem", line_num=str(line_num))
    etree.SubElement(line, "quantity").text = quantity
    res = env.user_ia.client.call([Function(el, new_controlid())], uniqueid=True)[0]
    assert res.ok, res.errors


def test_updated_invoice_keeps_one_record_its_links_and_payments(env: SyncEnv) -> None:
    deal = make_deal(env, "REG", [("100.00", 3, None), ("50.00", 1, None)], stage="Closed Won")
    ok(env)
    docid = orders_for(env, deal.opp_id)[0]["DOCID"]
    inv_doc = invoice_order(env, docid, [("REG-P1", "3"), ("REG-P2", "1")], "REG-A", date(2026, 3, 20))
    ok(env)
    [inv] = sf_invoices(env)
    assert (inv["Account__c"], inv["Opportunity__c"], money(inv, "Total_Amount__c")) == (
        deal.account_id,
        deal.opp_id,
        Decimal("350.00"),
    )
    old_no = invoice_record(env, inv_doc)["RECORDNO"]
    pay(env, "REG-A", old_no, "100.00")
    ok(env)
    [inv] = sf_invoices(env)
    assert (money(inv, "Amount_Paid__c"), money(inv, "Amount_Due__c")) == (Decimal("100.00"), Decimal("250.00"))
    assert_quiet(env)

    update_line(env, inv_doc, 1, "2")  # 3 x 100 -> 2 x 100: total 250, Intacct reposts the AR invoice
    record = invoice_record(env, inv_doc)
    assert record["RECORDNO"] != old_no and record["RECORDID"] == inv["Invoice_Number__c"]
    ok(env)

    rows = sf_invoices(env)
    assert len(rows) == 1, rows
    [after] = rows
    assert after["Id"] == inv["Id"] and after["Invoice_Number__c"] == inv["Invoice_Number__c"]
    assert (after["Account__c"], after["Opportunity__c"]) == (deal.account_id, deal.opp_id)
    assert after["Sales_Order_ID__c"] == docid and after["Intacct_Deleted__c"] is False
    assert (money(after, "Total_Amount__c"), money(after, "Amount_Paid__c"), money(after, "Amount_Due__c")) == (
        Decimal("250.00"),
        Decimal("100.00"),
        Decimal("150.00"),
    )
    payments = sf_payments(env)
    assert len(payments) == 1 and payments[0]["Invoice__c"] == after["Id"]
    assert payments[0]["Account__c"] == deal.account_id and money(payments[0], "Amount__c") == Decimal("100.00")
    with env.store.read() as r:
        cached = r.cache.invoices(customer_id="REG-A", include_deleted=True)
        roll = r.meta.get("invoice_rollup")["REG-A"]
    assert [(c.number, c.deleted) for c in cached] == [(after["Invoice_Number__c"], False)]
    assert Decimal(roll["open_balance"]) == Decimal("150.00")
    assert_quiet(env)

    # a payment made after the update, against the new RECORDNO, lands on the same record
    pay(env, "REG-A", record["RECORDNO"], "150.00")
    ok(env)
    [final] = sf_invoices(env)
    assert final["Id"] == inv["Id"] and money(final, "Amount_Due__c") == Decimal("0.00")
    assert {p["Invoice__c"] for p in sf_payments(env)} == {inv["Id"]} and len(sf_payments(env)) == 2
    assert_quiet(env)
