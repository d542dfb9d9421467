"""Deals, orders, invoices and payments for the order-to-cash scenario tests (both emulators, real HTTP)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from lxml import etree

from sfintacct_desktop.wire.intacct import Filter, create
from sfintacct_desktop.wire.intacct import functions as fx
from sfintacct_desktop.wire.intacct.functions import Function, SoLine, new_controlid
from tests.support.sync_env import SyncEnv

OPP_FIELDS = "Id, Name, StageName, Intacct_Sales_Order_ID__c, Intacct_Sync_Status__c"
INVOICE_FIELDS = (
    "Id, Invoice_Number__c, Account__c, Opportunity__c, Status__c, Total_Amount__c, Amount_Paid__c, "
    "Amount_Due__c, Sales_Order_ID__c, Intacct_Deleted__c"
)


@dataclass
class Deal:
    account_id: str
    product_ids: list[str]
    opp_id: str


def make_deal(
    env: SyncEnv,
    tag: str,
    lines: list[tuple[str, int, float | None]] | None = None,
    *,
    stage: str = "Prospecting",
    close: str | None = None,
    account: dict[str, Any] | None = None,
    live: bool = True,
) -> Deal:
    """An Account, products with standard prices and an Opportunity with lines (price, qty, discount %).

    The CloseDate defaults to today (UTC), never before the cut-over day of a live sync started
    today: a deal closed before the cut-over is history and never becomes a sales order.
    """
    close = close or deal_day().isoformat()
    if live:
        go_live(env)
    lines = lines or [("100.00", 2, None), ("25.50", 3, None), ("80.00", 5, 10.0)]
    acc = env.create_account(**(account or {"Name": f"{tag} Corp", "AccountNumber": f"{tag}-A"}))
    book = env.user_sf.standard_pricebook_id()
    pids, entries = [], []
    for n, (price, _, _) in enumerate(lines, start=1):
        pid = env.create_product(price=price, Name=f"{tag} Item {n}", ProductCode=f"{tag}-P{n}", IsActive=True)
        pids.append(pid)
        rows = env.sf.query_all(f"SELECT Id FROM PricebookEntry WHERE Product2Id = '{pid}' AND Pricebook2Id = '{book}'")
        entries.append(rows[0]["Id"])
    res = env.sf.create_many(
        "Opportunity",
        [{"Name": f"{tag} deal", "AccountId": acc, "StageName": stage, "CloseDate": close, "Pricebook2Id": book}],
    )[0]
    assert res.success, res
    items = []
    for entry, (price, qty, discount) in zip(entries, lines, strict=True):
        body: dict[str, Any] = {
            "OpportunityId": res.id,
            "PricebookEntryId": entry,
            "Quantity": qty,
            "UnitPrice": float(price),
        }
        if discount is not None:
            body["Discount"] = discount
        items.append(body)
    for r in env.sf.create_many("OpportunityLineItem", items):
        assert r.success, r
    return Deal(acc, pids, str(res.id))


def go_live(env: SyncEnv) -> None:
    """Run the company's first sync unless a cut-over exists: deals made after it are new business.

    Why: the first live sync marks every deal already Closed Won as historical (never an order),
    so a test that wants an order makes its deal after the live sync started, as a live company does.
    """
    if env.store is None:  # a CLI bench: the test runs `sfintacct sync` itself
        return
    with env.store.read() as r:
        started = r.meta.get("cutover_date")
    if not started:
        summary = env.sync()
        assert summary.status == "ok", summary.error


def deal_day() -> date:
    """Today in UTC: on or after the cut-over day (company zone, behind UTC) of a sync started today."""
    return datetime.now(UTC).date()


def win(env: SyncEnv, opp_id: str, stage: str = "Closed Won") -> None:
    env.update_sf("Opportunity", opp_id, StageName=stage)


def opportunity(env: SyncEnv, opp_id: str) -> dict[str, Any]:
    return env.sf.query_all(f"SELECT {OPP_FIELDS} FROM Opportunity WHERE Id = '{opp_id}'")[0]


def orders_for(env: SyncEnv, opp_id: str) -> list[dict[str, Any]]:
    """Every SODOCUMENT whose PONUMBER is the Opportunity Id (exactly-once is counted here)."""
    fields = ["RECORDNO", "DOCID", "DOCPARID", "CUSTVENDID", "PONUMBER", "TOTAL", "STATE", "WHENCREATED", "MESSAGE"]
    res = env.user_ia.client.call([fx.query("SODOCUMENT", fields, Filter.equalto("PONUMBER", opp_id))])[0]
    assert res.ok, res.errors
    return [r for r in res.records if r.get("DOCPARID") == "Sales Order"]


def order_lines(env: SyncEnv, docid: str) -> list[tuple[str, Decimal, Decimal]]:
    fields = ["RECORDNO", "ITEMID", "QUANTITY", "PRICE", "LINE_NO"]
    res = env.user_ia.client.call([fx.query("SODOCUMENTENTRY", fields, Filter.equalto("DOCHDRID", docid))])[0]
    rows = sorted(res.records, key=lambda r: int(r["LINE_NO"]))
    return [(r["ITEMID"], Decimal(r["QUANTITY"]), Decimal(r["PRICE"])) for r in rows]


def invoice_order(env: SyncEnv, docid: str, lines: list[tuple[str, str]], customer_id: str, when: date) -> str:
    """Convert the order into a Sales Invoice (as a user does in Intacct); returns the invoice DOCID."""
    fn = fx.create_sotransaction(
        new_controlid(),
        transactiontype="Sales Invoice",
        datecreated=when,
        customerid=customer_id,
        createdfrom=docid,
        lines=[SoLine(itemid=i, quantity=q) for i, q in lines],
    )
    res = env.user_ia.client.call([fn])[0]
    assert res.ok, res.errors
    return str(res.key)


def invoice_record(env: SyncEnv, invoice_docid: str) -> dict[str, Any]:
    fields = ["RECORDNO", "DOCID", "PRRECORDKEY"]
    doc = env.user_ia.client.call([fx.query("SODOCUMENT", fields, Filter.equalto("DOCID", invoice_docid))])[0].records[
        0
    ]
    inv_fields = ["RECORDNO", "RECORDID", "TOTALENTERED", "TOTALPAID", "TOTALDUE", "STATE"]
    flt = Filter.equalto("RECORDNO", doc["PRRECORDKEY"])
    return env.user_ia.client.call([fx.query("ARINVOICE", inv_fields, flt)])[0].records[0]


def pay(env: SyncEnv, customer_id: str, invoice_recordno: str, amount: str) -> str:
    body = {
        "FINANCIALENTITY": "BOA",
        "PAYMENTMETHOD": "Check",
        "CUSTOMERID": customer_id,
        "RECEIPTDATE": "04/01/2026",
        "ARPYMTDETAILS": {"ARPYMTDETAIL": {"RECORDKEY": invoice_recordno, "TRX_PAYMENTAMOUNT": amount}},
    }
    res = env.user_ia.client.call([create("ARPYMT", body)])[0]
    assert res.ok, res.errors
    return str(res.records[0]["RECORDNO"])


def delete_sotransaction(env: SyncEnv, docid: str) -> Any:
    el = etree.Element("delete_sotransaction", key=docid)
    return env.user_ia.client.call([Function(el, new_controlid())], uniqueid=True)[0]


def sf_invoices(env: SyncEnv) -> list[dict[str, Any]]:
    return env.sf.query_all(f"SELECT {INVOICE_FIELDS} FROM Intacct_Invoice__c")


def sf_payments(env: SyncEnv) -> list[dict[str, Any]]:
    fields = "Id, Intacct_Record_No__c, Account__c, Invoice__c, Amount__c, Method__c"
    return env.sf.query_all(f"SELECT {fields} FROM Intacct_Payment__c")
