"""HTTP session and login: timeouts on every request, the sandbox URL rewrite, the four logins.

Why an adapter: simple-salesforce hard-codes ``https://{instance}`` and sends its login requests
without a timeout. The adapter gives every request a default timeout and, only for a loopback
``http://`` target (the sandbox) or a custom https login host, rewrites where it goes
(a URL-rewriting adapter mounted for loopback http only). Real hosts keep https with verification.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from simple_salesforce.exceptions import SalesforceAuthenticationFailed
from simple_salesforce.login import SalesforceLogin

from ..timing import SALESFORCE, WIRE_TIMING
from ..transport import TlsVerificationError, TransportError, check_url, is_loopback_host, new_session, no_answer
from .errors import SalesforceAuthError, SalesforceBudgetError
from .settings import SF_SUFFIX, SOAP_LOGIN_VERSION, AuthMethod, LoginTarget, SalesforceSecrets, SalesforceSettings


class _WireAdapter(HTTPAdapter):
    """Default timeout on every request; optional rewrite to the sandbox or a custom login host; each
    exchange is timed for :mod:`..timing` (waiting on Salesforce)."""

    def __init__(self, timeout: tuple[float, float], rewrite_to: str = "", only_host: str | None = None) -> None:
        super().__init__()
        self.timeout = timeout
        target = urlsplit(rewrite_to) if rewrite_to else None
        self.target = (target.scheme, target.netloc) if target else None
        self.only_host = only_host  # None: rewrite every request (the sandbox)

    def send(self, request: requests.PreparedRequest, **kw: Any) -> requests.Response:  # type: ignore[override]
        if kw.get("timeout") is None:
            kw["timeout"] = self.timeout
        if self.target is not None:
            parts = urlsplit(request.url or "")
            if self.only_host is None or parts.hostname == self.only_host:
                request.url = urlunsplit((self.target[0], self.target[1], parts.path, parts.query, parts.fragment))
        with WIRE_TIMING.request(SALESFORCE):  # every call of the client goes through here: time it whole
            response = super().send(request, **kw)
            if not kw.get("stream"):
                _ = response.content  # read the body inside the timing (requests would read it just after)
        return response


def make_session(settings: SalesforceSettings, target: LoginTarget) -> requests.Session:
    session = new_session()
    only_host = None if target.loopback else f"{target.domain}{SF_SUFFIX}"
    adapter = _WireAdapter(settings.timeout, target.rewrite_to, only_host)
    session.mount("https://", adapter)
    session.mount("http://", _WireAdapter(settings.timeout))
    return session


def login(
    settings: SalesforceSettings, secrets: SalesforceSecrets, target: LoginTarget, session: requests.Session
) -> tuple[str, str]:
    """Log in with a username/key method (not web: see client); returns (session_id, instance host[:port])."""
    kw: dict[str, Any] = {"session": session, "sf_version": settings.api_version, "domain": target.domain}
    method = AuthMethod(settings.auth_method)
    if method is AuthMethod.SOAP:
        # login() is gone from 65.0 on: log in at the last version that has it; the session serves any version.
        kw["sf_version"] = min(settings.api_version, SOAP_LOGIN_VERSION, key=float)
        kw.update(username=settings.username, password=secrets.password, security_token=secrets.security_token)
    elif method is AuthMethod.OAUTH_PASSWORD:
        kw.update(
            username=settings.username,
            password=secrets.password + secrets.security_token,
            consumer_key=settings.consumer_key,
            consumer_secret=secrets.consumer_secret,
        )
    elif method is AuthMethod.JWT:
        if not settings.private_key_file:
            raise SalesforceAuthError("JWT login needs a private key file", code="CONFIG")
        kw.update(
            username=settings.username,
            consumer_key=settings.consumer_key,
            privatekey_file=settings.private_key_file,
        )
    elif method is AuthMethod.CLIENT_CREDENTIALS:
        if target.domain in ("login", "test"):
            raise SalesforceAuthError("The client-credentials login needs a My Domain login host", code="CONFIG")
        kw.update(consumer_key=settings.consumer_key, consumer_secret=secrets.consumer_secret)
    else:  # the browser sign-in renews its session with the refresh token (client._refresh)
        raise SalesforceAuthError(f"{method.value} is not a username or key login", code="CONFIG")
    try:
        session_id, instance = SalesforceLogin(**kw)
    except SalesforceAuthenticationFailed as exc:
        code = str(getattr(exc, "code", "") or "")
        raw = exc.content
        message = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
        limit = limit_exceeded(code, message)
        if limit is not None:  # the org's API allocation is spent: the credentials were not judged
            raise SalesforceBudgetError(
                f"Salesforce refused the login because the org's API request limit is exceeded ({limit})",
                code=LIMIT_CODE,
                status=403,
            ) from None
        text = message if message.startswith(code) else f"{code}: {message}"
        raise SalesforceAuthError(_scrub(f"Salesforce refused the login: {text}", secrets), code=code) from None
    except (AttributeError, TypeError):  # a token answer that is not an OAuth error object
        raise SalesforceAuthError("Salesforce sent a login answer that could not be read", code="BAD_ANSWER") from None
    except requests.exceptions.SSLError:
        raise TlsVerificationError("Salesforce login: the server certificate did not verify") from None
    except requests.RequestException as exc:
        raise TransportError(f"Salesforce login failed: {no_answer(exc)}") from None
    except (OSError, ValueError) as exc:  # unreadable key file, bad version
        raise SalesforceAuthError(f"Salesforce login not attempted: {type(exc).__name__}", code="CONFIG") from None
    host = instance.split(":")[0]
    if target.loopback:
        if not is_loopback_host(host):
            raise SalesforceAuthError("The sandbox handed back a non-loopback instance", code="BAD_INSTANCE")
    else:
        check_url(f"https://{instance}")
    return session_id, instance


LIMIT_CODE = "REQUEST_LIMIT_EXCEEDED"


def limit_exceeded(code: str, message: str) -> str | None:
    """The remote limit text when a refused login says REQUEST_LIMIT_EXCEEDED, else None.

    Salesforce's SOAP login puts the code in ``sf:exceptionCode``; a REST-style answer
    (``[{"errorCode": ..., "message": ...}]``) reaches simple-salesforce as the raw body with the HTTP
    status for a code, so both the code and the text are looked at.
    """
    if code != LIMIT_CODE and LIMIT_CODE not in message:
        return None
    try:
        body = json.loads(message)
    except ValueError:
        body = None
    items = body if isinstance(body, list) else [body] if isinstance(body, dict) else []
    for item in items:
        if isinstance(item, dict) and item.get("message"):
            return f"{LIMIT_CODE}: {item['message']}"
    text = message.strip()
    return text if text.startswith(LIMIT_CODE) else f"{LIMIT_CODE}: {text}" if text else LIMIT_CODE


def _scrub(text: str, secrets: SalesforceSecrets) -> str:
    """Belt and braces: never let a secret through in an error text."""
    for value in (secrets.password, secrets.security_token, secrets.consumer_secret, secrets.refresh_token):
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    return text
