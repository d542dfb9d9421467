"""Legacy ``update_sotransaction`` in the Intacct emulator, over real HTTP.

The rule that matters most: updating a posted Sales Invoice deletes its AR invoice and posts a new
one with a NEW RECORDNO (same invoice number), keeping the payments applied.
"""

from __future__ import annotations

import pytest
from lxml import etree

from sfintacct_sandbox.httpserver import EmulatorServer
from sfintacct_sandbox.intacct.app import IntacctEmulator
from tests.sandbox.intacct.test_ia_rules import customer, item, order
from tests.xml_conformance_util import IaClient

INV = "Sales Invoice-INV0001"


@pytest.fixture()
def ia(ia_server: EmulatorServer) -> IaClient:
    emulator = ia_server.emulator
    assert isinstance(emulator, IntacctEmulator)
    emulator.reset("empty")
    emulator.sessions.timeout = 3600 * 12
    client = IaClient(ia_server.url + "/ia/xml/xmlgw.phtml")
    for body in (customer("C1"), item("I1"), item("I2", "10")):
        assert client.result(body).findtext("status") == "success"
    return client


def update(key: str, lines: str = "", header: str = "") -> str:
    items = f"<updatesotransitems>{lines}</updatesotransitems>" if lines else ""
    return f'<update_sotransaction key="{key}">{header}{items}</update_sotransaction>'


def line(num: str, inner: str) -> str:
    return f'<updatesotransitem line_num="{num}">{inner}</updatesotransitem>'


def doc(ia: IaClient, docid: str) -> etree._Element:
    q = (
        "<query><object>SODOCUMENT</object><select><field>RECORDNO</field><field>STATE</field><field>TOTAL</field>"
        "<field>TOTALPAID</field><field>TOTALDUE</field><field>PRRECORDKEY</field><field>WHENMODIFIED</field>"
        f"<field>MESSAGE</field></select><filter><equalto><field>DOCID</field><value>{docid}</value></equalto>"
        "</filter></query>"
    )
    return ia.result(q).find("data")[0]


def lines_of(ia: IaClient, docid: str) -> list[tuple[str, str, str, str]]:
    q = (
        "<query><object>SODOCUMENTENTRY</object><select><field>LINE_NO</field><field>ITEMID</field>"
        "<field>QUANTITY</field><field>PRICE</field></select><filter><equalto><field>DOCHDRID</field>"
        f"<value>{docid}</value></equalto></filter></query>"
    )
    rows = [
        (r.findtext("LINE_NO"), r.findtext("ITEMID"), r.findtext("QUANTITY"), r.findtext("PRICE"))
        for r in ia.result(q).find("data")
    ]
    return sorted(rows, key=lambda r: int(r[0] or 0))


def arinvoice(ia: IaClient, recordno: str) -> etree._Element | None:
    return ia.result(f"<read><object>ARINVOICE</object><keys>{recordno}</keys></read>").find("data/ARINVOICE")


def pay(ia: IaClient, recordno: str, amount: str) -> str:
    res = ia.result(
        "<create><ARPYMT><FINANCIALENTITY>BOA</FINANCIALENTITY><PAYMENTMETHOD>Check</PAYMENTMETHOD>"
        "<CUSTOMERID>C1</CUSTOMERID><RECEIPTDATE>02/01/2026</RECEIPTDATE><ARPYMTDETAILS><ARPYMTDETAIL>"
        f"<RECORDKEY>{recordno}</RECORDKEY><TRX_PAYMENTAMOUNT>{amount}</TRX_PAYMENTAMOUNT></ARPYMTDETAIL>"
        "</ARPYMTDETAILS></ARPYMT></create>"
    )
    assert res.findtext("status") == "success", etree.tostring(res)
    return str(res.findtext("data/arpymt/RECORDNO"))


def errors(res: etree._Element) -> list[str]:
    return [str(e.findtext("description2")) for e in res.findall("errormessage/error")]


def invoiced(ia: IaClient, qty: str = "2") -> None:
    """Sales Order SO0001 (2 x I1 at 100) converted into INV0001 for ``qty`` of them."""
    assert ia.result(order()).findtext("key") == "Sales Order-SO0001"
    items = f"<sotransitem><itemid>I1</itemid><quantity>{qty}</quantity><price>100</price></sotransitem>"
    inv = ia.result(order(ttype="Sales Invoice", created_from="Sales Order-SO0001", items=items))
    assert inv.findtext("key") == INV


