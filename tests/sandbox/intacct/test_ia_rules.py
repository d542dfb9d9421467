"""Order-to-cash rules of the Intacct emulator, over real HTTP."""

from __future__ import annotations

import pytest

from sfintacct_sandbox.httpserver import EmulatorServer
from sfintacct_sandbox.intacct.app import IntacctEmulator
from tests.xml_conformance_util import IaClient, fn


@pytest.fixture()
def emu(ia_server: EmulatorServer) -> IntacctEmulator:
    emulator = ia_server.emulator
    assert isinstance(emulator, IntacctEmulator)
    emulator.reset("empty")
    emulator.sessions.timeout = 3600 * 12
    return emulator


@pytest.fixture()
def ia(emu: IntacctEmulator, ia_server: EmulatorServer) -> IaClient:
    return IaClient(ia_server.url + "/ia/xml/xmlgw.phtml")


def customer(cid: str, name: str = "", extra: str = "") -> str:
    name = name or f"Acme {cid}"  # contact names are unique per company, so one name per customer id
    return f"<create><CUSTOMER><CUSTOMERID>{cid}</CUSTOMERID><NAME>{name}</NAME>{extra}</CUSTOMER></create>"


def item(iid: str, price: str = "100") -> str:
    return f"<create><ITEM><ITEMID>{iid}</ITEMID><NAME>Item {iid}</NAME><BASEPRICE>{price}</BASEPRICE></ITEM></create>"


def order(cid: str = "C1", items: str = "", ttype: str = "Sales Order", created_from: str = "", ref: str = "") -> str:
    items = items or "<sotransitem><itemid>I1</itemid><quantity>2</quantity><price>100</price></sotransitem>"
    cf = f"<createdfrom>{created_from}</createdfrom>" if created_from else ""
    rn = f"<referenceno>{ref}</referenceno>" if ref else ""
    return (
        f"<create_sotransaction><transactiontype>{ttype}</transactiontype><datecreated><year>2026</year>"
        f"<month>01</month><day>15</day></datecreated>{cf}<customerid>{cid}</customerid>{rn}"
        f"<sotransitems>{items}</sotransitems></create_sotransaction>"
    )


def seed_basic(ia: IaClient) -> None:
    for body in (customer("C1"), item("I1")):
        assert ia.result(body).findtext("status") == "success"


def test_create_answers_lower_case_objects_row_and_duplicate_is_refused(ia: IaClient) -> None:
    ok = ia.result(customer("C1", extra="<SFDC_ACCOUNT_ID>001000000000001AAA</SFDC_ACCOUNT_ID>"))
    data = ok.find("data")
    assert data.get("listtype") == "objects" and data.get("count") == "1"
    assert data[0].tag == "customer" and data[0].findtext("CUSTOMERID") == "C1"
    dup = ia.result(customer("C1"))
    assert dup.findtext("status") == "failure"
    errs = dup.findall("errormessage/error")
    assert [e.findtext("errorno") for e in errs] == ["BL34000061", "BL01001973"]
    assert errs[0].findtext("description2") == "Another Customer with the given value(s) C1  already exists"
    assert errs[1].findtext("description2") == "Could not create Customer record!"


def test_query_upper_and_read_by_query_lower_with_readmore_cursor(ia: IaClient) -> None:
    for i in range(5):
        ia.result(customer(f"C{i}", f"Name {i}"))
    q = ia.result(
        "<query><object>CUSTOMER</object><select><field>CUSTOMERID</field><field>NAME</field></select>"
        "<pagesize>2</pagesize><offset>2</offset></query>"
    )
    data = q.find("data")
    assert (data.get("listtype"), data.get("totalcount"), data.get("offset"), data.get("count")) == (
        "CUSTOMER",
        "5",
        "2",
        "2",
    )
    assert data.get("numremaining") == "1" and data[0].tag == "CUSTOMER"
    r = ia.result(
        "<readByQuery><object>CUSTOMER</object><fields>CUSTOMERID</fields><query/><pagesize>2</pagesize></readByQuery>"
    )
    data = r.find("data")
    assert data.get("listtype") == "customer" and data[0].tag == "customer"
    assert data.get("numremaining") == "3"
    seen = [row.findtext("CUSTOMERID") for row in data]
    ia.result(customer("LATE", "created after the first page"))
    rid = data.get("resultId")
    while data.get("numremaining") != "0":
        data = ia.result(f"<readMore><resultId>{rid}</resultId></readMore>").find("data")
        assert data.get("listtype") == "customer"
        seen += [row.findtext("CUSTOMERID") for row in data]
    assert seen == ["C0", "C1", "C2", "C3", "C4"]  # pinned: the later create is not in this result
    again = ia.result(f"<readMore><resultId>{rid}</resultId></readMore>")
    assert again.findtext("status") == "failure"


