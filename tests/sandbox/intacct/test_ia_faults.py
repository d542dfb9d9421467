"""Every injected fault of the Intacct emulator, over real HTTP."""

from __future__ import annotations

import pytest
import requests
from lxml import etree

from sfintacct_sandbox.httpserver import EmulatorServer
from sfintacct_sandbox.intacct.app import IntacctEmulator
from tests.xml_conformance_util import IaClient, fn, ia_request, parse

CREATE = "<create><CUSTOMER><CUSTOMERID>F1</CUSTOMERID><NAME>Fault</NAME></CUSTOMER></create>"


@pytest.fixture()
def emu(ia_server: EmulatorServer) -> IntacctEmulator:
    assert isinstance(ia_server.emulator, IntacctEmulator)
    ia_server.emulator.reset("empty")
    return ia_server.emulator


@pytest.fixture()
def ia(emu: IntacctEmulator, ia_server: EmulatorServer) -> IaClient:
    client = IaClient(ia_server.url + "/ia/xml/xmlgw.phtml")
    client.login()
    return client


def arm(ia_server: EmulatorServer, operation: str, mode: str, **extra: object) -> None:
    resp = requests.post(
        f"{ia_server.url}/__sandbox__/faults", json={"operation": operation, "mode": mode, **extra}, timeout=10
    )
    assert resp.status_code == 200


def post_create(ia: IaClient) -> requests.Response:
    return ia.post(ia_request(fn(CREATE), session=ia.session_id))


def created(emu: IntacctEmulator) -> bool:
    return bool(emu.store.find("CUSTOMER", "CUSTOMERID", "F1"))


def test_http_500_applies_nothing(ia_server: EmulatorServer, emu: IntacctEmulator, ia: IaClient) -> None:
    arm(ia_server, "create", "http_500")
    resp = post_create(ia)
    assert resp.status_code == 500 and parse(resp.content).findtext("errormessage/error/description2")
    assert not created(emu)
    assert post_create(ia).status_code == 200 and created(emu)  # count=1: the next one goes through


def test_http_524_applies_then_answers_cloudflare(
    ia_server: EmulatorServer, emu: IntacctEmulator, ia: IaClient
) -> None:
    arm(ia_server, "create", "http_524")
    resp = post_create(ia)
    assert resp.status_code == 524 and "cf-error-details" in resp.text
    assert created(emu)


def test_rate_limit_is_429_gw_0010(ia_server: EmulatorServer, emu: IntacctEmulator, ia: IaClient) -> None:
    arm(ia_server, "*", "rate_limit")
    resp = post_create(ia)
    assert resp.status_code == 429
    assert parse(resp.content).findtext("errormessage/error/errorno") == "GW-0010"
    assert not created(emu)


def test_timeout_applies_then_answers_late(ia_server: EmulatorServer, emu: IntacctEmulator, ia: IaClient) -> None:
    arm(ia_server, "create", "timeout", delay_seconds=0.2)
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(ia.url, data=ia_request(fn(CREATE), session=ia.session_id), timeout=0.05)
    # the request was applied although the client gave up: a retry must look it up first
    with emu.store.lock:
        assert created(emu)


def test_drop_after_apply_closes_without_answer(ia_server: EmulatorServer, emu: IntacctEmulator, ia: IaClient) -> None:
    arm(ia_server, "create", "drop_after_apply")
    with pytest.raises(requests.exceptions.ConnectionError):
        post_create(ia)
    assert created(emu)


def test_invalid_session_fault_invalidates_the_session(
    ia_server: EmulatorServer, emu: IntacctEmulator, ia: IaClient
) -> None:
    arm(ia_server, "create", "invalid_session")
    root = parse(post_create(ia).content)
    assert root.findtext("operation/authentication/status") == "failure"
    assert root.findtext("operation/errormessage/error/errorno") == "XL03000006"
    assert not created(emu)
    again = parse(post_create(ia).content)  # the old session stays invalid
    assert again.findtext("operation/errormessage/error/description2").startswith("Invalid session")


@pytest.mark.parametrize("mode", ["xxe", "entity_bomb"])
def test_hostile_dtd_responses(ia_server: EmulatorServer, emu: IntacctEmulator, ia: IaClient, mode: str) -> None:
    arm(ia_server, "create", mode)
    resp = post_create(ia)
    assert resp.status_code == 200 and b"<!DOCTYPE response" in resp.content and b"<!ENTITY" in resp.content
    if mode == "xxe":
        assert b'SYSTEM "file:///etc/passwd"' in resp.content and b"&xxe;" in resp.content
    else:
        assert b"&lol9;" in resp.content
    # a hardened parser either refuses it or reads it without resolving anything
    try:
        root = parse(resp.content)
    except etree.XMLSyntaxError:
        assert mode == "entity_bomb"  # libxml2 refuses the amplification outright
    else:
        assert b"root:" not in etree.tostring(root) and len(etree.tostring(root)) < 10_000
    assert not created(emu)


def test_fault_on_another_function_does_not_fire(ia_server: EmulatorServer, emu: IntacctEmulator, ia: IaClient) -> None:
    arm(ia_server, "create_sotransaction", "http_500")
    assert post_create(ia).status_code == 200
    assert requests.get(f"{ia_server.url}/__sandbox__/faults", timeout=10).json()["armed"]
