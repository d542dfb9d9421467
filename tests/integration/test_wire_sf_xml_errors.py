"""Salesforce error bodies in XML (sent when the client asks for XML) are read like the JSON ones."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sfintacct_desktop.connectors.errors import to_sync_error
from sfintacct_desktop.domain import ErrorKind, System
from sfintacct_desktop.wire.salesforce import SalesforceApiError
from sfintacct_desktop.wire.salesforce.parse import parse_api_errors
from sfintacct_sandbox.runner import Sandbox, SandboxOptions
from tests.support.sync_env import sf_connector


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxOptions(seed="empty")) as running:
        yield running


def test_the_emulator_answers_errors_in_xml_when_asked(sandbox: Sandbox) -> None:
    client = sf_connector(sandbox).client
    sf = client._sf  # the logged-in simple_salesforce session (its loopback transport: client.session)
    url = f"{sf.base_url}query"
    headers = {"Authorization": f"Bearer {sf.session_id}", "Accept": "application/xml"}
    resp = client.session.get(url, params={"q": "SELECT Nope__c FROM Account"}, headers=headers, timeout=10)
    assert resp.status_code == 400 and resp.headers["Content-Type"].startswith("application/xml")
    assert resp.text.lstrip().startswith("<?xml") and "<Errors><Error><errorCode>" in resp.text
    (code, message, _), *_ = parse_api_errors(resp.text)
    as_json = {**headers, "Accept": "*/*"}
    json_body = client.session.get(url, params={"q": "SELECT Nope__c FROM Account"}, headers=as_json, timeout=10)
    assert [(code, message)] == [(c, m) for c, m, _ in parse_api_errors(json_body.json())]


def test_the_client_reads_an_xml_error_like_a_json_one(sandbox: Sandbox) -> None:
    client = sf_connector(sandbox).client
    client.session.headers["Accept"] = "application/xml"
    with pytest.raises(SalesforceApiError) as info:
        client.query_all("SELECT Nope__c FROM Account")
    assert info.value.code == "INVALID_FIELD" and "Nope__c" in str(info.value)
    assert to_sync_error(info.value, System.SALESFORCE).info.kind is ErrorKind.SCHEMA


def test_xml_with_a_dtd_is_not_expanded() -> None:
    body = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>'
        "<Errors><Error><errorCode>&e;</errorCode></Error></Errors>"
    )
    assert parse_api_errors(body) == []
    lone = "<Error><errorCode>NOT_FOUND</errorCode><message>gone</message><fields>Id</fields></Error>"
    assert parse_api_errors(lone.encode()) == [("NOT_FOUND", "gone", ("Id",))]
