"""Lines in the Intacct emulator, over real HTTP: a ``read`` of a SODOCUMENT owns its
``SODOCUMENTENTRIES`` (lower-case ``sodocumententry``, ``LINE_NO`` from 0), and a payment keeps one
ARPYMTDETAIL per invoice line it pays (ENTRYKEY), spread first line first."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

from sfintacct_desktop.connectors import ia_mapping as m
from sfintacct_desktop.wire.intacct import IntacctClient, IntacctSecrets, IntacctSettings
from sfintacct_sandbox import credentials as cred
from sfintacct_sandbox.httpserver import EmulatorServer
from sfintacct_sandbox.intacct.app import IntacctEmulator
from tests.sandbox.intacct.test_ia_rules import customer, item, order
from tests.xml_conformance_util import IaClient

TWO_LINES = (
    "<sotransitem><itemid>I1</itemid><quantity>2</quantity><price>100</price><memo>First line</memo></sotransitem>"
    "<sotransitem><itemid>I2</itemid><quantity>1</quantity><price>50</price></sotransitem>"
)
# The owned lines of a read, as Intacct documents them ("Working with transaction lines and legacy
# functions", developer.intacct.com/web-services/functions/): the leading elements of each entry.
DOCUMENTED_ENTRY = (
    "<SODOCUMENTENTRIES><sodocumententry><RECORDNO>44</RECORDNO><DOCHDRNO>25</DOCHDRNO>"
    "<DOCHDRID>Sales Order-SO-00029</DOCHDRID><LINE_NO>0</LINE_NO></sodocumententry></SODOCUMENTENTRIES>"
)


@pytest.fixture()
def ia(ia_server: EmulatorServer) -> IaClient:
    emulator = ia_server.emulator
    assert isinstance(emulator, IntacctEmulator)
    emulator.reset("empty")
    emulator.sessions.timeout = 3600 * 12
    client = IaClient(ia_server.url + "/ia/xml/xmlgw.phtml")
    for body in (customer("C1"), item("I1"), item("I2", "50")):
        assert client.result(body).findtext("status") == "success"
    return client


def _recordno(ia: IaClient, docid: str) -> str:
    q = (
        "<query><object>SODOCUMENT</object><select><field>RECORDNO</field><field>PRRECORDKEY</field></select>"
        f"<filter><equalto><field>DOCID</field><value>{docid}</value></equalto></filter></query>"
    )
    return str(ia.result(q).findtext("data/SODOCUMENT/RECORDNO"))


def _invoice_no(ia: IaClient, docid: str) -> str:
    q = (
        "<query><object>SODOCUMENT</object><select><field>PRRECORDKEY</field></select>"
        f"<filter><equalto><field>DOCID</field><value>{docid}</value></equalto></filter></query>"
    )
    return str(ia.result(q).findtext("data/SODOCUMENT/PRRECORDKEY"))


def _invoice(ia: IaClient) -> str:
    """A posted two-line Sales Invoice (200 + 50); returns its ARINVOICE RECORDNO."""
    key = ia.result(order(ttype="Sales Invoice", items=TWO_LINES)).findtext("key")
    return _invoice_no(ia, str(key))


def _pay(ia: IaClient, details: str) -> etree._Element:
    return ia.result(
        "<create><ARPYMT><FINANCIALENTITY>BOA</FINANCIALENTITY><PAYMENTMETHOD>Check</PAYMENTMETHOD>"
        f"<CUSTOMERID>C1</CUSTOMERID><RECEIPTDATE>02/01/2026</RECEIPTDATE><ARPYMTDETAILS>{details}"
        "</ARPYMTDETAILS></ARPYMT></create>"
    )


def _detail(recordkey: str, amount: str, entry: str = "") -> str:
    ek = f"<ENTRYKEY>{entry}</ENTRYKEY>" if entry else ""
    amt = f"<TRX_PAYMENTAMOUNT>{amount}</TRX_PAYMENTAMOUNT>"
    return f"<ARPYMTDETAIL><RECORDKEY>{recordkey}</RECORDKEY>{ek}{amt}</ARPYMTDETAIL>"


def _lines(ia: IaClient, invoice_no: str) -> list[tuple[str, str, str]]:
    q = (
        "<query><object>ARINVOICEITEM</object><select><field>RECORDNO</field><field>LINE_NO</field>"
        "<field>AMOUNT</field><field>TOTALPAID</field></select><filter><equalto><field>RECORDKEY</field>"
        f"<value>{invoice_no}</value></equalto></filter><orderby><order><field>LINE_NO</field><ascending/>"
        "</order></orderby></query>"
    )
    rows = ia.result(q).find("data")
    return [(r.findtext("RECORDNO"), r.findtext("AMOUNT"), r.findtext("TOTALPAID")) for r in rows]


def _details(ia: IaClient, payment: str) -> list[tuple[str, str, str, str]]:
    q = (
        "<query><object>ARPYMTDETAIL</object><select><field>PAYMENTKEY</field><field>RECORDKEY</field>"
        "<field>ENTRYKEY</field><field>TRX_PAYMENTAMOUNT</field></select><filter><equalto>"
        f"<field>PAYMENTKEY</field><value>{payment}</value></equalto></filter><orderby><order>"
        "<field>RECORDNO</field><ascending/></order></orderby></query>"
    )
    rows = ia.result(q).find("data")
    fields = ("PAYMENTKEY", "RECORDKEY", "ENTRYKEY", "TRX_PAYMENTAMOUNT")
    return [tuple(str(r.findtext(f)) for f in fields) for r in rows]  # type: ignore[misc]


# ------------------------------------------------------------------------------ SODOCUMENT read
def test_read_of_a_sodocument_owns_its_entries_zero_based(ia: IaClient) -> None:
    docid = str(ia.result(order(items=TWO_LINES)).findtext("key"))
    rec = _recordno(ia, docid)
    data = ia.result(f"<read><object>SODOCUMENT</object><keys>{rec}</keys><fields>*</fields></read>").find("data")
    doc = data.find("SODOCUMENT")
    owned = doc.find("SODOCUMENTENTRIES")
    assert owned is not None and doc[-1] is owned
    entries = owned.findall("sodocumententry")
    assert [(e.findtext("LINE_NO"), e.findtext("ITEMID"), e.findtext("MEMO")) for e in entries] == [
        ("0", "I1", "First line"),
        ("1", "I2", ""),
    ]
    assert {e.findtext("DOCHDRID") for e in entries} == {docid}
    assert {e.findtext("DOCHDRNO") for e in entries} == {rec}
    # the documented leading elements, in order (our entries carry more fields after LINE_NO)
    first = [c.tag for c in entries[0]][:4]
    assert first == [c.tag for c in etree.fromstring(DOCUMENTED_ENTRY)[0]]
    # a read naming its fields answers those fields only, without the owned lines
    named = ia.result(f"<read><object>SODOCUMENT</object><keys>{rec}</keys><fields>DOCID,TOTAL</fields></read>")
    assert [c.tag for c in named.find("data/SODOCUMENT")] == ["DOCID", "TOTAL"]


def test_product_maps_the_lines_of_a_read_sodocument(ia: IaClient, ia_server: EmulatorServer) -> None:
    """The connector's SalesOrder mapping takes the lines nested in a ``read`` row, in LINE_NO order
    (one line comes back as a single element, several as a list: both work)."""
    settings = IntacctSettings(
        sender_id=cred.INTACCT_SENDER_ID,
        company_id=cred.INTACCT_COMPANY_ID,
        user_id=cred.INTACCT_USER_ID,
        endpoint=ia_server.url + "/ia/xml/xmlgw.phtml",
    )
    client = IntacctClient(settings, IntacctSecrets(cred.INTACCT_SENDER_PASSWORD, cred.INTACCT_USER_PASSWORD))
    two = _recordno(ia, str(ia.result(order(items=TWO_LINES)).findtext("key")))
    one = _recordno(ia, str(ia.result(order()).findtext("key")))
    rows = {r["RECORDNO"]: r for r in client.read("SODOCUMENT", [two, one])}
    zone = ZoneInfo("America/Los_Angeles")
    so = m.sales_order_from_row(rows[two], zone)
    assert [(ln.item_id, ln.quantity, ln.price) for ln in so.lines] == [
        ("I1", Decimal("2"), Decimal("100")),
        ("I2", Decimal("1"), Decimal("50")),
    ]
    single = m.sales_order_from_row(rows[one], zone)
    assert [(ln.item_id, ln.quantity) for ln in single.lines] == [("I1", Decimal("2"))]


# ------------------------------------------------------------------------- ARPYMTDETAIL per line
def test_a_payment_of_a_two_line_invoice_keeps_one_detail_per_line(ia: IaClient) -> None:
    inv = _invoice(ia)
    lines = _lines(ia, inv)
    assert [(a, p) for _, a, p in lines] == [("200", "0"), ("50", "0")]
    res = _pay(ia, _detail(inv, "250"))
    assert res.findtext("status") == "success"
    pymt = str(res.findtext("data/arpymt/RECORDNO"))
    assert _details(ia, pymt) == [(pymt, inv, lines[0][0], "200"), (pymt, inv, lines[1][0], "50")]
    assert [p for _, _, p in _lines(ia, inv)] == ["200", "50"]
    header = ia.result(f"<read><object>ARINVOICE</object><keys>{inv}</keys></read>").find("data/ARINVOICE")
    assert (header.findtext("TOTALPAID"), header.findtext("TOTALDUE"), header.findtext("STATE")) == ("250", "0", "Paid")


def test_partial_payments_run_down_the_lines_first_line_first(ia: IaClient) -> None:
    inv = _invoice(ia)
    (l1, _, _), (l2, _, _) = _lines(ia, inv)
    p1 = str(_pay(ia, _detail(inv, "150")).findtext("data/arpymt/RECORDNO"))
    assert _details(ia, p1) == [(p1, inv, l1, "150")]
    p2 = str(_pay(ia, _detail(inv, "80")).findtext("data/arpymt/RECORDNO"))
    assert _details(ia, p2) == [(p2, inv, l1, "50"), (p2, inv, l2, "30")]  # line 1 paid in full first
    assert [p for _, _, p in _lines(ia, inv)] == ["200", "30"]
    # a detail naming a line pays that line only, and no more than it owes
    p3 = str(_pay(ia, _detail(inv, "20", l2)).findtext("data/arpymt/RECORDNO"))
    assert _details(ia, p3) == [(p3, inv, l2, "20")]
    refused = _pay(ia, _detail(inv, "1", l1))
    assert refused.findtext("status") == "failure"
    assert "exceeds" in str(refused.findtext("errormessage/error/description2"))
    # deleting a payment gives its lines their amounts back
    assert ia.result(f"<delete><object>ARPYMT</object><keys>{p2}</keys></delete>").findtext("status") == "success"
    assert [p for _, _, p in _lines(ia, inv)] == ["150", "20"]
    assert _details(ia, p2) == []


def test_two_details_of_one_payment_on_one_invoice_continue_the_waterfall(ia: IaClient) -> None:
    inv = _invoice(ia)
    (l1, _, _), (l2, _, _) = _lines(ia, inv)
    res = _pay(ia, _detail(inv, "190") + _detail(inv, "40"))
    pymt = str(res.findtext("data/arpymt/RECORDNO"))
    assert _details(ia, pymt) == [(pymt, inv, l1, "190"), (pymt, inv, l1, "10"), (pymt, inv, l2, "30")]
