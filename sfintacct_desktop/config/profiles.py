"""Named connection profiles: non-secret settings in one JSON file under the config directory.

Real secrets never land here (they go to the OS keyring, see ``secrets/``). The one exception
is the built-in ``sandbox`` profile, whose credentials are public constants of the emulators.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..wire.salesforce.settings import DEFAULT_API_VERSION, OLDEST_API_VERSION
from ..wire.transport import InsecureTransportError, check_url
from .paths import app_paths
from .private import write_atomic

SANDBOX_PROFILE = "sandbox"
STATE_KEY = "state"  # the sync-state marker inside a profile (see state_marker)
KIND_SANDBOX = "sandbox"
KIND_REAL = "real"
AUTH_METHODS = ("web", "jwt", "client_credentials", "soap", "oauth_password")  # the first is the default
LEGACY_AUTH_METHODS = ("soap", "oauth_password")
LOGIN_HOSTS = ("production", "sandbox")
CREDENTIAL_BACKENDS = ("keyring", "cryptfile")
DEFAULT_INTACCT_ENDPOINT = "https://api.intacct.com/ia/xml/xmlgw.phtml"
DEFAULT_TIMEZONE = "America/Los_Angeles"
_PROFILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_MY_DOMAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}(--[A-Za-z0-9]+)*$")
_API_VERSION = re.compile(r"^\d{2,3}\.0$")


class ProfileError(Exception):
    """A profile that is missing or unreadable, with a hint for the person."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"version": 1, "profiles": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ProfileError(
            f"Cannot read the profiles file {path}: {exc.__class__.__name__}",
            "Fix or remove the file; it holds only non-secret settings.",
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("profiles"), dict):
        raise ProfileError(
            f"The profiles file {path} is not in the expected format.", "Remove it and add profiles again."
        )
    return data


