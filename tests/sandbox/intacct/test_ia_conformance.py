"""The emulator's answers have the shapes of recorded real responses (../shared/corpus/intacct)
and of the PHP SDK's test envelopes: same elements, nesting and attributes; values may differ."""

from __future__ import annotations

import pytest

from sfintacct_sandbox.httpserver import EmulatorServer
from tests.xml_conformance_util import IaClient, assert_same_structure, corpus_file, fn, ia_request, parse

ROWS = "*/data"  # record rows belong to another object in the recordings: compare by name only


@pytest.fixture()
def ia(ia_server: EmulatorServer) -> IaClient:
    ia_server.emulator.reset("empty")
    return IaClient(ia_server.url + "/ia/xml/xmlgw.phtml")


def _customer(cid: str) -> str:
    return f"<create><CUSTOMER><CUSTOMERID>{cid}</CUSTOMERID><NAME>N {cid}</NAME></CUSTOMER></create>"


def test_login_getapisession_matches_create_session_recording(ia: IaClient) -> None:
    resp = ia.post(ia_request(fn("<getAPISession/>")))
    assert_same_structure(resp.content, corpus_file("craibuc__Create-Session.Response.xml"))


def test_php_sdk_login_success_envelope(ia: IaClient) -> None:
    """PHP OnlineResponseTest login success (the recorded login answer's shape)."""
    expected = (
        "<response><control><status>success</status><senderid>s</senderid><controlid>c</controlid><uniqueid>false"
        "</uniqueid><dtdversion>3.0</dtdversion></control><operation><authentication><status>success</status>"
        "<userid>u</userid><companyid>c</companyid><locationid></locationid><sessiontimestamp>t</sessiontimestamp>"
        "<sessiontimeout>t</sessiontimeout></authentication><result><status>success</status><function>getAPISession"
        "</function><controlid>x</controlid><data><api><sessionid>s</sessionid><endpoint>e</endpoint><locationid>"
        "</locationid></api></data></result></operation></response>"
    )
    assert_same_structure(ia.post(ia_request(fn("<getAPISession/>"))).content, expected)


def test_bad_login_matches_exec_login_invalid(ia: IaClient) -> None:
    resp = ia.post(ia_request(fn("<getAPISession/>"), login={"password": "wrong"}))
    assert_same_structure(resp.content, corpus_file("jfcote87__execLoginInvalid.xml"))
    assert (
        parse(resp.content).findtext("operation/errormessage/error/description2") == "Sign-in information is incorrect"
    )


def test_invalid_session_matches_recording(ia: IaClient) -> None:
    resp = ia.post(ia_request(fn("<inspect><object>ITEM</object></inspect>"), session="nope.."))
    assert_same_structure(resp.content, corpus_file("jfcote87__sessionInvalid.xml"))


def test_malformed_xml_matches_exec_xml_error(ia: IaClient) -> None:
    body = ia_request(fn(_customer("X"))).replace("</CUSTOMERID>", "</PROJECTID>")
    root = parse(ia.post(body).content)
    expected = parse(corpus_file("jfcote87__execXMLError.xml"))
    assert_same_structure(root, expected)
    desc = root.findtext("errormessage/error/description2")
    assert desc.startswith("XML Parse schema error: Fatal Error 76: Opening and ending tag mismatch")


def test_duplicate_create_matches_exec_func_error(ia: IaClient) -> None:
    ia.result(_customer("DUP"))
    result = ia.call(_customer("DUP"), uniqueid="false")
    # The recording's failed create also carried <data> for a second object of the same call.
    both = ia.call(
        "<create><CUSTOMER><CUSTOMERID>DUP</CUSTOMERID><NAME>x</NAME></CUSTOMER>"
        "<CUSTOMER><CUSTOMERID>NEW</CUSTOMERID><NAME>y</NAME></CUSTOMER></create>"
    )
    expected = parse(corpus_file("jfcote87__execFuncError.xml"))
    # the recorded authentication block predates sessiontimeout; compare from <result> down
    assert_same_structure(
        both.find("operation/result"), expected.find("operation/result"), opaque=[ROWS], rename={"project": "customer"}
    )
    assert result.findtext("operation/result/status") == "failure"


