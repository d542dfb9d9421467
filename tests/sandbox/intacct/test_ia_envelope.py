"""Envelope parsing, control-level errors and seed loading of the Intacct emulator."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from sfintacct_sandbox.httpserver import EmulatorServer
from sfintacct_sandbox.intacct.app import IntacctEmulator
from sfintacct_sandbox.intacct.envelope import ControlError, GatewayError, parse_request
from tests.xml_conformance_util import IaClient, fn, ia_request, parse

INSPECT = fn("<inspect><object>ITEM</object></inspect>")


@pytest.fixture(scope="module")
def server() -> Iterator[EmulatorServer]:
    emu = IntacctEmulator(None)
    emu.reset("empty")
    srv = EmulatorServer(emu).start()
    yield srv
    srv.stop()


@pytest.fixture()
def ia(server: EmulatorServer) -> IaClient:
    return IaClient(server.url + "/ia/xml/xmlgw.phtml")


def test_parse_request_reads_control_and_operations() -> None:
    req = parse_request(ia_request(INSPECT, session="abc", uniqueid="true", transaction="true").encode())
    assert req.control["senderid"] and req.uniqueid and not req.pretty
    assert req.operations[0].transaction and req.operations[0].auth.sessionid == "abc"
    assert req.function_names() == ["inspect"]


@pytest.mark.parametrize("body", [b"", b"hello", b'{"json": 1}', b"<other/>"])
def test_not_a_request_is_a_gateway_error(body: bytes) -> None:
    with pytest.raises(GatewayError):
        parse_request(body)


def test_doctype_in_a_request_is_refused_without_resolving() -> None:
    body = ia_request(INSPECT).replace(
        "<request>", '<!DOCTYPE request [<!ENTITY x SYSTEM "file:///etc/passwd">]><request>'
    )
    with pytest.raises(ControlError) as err:
        parse_request(body.encode())
    assert err.value.errors[0].errorno == "XL03000003"


def test_control_elements_out_of_order_are_a_schema_error() -> None:
    body = ia_request(INSPECT).replace("<controlid>ctl-1</controlid>", "")
    body = body.replace("<uniqueid>", "<controlid>ctl-1</controlid><uniqueid>").replace(
        "<senderid>", "<dtdversion>3.0</dtdversion><senderid>", 1
    )
    with pytest.raises(ControlError) as err:
        parse_request(body.encode())
    assert "This element is not expected" in err.value.errors[0].description2


def test_query_grammar_errors_fail_the_whole_request_but_bad_fields_fail_the_function(ia: IaClient) -> None:
    no_select = ia.call("<query><object>CUSTOMER</object></query>")
    assert no_select.findtext("control/status") == "failure"
    assert no_select.findtext("errormessage/error/errorno") == "XL03000003"
    bad_field = ia.call("<query><object>CUSTOMER</object><select><field>NOPE</field></select></query>")
    assert bad_field.findtext("control/status") == "success"
    assert bad_field.findtext("operation/result/status") == "failure"


def test_function_without_controlid_is_a_schema_error() -> None:
    with pytest.raises(ControlError):
        parse_request(ia_request("<function><inspect><object>ITEM</object></inspect></function>").encode())


def test_bad_sender_is_a_control_failure(ia: IaClient) -> None:
    root = parse(ia.post(ia_request(INSPECT, sender=("x", "y"))).content)
    assert root.findtext("control/status") == "failure" and root.find("operation") is None
    assert root.findtext("errormessage/error/errorno") == "XL03000006"
    assert root.findtext("errormessage/error/description2") == "Incorrect Intacct XML Partner ID or password."


def test_dtdversion_2_1_omits_sessiontimeout_and_others_fail(ia: IaClient) -> None:
    root = parse(ia.post(ia_request(INSPECT, dtdversion="2.1")).content)
    assert root.findtext("operation/authentication/status") == "success"
    assert root.find("operation/authentication/sessiontimeout") is None
    bad = parse(ia.post(ia_request(INSPECT, dtdversion="4.0")).content)
    assert bad.findtext("errormessage/error/errorno") == "XL03000003"


def test_get_api_session_must_be_alone(ia: IaClient) -> None:
    root = parse(ia.post(ia_request(fn("<getAPISession/>") + INSPECT.replace("f1", "f2"))).content)
    assert root.findtext("operation/result/status") == "failure"


def test_other_paths_and_methods_answer_xml_404(server: EmulatorServer) -> None:
    for resp in (
        requests.get(server.url + "/ia/xml/xmlgw.phtml", timeout=10),
        requests.post(server.url + "/other", data=b"<request/>", timeout=10),
    ):
        assert resp.status_code == 404 and resp.headers["Content-Type"].startswith("text/xml")
        assert parse(resp.content).findtext("errormessage/error/description2")


def test_form_encoded_xmlrequest_is_accepted(ia: IaClient) -> None:
    resp = requests.post(ia.url, data={"xmlrequest": ia_request(INSPECT)}, timeout=10)
    assert parse(resp.content).findtext("operation/result/status") == "success"


def test_oversized_request_is_refused(server: EmulatorServer, ia: IaClient) -> None:
    emu = server.emulator
    assert isinstance(emu, IntacctEmulator)
    emu.max_request_bytes = 1000
    try:
        assert ia.post(ia_request(INSPECT) + " " * 2000).status_code == 400
    finally:
        emu.max_request_bytes = 16 * 1024 * 1024


def test_lookup_lists_custom_fields_with_types(ia: IaClient) -> None:
    data = ia.result("<lookup><object>SODOCUMENT</object></lookup>").find("data/Type")
    assert data.get("Name") == "SODOCUMENT"
    ids = [f.findtext("ID") for f in data.find("Fields")]
    assert "PONUMBER" in ids
    cust = ia.result("<lookup><object>CUSTOMER</object></lookup>").find("data/Type/Fields")
    status = next(f for f in cust if f.findtext("ID") == "STATUS")
    assert [v.text for v in status.find("VALIDVALUES")] == ["active", "inactive"]


def test_empty_seed_has_the_company_setup() -> None:
    emu = IntacctEmulator(None)
    emu.reset("empty")
    assert {r["DOCID"] for r in emu.store.rows("SODOCUMENTPARAMS").values()} == {"Sales Order", "Sales Invoice"}
    assert emu.company.by_id("CHECKINGACCOUNT", "BANKACCOUNTID", "BOA")
    assert emu.company.by_id("ARTERM", "NAME", "Net 30")
    assert emu.store.meta("seed_refs") == {}


def test_demo_seed_loads_through_the_rules_and_records_refs(tmp_path: object) -> None:
    pytest.importorskip("sfintacct_sandbox.seeds.demo")
    emu = IntacctEmulator(tmp_path)  # type: ignore[arg-type]
    emu.reset("demo")
    refs = emu.store.meta("seed_refs")
    assert refs and emu.store.count("CUSTOMER") > 50 and emu.store.count("ARINVOICE") > 0
    assert any(v.startswith("Sales Order-SO") for v in refs.values())
    emu.store.close()
    again = IntacctEmulator(tmp_path)  # type: ignore[arg-type]
    assert again.store.count("CUSTOMER") == emu.store.count("CUSTOMER")  # persisted for a restart
    again.store.close()
