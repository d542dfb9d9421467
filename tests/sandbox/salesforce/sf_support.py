"""Shared fixtures of the Salesforce emulator tests: a live server on loopback and an API client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from sfintacct_sandbox import credentials as cred
from sfintacct_sandbox.httpserver import EmulatorServer
from sfintacct_sandbox.salesforce.app import SalesforceEmulator

V = "59.0"


class Api:
    """A thin REST client: logs in over SOAP, then calls ``/services/data/v59.0/...``."""

    def __init__(self, server: EmulatorServer) -> None:
        self.server = server
        self.url = server.url
        self.http = requests.Session()
        self.token = self.login()

    def login(self) -> str:
        body = (
            '<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>'
            '<n1:login xmlns:n1="urn:partner.soap.sforce.com">'
            f"<n1:username>{cred.SF_USERNAME}</n1:username>"
            f"<n1:password>{cred.SF_PASSWORD}{cred.SF_SECURITY_TOKEN}</n1:password>"
            "</n1:login></env:Body></env:Envelope>"
        )
        r = self.http.post(f"{self.url}/services/Soap/u/{V}", data=body, headers={"SOAPAction": "login"})
        assert r.status_code == 200, r.text
        return r.text.split("<sessionId>")[1].split("</sessionId>")[0]

    def call(self, method: str, path: str, body: Any = None, **kw: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kw.pop("headers", {})}
        return self.http.request(
            method, f"{self.url}/services/data/v{kw.pop('version', V)}/{path}", json=body, headers=headers, **kw
        )

    def create(self, sobject: str, body: dict[str, Any]) -> str:
        r = self.call("POST", f"sobjects/{sobject}/", body)
        assert r.status_code == 201, r.text
        return r.json()["id"]

    def get(self, sobject: str, record_id: str) -> dict[str, Any]:
        r = self.call("GET", f"sobjects/{sobject}/{record_id}")
        assert r.status_code == 200, r.text
        return r.json()

    def admin(self, method: str, action: str, body: Any = None) -> Any:
        r = self.http.request(method, f"{self.url}/__sandbox__/{action}", json=body)
        assert r.status_code == 200, r.text
        return r.json()

    def standard_pricebook(self) -> str:
        return self.server.emulator.org.standard_pricebook_id() or ""

    def product_with_price(self, name: str = "Widget", price: float = 100.0) -> tuple[str, str]:
        """A product and its standard price book entry."""
        pid = self.create("Product2", {"Name": name, "IsActive": True})
        pbe = self.create(
            "PricebookEntry",
            {"Product2Id": pid, "Pricebook2Id": self.standard_pricebook(), "UnitPrice": price, "IsActive": True},
        )
        return pid, pbe


@pytest.fixture(name="sf_server")
def sf_server_fixture() -> Iterator[EmulatorServer]:
    emulator = SalesforceEmulator(None)
    emulator.reset("empty")
    server = EmulatorServer(emulator, "127.0.0.1", 0).start()
    yield server
    server.stop()


@pytest.fixture(name="api")
def api_fixture(sf_server: EmulatorServer) -> Api:
    return Api(sf_server)


class ToEmulator(requests.adapters.HTTPAdapter):
    """Send simple-salesforce's https calls to the emulator."""

    def __init__(self, netloc: str) -> None:
        super().__init__()
        self.netloc = netloc

    def send(self, request: requests.PreparedRequest, **kw: Any) -> requests.Response:  # type: ignore[override]
        p = urlsplit(request.url or "")
        if p.hostname and (p.hostname.endswith("salesforce.com") or p.netloc == self.netloc):
            request.url = urlunsplit(("http", self.netloc, p.path, p.query, p.fragment))
        return super().send(request, **kw)


def emulator_session(server: EmulatorServer) -> requests.Session:
    session = requests.Session()
    session.mount("https://", ToEmulator(f"127.0.0.1:{server.port}"))
    return session
