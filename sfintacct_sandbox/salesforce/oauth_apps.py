"""The org's External Client Apps and OAuth grants: pending authorizations, codes, refresh tokens.

Why a module of its own: the authorization code flow spans several requests (authorize, login,
consent, code exchange) and the tokens outlive them (refresh, rotation, revocation). This keeps
that state and the app policies an admin sets in Setup, so the endpoints in ``oauth_web.py`` stay
plain request handlers.

Refresh tokens are kept as SHA-256 digests in the store's meta table (so a sandbox restart keeps a
signed-in profile signed in, and the sandbox's files never hold a usable token); codes, pending
authorizations and browser sessions live in memory, as short-lived things do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from dataclasses import asdict, dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit

from .. import credentials as cred

# The callback URLs the product documents for its External Client App (see docs/signin.md).
PRODUCT_CALLBACKS = (
    "http://localhost:1717/OauthRedirect",
    "http://localhost:1718/OauthRedirect",
    "http://localhost:1719/OauthRedirect",
)
CODE_SECONDS = 15 * 60  # an authorization code is valid for 15 minutes, once
PENDING_SECONDS = 30 * 60
REFRESH_META = "oauth_refresh_tokens"
APPROVALS_META = "oauth_approvals"
# The OAuth scopes the admin selected for the app (what a request without ``scope`` is granted).
DEFAULT_SCOPES = frozenset({"api", "refresh_token", "offline_access", "id"})


@dataclass
class OAuthApp:
    """One External Client App's OAuth policies, as an admin sets them in Setup."""

    consumer_key: str
    consumer_secret: str
    callbacks: tuple[str, ...] = PRODUCT_CALLBACKS
    # RFC 8252 section 7.3: any port for a loopback callback. Real orgs match the callback exactly;
    # only the sandbox's own app allows it, so that runs on one machine never fight over a port.
    any_loopback_port: bool = False
    require_secret: bool = False  # "Require secret for Web Server Flow" (off: a desktop app keeps no secret)
    require_pkce: bool = True  # "Require Proof Key for Code Exchange (PKCE) extension"
    pre_authorized: bool = False  # "Admin approved users are pre-authorized": no consent page
    rotate_refresh_tokens: bool = False  # "Enable Refresh Token Rotation"
    refresh_token_idle_seconds: float | None = None  # "Expire refresh token if not used for N"; None = until revoked
    scopes: frozenset[str] = DEFAULT_SCOPES

    def callback_ok(self, redirect_uri: str) -> bool:
        if redirect_uri in self.callbacks:
            return True
        if not self.any_loopback_port:
            return False
        asked = urlsplit(redirect_uri)
        if asked.scheme != "http" or asked.hostname not in ("localhost", "127.0.0.1", "::1"):
            return False
        for registered in self.callbacks:
            known = urlsplit(registered)
            if known.scheme == "http" and known.hostname == asked.hostname and known.path == asked.path:
                return not asked.query and not asked.fragment
        return False

    def settings(self) -> dict[str, Any]:
        out = asdict(self)
        out.pop("consumer_secret")
        out["callbacks"] = list(self.callbacks)
        out["scopes"] = sorted(self.scopes)
        return out

    def update(self, body: dict[str, Any]) -> None:
        """Apply the admin API's settings (unknown keys are an error, not ignored)."""
        names = {f.name for f in fields(self)} - {"consumer_key", "consumer_secret"}
        unknown = set(body) - names
        if unknown:
            raise ValueError(f"unknown app settings: {sorted(unknown)}")
        for key, value in body.items():
            if key == "callbacks":
                value = tuple(str(v) for v in value)
            elif key == "scopes":
                value = frozenset(str(v) for v in value)
            elif key == "refresh_token_idle_seconds":
                value = None if value is None else float(value)
            elif not isinstance(value, bool):
                raise ValueError(f"{key} must be true or false")
            setattr(self, key, value)


def sandbox_app() -> OAuthApp:
    return OAuthApp(cred.SF_CONSUMER_KEY, cred.SF_CONSUMER_SECRET, any_loopback_port=True)


@dataclass
class AuthRequest:
    """An authorize request waiting for the person to log in and allow access."""

    client_id: str
    redirect_uri: str
    state: str | None
    scope: frozenset[str]
    challenge: str | None
    prompt: str
    created: float


@dataclass
class CodeGrant:
    client_id: str
    redirect_uri: str
    scope: frozenset[str]
    challenge: str | None
    expires: float
    used: bool = False


@dataclass
class RefreshGrant:
    client_id: str
    scope: list[str]
    last_used: float
    access_tokens: list[str] = field(default_factory=list)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def s256(verifier: str) -> str:
    """RFC 7636 S256: BASE64URL(SHA256(ASCII(code_verifier))) without padding."""
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii", "replace")).digest()).decode().rstrip("=")