def _write(path: Path, data: dict[str, Any]) -> None:
    """Atomic replace of a private file, so a crash never leaves half a file."""
    write_atomic(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def list_profiles() -> dict[str, dict[str, Any]]:
    return dict(_read(app_paths().profiles_file)["profiles"])


def get_profile(name: str) -> dict[str, Any]:
    profiles = list_profiles()
    if name not in profiles:
        hint = (
            "Start the sandbox with `sfintacct sandbox serve` to create it."
            if name == SANDBOX_PROFILE
            else "Create it with `sfintacct profile add`."
        )
        raise ProfileError(f"No connection profile named {name!r}.", hint)
    return profiles[name]


def save_profile(name: str, settings: dict[str, Any]) -> None:
    path = app_paths().profiles_file
    data = _read(path)
    data["profiles"][name] = settings
    _write(path, data)


def save_sandbox_profile(connection_info: dict[str, Any]) -> None:
    """Point the ``sandbox`` profile at running emulators (public constants only).

    The profile's sync-state marker is kept: the emulators' data (and the state store that
    mirrors it) outlive one ``sandbox serve``.
    """
    settings: dict[str, Any] = {
        "kind": "sandbox",
        "salesforce": dict(connection_info["salesforce"]),
        "intacct": dict(connection_info["intacct"]),
    }
    earlier = list_profiles().get(SANDBOX_PROFILE) or {}
    if isinstance(earlier.get(STATE_KEY), dict):
        settings[STATE_KEY] = earlier[STATE_KEY]
    save_profile(SANDBOX_PROFILE, settings)


# ------------------------------------------------------------------ the sync-state marker
# Written when a profile first syncs (or applies a baseline), so that a state store that later goes
# missing is noticed and refused instead of silently starting over (which would send records and
# orders a second time). It lives in the profile, not in the state folder, so it survives the loss
# of that folder.


def state_marker(name: str) -> dict[str, Any]:
    """The profile's marker: ``synced_before`` (first time), ``cutover_date``, ``baseline_applied_at``."""
    marker = (list_profiles().get(name) or {}).get(STATE_KEY)
    return {k: v for k, v in marker.items() if k != STATE_URL_KEY} if isinstance(marker, dict) else {}


# ------------------------------------------------------------------ where the state store lives
# ``"state": {"url": ...}`` beside the marker (both survive a profile edit and ``sandbox serve``).
# Absent: the profile's SQLite file. A URL never carries a password: the password comes from the
# keyring, PGPASSWORD or ~/.pgpass, so no secret reaches this file.

STATE_URL_KEY = "url"
POSTGRES_DRIVER = "postgresql+psycopg"


def state_url(name: str) -> str | None:
    """The profile's state store URL, or None for its default SQLite file."""
    state = (list_profiles().get(name) or {}).get(STATE_KEY)
    url = state.get(STATE_URL_KEY) if isinstance(state, dict) else None
    return str(url) if url else None


def check_state_url(text: str) -> str:
    """A state store URL as stored: ``sqlite:///PATH`` or ``postgresql+psycopg://user@host:port/db``.

    ``postgresql://`` gets the psycopg driver. A password in the URL is refused (it would be written to
    the profiles file); the message never repeats the URL as given.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(text.strip())
    except ArgumentError:
        raise ProfileError(
            "The state store URL is not a database URL.",
            "Give postgresql://USER@HOST:PORT/DATABASE, or sqlite:///PATH for a SQLite file.",
        ) from None
    backend = url.get_backend_name()
    if backend == "postgresql":
        url = url.set(drivername=POSTGRES_DRIVER)
        if not url.host or not url.database:
            raise ProfileError(
                "The PostgreSQL state store URL needs a host and a database.",
                "Give postgresql://USER@HOST:PORT/DATABASE.",
            )
    elif backend != "sqlite" or not url.database or url.database == ":memory:":
        raise ProfileError(
            f"The state store must be PostgreSQL or a SQLite file, not {backend}.",
            "Give postgresql://USER@HOST:PORT/DATABASE, or sqlite:///PATH.",
        )
    if url.password is not None:
        raise ProfileError(
            "The state store URL must not contain a password (it would be written to the profiles file).",
            "Leave it out of the URL; store it in the keyring with `sfintacct state password`, or use"
            " PGPASSWORD or ~/.pgpass.",
        )
    return url.render_as_string(hide_password=False)


def set_state_url(name: str, url: str | None) -> None:
    """Point the profile at a state store (None: back to its SQLite file). The URL is checked first."""
    clean = check_state_url(url) if url else None
    path = app_paths().profiles_file
    data = _read(path)
    prof = data["profiles"].get(name)
    if not isinstance(prof, dict):
        raise ProfileError(f"No connection profile named {name!r}.", "See `sfintacct profile list`.")
    state = dict(prof.get(STATE_KEY) or {})
    if clean:
        state[STATE_URL_KEY] = clean
    else:
        state.pop(STATE_URL_KEY, None)
    prof[STATE_KEY] = state
    _write(path, data)


def update_state_marker(name: str, **values: Any) -> dict[str, Any]:
    """Add to the marker (keys already set keep their first value unless ``values`` say otherwise)."""
    path = app_paths().profiles_file
    data = _read(path)
    prof = data["profiles"].get(name)
    if not isinstance(prof, dict):
        return {}
    marker = dict(prof.get(STATE_KEY) or {})
    changed = {k: v for k, v in values.items() if v is not None and marker.get(k) != v}
    if changed:
        marker.update(changed)
        prof[STATE_KEY] = marker
        _write(path, data)
    return marker


def update_salesforce(name: str, **values: Any) -> None:
    """Record what a sign-in learnt (instance URL, username) in the profile's Salesforce settings."""
    path = app_paths().profiles_file
    data = _read(path)
    prof = data["profiles"].get(name)
    if not isinstance(prof, dict):
        raise ProfileError(f"No connection profile named {name!r}.", "See `sfintacct profile list`.")
    sf = dict(prof.get("salesforce") or {})
    sf.update({k: v for k, v in values.items() if v})
    prof["salesforce"] = sf
    _write(path, data)


def remove_profile(name: str) -> dict[str, Any]:
    """Delete a profile from the file and return what it held (secrets are the caller's job)."""
    path = app_paths().profiles_file
    data = _read(path)
    if name not in data["profiles"]:
        raise ProfileError(f"No connection profile named {name!r}.", "See `sfintacct profile list`.")
    removed = data["profiles"].pop(name)
    _write(path, data)
    return dict(removed)


# ------------------------------------------------------------------------ validation
# One transport policy for the whole product (``wire.transport.check_url``): a profile that the
# clients would refuse (plain http to a remote host) is already refused when it is added.


def check_url_policy(url: str, what: str) -> str:
    """Return ``url`` when the transport policy allows it, else raise ProfileError."""
    try:
        return check_url(url)
    except InsecureTransportError:
        host = urlsplit(url).hostname
        if urlsplit(url).scheme == "http":
            raise ProfileError(
                f"Refusing plain http:// to {host} for the {what}: only loopback hosts (the sandbox) may use http.",
                "Use the https:// address.",
            ) from None
        raise ProfileError(f"The {what} {url!r} is not a usable URL.", "Give a full https:// address.") from None


def check_profile_name(name: str) -> str:
    if not _PROFILE_NAME.match(name or ""):
        raise ProfileError(
            f"{name!r} is not a valid profile name.", "Use letters, digits, '.', '_' or '-' (at most 64)."
        )
    return name


def check_login_host(host: str) -> str:
    """production | sandbox | mydomain:NAME | an https URL (http only to loopback)."""
    host = host.strip()
    if host in LOGIN_HOSTS:
        return host
    if host.startswith("mydomain:"):
        name = host.split(":", 1)[1].removesuffix(".my.salesforce.com")
        if not _MY_DOMAIN.match(name):
            raise ProfileError(f"{name!r} is not a My Domain name.", "Give the part before .my.salesforce.com.")
        return f"mydomain:{name}"
    if "://" in host:
        return check_url_policy(host.rstrip("/"), "Salesforce login host")
    raise ProfileError(
        f"Unknown Salesforce login host {host!r}.",
        "Use production, sandbox, mydomain:NAME or a full https:// URL.",
    )


def check_callback_ports(value: Any) -> list[int]:
    """ "1717,1718" or [1717, 1718] -> [1717, 1718]; empty: the default list. 0 means any free port."""
    if value in (None, "", []):
        return []
    items = str(value).split(",") if isinstance(value, str) else list(value)
    try:
        ports = [int(str(p).strip()) for p in items if str(p).strip()]
    except ValueError:
        ports = [-1]
    if not ports or any(p < 0 or p > 65535 for p in ports):
        raise ProfileError(f"{value!r} is not a list of ports.", "Give ports like 1717,1718,1719.")
    return ports


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ProfileError(
            f"{name!r} is not an IANA time zone.", "Use a name like America/New_York (the Intacct company's zone)."
        ) from None
    return name


def validate_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """Check a real profile's settings; return them normalised. Raises ProfileError."""
    sf = dict(settings.get("salesforce") or {})
    ia = dict(settings.get("intacct") or {})
    method = sf.get("auth_method") or AUTH_METHODS[0]
    if method not in AUTH_METHODS:
        raise ProfileError(f"Unknown Salesforce auth method {method!r}.", "Use one of: " + ", ".join(AUTH_METHODS))
    sf["auth_method"] = method
    sf["login_host"] = check_login_host(str(sf.get("login_host") or "production"))
    sf["api_version"] = str(sf.get("api_version") or DEFAULT_API_VERSION)
    if not _API_VERSION.match(sf["api_version"]):
        raise ProfileError(
            f"{sf['api_version']!r} is not an API version.", f"Use a version like {DEFAULT_API_VERSION}."
        )
    if float(sf["api_version"]) < OLDEST_API_VERSION:
        raise ProfileError(
            f"Salesforce API {sf['api_version']} is retired (Salesforce answers 410 GONE).",
            f"Use a supported version, e.g. {DEFAULT_API_VERSION}.",
        )
    sf["callback_ports"] = check_callback_ports(sf.get("callback_ports"))
    if method not in ("client_credentials", "web") and not sf.get("username"):
        raise ProfileError("The Salesforce username is missing.", "Give --sf-username.")
    if method in ("web", "oauth_password", "jwt", "client_credentials") and not sf.get("consumer_key"):
        raise ProfileError(
            f"The {method} login needs the consumer key of the org's External Client App.",
            "Give --sf-consumer-key (resources/salesforce/external-client-app.md says how the admin creates it).",
        )
    if method == "jwt" and not sf.get("private_key_file"):
        raise ProfileError("The JWT login needs a private key file.", "Give --sf-jwt-key-file PATH.")
    if method == "client_credentials" and not sf["login_host"].startswith(("mydomain:", "http")):
        raise ProfileError(
            "The client-credentials login needs a My Domain login host.", "Give --sf-login-host mydomain:NAME."
        )
    ia["endpoint"] = check_url_policy(str(ia.get("endpoint") or DEFAULT_INTACCT_ENDPOINT), "Intacct endpoint")
    for key, option in (
        ("sender_id", "--ia-sender-id"),
        ("company_id", "--ia-company-id"),
        ("user_id", "--ia-user-id"),
    ):
        if not ia.get(key):
            raise ProfileError(f"The Intacct {key.replace('_', ' ')} is missing.", f"Give {option}.")
    ia["timezone"] = check_timezone(str(ia.get("timezone") or DEFAULT_TIMEZONE))
    backend = settings.get("credential_backend", "keyring")
    if backend not in CREDENTIAL_BACKENDS:
        raise ProfileError(f"Unknown credential backend {backend!r}.", "Use keyring or cryptfile.")
    clean = {key: value for key, value in sf.items() if value not in (None, "", [])}
    return {
        "kind": KIND_REAL,
        "credential_backend": backend,
        "salesforce": clean,
        "intacct": {key: value for key, value in ia.items() if value not in (None, "")},
    }
