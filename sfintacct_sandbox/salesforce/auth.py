"""Logins of the emulated org: SOAP partner ``login`` and the OAuth2 token endpoint.

Why faithful: simple-salesforce parses the SOAP body by tag name and raises on a non-200 with
``sf:exceptionCode``; OAuth failures are 400 ``{error, error_description}``. Sessions
(``sessions.py``) slide on use and expire after an idle time measured on the emulator clock, so
tests can force a re-login by shifting the clock. SOAP ``login()`` is refused the way Salesforce
refuses it since its retirement began: on API 65.0 and later, and when the org has it switched
off (``INVALID_OPERATION``); retired API versions answer ``UNSUPPORTED_API_VERSION`` (sources in
docs/sandbox.md). The browser sign-in (authorization code with PKCE) and refresh tokens live in ``oauth_web.py``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree
from werkzeug.wrappers import Request, Response

from .. import credentials as cred
from ..files import write_private
from ..httpserver import json_response
from . import oauth_web

if TYPE_CHECKING:
    from .host import SalesforceHost

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
INVALID_LOGIN_MSG = "INVALID_LOGIN: Invalid username, password, security token; or user locked out."
SOAP_LOGIN_LAST_VERSION = 64.0  # login() is not available from API 65.0 on
OLDEST_VERSION = 31.0  # 7.0-30.0 are retired: REST 410, SOAP UNSUPPORTED_API_VERSION
UNSUPPORTED_VERSION_MSG = "UNSUPPORTED_API_VERSION: Invalid Api version specified on URL"
SOAP_DISABLED_MSG = (
    "INVALID_OPERATION: SOAP API login() is disabled by default in this org. "
    "Contact the org administrator to enable SOAP API login()."
)


def bearer_token(request: Request) -> str | None:
    value = request.headers.get("Authorization", "")
    scheme, _, token = value.partition(" ")
    if scheme.lower() in ("bearer", "oauth") and token.strip():
        return token.strip()
    return request.headers.get("X-SFDC-Session") or None


_MEMORY_KEY: list[bytes] = []  # one key per process for emulators without a data dir (RSA is slow)


def load_or_create_key(data_dir: Path | None) -> bytes:
    """The sandbox JWT key pair (PEM private key), kept in the data dir so profiles stay valid."""
    path = data_dir / "jwt_private_key.pem" if data_dir is not None else None
    if path is not None and path.exists():
        return path.read_bytes()
    if path is None and _MEMORY_KEY:
        return _MEMORY_KEY[0]
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    if path is not None:
        write_private(path, pem)
    else:
        _MEMORY_KEY.append(pem)
    return pem


# ------------------------------------------------------------------- SOAP
def soap_fault(code: str, message: str, fault: str = "LoginFault", *, bare_detail: bool = False) -> Response:
    """A partner-API fault. ``bare_detail`` drops the ``CODE: `` prefix from ``exceptionMessage``
    (the ApiFault of the retired login carries the bare sentence; the LoginFault repeats the prefix)."""
    detail = message.removeprefix(f"{code}: ") if bare_detail else message
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns:sf="urn:fault.partner.soap.sforce.com" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>'
        f"<faultcode>sf:{code}</faultcode><faultstring>{escape(message)}</faultstring>"
        f'<detail><sf:{fault} xsi:type="sf:{fault}"><sf:exceptionCode>{code}</sf:exceptionCode>'
        f"<sf:exceptionMessage>{escape(detail)}</sf:exceptionMessage></sf:{fault}></detail>"
        "</soapenv:Fault></soapenv:Body></soapenv:Envelope>"
    )
    return Response(body, status=500, content_type="text/xml;charset=UTF-8")


def version_number(version: str) -> float | None:
    try:
        return float(version) if "." in version else None
    except ValueError:
        return None


def retired_version_fault(version: str) -> Response | None:
    """The SOAP answer for a retired or unknown API version, or None when the version is served."""
    number = version_number(version)
    if number is None or number < OLDEST_VERSION:
        return soap_fault("UNSUPPORTED_API_VERSION", UNSUPPORTED_VERSION_MSG, "UnexpectedErrorFault", bare_detail=True)
    return None


def soap_login_refusal(emu: SalesforceHost, version: str) -> Response | None:
    """Why ``login()`` is refused before any credential is looked at (API 65.0+, or switched off)."""
    number = version_number(version) or 0.0
    if number > SOAP_LOGIN_LAST_VERSION:
        message = (
            f"INVALID_OPERATION: The SOAP Login operation is not available in the API version specified "
            f"({version}). Refer to the documentation for supported versions."
        )
        return soap_fault("INVALID_OPERATION", message, "UnexpectedErrorFault", bare_detail=True)
    if not emu.soap_login_enabled:
        return soap_fault("INVALID_OPERATION", SOAP_DISABLED_MSG, "UnexpectedErrorFault", bare_detail=True)
    return None


def _find_text(root: etree._Element, local: str) -> str | None:
    for el in root.iter():
        if isinstance(el.tag, str) and etree.QName(el).localname == local:
            return el.text or ""
    return None


def soap_login(emu: SalesforceHost, request: Request, version: str) -> Response:
    refused = soap_login_refusal(emu, version)
    if refused is not None:
        return refused
    try:
        root = etree.fromstring(request.get_data(), PARSER)
    except etree.XMLSyntaxError:
        return soap_fault("INVALID_LOGIN", INVALID_LOGIN_MSG)
    username, password = _find_text(root, "username"), _find_text(root, "password")
    if username != cred.SF_USERNAME or password != cred.SF_PASSWORD + cred.SF_SECURITY_TOKEN:
        return soap_fault("INVALID_LOGIN", INVALID_LOGIN_MSG)
    token = emu.sessions.issue(emu.clock.monotonic_now())
    base = emu.base_url(request)
    org = cred.SF_ORG_ID
    multi = "true" if emu.currencies else "false"
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
        'xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        "<soapenv:Body><loginResponse><result>"
        f"<metadataServerUrl>{base}/services/Soap/m/{version}/{org}</metadataServerUrl>"
        "<passwordExpired>false</passwordExpired><sandbox>false</sandbox>"
        f"<serverUrl>{base}/services/Soap/u/{version}/{org}</serverUrl>"
        f"<sessionId>{token}</sessionId><userId>{cred.SF_USER_ID}</userId><userInfo>"
        "<accessibilityMode>false</accessibilityMode><chatterExternal>false</chatterExternal>"
        "<currencySymbol>$</currencySymbol><orgAttachmentFileSizeLimit>5242880</orgAttachmentFileSizeLimit>"
        f"<orgDefaultCurrencyIsoCode>{(emu.currencies or ('USD',))[0]}</orgDefaultCurrencyIsoCode>"
        "<orgDisallowHtmlAttachments>false</orgDisallowHtmlAttachments>"
        "<orgHasPersonAccounts>false</orgHasPersonAccounts>"
        f"<organizationId>{org}</organizationId><organizationMultiCurrency>{multi}</organizationMultiCurrency>"
        "<organizationName>sfintacct Sandbox</organizationName><profileId>00e5e000000SBXAAA4</profileId>"
        '<roleId xsi:nil="true"/><sessionSecondsValid>'
        f"{int(emu.sessions.idle_seconds)}</sessionSecondsValid>"
        f'<userDefaultCurrencyIsoCode xsi:nil="true"/><userEmail>{escape(cred.SF_USERNAME)}</userEmail>'
        f"<userFullName>Sandbox Operator</userFullName><userId>{cred.SF_USER_ID}</userId>"
        "<userLanguage>en_US</userLanguage><userLocale>en_US</userLocale>"
        f"<userName>{escape(cred.SF_USERNAME)}</userName><userTimeZone>America/Los_Angeles</userTimeZone>"
        "<userType>Standard</userType><userUiSkin>Theme3</userUiSkin></userInfo>"
        "</result></loginResponse></soapenv:Body></soapenv:Envelope>"
    )
    return Response(body, status=200, content_type="text/xml;charset=UTF-8")


# ------------------------------------------------------------------ OAuth2
def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    return json_response({"error": error, "error_description": description}, status)


def _client_ok(client_id: str | None, client_secret: str | None) -> bool:
    return client_id == cred.SF_CONSUMER_KEY and (
        client_secret is None or hmac.compare_digest(client_secret, cred.SF_CONSUMER_SECRET)
    )


def _check_jwt(emu: SalesforceHost, assertion: str) -> str | None:
    """The error description for a bad JWT bearer assertion, or None when it is acceptable."""
    try:
        claims = jwt.decode(
            assertion,
            emu.jwt_public_key(),
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_aud": False, "require": ["iss", "sub", "aud", "exp"]},
        )
    except jwt.PyJWTError:
        return "invalid assertion"
    if claims.get("iss") != cred.SF_CONSUMER_KEY:
        return "invalid_client_id"
    if claims.get("sub") != cred.SF_USERNAME:
        return "user hasn't approved this consumer"
    aud = claims.get("aud")
    auds = aud if isinstance(aud, list) else [aud]
    if not any(isinstance(a, str) and _audience_ok(emu, a) for a in auds):
        return "audience is invalid"
    try:
        exp = float(claims["exp"])
    except (TypeError, ValueError):
        return "expiration is invalid"
    if exp < emu.clock.monotonic_now():
        return "expired authorization code"
    return None


def _audience_ok(emu: SalesforceHost, aud: str) -> bool:
    aud = aud.rstrip("/")
    host = aud.split("://", 1)[-1]
    return host.endswith(".salesforce.com") or host == emu.last_host


def oauth_token(emu: SalesforceHost, request: Request) -> Response:
    form = request.form
    grant = form.get("grant_type", "")
    if grant == "password":
        if not _client_ok(form.get("client_id"), form.get("client_secret") or ""):
            return _oauth_error("invalid_client_id", "client identifier invalid")
        if form.get("username") != cred.SF_USERNAME or form.get("password") != (
            cred.SF_PASSWORD + cred.SF_SECURITY_TOKEN
        ):
            return _oauth_error("invalid_grant", "authentication failure")
    elif grant == "client_credentials":
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        try:
            cid, _, csecret = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            cid, csecret = form.get("client_id", ""), form.get("client_secret", "")
        if scheme.lower() != "basic":
            cid, csecret = form.get("client_id", ""), form.get("client_secret", "")
        if not _client_ok(cid, csecret or ""):
            return _oauth_error("invalid_client", "invalid client credentials")
    elif grant == "authorization_code":
        return oauth_web.code_grant(emu, request)
    elif grant == "refresh_token":
        return oauth_web.refresh_grant(emu, request)
    elif grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
        problem = _check_jwt(emu, form.get("assertion", ""))
        if problem == "invalid_client_id":
            return _oauth_error("invalid_client_id", "client identifier invalid")
        if problem is not None:
            return _oauth_error("invalid_grant", problem)
    else:
        return _oauth_error("unsupported_grant_type", "grant type not supported")
    token = emu.sessions.issue(emu.clock.monotonic_now())
    base = emu.base_url(request)
    issued_at = str(int(emu.clock.monotonic_now() * 1000))
    ident = f"{base}/id/{cred.SF_ORG_ID}/{cred.SF_USER_ID}"
    signature = base64.b64encode(
        hmac.new(cred.SF_CONSUMER_SECRET.encode(), (ident + issued_at).encode(), hashlib.sha256).digest()
    ).decode()
    return json_response(
        {
            "access_token": token,
            "instance_url": base,
            "id": ident,
            "token_type": "Bearer",
            "issued_at": issued_at,
            "signature": signature,
            "scope": "api",
        }
    )