def test_read_upper_case_and_key_limit(ia: IaClient) -> None:
    rec = ia.result(customer("C1")).findtext("data/customer/RECORDNO")
    data = ia.result(f"<read><object>CUSTOMER</object><keys>{rec}</keys><fields>*</fields></read>").find("data")
    assert data.get("listtype") == "CUSTOMER" and data[0].tag == "CUSTOMER"
    assert data[0].findtext("DISPLAYCONTACT.CONTACTNAME") == "Acme C1"
    keys = ",".join(str(i) for i in range(101))
    assert ia.result(f"<read><object>CUSTOMER</object><keys>{keys}</keys></read>").findtext("status") == "failure"


def test_update_by_id_and_recordno_and_status(ia: IaClient) -> None:
    rec = ia.result(customer("C1")).findtext("data/customer/RECORDNO")
    up = ia.result("<update><CUSTOMER><CUSTOMERID>C1</CUSTOMERID><STATUS>inactive</STATUS></CUSTOMER></update>")
    assert up.find("data")[0].tag == "customer"
    ia.result(f"<update><CUSTOMER><RECORDNO>{rec}</RECORDNO><NAME>Renamed</NAME></CUSTOMER></update>")
    row = ia.result(f"<read><object>CUSTOMER</object><keys>{rec}</keys><fields>NAME,STATUS</fields></read>")
    assert (row.findtext("data/CUSTOMER/NAME"), row.findtext("data/CUSTOMER/STATUS")) == ("Renamed", "inactive")
    bad = ia.result("<update><CUSTOMER><CUSTOMERID>C1</CUSTOMERID><STATUS>gone</STATUS></CUSTOMER></update>")
    assert bad.findtext("status") == "failure"


def test_order_to_invoice_to_payment(ia: IaClient, emu: IntacctEmulator) -> None:
    seed_basic(ia)
    so = ia.result(order(ref="006000000000001AAA"))
    assert so.findtext("status") == "success" and so.findtext("key") == "Sales Order-SO0001"
    inv = ia.result(order(ttype="Sales Invoice", created_from="Sales Order-SO0001"))
    assert inv.findtext("key") == "Sales Invoice-INV0001"
    docs = ia.result(
        "<query><object>SODOCUMENT</object><select><field>DOCID</field><field>STATE</field><field>PONUMBER</field>"
        "<field>PRRECORDKEY</field></select></query>"
    ).find("data")
    by_id = {d.findtext("DOCID"): d for d in docs}
    assert by_id["Sales Order-SO0001"].findtext("STATE") == "Converted"
    assert by_id["Sales Order-SO0001"].findtext("PONUMBER") == "006000000000001AAA"
    prkey = by_id["Sales Invoice-INV0001"].findtext("PRRECORDKEY")
    arinv = ia.result(f"<read><object>ARINVOICE</object><keys>{prkey}</keys></read>").find("data/ARINVOICE")
    assert arinv.findtext("MODULEKEY") == "8.SO" and arinv.findtext("TOTALDUE") == "200"
    assert arinv.findtext("WHENCREATED") == "01/15/2026" and arinv.findtext("WHENDUE") == "02/14/2026"
    assert arinv.findtext("STATE") == "Posted"

    def pay(amount: str) -> str:
        return (
            "<create><ARPYMT><FINANCIALENTITY>BOA</FINANCIALENTITY><PAYMENTMETHOD>Check</PAYMENTMETHOD>"
            "<CUSTOMERID>C1</CUSTOMERID><RECEIPTDATE>02/01/2026</RECEIPTDATE><ARPYMTDETAILS><ARPYMTDETAIL>"
            f"<RECORDKEY>{prkey}</RECORDKEY><TRX_PAYMENTAMOUNT>{amount}</TRX_PAYMENTAMOUNT></ARPYMTDETAIL>"
            "</ARPYMTDETAILS></ARPYMT></create>"
        )

    assert ia.result(pay("50")).findtext("status") == "success"
    state = ia.result(f"<read><object>ARINVOICE</object><keys>{prkey}</keys></read>").find("data/ARINVOICE")
    assert (state.findtext("STATE"), state.findtext("TOTALPAID"), state.findtext("TOTALDUE")) == (
        "Partially Paid",
        "50",
        "150",
    )
    assert ia.result(pay("150.01")).findtext("status") == "failure"  # overpayment refused
    paid = ia.result(pay("150"))
    assert paid.find("data")[0].tag == "arpymt"
    state = ia.result(f"<read><object>ARINVOICE</object><keys>{prkey}</keys></read>").find("data/ARINVOICE")
    assert (state.findtext("STATE"), state.findtext("WHENPAID")) == ("Paid", "02/01/2026")
    # a customer with invoices cannot be deleted
    crec = ia.result(
        "<readByQuery><object>CUSTOMER</object><fields>RECORDNO</fields><query>CUSTOMERID = 'C1'</query></readByQuery>"
    ).findtext("data/customer/RECORDNO")
    assert ia.result(f"<delete><object>CUSTOMER</object><keys>{crec}</keys></delete>").findtext("status") == "failure"