def test_mixed_success_and_failure_matches_function_error_success(ia: IaClient) -> None:
    rec = ia.result(_customer("R1")).findtext("data/customer/RECORDNO")
    bad = "<read><object>CUSTOMER</object><keys>1</keys><fields>x</fields></read>"
    good = f"<read><object>CUSTOMER</object><keys>{rec}</keys><fields>RECORDNO,CUSTOMERID</fields></read>"
    root = ia.call(bad, good, bad.replace(">x<", ">y<"))
    expected = parse(corpus_file("jfcote87__functionErrorSuccess.xml"))
    assert [r.findtext("status") for r in root.findall("operation/result")] == ["failure", "success", "failure"]
    assert_same_structure(root, expected, opaque=[ROWS], rename={"APBILL": "CUSTOMER"})
    assert root.find("operation/result").find("data") is None


def test_read_by_query_matches_find_intacct_object(ia: IaClient) -> None:
    for i in range(3):
        ia.result(_customer(f"Q{i}"))
    root = ia.call(
        "<readByQuery><object>CUSTOMER</object><fields>*</fields><query></query><pagesize>1</pagesize></readByQuery>"
    )
    assert_same_structure(
        root, corpus_file("craibuc__Find-IntacctObject.Response.xml"), opaque=[ROWS], rename={"apbill": "customer"}
    )
    assert root.find("operation/result/data")[0].tag == "customer"


def test_read_by_query_and_read_match_exec_project_success(ia: IaClient) -> None:
    rec = ia.result(_customer("P1")).findtext("data/customer/RECORDNO")
    root = ia.call(
        "<readByQuery><object>CUSTOMER</object><fields>RECORDNO,CUSTOMERID,NAME</fields><query/></readByQuery>",
        f"<read><object>CUSTOMER</object><keys>{rec}</keys><fields>RECORDNO,CUSTOMERID,NAME</fields></read>",
    )
    expected = parse(corpus_file("jfcote87__execProjectSuccess.xml"))
    for got, want in zip(root.findall("operation/result"), expected.findall("operation/result"), strict=True):
        assert_same_structure(
            got, want, rename={"project": "customer", "PROJECT": "CUSTOMER", "PROJECTID": "CUSTOMERID"}
        )


@pytest.mark.parametrize(
    "detail, recording", [("0", "craibuc__Get-Object.Object.xml"), ("1", "craibuc__Get-Object.Object.Details.xml")]
)
def test_inspect_matches_get_object(ia: IaClient, detail: str, recording: str) -> None:
    root = ia.call(f'<inspect detail="{detail}"><object>CUSTOMER</object></inspect>')
    expected = parse(corpus_file(recording))
    assert_same_structure(root.find("operation/result"), expected.find("operation/result"))
    names = [f.text if detail == "0" else f.findtext("Name") for f in root.find("operation/result/data/Type/Fields")]
    assert "SFDC_ACCOUNT_ID" in names


def test_inspect_star_matches_get_object_default(ia: IaClient) -> None:
    root = ia.call("<inspect><object>*</object></inspect>")
    expected = parse(corpus_file("craibuc__Get-Object.Default.xml"))
    assert_same_structure(root.find("operation/result"), expected.find("operation/result"))


@pytest.mark.parametrize(
    "action, recording", [("create", "craibuc__Save-Object.create.xml"), ("update", "craibuc__Save-Object.update.xml")]
)
def test_create_and_update_match_save_object(ia: IaClient, action: str, recording: str) -> None:
    if action == "update":
        ia.result(_customer("S1"))
    root = ia.call(f"<{action}><CUSTOMER><CUSTOMERID>S1</CUSTOMERID><NAME>n</NAME></CUSTOMER></{action}>")
    assert_same_structure(root, corpus_file(recording), rename={"vendor": "customer", "VENDORID": "CUSTOMERID"})


def test_php_sdk_transaction_rollback_envelope(ia: IaClient) -> None:
    """PHP OnlineClientTest::testExecuteBatchTransactionResultException: aborted + failure, XL03000009."""
    ia.result(_customer("T1"))
    root = ia.call(_customer("T2"), _customer("T1"), transaction="true")
    expected = (
        "<operation><authentication><status/><userid/><companyid/><locationid/><sessiontimestamp/><sessiontimeout/>"
        "</authentication><result><status>aborted</status><function>create</function><controlid>a</controlid>"
        "<errormessage><error><errorno>XL03000009</errorno><description/><description2>x</description2><correction/>"
        "</error></errormessage></result></operation>"
    )
    assert_same_structure(root.find("operation"), expected)
    assert root.findall("operation/result")[1].findtext("status") == "failure"


