"""Trouble reported inside an HTTP 200 body, and a write answered without its result, over real HTTP.

The emulator's ``rate_limit_in_body`` (control level), ``offline_in_body`` (function level) and
``no_result`` faults; the wire client backs reads off and retries them, and turns writes into
outcome-unknown so the engine resolves them by lookup.
"""

from __future__ import annotations

import pytest
import requests

from sfintacct_desktop.wire.intacct import (
    IntacctClient,
    IntacctRateLimitError,
    IntacctSecrets,
    IntacctServerError,
    IntacctSettings,
    create,
)
from sfintacct_desktop.wire.transport import Backoff, OutcomeUnknownError
from sfintacct_sandbox import credentials as cred
from sfintacct_sandbox.httpserver import EmulatorServer
from sfintacct_sandbox.intacct.app import IntacctEmulator
from tests.xml_conformance_util import IaClient, fn, ia_request, parse

CREATE = "<create><CUSTOMER><CUSTOMERID>T1</CUSTOMERID><NAME>Transient</NAME></CUSTOMER></create>"


@pytest.fixture()
def emu(ia_server: EmulatorServer) -> IntacctEmulator:
    assert isinstance(ia_server.emulator, IntacctEmulator)
    ia_server.emulator.reset("empty")
    return ia_server.emulator


def arm(ia_server: EmulatorServer, operation: str, mode: str, count: int = 1) -> None:
    body = {"operation": operation, "mode": mode, "count": count}
    assert requests.post(f"{ia_server.url}/__sandbox__/faults", json=body, timeout=10).status_code == 200


def client(ia_server: EmulatorServer, waits: list[float]) -> IntacctClient:
    settings = IntacctSettings(
        sender_id=cred.INTACCT_SENDER_ID,
        company_id=cred.INTACCT_COMPANY_ID,
        user_id=cred.INTACCT_USER_ID,
        endpoint=ia_server.url + "/ia/xml/xmlgw.phtml",
    )
    secrets = IntacctSecrets(cred.INTACCT_SENDER_PASSWORD, cred.INTACCT_USER_PASSWORD)
    c = IntacctClient(settings, secrets, backoff=Backoff(sleep=waits.append, max_attempts=4))
    c.login()
    return c


# ---------------------------------------------------------------------------- the emulator's bodies
@pytest.mark.parametrize("mode", ["rate_limit_in_body", "offline_in_body"])
def test_transient_bodies_are_http_200_and_apply_nothing(
    ia_server: EmulatorServer, emu: IntacctEmulator, mode: str
) -> None:
    ia = IaClient(ia_server.url + "/ia/xml/xmlgw.phtml")
    ia.login()
    arm(ia_server, "create", mode)
    resp = ia.post(ia_request(fn(CREATE), session=ia.session_id))
    assert resp.status_code == 200
    root = parse(resp.content)
    text = "".join(root.itertext())
    if mode == "rate_limit_in_body":
        assert root.findtext("control/status") == "failure"
        assert "API rate limit exceeded" in root.findtext("errormessage/error/description2")
    else:
        assert root.findtext("control/status") == "success"
        assert root.findtext("operation/authentication/status") == "success"
        result = root.find("operation/result")
        assert result.findtext("status") == "failure" and result.findtext("function") == "create"
        assert result.findtext("errormessage/error/description2") == "The Service is Temporarily Off-line"
        assert result.findtext("errormessage/error/correction") == "Please Try Again Later"
    assert "Transient" not in text and not emu.store.find("CUSTOMER", "CUSTOMERID", "T1")


def test_no_result_applies_then_answers_without_results(ia_server: EmulatorServer, emu: IntacctEmulator) -> None:
    ia = IaClient(ia_server.url + "/ia/xml/xmlgw.phtml")
    ia.login()
    arm(ia_server, "create", "no_result")
    root = parse(ia.post(ia_request(fn(CREATE), session=ia.session_id)).content)
    assert root.findtext("control/status") == "success"
    assert root.findtext("operation/authentication/status") == "success"
    assert root.find("operation/result") is None
    assert emu.store.find("CUSTOMER", "CUSTOMERID", "T1")  # it did apply


# ------------------------------------------------------------------------------------ the client
@pytest.mark.parametrize("mode", ["rate_limit_in_body", "offline_in_body"])
def test_a_read_backs_off_and_retries(ia_server: EmulatorServer, emu: IntacctEmulator, mode: str) -> None:
    waits: list[float] = []
    c = client(ia_server, waits)
    c.call([create("CUSTOMER", {"CUSTOMERID": "R1", "NAME": "Reader"})], uniqueid=True)
    arm(ia_server, "query", mode, count=2)
    rows = [r for page in c.query_pages("CUSTOMER", ["CUSTOMERID"]) for r in page]
    assert [r["CUSTOMERID"] for r in rows] == ["R1"] and len(waits) == 2


@pytest.mark.parametrize(
    ("mode", "error"), [("rate_limit_in_body", IntacctRateLimitError), ("offline_in_body", IntacctServerError)]
)
def test_a_read_that_stays_refused_raises_a_transient_error(
    ia_server: EmulatorServer, emu: IntacctEmulator, mode: str, error: type
) -> None:
    c = client(ia_server, [])
    arm(ia_server, "query", mode, count=10)
    with pytest.raises(error):
        list(c.query_pages("CUSTOMER", ["CUSTOMERID"]))
    requests.delete(f"{ia_server.url}/__sandbox__/faults", timeout=10)


@pytest.mark.parametrize("mode", ["rate_limit_in_body", "offline_in_body", "no_result"])
def test_a_write_becomes_outcome_unknown_and_is_not_resent(
    ia_server: EmulatorServer, emu: IntacctEmulator, mode: str
) -> None:
    waits: list[float] = []
    c = client(ia_server, waits)
    arm(ia_server, "create", mode)
    before = requests.get(f"{ia_server.url}/__sandbox__/stats", timeout=10).json()["requests"]
    with pytest.raises(OutcomeUnknownError) as info:
        c.call([create("CUSTOMER", {"CUSTOMERID": "W1", "NAME": "Writer"}, "w-key-1")], uniqueid=True)
    assert info.value.key == "w-key-1" and not waits
    assert requests.get(f"{ia_server.url}/__sandbox__/stats", timeout=10).json()["requests"] == before + 1
    assert bool(emu.store.find("CUSTOMER", "CUSTOMERID", "W1")) is (mode == "no_result")
