"""Payments as they were applied, and the customer's balance on the Account (both emulators, real HTTP).

A payment spread over two invoices shows against each with its applied amount; an unapplied part
shows as unapplied; the Account's roll-ups match the invoices after each step, and ride on the
writes the cycle makes anyway (no Salesforce API call more).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from sfintacct_desktop.wire.intacct import Filter, create
from sfintacct_desktop.wire.intacct import functions as fx
from sfintacct_desktop.wire.intacct.functions import Function, new_controlid
from tests.support.orders_env import invoice_order, invoice_record, make_deal, orders_for, sf_invoices
from tests.support.sync_env import SyncEnv, assert_quiet, make_env, ok

APP_FIELDS = (
    "Id, Intacct_Record_No__c, Payment_Record_No__c, Account__c, Invoice__c, Amount__c, Applied_Amount__c, "
    "Payment_Amount__c, Unapplied__c, Currency__c, Applied_Date__c, State__c"
)
ROLLUP_FIELDS = (
    "Intacct_Open_Balance__c, Intacct_Overdue_Amount__c, Intacct_Oldest_Overdue_Days__c, "
    "Intacct_Last_Payment_Date__c, Intacct_Balance_Currency__c, Intacct_Balance_As_Of__c"
)


@pytest.fixture()
def env(tmp_path: Path, state_target: Path | str) -> Iterator[SyncEnv]:
    """Each scenario runs on both state backends: a SQLite file and a PostgreSQL database."""
    yield from make_env(tmp_path, state_target)


def money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def applications(env: SyncEnv) -> list[dict[str, Any]]:
    return env.sf.query_all(f"SELECT {APP_FIELDS} FROM Intacct_Payment__c ORDER BY Intacct_Record_No__c")


def account(env: SyncEnv, account_id: str) -> dict[str, Any]:
    return env.sf.query_all(f"SELECT Id, {ROLLUP_FIELDS} FROM Account WHERE Id = '{account_id}'")[0]


def pay_many(env: SyncEnv, customer_id: str, parts: list[tuple[str, str]]) -> str:
    """One ARPYMT applied to several invoices: (invoice RECORDNO, amount) each."""
    details = [{"RECORDKEY": rec, "TRX_PAYMENTAMOUNT": amount} for rec, amount in parts]
    body = {
        "FINANCIALENTITY": "BOA",
        "PAYMENTMETHOD": "Check",
        "CUSTOMERID": customer_id,
        "RECEIPTDATE": "04/02/2026",
        "ARPYMTDETAILS": {"ARPYMTDETAIL": details},
    }
    res = env.user_ia.client.call([create("ARPYMT", body)])[0]
    assert res.ok, res.errors
    return str(res.records[0]["RECORDNO"])


def legacy_payment(env: SyncEnv, customer_id: str, amount: str, items: list[tuple[str, str]] = ()) -> str:
    """``create_arpayment`` as the SDKs write it: ``paymentamount`` beyond its items stays unapplied."""
    el = etree.Element("create_arpayment")
    for tag, value in (("customerid", customer_id), ("paymentamount", amount), ("bankaccountid", "BOA")):
        etree.SubElement(el, tag).text = value
    received = etree.SubElement(el, "datereceived")
    for tag, value in (("year", "2026"), ("month", "04"), ("day", "03")):
        etree.SubElement(received, tag).text = value
    etree.SubElement(el, "paymentmethod").text = "Printed Check"
    for invoice_key, part in items:
        item = etree.SubElement(el, "arpaymentitem")
        etree.SubElement(item, "invoicekey").text = invoice_key
        etree.SubElement(item, "amount").text = part
    res = env.user_ia.client.call([Function(el, new_controlid())])[0]
    assert res.ok, res.errors
    return str(res.key)


def two_invoices(env: SyncEnv, tag: str) -> tuple[Any, list[dict[str, Any]]]:
    """One deal, its order converted into two Sales Invoices (one per line), synced."""
    deal = make_deal(env, tag, [("100.00", 2, None), ("50.00", 1, None)], stage="Closed Won")
    ok(env)
    docid = orders_for(env, deal.opp_id)[0]["DOCID"]
    docs = [
        invoice_order(env, docid, [(f"{tag}-P1", "2")], f"{tag}-A", date(2026, 3, 20)),
        invoice_order(env, docid, [(f"{tag}-P2", "1")], f"{tag}-A", date(2026, 3, 25)),
    ]
    return deal, docs


def expected_rollup(env: SyncEnv, customer_id: str, today: date) -> dict[str, Any]:
    """The customer's balance computed from Intacct's own invoices (base-currency TOTALDUE)."""
    fields = ["RECORDNO", "TOTALDUE", "WHENDUE", "BASECURR"]
    rows = env.user_ia.client.call([fx.query("ARINVOICE", fields, Filter.equalto("CUSTOMERID", customer_id))])[0]
    open_rows = [r for r in rows.records if money(r["TOTALDUE"]) > 0]
    dues = [datetime.strptime(r["WHENDUE"], "%m/%d/%Y").date() for r in open_rows]
    overdue = [(r, d) for r, d in zip(open_rows, dues, strict=True) if d < today]
    return {
        "Intacct_Open_Balance__c": sum((money(r["TOTALDUE"]) for r in open_rows), Decimal("0.00")),
        "Intacct_Overdue_Amount__c": sum((money(r["TOTALDUE"]) for r, _ in overdue), Decimal("0.00")),
        "Intacct_Oldest_Overdue_Days__c": max(((today - d).days for _, d in overdue), default=None),
        "Intacct_Balance_Currency__c": rows.records[0]["BASECURR"],
    }


def assert_rollup(env: SyncEnv, deal: Any, customer_id: str, last_payment: str | None) -> None:
    acc = account(env, deal.account_id)
    today = date.fromisoformat(acc["Intacct_Balance_As_Of__c"])
    assert today == date.today()  # the run's date
    want = expected_rollup(env, customer_id, today)
    days = acc["Intacct_Oldest_Overdue_Days__c"]
    got = {
        "Intacct_Open_Balance__c": money(acc["Intacct_Open_Balance__c"]),
        "Intacct_Overdue_Amount__c": money(acc["Intacct_Overdue_Amount__c"]),
        "Intacct_Oldest_Overdue_Days__c": int(days) if days is not None else None,
        "Intacct_Balance_Currency__c": acc["Intacct_Balance_Currency__c"],
    }
    assert got == want
    assert acc["Intacct_Last_Payment_Date__c"] == last_payment


def test_a_payment_over_two_invoices_shows_against_each_with_its_applied_amount(env: SyncEnv) -> None:
    deal, docs = two_invoices(env, "SPR")
    ok(env)
    first, second = (invoice_record(env, d) for d in docs)
    payment = pay_many(env, "SPR-A", [(first["RECORDNO"], "200.00"), (second["RECORDNO"], "20.00")])
    ok(env)
    invoices = {i["Invoice_Number__c"]: i for i in sf_invoices(env)}
    apps = applications(env)
    assert [a["Intacct_Record_No__c"] for a in apps] == [
        f"{payment}-{first['RECORDID']}",
        f"{payment}-{second['RECORDID']}",
    ]
    by_invoice = {a["Invoice__c"]: a for a in apps}
    assert set(by_invoice) == {invoices[first["RECORDID"]]["Id"], invoices[second["RECORDID"]]["Id"]}
    for number, applied in ((first["RECORDID"], "200.00"), (second["RECORDID"], "20.00")):
        inv = invoices[number]
        app = by_invoice[inv["Id"]]
        assert money(app["Applied_Amount__c"]) == money(app["Amount__c"]) == Decimal(applied)
        assert money(app["Amount__c"]) == money(inv["Amount_Paid__c"])  # an invoice's payments add up to its paid
        assert money(app["Payment_Amount__c"]) == Decimal("220.00") and app["Unapplied__c"] is False
        assert app["Payment_Record_No__c"] == payment and app["Account__c"] == deal.account_id
        assert app["Currency__c"] == "USD" and app["Applied_Date__c"] == "2026-04-02"
    with env.store.read() as r:
        per_invoice = r.cache.applications(invoice_number=second["RECORDID"])
        per_payment = r.cache.applications(payment_record_no=payment)
    assert [(p.record_no, a.amount) for p, a in per_invoice] == [(payment, Decimal("20.00"))]
    assert sorted(a.invoice_number for _, a in per_payment) == sorted([first["RECORDID"], second["RECORDID"]])
    assert_quiet(env)


def test_an_unapplied_payment_shows_as_unapplied(env: SyncEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    deal, docs = two_invoices(env, "UNA")
    ok(env)
    whole = legacy_payment(env, "UNA-A", "75.00")
    first = invoice_record(env, docs[0])
    part = legacy_payment(env, "UNA-A", "130.00", [(first["RECORDNO"], "100.00")])
    ok(env)
    apps = {a["Intacct_Record_No__c"]: a for a in applications(env)}
    assert set(apps) == {f"{whole}-UNAPPLIED", f"{part}-{first['RECORDID']}", f"{part}-UNAPPLIED"}
    alone = apps[f"{whole}-UNAPPLIED"]
    assert alone["Unapplied__c"] is True and alone["Invoice__c"] is None and alone["Account__c"] == deal.account_id
    assert money(alone["Amount__c"]) == Decimal("75.00") and money(alone["Applied_Amount__c"]) == 0
    rest = apps[f"{part}-UNAPPLIED"]
    assert rest["Unapplied__c"] is True and money(rest["Amount__c"]) == Decimal("30.00")
    applied = apps[f"{part}-{first['RECORDID']}"]
    assert applied["Unapplied__c"] is False and money(applied["Applied_Amount__c"]) == Decimal("100.00")
    assert money(applied["Payment_Amount__c"]) == money(rest["Payment_Amount__c"]) == Decimal("130.00")
    assert_quiet(env)
    # the same from the local copy, as the customer page reads it (no API call)
    from sfintacct_desktop.app import invoices_service
    from sfintacct_desktop.store import StateStore

    monkeypatch.setattr(invoices_service.sync_service, "open_state_store", lambda _p: StateStore.open(env.db_path))
    rows = invoices_service.payment_applications("test", customer_id="UNA-A")
    got = sorted((r["payment"], r["invoice_number"] or "", r["applied"]) for r in rows)
    assert got == sorted([(whole, "", "75.00"), (part, first["RECORDID"], "100.00"), (part, "", "30.00")])
    on_invoice = invoices_service.payment_applications("test", invoice_number=first["RECORDID"])
    assert [(r["payment"], r["applied"], r["currency"]) for r in on_invoice] == [(part, "100.00", "USD")]


def test_account_rollups_follow_invoice_partial_and_full_payment_at_no_extra_call(env: SyncEnv) -> None:
    deal = make_deal(env, "RUP", [("100.00", 2, None), ("50.00", 1, None)], stage="Closed Won")
    ok(env)
    docid = orders_for(env, deal.opp_id)[0]["DOCID"]
    doc = invoice_order(env, docid, [("RUP-P1", "2"), ("RUP-P2", "1")], "RUP-A", date(2026, 3, 20))
    ok(env)
    assert_rollup(env, deal, "RUP-A", None)
    assert money(account(env, deal.account_id)["Intacct_Open_Balance__c"]) == Decimal("250.00")
    assert_quiet(env)  # the roll-up write is not read back as a customer change

    pay_many(env, "RUP-A", [(invoice_record(env, doc)["RECORDNO"], "100.00")])
    before = int(env.stats("salesforce")["api_calls"])
    ok(env)
    busy = int(env.stats("salesforce")["api_calls"]) - before
    assert_rollup(env, deal, "RUP-A", "2026-04-02")
    assert money(account(env, deal.account_id)["Intacct_Open_Balance__c"]) == Decimal("150.00")
    before = int(env.stats("salesforce")["api_calls"])
    assert_quiet(env)
    quiet = int(env.stats("salesforce")["api_calls"]) - before
    # the busy cycle wrote the invoice and the application: one call each, the Account rode along
    assert busy == quiet + 2

    pay_many(env, "RUP-A", [(invoice_record(env, doc)["RECORDNO"], "150.00")])
    ok(env)
    assert_rollup(env, deal, "RUP-A", "2026-04-02")
    acc = account(env, deal.account_id)
    assert money(acc["Intacct_Open_Balance__c"]) == 0 and money(acc["Intacct_Overdue_Amount__c"]) == 0
    assert acc["Intacct_Oldest_Overdue_Days__c"] is None
    assert_quiet(env)


def test_a_whole_payment_record_of_an_earlier_version_becomes_its_first_application(env: SyncEnv) -> None:
    """Before applications, a payment was one record keyed by its bare RECORDNO with its whole
    amount: that record is taken over (same Id), never left beside the applications as a double."""
    deal, docs = two_invoices(env, "OLD")
    ok(env)
    first, second = (invoice_record(env, d) for d in docs)
    payment = pay_many(env, "OLD-A", [(first["RECORDNO"], "200.00"), (second["RECORDNO"], "50.00")])
    old = {
        "Name": f"Payment {payment}",
        "Intacct_Record_No__c": payment,
        "Amount__c": 250,
        "Account__c": deal.account_id,
    }
    res = env.sf.upsert_many("Intacct_Payment__c", "Intacct_Record_No__c", [old])[0]
    assert res.success
    with env.store.write() as tx:  # what the earlier version kept of what it wrote
        tx.meta.set(f"sf_payment:{payment}", {"id": res.id, "hash": "earlier"})
    ok(env)
    apps = applications(env)
    assert [a["Intacct_Record_No__c"] for a in apps] == [
        f"{payment}-{first['RECORDID']}",
        f"{payment}-{second['RECORDID']}",
    ]
    assert apps[0]["Id"] == res.id and money(apps[0]["Amount__c"]) == Decimal("200.00")
    assert sum(money(a["Amount__c"]) for a in apps) == Decimal("250.00")
    assert_quiet(env)


def test_a_multi_currency_org_gets_currency_iso_codes_on_invoices_and_payments(tmp_path: Path) -> None:
    """An org with multiple currencies shows CurrencyIsoCode in describe: the records carry the code."""
    gen = make_env(tmp_path, salesforce_options={"currencies": ["USD", "EUR"]})
    env = next(gen)
    try:
        fields = {f["name"] for f in env.sf.describe("Intacct_Payment__c")["fields"]}
        assert "CurrencyIsoCode" in fields
        _deal, docs = two_invoices(env, "CUR")
        ok(env)
        first = invoice_record(env, docs[0])
        payment = pay_many(env, "CUR-A", [(first["RECORDNO"], "10.00")])
        ok(env)
        invoices = env.sf.query_all("SELECT Invoice_Number__c, Currency__c, CurrencyIsoCode FROM Intacct_Invoice__c")
        assert invoices and all(i["CurrencyIsoCode"] == i["Currency__c"] == "USD" for i in invoices)
        apps = env.sf.query_all(
            f"SELECT CurrencyIsoCode, Currency__c FROM Intacct_Payment__c WHERE Payment_Record_No__c = '{payment}'"
        )
        assert apps == [{"attributes": apps[0]["attributes"], "CurrencyIsoCode": "USD", "Currency__c": "USD"}]
        assert_quiet(env)
    finally:
        gen.close()


def test_a_deleted_payment_leaves_its_applications_at_zero_never_deleted(env: SyncEnv) -> None:
    deal, docs = two_invoices(env, "REV")
    ok(env)
    first, second = (invoice_record(env, d) for d in docs)
    payment = pay_many(env, "REV-A", [(first["RECORDNO"], "200.00"), (second["RECORDNO"], "50.00")])
    ok(env)
    assert money(account(env, deal.account_id)["Intacct_Open_Balance__c"]) == 0
    res = env.user_ia.client.call([fx.delete("ARPYMT", [payment])])[0]
    assert res.ok, res.errors
    ok(env)
    apps = applications(env)
    assert len(apps) == 2 and all(money(a["Amount__c"]) == 0 and a["State__c"] == "Reversed" for a in apps)
    assert {money(i["Amount_Paid__c"]) for i in sf_invoices(env)} == {Decimal("0.00")}
    acc = account(env, deal.account_id)
    assert money(acc["Intacct_Open_Balance__c"]) == Decimal("250.00") and acc["Intacct_Last_Payment_Date__c"] is None
    with env.store.read() as r:
        assert r.cache.applications(payment_record_no=payment) == []
    assert_quiet(env)


def test_an_org_without_the_new_fields_still_gets_each_application(tmp_path: Path) -> None:
    """Before an admin deploys this version's metadata, what the org lacks is left out, not refused."""
    missing = [f"Intacct_Payment__c.{n}" for n in ("Applied_Amount__c", "Payment_Amount__c", "Unapplied__c")]
    missing += [f"Account.{n}" for n in ("Intacct_Open_Balance__c", "Intacct_Balance_As_Of__c")]
    gen = make_env(tmp_path, salesforce_options={"omit_fields": missing})
    env = next(gen)
    try:
        deal, docs = two_invoices(env, "OMT")
        ok(env)
        first, second = (invoice_record(env, d) for d in docs)
        payment = pay_many(env, "OMT-A", [(first["RECORDNO"], "200.00"), (second["RECORDNO"], "20.00")])
        ok(env)
        apps = applications(env)
        assert [money(a["Amount__c"]) for a in apps] == [Decimal("200.00"), Decimal("20.00")]
        assert all(a["Applied_Amount__c"] is None and a["Payment_Record_No__c"] == payment for a in apps)
        acc = account(env, deal.account_id)
        assert acc["Intacct_Open_Balance__c"] is None and acc["Intacct_Balance_As_Of__c"] is None
        assert money(acc["Intacct_Overdue_Amount__c"]) == Decimal("30.00")  # what the org has is kept current
        with env.store.read() as r:
            assert r.inbox.count_open() == 0
        assert_quiet(env)
    finally:
        gen.close()
