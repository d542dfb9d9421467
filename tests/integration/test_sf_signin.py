"""The browser sign-in and the refresh token, end to end over real HTTP against the emulator.

A scripted HTTP client plays the person at the browser: it follows Salesforce's authorize page,
fills the login form, clicks Allow, and is redirected to the product's loopback listener, which
checks the state; the product exchanges the code with its PKCE verifier. Then the wire client
lives on the refresh token: a new access token whenever Salesforce says INVALID_SESSION_ID, the
session replaced in place, rotation kept, and a revoked grant turning into "sign in again" once.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from sfintacct_desktop.app.sandbox_signin import ScriptedBrowser
from sfintacct_desktop.wire.salesforce import (
    AuthMethod,
    MemoryTokenStore,
    SalesforceAuthError,
    SalesforceClient,
    SalesforceSecrets,
    SalesforceSignInError,
    SalesforceSignInRequired,
    browser_sign_in,
)
from sfintacct_desktop.wire.salesforce import web_signin as web
from sfintacct_desktop.wire.salesforce.loopback import LoopbackListener
from sfintacct_desktop.wire.salesforce.oauth import Pkce, revoke
from sfintacct_desktop.wire.transport import Backoff
from sfintacct_sandbox import credentials as cred
from sfintacct_sandbox.httpserver import EmulatorServer
from sfintacct_sandbox.salesforce.app import SalesforceEmulator
from tests.support.signin import person, web_settings

NO_SLEEP = Backoff(sleep=lambda s: None)


@pytest.fixture(name="server")
def server_fixture() -> Iterator[EmulatorServer]:
    emulator = SalesforceEmulator(None)
    emulator.reset("empty")
    server = EmulatorServer(emulator, "127.0.0.1", 0).start()
    yield server
    server.stop()


def admin(server: EmulatorServer, action: str, body: dict[str, Any]) -> Any:
    r = requests.post(f"{server.url}/__sandbox__/{action}", json=body, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def ops(server: EmulatorServer) -> dict[str, int]:
    return dict(requests.get(f"{server.url}/__sandbox__/stats", timeout=30).json()["by_operation"])


def sign_in(server: EmulatorServer, browser: ScriptedBrowser | None = None, **kw: Any) -> web.SignInResult:
    browser = browser or person()
    kw.setdefault("ports", (0,))
    settings = web_settings(server.url)
    return browser_sign_in(
        settings, SalesforceSecrets(), open_url=browser.open, cancelled=browser.gave_up, timeout=30, **kw
    )


def connect(server: EmulatorServer, store: Any) -> SalesforceClient:
    return SalesforceClient.connect(web_settings(server.url), SalesforceSecrets(), backoff=NO_SLEEP, token_store=store)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_full_browser_sign_in_reaches_the_loopback_listener_and_keeps_only_a_refresh_token(
    server: EmulatorServer,
) -> None:
    browser = person()
    result = sign_in(server, browser)
    assert browser.visited == [
        "GET /services/oauth2/authorize",  # the authorize page sends the browser to the login form
        "GET /",
        "POST /",  # the login form
        "GET /setup/secur/RemoteAccessAuthorizationPage.apexp",  # Allow Access?
        "POST /setup/secur/RemoteAccessAuthorizationPage.apexp",
        "GET /OauthRedirect",  # the product's loopback listener
    ]
    assert result.refresh_token.startswith("5Aep861") and result.instance_url == server.url
    assert (result.username, result.user_id, result.org_id) == (cred.SF_USERNAME, cred.SF_USER_ID, cred.SF_ORG_ID)
    assert result.refresh_token not in repr(result)
    client = connect(server, MemoryTokenStore(result.refresh_token))
    assert client.query_all("SELECT Id FROM Account") == []
    assert client.refreshes == 1 and client.api_versions()[-1] == "66.0"
    assert ops(server)["authorization_code"] == 1


def test_a_redirect_with_a_wrong_state_is_refused_and_the_real_one_still_signs_in(server: EmulatorServer) -> None:
    forged: list[requests.Response] = []

    def open_url(url: str) -> None:
        redirect = parse_qs(urlsplit(url).query)["redirect_uri"][0]

        def play() -> None:  # another page (or process) hits the listener first with a code of its own
            forged.append(requests.get(f"{redirect}?code=aPrxEVIL&state=forged", timeout=10))
            person().open(url)  # then the person signs in

        threading.Thread(target=play, daemon=True).start()  # the listener serves once open_url returns

    result = browser_sign_in(web_settings(server.url), SalesforceSecrets(), open_url=open_url, timeout=30, ports=(0,))
    assert forged[0].status_code == 400 and "state did not match" in forged[0].text
    assert result.refresh_token


def test_only_a_forged_redirect_never_signs_in(server: EmulatorServer) -> None:
    def open_url(url: str) -> None:
        redirect = parse_qs(urlsplit(url).query)["redirect_uri"][0]
        threading.Thread(target=requests.get, args=(f"{redirect}?code=aPrxEVIL&state=forged",), daemon=True).start()

    with pytest.raises(SalesforceSignInError) as caught:
        browser_sign_in(web_settings(server.url), SalesforceSecrets(), open_url=open_url, timeout=1.5, ports=(0,))
    assert caught.value.code == "TIMEOUT"
    assert "a redirect with a wrong state was refused 1 time(s)" in str(caught.value)
    assert "authorization_code" not in ops(server)  # no code was ever exchanged


def test_a_wrong_verifier_is_refused_and_nothing_is_kept(
    server: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Pkce.new()
    monkeypatch.setattr(web.Pkce, "new", classmethod(lambda cls: Pkce("the-wrong-verifier-" * 4, real.challenge)))
    with pytest.raises(SalesforceAuthError) as caught:
        sign_in(server)
    assert caught.value.code == "invalid_grant"
    assert str(caught.value) == "Salesforce refused the sign-in: invalid_grant: invalid code verifier"
    assert server.emulator.store.meta("oauth_refresh_tokens", {}) == {}


def test_deny_a_wrong_password_and_an_unlisted_callback_end_the_sign_in(server: EmulatorServer) -> None:
    with pytest.raises(SalesforceSignInError) as denied:
        sign_in(server, person(approve=False))
    assert denied.value.code == "access_denied" and "end-user denied authorization" in str(denied.value)
    wrong = person(password="not-the-password")
    with pytest.raises(SalesforceSignInError) as refused:
        sign_in(server, wrong)
    assert refused.value.code == "CANCELLED" and "Please check your username and password" in wrong.error
    admin(server, "oauth", {"any_loopback_port": False})  # as a real org: the port must be one the app lists
    unlisted = person()
    with pytest.raises(SalesforceSignInError):
        sign_in(server, unlisted, ports=(free_port(),))
    assert "redirect_uri_mismatch" in unlisted.error and "GET /OauthRedirect" not in unlisted.visited
    port = free_port()
    admin(server, "oauth", {"callbacks": [f"http://localhost:{port}/OauthRedirect"]})
    assert sign_in(server, ports=(port,)).refresh_token  # exactly the registered callback: signed in


def test_the_listener_takes_the_first_free_port_of_its_list() -> None:
    held, spare = free_port(), free_port()
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", held))
        blocker.listen()
        with pytest.raises(SalesforceSignInError) as caught:
            LoopbackListener((held,))
        assert caught.value.code == "PORTS_BUSY"
        with LoopbackListener((held, spare)) as listener:
            assert listener.port == spare and listener.redirect_uri == f"http://localhost:{spare}/OauthRedirect"
            assert listener._server.server_address[0] == "127.0.0.1"  # never all interfaces


def test_an_expired_access_token_is_refreshed_and_replaced_in_place(server: EmulatorServer) -> None:
    client = connect(server, MemoryTokenStore(sign_in(server).refresh_token))
    simple, first = client.sf, client.sf.session_id
    admin(server, "clock", {"offset_seconds": 7300})  # past the org's session timeout: INVALID_SESSION_ID
    assert client.describe("Account")["keyPrefix"] == "001"
    assert client.refreshes == 2 and client.sf is simple and client.sf.session_id != first
    assert client.sf.headers["Authorization"] == f"Bearer {client.sf.session_id}"


def test_rotation_is_kept_and_a_copy_rotated_by_another_process_recovers(server: EmulatorServer) -> None:
    admin(server, "oauth", {"rotate_refresh_tokens": True})
    store = MemoryTokenStore(sign_in(server).refresh_token)
    first = store.token
    client = connect(server, store)
    assert store.token != first  # the refresh rotated it and the store kept the new one
    admin(server, "faults", {"operation": "describe", "mode": "invalid_session"})
    client.describe("Account")
    assert client.refreshes == 2 and store.token not in (first, "")

    class Stale:
        """A stale copy first (another process rotated it meanwhile), the stored one on a second look."""

        def __init__(self, old: str, current: MemoryTokenStore) -> None:
            self.old, self.current, self.loads = old, current, 0

        def load(self) -> str:
            self.loads += 1
            return self.old if self.loads == 1 else self.current.load()

        def save(self, token: str) -> None:
            self.current.save(token)

        def refused(self, token: str) -> None:
            return None

    stale = Stale(first, store)
    assert connect(server, stale).refreshes == 1 and stale.loads == 2


def test_a_revoked_grant_is_sign_in_required_after_one_try(server: EmulatorServer) -> None:
    token = sign_in(server).refresh_token
    client = connect(server, MemoryTokenStore(token))
    assert revoke(requests.Session(), server.url, token) is True  # sign out elsewhere: access tokens end too
    before = ops(server).get("login", 0)
    with pytest.raises(SalesforceSignInRequired) as caught:
        client.describe("Account")
    assert caught.value.code == "SIGNIN_EXPIRED"
    assert "expired access/refresh token" in str(caught.value) and token not in str(caught.value)
    assert ops(server)["login"] == before + 1  # one refresh attempt, no loop
    with pytest.raises(SalesforceSignInRequired) as missing:
        connect(server, MemoryTokenStore(""))
    assert missing.value.code == "SIGNIN_MISSING"


def test_no_refresh_token_scope_is_a_clear_refusal(server: EmulatorServer) -> None:
    admin(server, "oauth", {"scopes": ["api"]})
    with pytest.raises(SalesforceSignInError) as caught:
        sign_in(server)
    assert caught.value.code == "NO_REFRESH_TOKEN"


def test_legacy_soap_logs_in_at_64_while_the_rest_calls_use_the_profile_version(server: EmulatorServer) -> None:
    settings = web_settings(server.url, auth_method=AuthMethod.SOAP, username=cred.SF_USERNAME, api_version="66.0")
    secrets = SalesforceSecrets(cred.SF_PASSWORD, cred.SF_SECURITY_TOKEN)
    client = SalesforceClient.connect(settings, secrets, backoff=NO_SLEEP)
    assert client.sf.base_url.endswith("/services/data/v66.0/")
    assert client.describe("Account")["keyPrefix"] == "001"
    admin(server, "oauth", {"soap_login_enabled": False})  # an org that switched login() off
    with pytest.raises(SalesforceAuthError) as caught:
        SalesforceClient.connect(settings, secrets, backoff=NO_SLEEP)
    assert caught.value.code == "INVALID_OPERATION" and "disabled by default in this org" in str(caught.value)


def test_a_spent_allocation_at_refresh_is_the_budget_not_the_sign_in(server: EmulatorServer) -> None:
    from sfintacct_desktop.wire.salesforce import SalesforceBudgetError

    store = MemoryTokenStore(sign_in(server).refresh_token)
    admin(server, "faults", {"operation": "login", "mode": "rate_limit"})  # the token endpoint answers 403
    with pytest.raises(SalesforceBudgetError) as caught:
        connect(server, store)
    assert caught.value.code == "REQUEST_LIMIT_EXCEEDED"
    assert connect(server, store).refreshes == 1  # the sign-in itself was never in question
