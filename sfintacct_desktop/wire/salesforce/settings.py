"""Connection settings and secrets of the Salesforce client.

Why two classes: settings are plain profile data (stored, shown, logged); secrets come from the
credential store at connect time and are never stored with the settings nor shown in a repr.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

from ..transport import DEFAULT_TIMEOUT, InsecureTransportError, check_url, is_loopback_host

# Spring '26: offered by every org since February 2026, supported at least into 2029. SOAP login()
# does not exist from 65.0 on, so the legacy SOAP method logs in at 64.0 (a session works with any
# REST version) while the REST calls use the profile's version.
DEFAULT_API_VERSION = "66.0"
SOAP_LOGIN_VERSION = "64.0"
OLDEST_API_VERSION = 31.0  # 7.0-30.0 are retired (REST 410 GONE)
DEPRECATED_BELOW = 41.0  # 31.0-40.0: unsupported from Summer '27, retired from Summer '28
LEGACY_RETIREMENT = "Summer '27 (June 2027)"
SF_SUFFIX = ".salesforce.com"
DEFAULT_CALLBACK_PORTS = (1717, 1718, 1719)


class AuthMethod(StrEnum):
    WEB = "web"  # browser sign-in: authorization code + PKCE, refresh token in the keyring (the default)
    JWT = "jwt"  # OAuth2 JWT bearer flow (username, consumer key, private key file): unattended
    CLIENT_CREDENTIALS = "client_credentials"  # OAuth2 client credentials (My Domain only): unattended
    SOAP = "soap"  # legacy: username + password + security token (partner SOAP login)
    OAUTH_PASSWORD = "oauth_password"  # noqa: S105 - legacy: OAuth2 username-password flow

    @property
    def legacy(self) -> bool:
        return self in (AuthMethod.SOAP, AuthMethod.OAUTH_PASSWORD)

    @property
    def label(self) -> str:
        return METHOD_LABELS[self]

    @property
    def future(self) -> str:
        """What Salesforce's retirement plans mean for this method, in one sentence."""
        if self is AuthMethod.SOAP:
            return (
                f"legacy: Salesforce retires SOAP login() with {LEGACY_RETIREMENT}; it is already unavailable "
                "from API 65.0 and off by default in new orgs. Switch this profile to browser sign-in (web)."
            )
        if self is AuthMethod.OAUTH_PASSWORD:
            return (
                "legacy: the OAuth username-password flow is off by default in new orgs and Salesforce asks "
                "integrations to move off it. Switch this profile to browser sign-in (web)."
            )
        return "current: the way Salesforce asks integrations to sign in (External Client App, OAuth 2.0)."


METHOD_LABELS = {
    AuthMethod.WEB: "browser sign-in (OAuth 2.0 authorization code with PKCE, refresh token)",
    AuthMethod.JWT: "JWT bearer (OAuth 2.0, certificate)",
    AuthMethod.CLIENT_CREDENTIALS: "client credentials (OAuth 2.0, integration user)",
    AuthMethod.SOAP: "SOAP login() with password and security token",
    AuthMethod.OAUTH_PASSWORD: "OAuth username-password flow",
}


@dataclass(frozen=True)
class SalesforceSettings:
    """Non-secret settings. ``login_host``: production, sandbox, mydomain or a URL."""

    auth_method: AuthMethod = AuthMethod.WEB
    login_host: str = "production"
    my_domain: str = ""  # "<name>" for login_host="mydomain" (<name>.my.salesforce.com)
    username: str = ""
    consumer_key: str = ""
    private_key_file: str = ""  # JWT only: path of the PEM private key
    instance_url: str = ""  # web: the org's instance (My Domain) learnt at sign-in; refresh and revoke go there
    callback_ports: tuple[int, ...] = DEFAULT_CALLBACK_PORTS  # web: the loopback ports the app registered
    api_version: str = DEFAULT_API_VERSION
    timeout: tuple[float, float] = DEFAULT_TIMEOUT  # (connect, read) seconds, every call
    query_batch_size: int = 2000  # Sforce-Query-Options batchSize (200..2000)
    max_attempts: int = 5  # retries of reads and idempotent writes


@dataclass(frozen=True)
class SalesforceSecrets:
    """Secrets from the credential store; the repr masks every value."""

    password: str = field(default="", repr=False)
    security_token: str = field(default="", repr=False)
    consumer_secret: str = field(default="", repr=False)
    refresh_token: str = field(default="", repr=False)  # web: when no token store is given

    def __repr__(self) -> str:
        names = ("password", "security_token", "consumer_secret", "refresh_token")
        shown = {k: ("***" if getattr(self, k) else "") for k in names}
        return "SalesforceSecrets(" + ", ".join(f"{k}={v!r}" for k, v in shown.items()) + ")"


@dataclass(frozen=True)
class LoginTarget:
    """Where the login goes: simple-salesforce's ``domain`` plus, when needed, the real URL.

    ``rewrite_to`` is set when simple-salesforce's hard-coded ``https://{domain}.salesforce.com``
    must be redirected: to a loopback ``http://`` sandbox (everything goes there) or to a custom
    https login host (only the login request goes there).
    """

    domain: str
    rewrite_to: str = ""
    loopback: bool = False


def resolve_login_target(settings: SalesforceSettings) -> LoginTarget:
    host = settings.login_host.strip()
    if host in ("production", ""):
        return LoginTarget("login")
    if host == "sandbox":
        return LoginTarget("test")
    if host == "mydomain":
        name = settings.my_domain.strip().removesuffix(".my.salesforce.com").removesuffix(".my")
        if not name:
            raise InsecureTransportError("login host 'mydomain' needs the My Domain name", code="BAD_URL")
        return LoginTarget(f"{name}.my")
    if "://" not in host:
        raise InsecureTransportError(f"Unknown Salesforce login host {host!r}", code="BAD_URL")
    url = check_url(host.rstrip("/"))
    parts = urlsplit(url)
    hostname = parts.hostname or ""
    if parts.scheme == "http" and is_loopback_host(hostname):
        # The sandbox: a My Domain-like stem so that the client-credentials flow is allowed too.
        return LoginTarget("sandbox.my", rewrite_to=f"http://{parts.netloc}", loopback=True)
    if hostname.endswith(SF_SUFFIX) and not parts.port:
        return LoginTarget(hostname.removesuffix(SF_SUFFIX))
    return LoginTarget("custom.my", rewrite_to=f"https://{parts.netloc}")
