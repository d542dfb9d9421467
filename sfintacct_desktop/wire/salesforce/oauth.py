"""OAuth 2.0 with Salesforce: PKCE, the authorize URL, the token endpoint, revoke and userinfo.

Why our own few functions and not simple-salesforce: it has no authorization code flow, no
refresh and no revoke. The calls are small form posts; what matters is reading Salesforce's
answers exactly (400 ``{error, error_description}``) and never letting a token into an error text.
Every token that passes through here is registered with the log redaction first.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

import requests

from ...secrets.redact import register_secret
from ..transport import TlsVerificationError, TransportError, check_url, is_loopback_host, no_answer
from .errors import SalesforceAuthError, SalesforceBudgetError, SalesforceSignInRequired
from .session import LIMIT_CODE, limit_exceeded
from .settings import SF_SUFFIX, SalesforceSettings

REFRESH_REFUSED = "expired access/refresh token"


class RefreshTokenStore(Protocol):
    """Where the refresh token lives between runs (the OS keyring for a real profile)."""

    def load(self) -> str:
        """The stored refresh token, or "" when the profile is not signed in."""

    def save(self, token: str) -> None:
        """Keep a rotated refresh token (the old one no longer works)."""

    def refused(self, token: str) -> None:
        """Salesforce refused ``token``; a store that can get a new one by itself forgets it here."""


@dataclass
class MemoryTokenStore:
    """A refresh token held in memory only (tests, a one-off client)."""

    token: str = field(default="", repr=False)

    def load(self) -> str:
        return self.token

    def save(self, token: str) -> None:
        register_secret(token)
        self.token = token

    def refused(self, token: str) -> None:
        return None


@dataclass(frozen=True)
class Pkce:
    """RFC 7636: a fresh verifier (64 random bytes, base64url) and its S256 challenge."""

    verifier: str = field(repr=False)
    challenge: str

    @classmethod
    def new(cls) -> Pkce:
        verifier = secrets.token_urlsafe(64)  # 86 characters of [A-Za-z0-9_-], within 43..128
        return cls(verifier, s256(verifier))


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).decode().rstrip("=")


@dataclass(frozen=True)
class TokenResponse:
    """A token endpoint answer. ``refresh_token`` is empty when none was issued (or not rotated)."""

    access_token: str = field(repr=False)
    instance_url: str
    refresh_token: str = field(default="", repr=False)
    id: str = ""
    issued_at: str = ""
    scope: str = ""
    token_type: str = "Bearer"  # noqa: S105 - the scheme's name, not a secret

    @property
    def instance(self) -> str:
        """host[:port] of the instance, as simple-salesforce's ``instance`` takes it."""
        return urlsplit(self.instance_url).netloc


class OAuthError(SalesforceAuthError):
    """The token endpoint said no: ``code`` is the OAuth ``error``, the message carries its description."""

    def __init__(self, error: str, description: str, status: int | None = None) -> None:
        text = f"{error}: {description}" if description else error
        super().__init__(f"Salesforce refused the sign-in: {text}", code=error, status=status)
        self.error = error
        self.description = description


def login_base_url(settings: SalesforceSettings) -> str:
    """The authorization server: login/test.salesforce.com, the My Domain, or the given URL (checked)."""
    host = settings.login_host.strip()
    if host in ("production", ""):
        return "https://login.salesforce.com"
    if host == "sandbox":
        return "https://test.salesforce.com"
    if host == "mydomain":
        name = settings.my_domain.strip().removesuffix(".my.salesforce.com").removesuffix(".my")
        if not name:
            raise SalesforceAuthError("login host 'mydomain' needs the My Domain name", code="CONFIG")
        return f"https://{name}.my{SF_SUFFIX}"
    return check_url(host.rstrip("/"))


def token_base_url(settings: SalesforceSettings) -> str:
    """Where refresh and revoke go: the org's own instance (My Domain) once known, else the login host."""
    instance = settings.instance_url.strip().rstrip("/")
    if instance:
        parts = urlsplit(check_url(instance))
        if parts.scheme == "https" or is_loopback_host(parts.hostname):
            return f"{parts.scheme}://{parts.netloc}"
    return login_base_url(settings)


