"""Partner-API undelete: a record restored from the recycle bin is live again and queryable."""

from __future__ import annotations

import pytest
import requests

from sfintacct_sandbox import credentials as cred
from sfintacct_sandbox.httpserver import EmulatorServer
from sfintacct_sandbox.salesforce.app import SalesforceEmulator

V = "59.0"


@pytest.fixture
def sf():
    srv = EmulatorServer(SalesforceEmulator(None)).start()
    srv.emulator.reset("empty")
    yield srv
    srv.stop()


def _token(url: str) -> str:
    r = requests.post(
        url + "/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": cred.SF_CONSUMER_KEY,
            "client_secret": cred.SF_CONSUMER_SECRET,
            "username": cred.SF_USERNAME,
            "password": cred.SF_PASSWORD + cred.SF_SECURITY_TOKEN,
        },
        timeout=10,
    )
    return r.json()["access_token"]


def _undelete(url: str, token: str, *ids: str) -> str:
    body = (
        '<?xml version="1.0" encoding="utf-8"?><soapenv:Envelope '
        'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com">'
        f"<soapenv:Header><urn:SessionHeader><urn:sessionId>{token}</urn:sessionId></urn:SessionHeader>"
        "</soapenv:Header><soapenv:Body><urn:undelete>"
        + "".join(f"<urn:ids>{i}</urn:ids>" for i in ids)
        + "</urn:undelete></soapenv:Body></soapenv:Envelope>"
    )
    r = requests.post(
        f"{url}/services/Soap/u/{V}/{cred.SF_ORG_ID}",
        data=body.encode(),
        headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": "undelete"},
        timeout=10,
    )
    return r.text


def test_undelete_restores_a_deleted_account(sf):
    token = _token(sf.url)
    h = {"Authorization": f"Bearer {token}"}
    base = f"{sf.url}/services/data/v{V}"
    acc = requests.post(base + "/sobjects/Account/", json={"Name": "Phoenix"}, headers=h, timeout=10).json()["id"]
    assert requests.delete(f"{base}/sobjects/Account/{acc}", headers=h, timeout=10).status_code == 204
    assert requests.get(f"{base}/sobjects/Account/{acc}", headers=h, timeout=10).status_code == 404
    before = requests.get(
        f"{base}/queryAll/", params={"q": "SELECT SystemModstamp FROM Account"}, headers=h, timeout=10
    )
    stamp = before.json()["records"][0]["SystemModstamp"]

    text = _undelete(sf.url, token, acc)
    assert f"<id>{acc}</id><success>true</success>" in text
    row = requests.get(f"{base}/sobjects/Account/{acc}", headers=h, timeout=10).json()
    assert row["IsDeleted"] is False and row["Name"] == "Phoenix"
    assert row["SystemModstamp"] >= stamp  # the restore is a change the sync can see


def test_undelete_of_a_live_record_fails_per_record(sf):
    token = _token(sf.url)
    h = {"Authorization": f"Bearer {token}"}
    base = f"{sf.url}/services/data/v{V}"
    acc = requests.post(base + "/sobjects/Account/", json={"Name": "Alive"}, headers=h, timeout=10).json()["id"]
    text = _undelete(sf.url, token, acc)
    assert "<statusCode>UNDELETE_FAILED</statusCode>" in text and "<success>false</success>" in text


def test_undelete_needs_a_valid_session(sf):
    text = _undelete(sf.url, "bogus", "001000000000001AAA")
    assert "sf:INVALID_SESSION_ID" in text