def test_update_changes_a_line_by_one_based_line_num_and_answers_key(ia: IaClient) -> None:
    assert ia.result(
        order(
            items="<sotransitem><itemid>I1</itemid><quantity>2</quantity></sotransitem>"
            "<sotransitem><itemid>I2</itemid><quantity>1</quantity></sotransitem>"
        )
    ).findtext("status") == ("success")
    before = doc(ia, "Sales Order-SO0001").findtext("WHENMODIFIED")
    res = ia.result(update("Sales Order-SO0001", line("2", "<quantity>5</quantity>"), "<message>more</message>"))
    assert res.findtext("status") == "success" and res.findtext("key") == "Sales Order-SO0001"
    assert res.find("data") is None
    # line_num 2 is the second line, which read returns as LINE_NO 1 (zero-based)
    assert lines_of(ia, "Sales Order-SO0001") == [("0", "I1", "2", "100"), ("1", "I2", "5", "10")]
    after = doc(ia, "Sales Order-SO0001")
    assert after.findtext("TOTAL") == "250" and after.findtext("MESSAGE") == "more"
    assert after.findtext("WHENMODIFIED") >= before
    assert after.findtext("PRRECORDKEY") in ("", None)  # an order posts no AR invoice


def test_sotransitem_inside_updatesotransitems_adds_a_line(ia: IaClient) -> None:
    ia.result(order())
    add = "<sotransitem><itemid>I2</itemid><quantity>3</quantity><price>10</price></sotransitem>"
    assert ia.result(update("Sales Order-SO0001", add)).findtext("status") == "success"
    assert lines_of(ia, "Sales Order-SO0001") == [("0", "I1", "2", "100"), ("1", "I2", "3", "10")]
    assert doc(ia, "Sales Order-SO0001").findtext("TOTAL") == "230"


@pytest.mark.parametrize(
    "body, needle",
    [
        (update("Sales Order-SO9999", line("1", "<quantity>1</quantity>")), "Cannot find the transaction"),
        (update("Sales Order-SO0001", line("0", "<quantity>1</quantity>")), "one-based"),
        (update("Sales Order-SO0001", line("2", "<quantity>1</quantity>")), "Invalid line_num"),
        (update("Sales Order-SO0001", line("x", "<quantity>1</quantity>")), "Invalid line_num"),
        (update("Sales Order-SO0001", line("1", "<itemid>NOPE</itemid>")), "Invalid item"),
        (update("Sales Order-SO0001", line("1", "<quantity>0</quantity>")), "greater than zero"),
    ],
)
def test_update_refusals_are_faithful_errors_and_change_nothing(ia: IaClient, body: str, needle: str) -> None:
    ia.result(order())
    res = ia.result(body)
    assert res.findtext("status") == "failure"
    assert [e.findtext("errorno") for e in res.findall("errormessage/error")] == ["BL01001973", "BL01001973"]
    assert needle in " ".join(errors(res)) + " ".join(
        str(e.findtext("correction")) for e in res.findall("errormessage/error")
    )
    assert errors(res)[-1] == "Could not update Sales Transaction record!"
    assert lines_of(ia, "Sales Order-SO0001") == [("0", "I1", "2", "100")]


@pytest.mark.parametrize("qty, state", [("2", "Converted"), ("1", "Partially Converted")])
def test_no_update_while_converted_or_partially_converted(ia: IaClient, qty: str, state: str) -> None:
    invoiced(ia, qty)
    assert doc(ia, "Sales Order-SO0001").findtext("STATE") == state
    res = ia.result(update("Sales Order-SO0001", line("1", "<memo>x</memo>")))
    assert res.findtext("status") == "failure" and state in errors(res)[0]


def test_schema_order_and_attributes_are_checked_at_control_level(ia: IaClient) -> None:
    ia.result(order())
    out_of_order = update("Sales Order-SO0001", line("1", "<quantity>1</quantity>"), "").replace(
        "</updatesotransitems>", "</updatesotransitems><message>late</message>"
    )
    no_line_num = update("Sales Order-SO0001", "<updatesotransitem><quantity>1</quantity></updatesotransitem>")
    no_key = update("X", line("1", "<quantity>1</quantity>")).replace(' key="X"', "")
    for body in (out_of_order, no_line_num):
        root = ia.call(body)
        assert root.findtext("control/status") == "failure"
        assert root.findtext("errormessage/error/errorno") == "XL03000003"
    res = ia.result(no_key)
    assert res.findtext("status") == "failure" and "'key' is required" in errors(res)[0]