class OAuthGrants:
    """Everything the OAuth endpoints remember between requests (one lock; the store is written through)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.apps: dict[str, OAuthApp] = {cred.SF_CONSUMER_KEY: sandbox_app()}
        self._lock = threading.Lock()
        self._pending: dict[str, AuthRequest] = {}
        self._codes: dict[str, CodeGrant] = {}
        self._browser: dict[str, str] = {}  # browser session cookie -> username
        self._access_owner: dict[str, str] = {}  # access token -> refresh digest

    # ------------------------------------------------------------ authorize
    def begin(self, request: AuthRequest) -> str:
        with self._lock:
            self._drop_old(request.created)
            key = secrets.token_urlsafe(18)
            self._pending[key] = request
            return key

    def pending(self, key: str, now: float) -> AuthRequest | None:
        with self._lock:
            found = self._pending.get(key or "")
            if found is not None and now - found.created > PENDING_SECONDS:
                del self._pending[key]
                return None
            return found

    def finish(self, key: str) -> None:
        with self._lock:
            self._pending.pop(key, None)

    def _drop_old(self, now: float) -> None:
        for key in [k for k, v in self._pending.items() if now - v.created > PENDING_SECONDS]:
            del self._pending[key]
        for code in [c for c, g in self._codes.items() if g.used or g.expires < now]:
            del self._codes[code]

    # ------------------------------------------------------- browser sessions
    def browser_login(self, username: str) -> str:
        cookie = secrets.token_urlsafe(24)
        with self._lock:
            self._browser[cookie] = username
        return cookie

    def browser_user(self, cookie: str | None) -> str | None:
        with self._lock:
            return self._browser.get(cookie or "")

    # ---------------------------------------------------------------- consent
    def approved(self, username: str, client_id: str) -> bool:
        return client_id in (self.store.meta(APPROVALS_META, {}) or {}).get(username, [])

    def approve(self, username: str, client_id: str) -> None:
        with self.store.lock:
            approvals = dict(self.store.meta(APPROVALS_META, {}) or {})
            approvals[username] = sorted(set(approvals.get(username, [])) | {client_id})
            self.store.set_meta(APPROVALS_META, approvals)

    # ------------------------------------------------------------------ codes
    def issue_code(self, request: AuthRequest, now: float) -> str:
        code = "aPrx" + secrets.token_urlsafe(48)
        with self._lock:
            self._codes[code] = CodeGrant(
                request.client_id, request.redirect_uri, request.scope, request.challenge, now + CODE_SECONDS
            )
        return code

    def take_code(self, code: str) -> CodeGrant | None:
        """The grant of ``code``, marked used (a code works once, right or wrong)."""
        with self._lock:
            grant = self._codes.get(code or "")
            if grant is None:
                return None
            was_used = grant.used
            grant.used = True
            return None if was_used else grant

    # --------------------------------------------------------- refresh tokens
    def _refresh_table(self) -> dict[str, dict[str, Any]]:
        return dict(self.store.meta(REFRESH_META, {}) or {})

    def issue_refresh(self, client_id: str, scope: frozenset[str], now: float) -> str:
        token = f"5Aep861{secrets.token_urlsafe(64)}"
        with self.store.lock:
            table = self._refresh_table()
            table[digest(token)] = {"client_id": client_id, "scope": sorted(scope), "last_used": now}
            self.store.set_meta(REFRESH_META, table)
        return token

    def use_refresh(self, token: str, client_id: str, now: float) -> RefreshGrant | None:
        """The live grant of a refresh token (sliding its idle expiry), or None if unknown/expired/revoked."""
        key = digest(token or "")
        with self.store.lock:
            table = self._refresh_table()
            row = table.get(key)
            if row is None or row.get("client_id") != client_id:
                return None
            app = self.apps.get(client_id)
            idle = app.refresh_token_idle_seconds if app is not None else None
            if idle is not None and now - float(row.get("last_used", now)) > idle:
                del table[key]
                self.store.set_meta(REFRESH_META, table)
                return None
            table[key] = {**row, "last_used": now}
            self.store.set_meta(REFRESH_META, table)
        return RefreshGrant(client_id, list(row.get("scope", [])), now)

    def rotate(self, old: str, client_id: str, scope: list[str], now: float) -> str:
        """Replace a refresh token with a new one; the old one stops working at once."""
        with self.store.lock:
            table = self._refresh_table()
            table.pop(digest(old), None)
            self.store.set_meta(REFRESH_META, table)
            return self.issue_refresh(client_id, frozenset(scope), now)

    def own_access(self, access_token: str, refresh_token: str) -> None:
        with self._lock:
            self._access_owner[access_token] = digest(refresh_token)

    def revoke(self, token: str) -> tuple[bool, list[str]]:
        """Revoke a refresh token (and its access tokens) or an access token.

        Returns (known as a refresh token, access tokens to end).
        """
        key = digest(token or "")
        with self.store.lock:
            table = self._refresh_table()
            known = key in table
            if known:
                del table[key]
                self.store.set_meta(REFRESH_META, table)
        if known:
            with self._lock:
                owned = [a for a, owner in self._access_owner.items() if owner == key]
                for access in owned:
                    del self._access_owner[access]
            return True, owned
        return False, [token]

    def revoke_all(self) -> list[str]:
        """Setup > Connected Apps OAuth Usage > Revoke: every refresh token and its access tokens."""
        self.store.set_meta(REFRESH_META, {})
        with self._lock:
            owned = list(self._access_owner)
            self._access_owner.clear()
            self._browser.clear()
        return owned

    def counts(self) -> dict[str, int]:
        with self._lock:
            codes = sum(1 for g in self._codes.values() if not g.used)
            pending = len(self._pending)
        return {"refresh_tokens": len(self._refresh_table()), "open_codes": codes, "pending": pending}


def signature(ident: str, issued_at: str) -> str:
    """The token response's ``signature``: Base64 HMAC-SHA256 of id + issued_at keyed by the consumer secret."""
    return base64.b64encode(
        hmac.new(cred.SF_CONSUMER_SECRET.encode(), (ident + issued_at).encode(), hashlib.sha256).digest()
    ).decode()
