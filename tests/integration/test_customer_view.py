"""The customer page for sales over real HTTP: found as typed, its deals, orders, invoices, payments,
balance and aging after an invoice, a partial payment and the rest; the refresh's cost measured."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import requests

from sfintacct_desktop.app import customer_service
from sfintacct_desktop.app.customer_search import AmbiguousCustomer
from sfintacct_desktop.domain import SyncError
from tests.integration.test_cli_sync import Bench, bench, cli_json  # noqa: F401
from tests.support.orders_env import invoice_order, invoice_record, make_deal, orders_for, pay
from tests.support.sync_env import SyncEnv

WIDGETS = {"Name": "Acme Widgets, Inc.", "AccountNumber": "ACME-W", "BillingCity": "Springfield"}
HOLDINGS = {"Name": "Acme Holdings LLC", "AccountNumber": "ACME-H"}


def _stats(base: str) -> dict[str, Any]:
    return requests.get(f"{base}/__sandbox__/stats", timeout=10).json()


@pytest.fixture()
def home(bench: Bench, monkeypatch: pytest.MonkeyPatch) -> Bench:  # noqa: F811
    monkeypatch.setenv("SFINTACCT_HOME", str(bench.home))
    return bench


def test_customer_page_through_invoice_partial_payment_and_the_rest(home: Bench) -> None:
    b = home
    users = SyncEnv(None, None, None, None, b.sf, b.ia)  # type: ignore[arg-type]
    assert cli_json(b.home, "sync", "--once")["status"] == "ok"  # the live sync starts: the cut-over
    won = make_deal(users, "AW", [("100.00", 1, None), ("20.00", 2, None)], stage="Closed Won", account=WIDGETS)
    open_deal = b.sf.client.create_many(
        "Opportunity",
        [{"Name": "Widgets renewal 2027", "AccountId": won.account_id, "StageName": "Prospecting",
          "CloseDate": (date.today() + timedelta(days=60)).isoformat()}],
    )[0]  # fmt: skip
    assert open_deal.success
    b.create_account(**HOLDINGS)  # a second "Acme", never invoiced
    assert cli_json(b.home, "sync", "--once")["status"] == "ok"
    docid = orders_for(users, won.opp_id)[0]["DOCID"]
    inv_doc = invoice_order(users, docid, [("AW-P1", "1"), ("AW-P2", "2")], "ACME-W", date(2026, 3, 1))
    assert cli_json(b.home, "sync", "--once")["status"] == "ok"

    # found by a misspelt, wrongly cased name; by the invoice number; by the deal's name
    page = customer_service.open_page("sandbox", "ACME WIDGTS inc")
    assert page.customer_id == "ACME-W" and page.account_name == "Acme Widgets, Inc." and page.linked
    [inv] = page.invoices
    assert customer_service.open_page("sandbox", inv.number.lower()).customer_id == "ACME-W"
    assert customer_service.open_page("sandbox", "aw deal").customer_id == "ACME-W"  # the won deal's name
    with pytest.raises(AmbiguousCustomer) as several:
        customer_service.open_page("sandbox", "acme")
    assert {c["customer_id"] for c in several.value.candidates} == {"ACME-W", "ACME-H"}
    with pytest.raises(SyncError, match="No customer"):
        customer_service.open_page("sandbox", "initech")

    # the page from the cache: the won deal with its order and invoice, the balance and its aging
    [deal] = [d for d in page.deals if d.opportunity_id == won.opp_id]
    assert (deal.name, deal.status, deal.sales_order_id, deal.sync_status) == ("AW deal", "won", docid, "Synced")
    assert deal.invoices == (inv.number,) and deal.url.endswith(f"/lightning/r/Opportunity/{won.opp_id}/view")
    assert (inv.total, inv.due, inv.sales_order_id) == ("140.00", "140.00", docid)
    due = date.fromisoformat(inv.due_date or "")
    assert inv.status == "overdue" and inv.days_overdue == (date.today() - due).days > 0
    assert page.open_balance == "140.00" and page.overdue == "140.00"
    assert sum(Decimal(v) for v in page.aging.values()) == Decimal("140.00")
    assert page.aging[_bucket(inv.days_overdue)] == "140.00"
    assert page.payments == ()
    city = {f.name: f for f in page.fields}["address.city"]
    assert (city.salesforce, city.intacct, city.differs, city.owner) == ("Springfield", "Springfield", False, "both")
    assert page.account_url.endswith(f"/lightning/r/Account/{won.account_id}/view") or page.account_url == ""

    # a partial payment in Intacct, then the customer is refreshed live: its cost measured on the emulators
    recno = invoice_record(users, inv_doc)["RECORDNO"]
    pay(users, "ACME-W", recno, "40.00")
    b.ia.client.call([_rename_city("ACME-W", "Shelbyville")])  # finance edits the address in Intacct
    before = (_stats(b.ia_base), _stats(b.sf_base))
    fresh = customer_service.open_page("sandbox", "ACME-W", refresh=True)
    after = (_stats(b.ia_base), _stats(b.sf_base))
    ia_tx = after[0]["transactions"] - before[0]["transactions"]
    sf_calls = after[1]["api_calls"] - before[1]["api_calls"]
    # one SOQL query (the Account with its deals); CUSTOMER, ARINVOICE, ARPYMT, then ARPYMTDETAIL
    assert (sf_calls, ia_tx) == (1, 4) == tuple(customer_service.REFRESH_COST.values())
    assert fresh.refresh_cost == {"salesforce_calls": sf_calls, "intacct_transactions": ia_tx}
    [inv] = fresh.invoices
    assert (inv.paid, inv.due, inv.status) == ("40.00", "100.00", "overdue")
    assert fresh.open_balance == "100.00" and fresh.aging[_bucket(inv.days_overdue)] == "100.00"
    [payment] = fresh.payments
    assert payment.amount == "40.00" and [(a.invoice_number, a.amount) for a in payment.applied] == [
        (inv.number, "40.00")
    ]
    deals = {d.opportunity_id: d for d in fresh.deals}
    assert deals[str(open_deal.id)].status == "open" and deals[str(open_deal.id)].name == "Widgets renewal 2027"
    assert deals[won.opp_id].status == "won" and deals[won.opp_id].stage == "Closed Won"
    city = {f.name: f for f in fresh.fields}["address.city"]
    assert (city.salesforce, city.intacct, city.differs) == ("Springfield", "Shelbyville", True)
    assert fresh.fields_as_of.startswith("refreshed ")
    # the open deal is found by its name now that the refresh read it
    assert customer_service.open_page("sandbox", "widgets renewal").customer_id == "ACME-W"

    # the rest paid: nothing open, nothing aging; both payments listed against the invoice
    pay(users, "ACME-W", recno, "100.00")
    done = customer_service.open_page("sandbox", "acme widgets", refresh=True)
    [inv] = done.invoices
    assert (inv.due, inv.status, inv.days_overdue) == ("0.00", "paid", 0)
    assert done.open_balance == "0.00" and set(done.aging.values()) == {"0.00"}
    assert sorted(p.amount for p in done.payments) == ["100.00", "40.00"]
    assert all(a.invoice_number == inv.number for p in done.payments for a in p.applied)


def _bucket(days: int) -> str:
    return (
        "current"
        if days <= 0
        else "1-30"
        if days <= 30
        else "31-60"
        if days <= 60
        else "61-90"
        if days <= 90
        else "90+"
    )


def _rename_city(customer_id: str, city: str) -> Any:
    from sfintacct_desktop.wire.intacct import update

    return update("CUSTOMER", {"CUSTOMERID": customer_id, "DISPLAYCONTACT": {"MAILADDRESS": {"CITY": city}}})
