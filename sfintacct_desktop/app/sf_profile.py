"""A profile's Salesforce half as the wire client takes it: settings, secrets, and where the refresh token lives.

Why its own module: the connection test, the sync and the sign-in all need the same three things,
and the refresh token has three homes. A real profile keeps it in the OS keyring (never in the
profiles file); the sandbox profile signs in by itself through the emulator's pages and keeps the
token in this process's memory only (it is not a public constant, so it is not written anywhere).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..config.profiles import KIND_SANDBOX
from ..secrets import CredentialStore, register_secret
from ..wire.salesforce import (
    AuthMethod,
    RefreshTokenStore,
    SalesforceSecrets,
    SalesforceSettings,
    SalesforceSignInError,
    SalesforceSignInRequired,
    browser_sign_in,
)
from ..wire.transport import TransportError
from .profiles import REFRESH_TOKEN_KEY as REFRESH_KEY
from .profiles import ResolvedProfile, StoreFactory, default_store
from .sandbox_signin import ScriptedBrowser

SANDBOX_SIGNIN_SECONDS = 60.0


def auth_method(settings: Mapping[str, Any]) -> AuthMethod:
    """The profile's method. A real profile without one predates browser sign-in: it used SOAP then."""
    sf = settings.get("salesforce") or {}
    fallback = "web" if settings.get("kind") == KIND_SANDBOX else "soap"
    return AuthMethod(sf.get("auth_method") or fallback)


def salesforce_config(profile: ResolvedProfile, max_attempts: int = 2) -> tuple[SalesforceSettings, SalesforceSecrets]:
    sf = profile.settings.get("salesforce") or {}
    secrets = SalesforceSecrets(
        password=profile.secrets.get("salesforce.password", ""),
        security_token=profile.secrets.get("salesforce.security_token", ""),
        consumer_secret=profile.secrets.get("salesforce.consumer_secret", ""),
    )
    method = auth_method(profile.settings)
    if profile.kind == KIND_SANDBOX:
        url = str(sf.get("login_url") or sf.get("url") or "")
        settings = SalesforceSettings(
            auth_method=method,
            login_host=url,
            username=str(sf.get("username", "")),
            consumer_key=str(sf.get("consumer_key", "")),
            instance_url=url,
            callback_ports=(0,),  # the sandbox's own app accepts any loopback port
            api_version=str(sf.get("api_version") or SalesforceSettings.api_version),
            max_attempts=max_attempts,
        )
        if method is AuthMethod.WEB:
            secrets = SalesforceSecrets()  # the browser sign-in needs no password (nor a secret: PKCE)
        return settings, secrets
    host = str(sf.get("login_host", "production"))
    my_domain = ""
    if host.startswith("mydomain:"):
        host, my_domain = "mydomain", host.split(":", 1)[1]
    ports = tuple(int(p) for p in sf.get("callback_ports") or ()) or SalesforceSettings.callback_ports
    settings = SalesforceSettings(
        auth_method=method,
        login_host=host,
        my_domain=my_domain,
        username=str(sf.get("username", "")),
        consumer_key=str(sf.get("consumer_key", "")),
        private_key_file=str(sf.get("private_key_file", "")),
        instance_url=str(sf.get("instance_url", "")),
        callback_ports=ports,
        api_version=str(sf.get("api_version") or SalesforceSettings.api_version),
        max_attempts=max_attempts,
    )
    return settings, secrets


@dataclass
class KeyringTokenStore:
    """A real profile's refresh token: one keyring entry, replaced on rotation."""

    store: CredentialStore
    profile: str

    def load(self) -> str:
        return self.store.get(self.profile, REFRESH_KEY) or ""

    def save(self, token: str) -> None:
        self.store.set(self.profile, REFRESH_KEY, token)

    def refused(self, token: str) -> None:
        return None  # kept: "sign in again" is what Salesforce says on each try, one call per command

    def delete(self) -> None:
        self.store.delete(self.profile, REFRESH_KEY)


@dataclass
class SandboxTokenStore:
    """The sandbox profile's refresh token, in memory; a missing or refused one means signing in again."""

    settings: SalesforceSettings
    username: str
    password: str = field(repr=False)
    _token: str = field(default="", repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def load(self) -> str:
        with self._lock:
            if not self._token:
                self._token = sandbox_sign_in(self.settings, self.username, self.password).refresh_token
            return self._token

    def save(self, token: str) -> None:
        register_secret(token)
        with self._lock:
            self._token = token

    def refused(self, token: str) -> None:
        with self._lock:
            if self._token == token:
                self._token = ""

    def peek(self) -> str:
        with self._lock:
            return self._token

    def forget(self) -> str:
        with self._lock:
            token, self._token = self._token, ""
            return token


_SANDBOX_STORES: dict[str, SandboxTokenStore] = {}
_SANDBOX_LOCK = threading.Lock()


def sandbox_token_store(profile: ResolvedProfile) -> SandboxTokenStore:
    """One store per sandbox profile and address in this process, so a window's many connects sign in once."""
    settings, _ = salesforce_config(profile)
    sf = profile.settings.get("salesforce") or {}
    key = f"{profile.name}@{settings.login_host}"
    with _SANDBOX_LOCK:
        store = _SANDBOX_STORES.get(key)
        if store is None:
            store = SandboxTokenStore(settings, str(sf.get("username", "")), str(sf.get("password", "")))
            _SANDBOX_STORES[key] = store
        return store


def token_store(profile: ResolvedProfile, store_factory: StoreFactory = default_store) -> RefreshTokenStore | None:
    """Where the profile's refresh token lives; None for methods that have none."""
    if auth_method(profile.settings) is not AuthMethod.WEB:
        return None
    if profile.kind == KIND_SANDBOX:
        return sandbox_token_store(profile)
    return KeyringTokenStore(store_factory(profile.settings), profile.name)


def sandbox_sign_in(settings: SalesforceSettings, username: str, password: str) -> Any:
    """The browser sign-in against the sandbox, the pages walked by :class:`ScriptedBrowser`."""
    browser = ScriptedBrowser(username, password)
    try:
        return browser_sign_in(
            settings,
            SalesforceSecrets(),
            open_url=browser.open,
            cancelled=browser.gave_up,
            timeout=SANDBOX_SIGNIN_SECONDS,
            ports=(0,),
        )
    except SalesforceSignInError as exc:
        if exc.code == "CANCELLED" and browser.unreachable:  # a stopped sandbox, told as such (not a sign-in)
            raise TransportError(
                f"The sandbox's Salesforce at {settings.login_host} is not answering: {browser.error}",
                code="UNREACHABLE",
            ) from None
        if exc.code == "CANCELLED" and browser.error:
            raise SalesforceSignInRequired(
                f"The sandbox sign-in did not complete: {browser.error}", code="SIGNIN_MISSING"
            ) from None
        raise
