"""Connection settings and secrets of the Salesforce client.

Why two classes: settings are plain profile data (stored, shown, logged); secrets come from the
credential store at connect time and are never stored with the settings nor shown in a repr.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

from ..transport import DEFAULT_TIMEOUT, InsecureTransportError, check_url, is_loopback_host

DEFAULT_API_VERSION = "59.0"
SF_SUFFIX = ".salesforce.com"


class AuthMethod(StrEnum):
    SOAP = "soap"  # username + password + security token (partner SOAP login)
    OAUTH_PASSWORD = "oauth_password"  # noqa: S105 - OAuth2 username-password flow (connected app)
    JWT = "jwt"  # OAuth2 JWT bearer flow (username, consumer key, private key file)
    CLIENT_CREDENTIALS = "client_credentials"  # OAuth2 client credentials (My Domain only)


@dataclass(frozen=True)
class SalesforceSettings:
    """Non-secret settings. ``login_host``: production, sandbox, mydomain or a URL."""

    auth_method: AuthMethod = AuthMethod.SOAP
    login_host: str = "production"
    my_domain: str = ""  # "<name>" for login_host="mydomain" (<name>.my.salesforce.com)
    username: str = ""
    consumer_key: str = ""
    private_key_file: str = ""  # JWT only: path of the PEM private key
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

    def __repr__(self) -> str:
        shown = {k: ("***" if getattr(self, k) else "") for k in ("password", "security_token", "consumer_secret")}
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
