"""The emulated org signs in like a real one, over real HTTP: its OAuth pages and grants, and the
retired SOAP ``login()``.

Each answer here is the one Salesforce gives (sources in docs/sandbox.md): the error page for an
unknown client or an unregistered callback, ``invalid_grant`` "invalid code verifier", "expired
authorization code", "expired access/refresh token", ``INVALID_OPERATION`` for ``login()`` from
API 65.0 on or when the org switched it off, ``UNSUPPORTED_API_VERSION`` and REST 410 for retired
versions.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from simple_salesforce.exceptions import SalesforceAuthenticationFailed
from simple_salesforce.login import SalesforceLogin

from sfintacct_desktop.wire.salesforce.oauth import Pkce
from sfintacct_sandbox import credentials as cred
from sfintacct_sandbox.httpserver import EmulatorServer
from sfintacct_sandbox.salesforce.app import SalesforceEmulator

from .sf_support import emulator_session

CALLBACK = "http://localhost:1717/OauthRedirect"  # one of the product's registered callbacks


@pytest.fixture(name="server")
def server_fixture() -> Iterator[EmulatorServer]:
    emulator = SalesforceEmulator(None)
    emulator.reset("empty")
    server = EmulatorServer(emulator, "127.0.0.1", 0).start()
    yield server
    server.stop()


def admin(server: EmulatorServer, body: dict[str, Any] | None = None) -> Any:
    method = "POST" if body is not None else "GET"
    r = requests.request(method, f"{server.url}/__sandbox__/oauth", json=body, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def authorize(server: EmulatorServer, browser: requests.Session, pkce: Pkce | None, **params: str) -> requests.Response:
    query = {"response_type": "code", "client_id": cred.SF_CONSUMER_KEY, "redirect_uri": CALLBACK, "state": "s-1"}
    if pkce is not None:
        query["code_challenge"] = pkce.challenge
    query.update(params)
    return browser.get(f"{server.url}/services/oauth2/authorize?{urlencode(query)}", allow_redirects=False)


def sign_in_pages(
    server: EmulatorServer, pkce: Pkce | None = None, browser: requests.Session | None = None, **params: str
) -> dict[str, str]:
    """Walk authorize -> login -> consent by hand; the query of the final redirect to the callback."""
    browser = browser or requests.Session()
    r = authorize(server, browser, pkce, **params)
    assert r.status_code == 302, r.text
    login = browser.get(urljoin(server.url, r.headers["Location"]))
    assert "name='pw'" in login.text  # the login form
    start = parse_qs(urlsplit(login.url).query)["startURL"][0]
    r = browser.post(
        f"{server.url}/", data={"username": cred.SF_USERNAME, "pw": cred.SF_PASSWORD, "startURL": start},
        allow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 302 and "sid" in r.cookies
    consent = browser.get(urljoin(server.url, r.headers["Location"]), allow_redirects=False)
    if consent.status_code == 302:  # this user approved the app before: no consent page
        r = consent
    else:
        assert consent.status_code == 200 and "Allow Access?" in consent.text
        source = parse_qs(urlsplit(consent.url).query)["source"][0]
        r = browser.post(
            f"{server.url}/setup/secur/RemoteAccessAuthorizationPage.apexp",
            data={"source": source, "oaapprove": "Allow"},
            allow_redirects=False,
        )
    assert r.status_code == 302 and r.headers["Location"].startswith(CALLBACK + "?")
    return {k: v[-1] for k, v in parse_qs(urlsplit(r.headers["Location"]).query).items()}


def token(server: EmulatorServer, **form: str) -> requests.Response:
    return requests.post(f"{server.url}/services/oauth2/token", data=form, timeout=30)


def exchange(
    server: EmulatorServer, code: str, verifier: str | None, redirect_uri: str = CALLBACK
) -> requests.Response:
    form = {"grant_type": "authorization_code", "code": code, "client_id": cred.SF_CONSUMER_KEY}
    form["redirect_uri"] = redirect_uri
    if verifier is not None:
        form["code_verifier"] = verifier
    return token(server, **form)


def test_the_code_flow_issues_the_tokens_salesforce_does(server: EmulatorServer) -> None:
    pkce = Pkce.new()
    browser = requests.Session()
    query = sign_in_pages(server, pkce, browser)
    assert query["state"] == "s-1" and query["code"]
    r = exchange(server, query["code"], pkce.verifier)
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == {"access_token", "refresh_token", "signature", "scope", "instance_url", "id", "token_type",
                         "issued_at"}  # fmt: skip
    assert body["token_type"] == "Bearer" and body["instance_url"] == server.url
    assert body["id"] == f"{server.url}/id/{cred.SF_ORG_ID}/{cred.SF_USER_ID}"
    assert body["refresh_token"].startswith("5Aep861")
    data = requests.get(
        f"{server.url}/services/data/v66.0/limits/", headers={"Authorization": f"Bearer {body['access_token']}"},
        timeout=30,
    )  # fmt: skip
    assert data.status_code == 200
    again = exchange(server, query["code"], pkce.verifier)  # a code works once
    assert (again.status_code, again.json()) == (400, {"error": "invalid_grant", "error_description":
                                                       "invalid authorization code"})  # fmt: skip
    refreshed = token(server, grant_type="refresh_token", refresh_token=body["refresh_token"],
                      client_id=cred.SF_CONSUMER_KEY)  # fmt: skip
    assert refreshed.status_code == 200 and "refresh_token" not in refreshed.json()  # not rotated by default
    bearer = {"Authorization": f"Bearer {refreshed.json()['access_token']}"}
    info = requests.get(f"{server.url}/services/oauth2/userinfo", headers=bearer, timeout=30)
    assert info.json()["preferred_username"] == cred.SF_USERNAME
    # Logged in and approved once: the same browser goes straight to the callback (no login, no consent)...
    r = authorize(server, browser, pkce, state="s-2")
    assert r.headers["Location"].startswith("/setup/secur/RemoteAccessAuthorizationPage.apexp?source=")
    r = browser.get(urljoin(server.url, r.headers["Location"]), allow_redirects=False)
    assert r.headers["Location"].startswith(CALLBACK + "?code=") and r.headers["Location"].endswith("&state=s-2")
    # ...unless prompt=login asks for the login form again (what the product sends).
    r = authorize(server, browser, pkce, prompt="login")
    assert r.headers["Location"].startswith("/?ec=302&startURL=")


@pytest.mark.parametrize(
    ("verifier", "description"),
    [("a-wrong-verifier-that-is-long-enough-to-be-a-real-one-0123456789", "invalid code verifier"),
     (None, "invalid code verifier")],
)  # fmt: skip
def test_a_wrong_or_missing_verifier_is_refused(server: EmulatorServer, verifier: str | None, description: str) -> None:
    query = sign_in_pages(server, Pkce.new())
    r = exchange(server, query["code"], verifier)
    assert (r.status_code, r.json()) == (400, {"error": "invalid_grant", "error_description": description})


def test_a_verifier_without_a_challenge_and_other_code_refusals(server: EmulatorServer) -> None:
    admin(server, {"require_pkce": False})
    query = sign_in_pages(server, None)
    r = exchange(server, query["code"], Pkce.new().verifier)
    assert r.json() == {"error": "invalid_grant", "error_description": "unexpected code verifier"}
    pkce = Pkce.new()
    query = sign_in_pages(server, pkce)
    r = exchange(server, query["code"], pkce.verifier, redirect_uri="http://localhost:1718/OauthRedirect")
    assert r.json() == {"error": "redirect_uri_mismatch", "error_description": "redirect_uri must match configuration"}
    query = sign_in_pages(server, pkce)
    requests.post(f"{server.url}/__sandbox__/clock", json={"offset_seconds": 16 * 60}, timeout=30)
    r = exchange(server, query["code"], pkce.verifier)
    assert r.json() == {"error": "invalid_grant", "error_description": "expired authorization code"}
    r = token(server, grant_type="authorization_code", code="x", client_id="3MVG9unknown", redirect_uri=CALLBACK)
    assert r.json() == {"error": "invalid_client_id", "error_description": "client identifier invalid"}


@pytest.mark.parametrize(
    ("params", "error", "description"),
    [
        ({"client_id": "3MVG9not.an.app"}, "invalid_client_id", "client identifier invalid"),
        ({"redirect_uri": "http://localhost:9999/OauthRedirect"}, "redirect_uri_mismatch",
         "redirect_uri must match configuration"),
        ({"redirect_uri": "https://attacker.example/OauthRedirect"}, "redirect_uri_mismatch",
         "redirect_uri must match configuration"),
    ],
)  # fmt: skip
def test_an_unknown_app_or_callback_lands_on_the_error_page_never_the_callback(
    server: EmulatorServer, params: dict[str, str], error: str, description: str
) -> None:
    admin(server, {"any_loopback_port": False})  # a real org: the callback URL must match exactly
    r = authorize(server, requests.Session(), Pkce.new(), **params)
    location = r.headers["Location"]
    assert r.status_code == 302 and location.startswith("/setup/secur/RemoteAccessErrorPage.apexp?")
    assert {k: v[-1] for k, v in parse_qs(urlsplit(location).query).items()} == {
        "error": error, "error_description": description}  # fmt: skip
    page = requests.get(urljoin(server.url, location), timeout=30)
    assert page.status_code == 200 and "Remote Access Error" in page.text and description in page.text


def test_the_sandbox_app_takes_any_loopback_port_other_apps_do_not(server: EmulatorServer) -> None:
    r = authorize(server, requests.Session(), Pkce.new(), redirect_uri="http://localhost:54321/OauthRedirect")
    assert r.headers["Location"].startswith("/?ec=302")  # on to the login page
    r = authorize(server, requests.Session(), Pkce.new(), redirect_uri="http://localhost:54321/Elsewhere")
    assert "redirect_uri_mismatch" in r.headers["Location"]
    r = authorize(server, requests.Session(), None, redirect_uri=CALLBACK)  # PKCE is required by the app
    assert r.headers["Location"].startswith(CALLBACK + "?error=invalid_request")


def test_deny_and_a_wrong_password(server: EmulatorServer) -> None:
    browser = requests.Session()
    r = authorize(server, browser, Pkce.new())
    start = parse_qs(urlsplit(r.headers["Location"]).query)["startURL"][0]
    wrong = browser.post(f"{server.url}/", data={"username": cred.SF_USERNAME, "pw": "nope", "startURL": start})
    assert wrong.status_code == 200 and "Please check your username and password" in wrong.text
    assert "sid" not in browser.cookies
    r = browser.post(
        f"{server.url}/", data={"username": cred.SF_USERNAME, "pw": cred.SF_PASSWORD, "startURL": start},
        allow_redirects=False,
    )  # fmt: skip
    consent = browser.get(urljoin(server.url, r.headers["Location"]))
    source = parse_qs(urlsplit(consent.url).query)["source"][0]
    denied = browser.post(
        f"{server.url}/setup/secur/RemoteAccessAuthorizationPage.apexp", data={"source": source, "oadeny": "Deny"},
        allow_redirects=False,
    )  # fmt: skip
    query = parse_qs(urlsplit(denied.headers["Location"]).query)
    assert query["error"] == ["access_denied"] and query["error_description"] == ["end-user denied authorization"]
    assert query["state"] == ["s-1"]


def test_rotation_revocation_and_idle_expiry_of_refresh_tokens(server: EmulatorServer) -> None:
    pkce = Pkce.new()
    first = exchange(server, sign_in_pages(server, pkce)["code"], pkce.verifier).json()["refresh_token"]
    admin(server, {"rotate_refresh_tokens": True})
    rotated = token(server, grant_type="refresh_token", refresh_token=first, client_id=cred.SF_CONSUMER_KEY).json()
    second = rotated["refresh_token"]
    assert second != first
    old = token(server, grant_type="refresh_token", refresh_token=first, client_id=cred.SF_CONSUMER_KEY)
    assert (old.status_code, old.json()) == (400, {"error": "invalid_grant",
                                                   "error_description": "expired access/refresh token"})  # fmt: skip
    access = rotated["access_token"]
    assert requests.post(f"{server.url}/services/oauth2/revoke", data={"token": second}, timeout=30).status_code == 200
    gone = requests.get(f"{server.url}/services/data/v66.0/limits/", headers={"Authorization": f"Bearer {access}"},
                        timeout=30)  # fmt: skip
    assert gone.status_code == 401  # a revoked refresh token takes its access tokens along
    again = requests.post(f"{server.url}/services/oauth2/revoke", data={"token": second}, timeout=30)
    assert again.status_code == 400 and again.json()["error"] == "invalid_token"
    admin(server, {"rotate_refresh_tokens": False, "refresh_token_idle_seconds": 3600})
    third = exchange(server, sign_in_pages(server, pkce)["code"], pkce.verifier).json()["refresh_token"]
    requests.post(f"{server.url}/__sandbox__/clock", json={"offset_seconds": 3700}, timeout=30)
    idle = token(server, grant_type="refresh_token", refresh_token=third, client_id=cred.SF_CONSUMER_KEY)
    assert idle.json()["error_description"] == "expired access/refresh token"
    assert server.emulator.store.meta("oauth_refresh_tokens") == {}  # only digests were ever kept
    assert first not in str(server.emulator.store.meta("oauth_refresh_tokens"))


def _soap_login_body(password: str) -> str:
    return (
        '<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body>'
        f'<n1:login xmlns:n1="urn:partner.soap.sforce.com"><n1:username>{cred.SF_USERNAME}</n1:username>'
        f"<n1:password>{password}</n1:password></n1:login></env:Body></env:Envelope>"
    )


def test_soap_login_is_refused_from_api_65_with_the_real_fault(server: EmulatorServer) -> None:
    password = cred.SF_PASSWORD + cred.SF_SECURITY_TOKEN
    r = requests.post(f"{server.url}/services/Soap/u/65.0", data=_soap_login_body(password), timeout=30)
    assert r.status_code == 500
    assert "<faultcode>sf:INVALID_OPERATION</faultcode>" in r.text
    assert ("<sf:exceptionMessage>The SOAP Login operation is not available in the API version specified (65.0). "
            "Refer to the documentation for supported versions.</sf:exceptionMessage>") in r.text  # fmt: skip
    with pytest.raises(SalesforceAuthenticationFailed) as caught:  # simple-salesforce reads it as a login failure
        SalesforceLogin(
            username=cred.SF_USERNAME, password=cred.SF_PASSWORD, security_token=cred.SF_SECURITY_TOKEN,
            sf_version="66.0", session=emulator_session(server),
        )  # fmt: skip
    assert caught.value.code == "INVALID_OPERATION"
    ok = requests.post(f"{server.url}/services/Soap/u/64.0", data=_soap_login_body(password), timeout=30)
    assert ok.status_code == 200 and "<sessionId>" in ok.text


def test_soap_login_switched_off_and_retired_versions(server: EmulatorServer) -> None:
    password = cred.SF_PASSWORD + cred.SF_SECURITY_TOKEN
    admin(server, {"soap_login_enabled": False})
    r = requests.post(f"{server.url}/services/Soap/u/59.0", data=_soap_login_body(password), timeout=30)
    assert r.status_code == 500 and "<faultcode>sf:INVALID_OPERATION</faultcode>" in r.text
    assert "SOAP API login() is disabled by default in this org." in r.text
    admin(server, {"soap_login_enabled": True})
    for version in ("30.0", "20.0"):
        r = requests.post(f"{server.url}/services/Soap/u/{version}", data=_soap_login_body(password), timeout=30)
        assert r.status_code == 500
        assert "<faultstring>UNSUPPORTED_API_VERSION: Invalid Api version specified on URL</faultstring>" in r.text