def test_gateway_error_for_a_body_that_is_not_xml(ia: IaClient) -> None:
    resp = ia.post("this is not xml")
    assert resp.status_code == 400 and resp.headers["Content-Type"].startswith("text/xml")
    expected = (
        "<response><control><status>failure</status></control><errormessage><error><errorno>GW-0011</errorno>"
        "<description>d</description><description2>d</description2><correction/></error></errormessage>"
        "</response>"
    )
    assert_same_structure(resp.content, expected)
    assert ia.post("<nope/>").status_code == 400


# The shape of a failed generic create, as in Intacct's XML request documentation (the example of a
# duplicate GL account) and the PHP SDK's ClassObjTest: an empty <data> before the errors.
FAILED_CREATE = (
    "<result><status>failure</status><function>create</function><controlid>c</controlid>"
    '<data listtype="objects" count="0"/><errormessage><error><errorno>BL01001973</errorno><description/>'
    "<description2>d</description2><correction/></error></errormessage></result>"
)


def test_failed_create_carries_empty_data_before_errormessage(ia: IaClient) -> None:
    ia.result(_customer("DUP0"))
    result = ia.result(_customer("DUP0"))
    assert_same_structure(result, FAILED_CREATE)
    data = result.find("data")
    assert (data.get("listtype"), data.get("count"), len(data)) == ("objects", "0", 0)
    # the same for an update that fails, and for a create rolled back inside a transaction
    bad_update = ia.result("<update><CUSTOMER><CUSTOMERID>NOPE</CUSTOMERID><NAME>n</NAME></CUSTOMER></update>")
    assert_same_structure(bad_update, FAILED_CREATE.replace(">create<", ">update<"))
    root = ia.call(
        "<create><CUSTOMER><CUSTOMERID>TX1</CUSTOMERID><NAME>a</NAME></CUSTOMER>"
        "<CUSTOMER><CUSTOMERID>DUP0</CUSTOMERID><NAME>b</NAME></CUSTOMER></create>",
        transaction="true",
    )
    failed = root.find("operation/result")
    assert failed.findtext("status") == "failure"
    assert (failed.find("data").get("count"), len(failed.find("data"))) == ("0", 0)  # TX1 was rolled back
    assert ia.result(_customer("TX1")).findtext("status") == "success"


def test_authentication_block_has_the_recorded_elements_in_order(ia: IaClient) -> None:
    """status, userid, companyid, locationid, sessiontimestamp, sessiontimeout: for a login and for
    a session, exactly the elements (and order) of the recorded getAPISession answer."""
    recorded = parse(corpus_file("craibuc__Create-Session.Response.xml")).find("operation/authentication")
    want = [c.tag for c in recorded]
    by_login = parse(ia.post(ia_request(fn("<getAPISession/>"))).content).find("operation/authentication")
    by_session = ia.call("<inspect><object>CUSTOMER</object></inspect>").find("operation/authentication")
    for auth in (by_login, by_session):
        assert [c.tag for c in auth] == want
        assert auth.find("locationid") is not None and auth.findtext("locationid") == ""


def test_read_more_with_an_unknown_result_id_fails_that_function_only(ia: IaClient) -> None:
    """The real wording is not published; the shape is a function failure like any other, and the
    functions beside it still answer."""
    root = ia.call(
        "<readMore><resultId>nope-not-a-result</resultId></readMore>", "<inspect><object>ITEM</object></inspect>"
    )
    failed, ok = root.findall("operation/result")
    assert (failed.findtext("status"), ok.findtext("status")) == ("failure", "success")
    expected = (
        "<result><status/><function/><controlid/><errormessage><error><errorno/><description/><description2/>"
        "<correction/></error></errormessage></result>"
    )
    assert_same_structure(failed, expected)
    assert "nope-not-a-result" in str(failed.findtext("errormessage/error/description2"))
