"""The browser sign-in, start to finish: PKCE, the loopback listener, the browser, the code exchange.

Why here (Qt-free, keyring-free): the CLI and the window run the very same sequence; they differ
only in how the URL reaches the person (``open_url``: the system browser, printed for copy-paste,
or the sandbox's scripted stand-in) and how a cancel is signalled (``cancelled``). What to keep
(the refresh token in the keyring, the instance URL in the profile) is the caller's business.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import requests

from ..transport import TransportError, new_session
from .errors import SalesforceSignInError
from .loopback import LoopbackListener
from .oauth import Pkce, authorize_url, exchange_code, login_base_url, revoke, userinfo
from .settings import SalesforceSecrets, SalesforceSettings

DEFAULT_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True)
class SignInResult:
    """What a completed sign-in yields. Only ``refresh_token`` is secret (the access token is dropped)."""

    refresh_token: str = field(repr=False)
    instance_url: str
    username: str = ""
    user_id: str = ""
    org_id: str = ""
    scope: str = ""


def browser_sign_in(
    settings: SalesforceSettings,
    secrets_: SalesforceSecrets,
    *,
    open_url: Callable[[str], None],
    cancelled: Callable[[], bool] = lambda: False,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ports: Sequence[int] | None = None,
    prompt: str = "login",
    session: requests.Session | None = None,
) -> SignInResult:
    """Run the authorization code flow with PKCE through the person's browser (RFC 7636, RFC 8252).

    Raises :class:`SalesforceSignInError` (code CANCELLED, TIMEOUT, PORTS_BUSY, access_denied, the
    OAuth error of the exchange, NO_REFRESH_TOKEN) or a transport error; never returns half a result.
    """
    if not settings.consumer_key:
        raise SalesforceSignInError("The profile has no consumer key of an External Client App", code="CONFIG")
    base = login_base_url(settings)
    pkce = Pkce.new()
    state = secrets.token_urlsafe(24)
    http = session or new_session()
    with LoopbackListener(ports if ports is not None else settings.callback_ports, state) as listener:
        redirect_uri = listener.redirect_uri
        open_url(
            authorize_url(
                base,
                client_id=settings.consumer_key,
                redirect_uri=redirect_uri,
                state=state,
                challenge=pkce.challenge,
                prompt=prompt,
            )
        )
        callback = listener.wait(timeout, cancelled)
    if callback.error:
        said = f"{callback.error}: {callback.description}" if callback.description else callback.error
        raise SalesforceSignInError(f"Salesforce did not complete the sign-in ({said})", code=callback.error)
    tokens = exchange_code(
        http,
        base,
        client_id=settings.consumer_key,
        code=callback.code,
        redirect_uri=redirect_uri,
        verifier=pkce.verifier,
        client_secret=secrets_.consumer_secret,
        timeout=settings.timeout,
    )
    if not tokens.refresh_token:
        with contextlib.suppress(TransportError):
            revoke(http, tokens.instance_url, tokens.access_token)
        raise SalesforceSignInError(
            "Salesforce signed in but issued no refresh token, so the sign-in could not be kept",
            code="NO_REFRESH_TOKEN",
        )
    info = userinfo(http, tokens.instance_url, tokens.access_token)
    return SignInResult(
        refresh_token=tokens.refresh_token,
        instance_url=tokens.instance_url,
        username=str(info.get("preferred_username") or ""),
        user_id=str(info.get("user_id") or tokens.id.rsplit("/", 1)[-1]),
        org_id=str(info.get("organization_id") or ""),
        scope=tokens.scope,
    )
