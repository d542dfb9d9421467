"""Sign in to Salesforce with the browser, sign out, and say where a profile stands.

The sequence (docs/signin.md): a PKCE verifier and a state are made; a loopback listener takes the
first free port of the profile's callback ports; the system browser opens Salesforce's authorize
page (the URL is also shown, for copy-paste); the person logs in and allows access; Salesforce
redirects to the listener with a code; the state is checked and the code is exchanged with the
verifier. Only the refresh token is kept (OS keyring) and the instance URL and username (profile
file); the access token is dropped and fetched again from the refresh token whenever a client
connects. Signing out revokes the refresh token at Salesforce (with every access token issued
from it) and deletes it from the keyring.
"""

from __future__ import annotations

import contextlib
import logging
import webbrowser
from collections.abc import Callable
from typing import Any

from ..config import profiles as cfg
from ..config.profiles import KIND_SANDBOX, ProfileError
from ..secrets import CredentialStoreError
from ..wire.salesforce import AuthMethod, SalesforceSignInError, browser_sign_in
from ..wire.salesforce.oauth import revoke, token_base_url
from ..wire.transport import WireError, new_session
from .profiles import StoreFactory, default_store, resolve_profile
from .sf_profile import (
    KeyringTokenStore,
    SandboxTokenStore,
    auth_method,
    salesforce_config,
    sandbox_token_store,
    token_store,
)
from .sf_profile import sandbox_sign_in as _sandbox_sign_in

log = logging.getLogger(__name__)
SIGNIN_TIMEOUT_SECONDS = 300.0


def signin_hint(profile: str, *, window: bool = False) -> str:
    """What to do when a profile must sign in (again), in the words of the window or the terminal."""
    if window:
        return f"Sign in again: Connections tab, profile {profile}, Sign in with Salesforce."
    return f"Sign in again: sfintacct profile login --profile {profile} (or, in the window, Sign in with Salesforce)."


def system_browser(url: str) -> bool:
    """Open ``url`` in the person's default browser (never an embedded web view). False if none opened."""
    try:
        return bool(webbrowser.open(url, new=1, autoraise=True))
    except webbrowser.Error:
        return False


def _web_profile(name: str, store_factory: StoreFactory) -> Any:
    profile = resolve_profile(name, store_factory=store_factory)
    method = auth_method(profile.settings)
    if method is not AuthMethod.WEB:
        raise ProfileError(
            f"Profile {name!r} logs in with {method.label}, not with the browser.",
            "Browser sign-in is for profiles whose Salesforce method is web.",
        )
    return profile


def sign_in(
    name: str,
    *,
    open_url: Callable[[str], Any] = system_browser,
    cancelled: Callable[[], bool] = lambda: False,
    timeout: float = SIGNIN_TIMEOUT_SECONDS,
    store_factory: StoreFactory = default_store,
) -> dict[str, Any]:
    """Run the browser sign-in for profile ``name`` and keep its refresh token. Raises on failure.

    The sandbox profile signs in through its scripted stand-in instead (``open_url`` is not used).
    """
    profile = _web_profile(name, store_factory)
    settings, secrets = salesforce_config(profile)
    if profile.kind == KIND_SANDBOX:
        store = sandbox_token_store(profile)
        old = store.forget()
        if old:
            with contextlib.suppress(WireError):
                revoke(new_session(), token_base_url(settings), old, settings.timeout)
        sf = profile.settings.get("salesforce") or {}
        result = _sandbox_sign_in(settings, str(sf.get("username", "")), str(sf.get("password", "")))
        store.save(result.refresh_token)
        return _summary(name, result, sandbox=True)
    keeper = KeyringTokenStore(store_factory(profile.settings), name)
    old = keeper.load()  # read before: a broken keyring fails here, before anyone opens a browser
    result = browser_sign_in(settings, secrets, open_url=open_url, cancelled=cancelled, timeout=timeout)
    keeper.save(result.refresh_token)
    cfg.update_salesforce(name, instance_url=result.instance_url, username=result.username)
    if old and old != result.refresh_token:  # a second sign-in: the earlier grant is of no use any more
        with contextlib.suppress(WireError):
            revoke(new_session(), token_base_url(settings), old, settings.timeout)
    return _summary(name, result, sandbox=False)


def _summary(name: str, result: Any, *, sandbox: bool) -> dict[str, Any]:
    return {
        "ok": True,
        "profile": name,
        "signed_in": True,
        "username": result.username,
        "instance_url": result.instance_url,
        "scope": result.scope,
        "kept": "in memory only (sandbox)" if sandbox else "refresh token in the OS keyring",
    }


def sign_out(name: str, *, store_factory: StoreFactory = default_store) -> dict[str, Any]:
    """Revoke the refresh token at Salesforce and forget it. A revoke that cannot reach Salesforce
    still forgets it locally and says so (the grant can then be revoked in Setup)."""
    profile = _web_profile(name, store_factory)
    settings, _ = salesforce_config(profile)
    keeper: KeyringTokenStore | SandboxTokenStore
    if profile.kind == KIND_SANDBOX:
        keeper = sandbox_token_store(profile)
        token = keeper.forget()
    else:
        keeper = KeyringTokenStore(store_factory(profile.settings), name)
        token = keeper.load()
    if not token:
        return {"ok": True, "profile": name, "signed_in": False, "revoked": False, "warning": ""}
    warning = ""
    revoked = False
    try:
        revoked = revoke(new_session(), token_base_url(settings), token, settings.timeout)
    except WireError as exc:
        log.info("Revoking the refresh token of %s failed: %s", name, exc)
        warning = (
            "Salesforce could not be reached to revoke the sign-in; it was forgotten here. An admin can revoke it "
            "in Setup > Connected Apps OAuth Usage (or the user under Settings > OAuth Connected Apps)."
        )
    if isinstance(keeper, KeyringTokenStore):
        keeper.delete()
    return {"ok": True, "profile": name, "signed_in": False, "revoked": revoked, "warning": warning}


def signin_status(
    name: str, *, store_factory: StoreFactory = default_store, resolved: Callable[[], Any] | None = None
) -> dict[str, Any]:
    """Method, its future, and (for web) whether a refresh token is kept. No network.

    ``resolved``: the caller's session's settings and secrets, instead of a new keyring read."""
    prof = cfg.get_profile(name)
    method = auth_method(prof)
    sf = prof.get("salesforce") or {}
    status: dict[str, Any] = {
        "profile": name,
        "method": method.value,
        "method_label": method.label,
        "legacy": method.legacy,
        "future": method.future,
        "username": str(sf.get("username", "")),
        "instance_url": str(sf.get("instance_url", "")),
        "signed_in": None,
    }
    if method is not AuthMethod.WEB:
        return status
    if prof.get("kind") == KIND_SANDBOX:
        profile = resolved() if resolved is not None else resolve_profile(name, store_factory=store_factory)
        status["signed_in"] = bool(sandbox_token_store(profile).peek())
        status["sandbox"] = True
        return status
    try:
        status["signed_in"] = bool(KeyringTokenStore(store_factory(prof), name).load())
    except CredentialStoreError as exc:
        status["problem"] = exc.title
    return status


__all__ = [
    "SIGNIN_TIMEOUT_SECONDS",
    "SalesforceSignInError",
    "sign_in",
    "sign_out",
    "signin_hint",
    "signin_status",
    "system_browser",
    "token_store",
]
