"""The Salesforce wire client against the emulator over real HTTP: logins, reads, paging, URL policy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from sfintacct_desktop.wire.salesforce import (
    AuthMethod,
    SalesforceAuthError,
    SalesforceClient,
    SalesforceSecrets,
    SalesforceSettings,
)
from sfintacct_desktop.wire.transport import Backoff, InsecureTransportError
from sfintacct_sandbox import credentials as cred
from sfintacct_sandbox.httpserver import EmulatorServer
from sfintacct_sandbox.salesforce.app import SalesforceEmulator

NO_SLEEP = Backoff(sleep=lambda s: None)
SECRETS = SalesforceSecrets(
    password=cred.SF_PASSWORD, security_token=cred.SF_SECURITY_TOKEN, consumer_secret=cred.SF_CONSUMER_SECRET
)


@pytest.fixture(name="server")
def server_fixture() -> Iterator[EmulatorServer]:
    emulator = SalesforceEmulator(None)
    emulator.reset("empty")
    server = EmulatorServer(emulator, "127.0.0.1", 0).start()
    yield server
    server.stop()


def settings_for(server: EmulatorServer, method: AuthMethod = AuthMethod.SOAP, **kw: Any) -> SalesforceSettings:
    return SalesforceSettings(
        auth_method=method,
        login_host=server.url,
        username=cred.SF_USERNAME,
        consumer_key=cred.SF_CONSUMER_KEY,
        **({"timeout": (5.0, 30.0)} | kw),
    )


def connect(server: EmulatorServer, **kw: Any) -> SalesforceClient:
    return SalesforceClient.connect(settings_for(server, **kw), SECRETS, backoff=NO_SLEEP)


def admin(server: EmulatorServer, method: str, action: str, body: Any = None) -> Any:
    r = requests.request(method, f"{server.url}/__sandbox__/{action}", json=body, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def test_soap_login_and_describe(server: EmulatorServer) -> None:
    client = connect(server)
    assert client.describe("Account")["keyPrefix"] == "001"
    assert client.instance == f"127.0.0.1:{server.port}"
    assert client.api_usage is not None and client.api_usage[1] == 15000
    assert cred.SF_PASSWORD not in repr(client) and "***" in repr(SECRETS)
    assert cred.SF_PASSWORD not in repr(SECRETS) and cred.SF_CONSUMER_SECRET not in repr(SECRETS)


def test_oauth_password_login(server: EmulatorServer) -> None:
    assert connect(server, method=AuthMethod.OAUTH_PASSWORD).describe("Account")["keyPrefix"] == "001"


def test_client_credentials_login(server: EmulatorServer) -> None:
    assert connect(server, method=AuthMethod.CLIENT_CREDENTIALS).describe("Opportunity")["keyPrefix"] == "006"


def test_jwt_login(server: EmulatorServer, tmp_path: Path) -> None:
    key = tmp_path / "key.pem"
    key.write_text(server.emulator.jwt_private_key_pem())  # type: ignore[attr-defined]
    client = connect(server, method=AuthMethod.JWT, private_key_file=str(key))
    assert client.query_all("SELECT Id FROM Account") == []


@pytest.mark.parametrize("method", [AuthMethod.SOAP, AuthMethod.OAUTH_PASSWORD])
def test_wrong_password_is_a_clear_auth_error_without_the_password(server: EmulatorServer, method: AuthMethod) -> None:
    wrong = SalesforceSecrets(password="Wrong-Secret-123", security_token="TOKEN-XYZ", consumer_secret="cs-secret-9")
    with pytest.raises(SalesforceAuthError) as caught:
        SalesforceClient.connect(settings_for(server, method), wrong, backoff=NO_SLEEP)
    text = str(caught.value)
    assert text.startswith("Salesforce refused the login")
    for secret in ("Wrong-Secret-123", "TOKEN-XYZ", "cs-secret-9"):
        assert secret not in text and secret not in repr(caught.value)
    if method is AuthMethod.SOAP:
        assert "INVALID_LOGIN: Invalid username, password, security token; or user locked out." in text


def test_http_to_non_loopback_host_is_refused_before_any_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*a: Any, **k: Any) -> None:
        raise AssertionError("a connection was attempted")

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", no_network)
    settings = SalesforceSettings(login_host="http://login.example.com", username="u")
    with pytest.raises(InsecureTransportError):
        SalesforceClient.connect(settings, SECRETS)
    with pytest.raises(InsecureTransportError):
        SalesforceClient.connect(SalesforceSettings(login_host="ftp://127.0.0.1/"), SECRETS)


def test_paging_past_one_page(server: EmulatorServer) -> None:
    client = connect(server)
    results = client.create_many("Account", [{"Name": f"Acct {i:05d}"} for i in range(2150)], key="seed-accts")
    assert len(results) == 2150 and all(r.success and r.created is None for r in results)
    assert [r.index for r in results] == list(range(2150))
    pages = list(client.query_pages("SELECT Id, Name FROM Account ORDER BY Name"))
    assert [len(p) for p in pages] == [2000, 150]
    assert pages[0][0]["Name"] == "Acct 00000" and pages[0][0]["attributes"]["type"] == "Account"
    assert len({r["Id"] for p in pages for r in p}) == 2150


def test_changed_since_deleted_since_and_query_many(server: EmulatorServer) -> None:
    client = connect(server)
    created = client.create_many("Account", [{"Name": "O'Brien \\ Co"}, {"Name": "Beta"}, {"Name": "Gamma"}])
    ids = [r.id for r in created]
    since = datetime.now(UTC) - timedelta(days=3650)
    changed = [r for p in client.changed_since("Account", ["Name"], since, timedelta(minutes=5)) for r in p]
    assert sorted(r["Name"] for r in changed) == ["Beta", "Gamma", "O'Brien \\ Co"]
    stamps = [r["SystemModstamp"] for r in changed]
    assert stamps == sorted(stamps)
    future = [r for p in client.changed_since("Account", ["Name"], since + timedelta(days=7300)) for r in p]
    assert future == []
    with pytest.raises(ValueError):
        client.changed_since("Account", ["Name FROM User--"], since)

    before = datetime.now(UTC) - timedelta(days=1)
    deleted = client.delete_many([ids[1]])
    assert deleted[0].success
    admin(server, "POST", "clock", {"offset_seconds": 120})  # getDeleted covers whole past minutes only
    gone = client.deleted_since("Account", before, datetime.now(UTC) + timedelta(days=1))
    assert [d[0] for d in gone.records] == [ids[1]] and gone.latest_date_covered
    every = client.query_all("SELECT Id, IsDeleted FROM Account", include_deleted=True)
    assert any(r["Id"] == ids[1] and r["IsDeleted"] for r in every)

    soqls = [f"SELECT Id FROM Account WHERE Name = 'Gamma' LIMIT {n}" for n in range(1, 8)]
    answers = client.query_many(soqls)
    assert len(answers) == 7 and all(a[0]["Id"] == ids[2] for a in answers)
    assert admin(server, "GET", "stats")["by_operation"]["composite"] == 2  # 5 + 2 queries


def test_real_hosts_keep_https_with_verification_and_no_rewrite() -> None:
    for host, domain in (("production", "login"), ("sandbox", "test"), ("https://acme.my.salesforce.com", "acme.my")):
        client = SalesforceClient(SalesforceSettings(login_host=host), SECRETS)
        assert client.session.verify is True and client._target.domain == domain
        assert client.session.get_adapter(f"https://{domain}.salesforce.com").target is None  # type: ignore[attr-defined]
    mine = SalesforceClient(SalesforceSettings(login_host="mydomain", my_domain="acme"), SECRETS)
    assert mine._target.domain == "acme.my" and not mine._target.loopback