@pytest.mark.parametrize(
    "setup, body",
    [
        ("", order(cid="NOPE")),
        ("<update><CUSTOMER><CUSTOMERID>C1</CUSTOMERID><STATUS>inactive</STATUS></CUSTOMER></update>", order()),
        ("<update><ITEM><ITEMID>I1</ITEMID><STATUS>inactive</STATUS></ITEM></update>", order()),
        ("", order(items="<sotransitem><itemid>I1</itemid><quantity>0</quantity></sotransitem>")),
        ("", order(items="<sotransitem><itemid>NOPE</itemid><quantity>1</quantity></sotransitem>")),
        ("", order(ttype="Purchase Order")),
    ],
)
def test_sotransaction_validation(ia: IaClient, setup: str, body: str) -> None:
    seed_basic(ia)
    if setup:
        ia.result(setup)
    res = ia.result(body)
    assert res.findtext("status") == "failure"
    assert all(e.findtext("description2") for e in res.findall("errormessage/error"))


def test_sotransaction_elements_out_of_xsd_order_fail_at_control_level(ia: IaClient) -> None:
    seed_basic(ia)
    bad = (
        order()
        .replace("<customerid>C1</customerid>", "")
        .replace("<transactiontype>", "<customerid>C1</customerid><transactiontype>")
    )
    root = ia.call(bad)
    assert root.findtext("control/status") == "failure"
    assert root.findtext("errormessage/error/errorno") == "XL03000003"
    assert root.find("operation") is None


def test_transaction_true_rolls_back_and_marks_aborted(ia: IaClient, emu: IntacctEmulator) -> None:
    ia.result(customer("C1"))
    root = ia.call(customer("C2"), customer("C1"), transaction="true")
    results = root.findall("operation/result")
    assert [r.findtext("status") for r in results] == ["aborted", "failure"]
    assert results[0].findtext("errormessage/error/errorno") == "XL03000009"
    assert "XL03000009" in [e.findtext("errorno") for e in results[1].findall("errormessage/error")]
    assert emu.store.find("CUSTOMER", "CUSTOMERID", "C2") == []
    # without transaction the functions fail independently
    root = ia.call(customer("C2"), customer("C1"))
    assert [r.findtext("status") for r in root.findall("operation/result")] == ["success", "failure"]
    assert emu.store.find("CUSTOMER", "CUSTOMERID", "C2")


def test_uniqueid_refuses_a_repeated_function_controlid(ia: IaClient, emu: IntacctEmulator) -> None:
    seed_basic(ia)
    first = ia.call(fn(order(), "opp-006A"), uniqueid="true")
    assert first.findtext("operation/result/status") == "success"
    again = ia.call(fn(order(), "opp-006A"), uniqueid="true")
    res = again.find("operation/result")
    assert res.findtext("status") == "failure"
    assert res.findtext("errormessage/error/errorno") == emu.duplicate_controlid_errorno
    assert emu.store.count("SODOCUMENT") == 1


def test_audit_history_and_company_time(ia: IaClient, emu: IntacctEmulator) -> None:
    rec = ia.result(customer("C1")).findtext("data/customer/RECORDNO")
    ia.result("<update><CUSTOMER><CUSTOMERID>C1</CUSTOMERID><NAME>B</NAME></CUSTOMER></update>")
    ia.result(f"<delete><object>CUSTOMER</object><keys>{rec}</keys></delete>")
    data = ia.result(
        "<query><object>AUDITHISTORY</object><select><field>OBJECTTYPE</field><field>OBJECTKEY</field>"
        "<field>ACCESSMODE</field><field>ACCESSTIME</field><field>USERID</field><field>SOURCE</field></select>"
        "<filter><equalto><field>OBJECTTYPE</field><value>customer</value></equalto></filter>"
        "<orderby><order><field>ACCESSTIME</field><ascending/></order></orderby></query>"
    ).find("data")
    rows = [(r.findtext("ACCESSMODE"), r.findtext("OBJECTKEY")) for r in data]
    assert rows == [("C", rec), ("M", rec), ("D", rec)]
    assert emu.company.local_now().strftime("%m/%d/%Y %H:%M") in data[0].findtext("ACCESSTIME")
    sources = {r.findtext("SOURCE") for r in data}
    assert sources and all(s == s.lower() and s for s in sources)  # SOURCE values are lower case