def test_updating_a_paid_invoice_reposts_the_arinvoice_with_a_new_recordno(ia: IaClient) -> None:
    invoiced(ia)
    first = doc(ia, INV)
    old_no = str(first.findtext("PRRECORDKEY"))
    pymt = pay(ia, old_no, "50")
    # the converted invoice keeps its source within quantity: 2 -> 1 of the ordered 2, and a price change
    res = ia.result(update(INV, line("1", "<quantity>1</quantity><price>120</price>")))
    assert res.findtext("status") == "success" and res.findtext("key") == INV
    after = doc(ia, INV)
    new_no = str(after.findtext("PRRECORDKEY"))
    assert new_no and new_no != old_no
    assert arinvoice(ia, old_no) is None  # the old AR invoice is gone
    new = arinvoice(ia, new_no)
    assert new is not None
    assert (new.findtext("RECORDID"), new.findtext("TOTALENTERED"), new.findtext("TOTALPAID")) == (
        "INV0001",
        "120",
        "50",
    )
    assert (new.findtext("TOTALDUE"), new.findtext("STATE"), new.findtext("MODULEKEY")) == (
        "70",
        "Partially Paid",
        "8.SO",
    )
    assert new.findtext("DOCHDRKEY") == after.findtext("RECORDNO")
    assert (after.findtext("TOTAL"), after.findtext("TOTALPAID"), after.findtext("TOTALDUE")) == ("120", "50", "70")
    # the payment stays applied, now to the new record
    detail = ia.result(
        "<query><object>ARPYMTDETAIL</object><select><field>RECORDKEY</field><field>PAYMENTKEY</field></select>"
        f"<filter><equalto><field>PAYMENTKEY</field><value>{pymt}</value></equalto></filter></query>"
    ).find("data")
    assert [d.findtext("RECORDKEY") for d in detail] == [new_no]
    # the source order has quantity left to convert again
    assert doc(ia, "Sales Order-SO0001").findtext("STATE") == "Partially Converted"
    # AUDITHISTORY: the old record deleted, the new one created (OBJECTKEY: RECORDNO by default)
    audit = ia.result(
        "<query><object>AUDITHISTORY</object><select><field>OBJECTKEY</field><field>ACCESSMODE</field>"
        "</select><filter><equalto><field>OBJECTTYPE</field><value>arinvoice</value>"
        "</equalto></filter></query>"
    ).find("data")
    rows = [(a.findtext("OBJECTKEY"), a.findtext("ACCESSMODE")) for a in audit]
    assert (old_no, "D") in rows and (new_no, "C") in rows
    # the new invoice can be paid to the end under its new RECORDNO; the old one no longer can
    assert (
        ia.result(
            "<create><ARPYMT><FINANCIALENTITY>BOA</FINANCIALENTITY><PAYMENTMETHOD>Check</PAYMENTMETHOD>"
            "<CUSTOMERID>C1</CUSTOMERID><RECEIPTDATE>02/01/2026</RECEIPTDATE><ARPYMTDETAILS><ARPYMTDETAIL>"
            f"<RECORDKEY>{old_no}</RECORDKEY><TRX_PAYMENTAMOUNT>1</TRX_PAYMENTAMOUNT></ARPYMTDETAIL>"
            "</ARPYMTDETAILS></ARPYMT></create>"
        ).findtext("status")
        == "failure"
    )
    pay(ia, new_no, "70")
    assert arinvoice(ia, new_no).findtext("STATE") == "Paid"


def test_customer_balance_follows_the_reposted_invoice(ia: IaClient) -> None:
    invoiced(ia)
    pay(ia, str(doc(ia, INV).findtext("PRRECORDKEY")), "50")

    def due() -> str:
        q = (
            "<readByQuery><object>CUSTOMER</object><fields>TOTALDUE</fields>"
            "<query>CUSTOMERID = 'C1'</query></readByQuery>"
        )
        return str(ia.result(q).findtext("data/customer/TOTALDUE"))

    assert due() == "150"
    ia.result(update(INV, line("1", "<quantity>1</quantity>")))
    assert due() == "50"


def test_new_total_below_the_amount_paid_is_refused(ia: IaClient) -> None:
    invoiced(ia)
    old_no = str(doc(ia, INV).findtext("PRRECORDKEY"))
    pay(ia, old_no, "150")
    res = ia.result(update(INV, line("1", "<quantity>1</quantity>")))
    assert res.findtext("status") == "failure" and "already paid" in errors(res)[0]
    assert doc(ia, INV).findtext("PRRECORDKEY") == old_no and arinvoice(ia, old_no) is not None


def test_invoice_quantity_beyond_the_source_order_is_refused(ia: IaClient) -> None:
    invoiced(ia, "1")
    res = ia.result(update(INV, line("1", "<quantity>3</quantity>")))
    assert res.findtext("status") == "failure" and "exceeds" in errors(res)[0]