def authorize_url(base: str, *, client_id: str, redirect_uri: str, state: str, challenge: str, prompt: str) -> str:
    """The browser's first stop. No ``scope``: Salesforce then grants the scopes the admin gave the app."""
    query = {
        "response_type": "code",
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    if prompt:
        query["prompt"] = prompt
    return f"{base}/services/oauth2/authorize?{urlencode(query)}"


def _post(session: requests.Session, url: str, form: dict[str, str], timeout: tuple[float, float]) -> requests.Response:
    try:
        return session.post(url, data=form, headers={"Accept": "application/json"}, timeout=timeout)
    except requests.exceptions.SSLError:
        raise TlsVerificationError("Salesforce sign-in: the server certificate did not verify") from None
    except requests.RequestException as exc:
        raise TransportError(f"Salesforce sign-in: {no_answer(exc)}") from None


def _token_answer(response: requests.Response) -> TokenResponse:
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if response.status_code == 403:  # the org's API allocation is spent: the sign-in itself was not judged
        limit = limit_exceeded("", response.text)
        if limit is not None:
            raise SalesforceBudgetError(
                f"Salesforce refused the sign-in because the org's API request limit is exceeded ({limit})",
                code=LIMIT_CODE,
                status=403,
            )
    if response.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
        if isinstance(body, dict) and body.get("error"):
            raise OAuthError(str(body["error"]), str(body.get("error_description") or ""), response.status_code)
        if response.status_code >= 500:
            raise TransportError(f"Salesforce sign-in: HTTP {response.status_code}", status=response.status_code)
        raise SalesforceAuthError(
            f"Salesforce sent a sign-in answer that could not be read (HTTP {response.status_code})", code="BAD_ANSWER"
        )
    answer = TokenResponse(
        access_token=str(body["access_token"]),
        instance_url=str(body.get("instance_url") or ""),
        refresh_token=str(body.get("refresh_token") or ""),
        id=str(body.get("id") or ""),
        issued_at=str(body.get("issued_at") or ""),
        scope=str(body.get("scope") or ""),
        token_type=str(body.get("token_type") or "Bearer"),
    )
    register_secret(answer.access_token)
    register_secret(answer.refresh_token)
    if not answer.instance_url:
        raise SalesforceAuthError("Salesforce's sign-in answer has no instance_url", code="BAD_ANSWER")
    check_url(answer.instance_url)
    return answer


def _client(form: dict[str, str], client_id: str, client_secret: str) -> dict[str, str]:
    form["client_id"] = client_id
    if client_secret:
        form["client_secret"] = client_secret
    return form


def exchange_code(
    session: requests.Session,
    base: str,
    *,
    client_id: str,
    code: str,
    redirect_uri: str,
    verifier: str,
    client_secret: str = "",
    timeout: tuple[float, float] = (10.0, 60.0),
) -> TokenResponse:
    """``grant_type=authorization_code`` with the PKCE verifier and the very same redirect_uri."""
    register_secret(code)
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier}
    return _token_answer(
        _post(session, f"{base}/services/oauth2/token", _client(form, client_id, client_secret), timeout)
    )


def refresh(
    session: requests.Session,
    base: str,
    *,
    client_id: str,
    refresh_token: str,
    client_secret: str = "",
    timeout: tuple[float, float] = (10.0, 60.0),
) -> TokenResponse:
    """``grant_type=refresh_token``. A refused token (``invalid_grant``) is :class:`SalesforceSignInRequired`."""
    register_secret(refresh_token)
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    try:
        return _token_answer(
            _post(session, f"{base}/services/oauth2/token", _client(form, client_id, client_secret), timeout)
        )
    except OAuthError as exc:
        if exc.error == "invalid_grant":
            raise SalesforceSignInRequired(
                f"Salesforce no longer accepts this profile's sign-in ({exc.error}: {exc.description})",
                code="SIGNIN_EXPIRED",
                status=exc.status,
            ) from None
        raise


def revoke(session: requests.Session, base: str, token: str, timeout: tuple[float, float] = (10.0, 30.0)) -> bool:
    """POST ``/services/oauth2/revoke``: True when Salesforce revoked it, False when it was not valid anyway.

    A refresh token takes every access token issued from it along. Transport failures raise.
    """
    register_secret(token)
    response = _post(session, f"{base}/services/oauth2/revoke", {"token": token}, timeout)
    if response.status_code == 200:
        return True
    if response.status_code == 400:  # invalid_token / unsupported_token_type: nothing left to revoke
        return False
    raise TransportError(f"Salesforce revoke: HTTP {response.status_code}", status=response.status_code)


def userinfo(
    session: requests.Session, instance_url: str, access_token: str, timeout: tuple[float, float] = (10.0, 30.0)
) -> dict[str, Any]:
    """The signed-in user's OpenID claims (``preferred_username``...); {} when unavailable (scope, network)."""
    try:
        response = session.get(
            f"{instance_url.rstrip('/')}/services/oauth2/userinfo",
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=timeout,
        )
        body = response.json() if response.status_code == 200 else {}
    except (requests.RequestException, ValueError):
        return {}
    return body if isinstance(body, dict) else {}