@pytest.mark.parametrize("field", ["RECORDNO", "OBJECTDESC", "IPADDRESS", "WORKFLOWACTION"])
@pytest.mark.parametrize("where", ["select", "filter", "orderby"])
def test_audit_history_refuses_undocumented_fields(ia: IaClient, field: str, where: str) -> None:
    """Only OBJECTTYPE, OBJECTKEY, ACCESSTIME, ACCESSMODE, USERID and SOURCE are documented."""
    select = f"<field>{field}</field>" if where == "select" else "<field>OBJECTKEY</field>"
    flt = f"<filter><equalto><field>{field}</field><value>1</value></equalto></filter>" if where == "filter" else ""
    order = f"<orderby><order><field>{field}</field><ascending/></order></orderby>" if where == "orderby" else ""
    res = ia.call(f"<query><object>AUDITHISTORY</object><select>{select}</select>{flt}{order}</query>")
    result = res.find("operation/result")
    assert result.findtext("status") == "failure"
    assert field in "".join(result.find("errormessage").itertext())


def test_whenmodified_is_wall_time_in_the_company_zone() -> None:
    from datetime import UTC, datetime

    from sfintacct_sandbox.clock import Clock

    clock = Clock()
    emu = IntacctEmulator(None, clock=clock, company_timezone="Asia/Tokyo")
    emu.reset("empty")
    clock.set_offset(datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC).timestamp() - datetime.now(UTC).timestamp())
    rec = emu.company.create_master("CUSTOMER", {"CUSTOMERID": "T", "NAME": "T"})
    assert rec["WHENMODIFIED"].startswith("01/01/2026 09:0")


def test_transactions_are_counted_the_intacct_way(ia: IaClient, emu: IntacctEmulator) -> None:
    seed_basic(ia)  # 2 creates
    before = emu.stats.snapshot()["transactions"]
    ia.result("<query><object>CUSTOMER</object><select><field>RECORDNO</field></select></query>")
    ia.result(order(items="<sotransitem><itemid>I1</itemid><quantity>1</quantity></sotransitem>" * 3))
    ia.result(customer("C1"))  # failed create counts too
    ia.result("<inspect><object>CUSTOMER</object></inspect>")  # metadata is free
    assert emu.stats.snapshot()["transactions"] - before == 3


def test_session_expires_after_the_sliding_timeout(emu: IntacctEmulator, ia: IaClient) -> None:
    emu.sessions.timeout = 100
    ia.login()
    emu.clock.set_offset(60)
    assert ia.call("<inspect><object>ITEM</object></inspect>").findtext("operation/authentication/status") == "success"
    emu.clock.set_offset(150)  # 90 s after the last use: slid, still valid
    assert ia.call("<inspect><object>ITEM</object></inspect>").findtext("operation/authentication/status") == "success"
    emu.clock.set_offset(300)
    root = ia.call("<inspect><object>ITEM</object></inspect>")
    assert root.findtext("operation/authentication/status") == "failure"
    assert root.findtext("operation/errormessage/error/description2").startswith("Invalid session")


def test_customer_name_longer_than_intacct_allows_is_refused(ia: IaClient) -> None:
    res = ia.result(customer("LONG", name="N" * 101))
    assert res.findtext("status") == "failure"
    errors = [e.findtext("errorno") for e in res.iter("error")]
    assert errors == ["BL03000018", "BL01001973"]
    assert "at most 100" in res.findtext("errormessage/error/description2")
    assert ia.result(customer("LONG", name="N" * 100)).findtext("status") == "success"


def test_two_customers_cannot_share_a_contact_name(ia: IaClient) -> None:
    assert ia.result(customer("A1", name="Same Name Co")).findtext("status") == "success"
    dup = ia.result(customer("A2", name="Same Name Co"))
    assert dup.findtext("status") == "failure"
    assert [e.findtext("errorno") for e in dup.iter("error")] == ["BL34000061", "BL01001973"]
    assert "Another Contact with the given value(s) Same Name Co" in dup.findtext("errormessage/error/description2")
    distinct = customer(
        "A2", name="Same Name Co", extra="<DISPLAYCONTACT><CONTACTNAME>Same Name Co (A2)</CONTACTNAME></DISPLAYCONTACT>"
    )
    assert ia.result(distinct).findtext("status") == "success"
