"""The window's profile editor as use cases: check a form, test it unsaved, save, rename, remove.

Why a module of its own: the CLI takes a profile as options and its secrets from the environment;
the window takes them from a form, wants each problem next to the field that caused it, and wants
to try the settings against both systems before anything is written. The rules are the CLI's
(``config.profiles`` checks the values, ``app.profiles`` writes secrets first and the file last);
this module only maps them onto form fields. Everything here may touch the keyring, the profiles
file or the network, so the window calls it off the GUI thread.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import profiles as cfg
from ..config.paths import app_paths
from ..config.profiles import ProfileError
from ..secrets import CredentialStoreError
from ..wire.salesforce.settings import DEFAULT_API_VERSION, OLDEST_API_VERSION
from . import connections, signin
from . import profiles as app_profiles
from .profiles import REFRESH_TOKEN_KEY, SECRET_KEYS, ResolvedProfile, default_store, needed_secrets
from .sync_rules import move_rules

# The login methods the window offers, the browser sign-in first (the default), legacy ones last.
LOGIN_CHOICES: tuple[tuple[str, str], ...] = (
    ("web", "Sign in with Salesforce (browser)"),
    ("jwt", "JWT bearer: unattended, with a certificate"),
    ("client_credentials", "Client credentials: unattended integration user"),
    ("soap", "Username, password and security token (legacy SOAP)"),
    ("oauth_password", "OAuth username-password (legacy)"),
)
HOST_CHOICES: tuple[tuple[str, str], ...] = (
    ("production", "Production (login.salesforce.com)"),
    ("sandbox", "Sandbox org (test.salesforce.com)"),
    ("mydomain", "My Domain"),
    ("url", "Another address (https://…)"),
)
BACKEND_CHOICES: tuple[tuple[str, str], ...] = (
    ("keyring", "Operating system keyring"),
    ("cryptfile", "Encrypted file (passphrase in SFINTACCT_CRYPTFILE_PASSPHRASE)"),
)
# Which form fields each login method uses (the others are hidden).
METHOD_FIELDS: dict[str, tuple[str, ...]] = {
    "web": ("sf.consumer_key", "sf.callback_ports", "salesforce.consumer_secret"),
    "jwt": ("sf.username", "sf.consumer_key", "sf.private_key_file"),
    "client_credentials": ("sf.consumer_key", "salesforce.consumer_secret"),
    "soap": ("sf.username", "salesforce.password", "salesforce.security_token"),
    "oauth_password": (
        "sf.username",
        "sf.consumer_key",
        "salesforce.password",
        "salesforce.security_token",
        "salesforce.consumer_secret",
    ),
}
WINDOW_KEYRING_HINT = (
    "Unlock or start the desktop's keyring (GNOME Keyring, KWallet, macOS Keychain or Windows Credential "
    "Manager: logging in to the desktop session usually does it), then press Save again; or choose "
    "'Encrypted file' under Credential store in this editor."
)
_API_VERSION = re.compile(r"^\d{2,3}\.0$")
FORM = "form"  # the error key of a problem that belongs to no single field


@dataclass
class Checked:
    """A form after checking: the settings to save, the secrets given, and each field's problem."""

    name: str
    settings: dict[str, Any]
    secrets: dict[str, str] = field(repr=False)
    errors: dict[str, str]


def _words(exc: ProfileError | CredentialStoreError) -> str:
    """The problem with its hint, unless the hint names a command-line option (the window has fields)."""
    if isinstance(exc, CredentialStoreError):
        return exc.message
    hint = exc.hint if not any(mark in exc.hint for mark in ("--", "sfintacct", "`")) else ""
    return f"{exc} {hint}".strip()


# ------------------------------------------------------------------ the form <-> a profile
def login_host(kind: str, value: str) -> str:
    """The profile's ``login_host`` from the form's choice and text."""
    value = value.strip()
    if kind == "mydomain":
        return f"mydomain:{value}" if value else "mydomain:"
    if kind == "url":
        return value
    return kind or "production"


def split_login_host(host: str) -> tuple[str, str]:
    if host in ("production", "sandbox", ""):
        return host or "production", ""
    if host.startswith("mydomain:"):
        return "mydomain", host.split(":", 1)[1]
    return "url", host


def form_of(name: str) -> dict[str, str]:
    """A saved profile as the form shows it (settings only; secrets are never read back)."""
    prof = cfg.get_profile(name)
    sf, ia = prof.get("salesforce") or {}, prof.get("intacct") or {}
    host_kind, host_value = split_login_host(str(sf.get("login_host") or "production"))
    ports = sf.get("callback_ports") or []
    return {
        "name": name,
        "credential_backend": str(prof.get("credential_backend") or "keyring"),
        "sf.auth_method": str(sf.get("auth_method") or "soap"),
        "sf.host_kind": host_kind,
        "sf.host_value": host_value,
        "sf.username": str(sf.get("username") or ""),
        "sf.consumer_key": str(sf.get("consumer_key") or ""),
        "sf.private_key_file": str(sf.get("private_key_file") or ""),
        "sf.api_version": str(sf.get("api_version") or DEFAULT_API_VERSION),
        "sf.callback_ports": ",".join(str(p) for p in ports),
        "ia.endpoint": str(ia.get("endpoint") or ""),
        "ia.sender_id": str(ia.get("sender_id") or ""),
        "ia.company_id": str(ia.get("company_id") or ""),
        "ia.user_id": str(ia.get("user_id") or ""),
        "ia.location_id": str(ia.get("location_id") or ""),
        "ia.timezone": str(ia.get("timezone") or cfg.DEFAULT_TIMEZONE),
    }


def stored_secrets(name: str) -> dict[str, str]:
    """Which secrets profile ``name`` keeps (``stored`` / ``missing`` / ``not needed``), never their values."""
    return app_profiles.show_profile(name)["secrets"]


def settings_of(form: Mapping[str, str]) -> dict[str, Any]:
    """The raw (unchecked) settings the form describes, in the shape ``validate_settings`` takes."""
    get = lambda key: str(form.get(key) or "").strip()  # noqa: E731
    return {
        "credential_backend": get("credential_backend") or "keyring",
        "salesforce": {
            "auth_method": get("sf.auth_method") or "web",
            "login_host": login_host(get("sf.host_kind"), get("sf.host_value")),
            "username": get("sf.username"),
            "consumer_key": get("sf.consumer_key"),
            "private_key_file": get("sf.private_key_file"),
            "api_version": get("sf.api_version") or DEFAULT_API_VERSION,
            "callback_ports": get("sf.callback_ports"),
        },
        "intacct": {
            "endpoint": get("ia.endpoint"),
            "sender_id": get("ia.sender_id"),
            "company_id": get("ia.company_id"),
            "user_id": get("ia.user_id"),
            "location_id": get("ia.location_id"),
            "timezone": get("ia.timezone") or cfg.DEFAULT_TIMEZONE,
        },
    }


# ------------------------------------------------------------------ checking
def keyring_status(backend: str = "keyring") -> dict[str, Any]:
    """Which credential store a profile would use and whether it keeps secrets safe (no secret read)."""
    store = default_store({"credential_backend": backend})
    status = store.check_backend()
    return {
        "secure": status.secure,
        "backend": status.backend,
        "reason": status.reason,
        "hint": "" if status.secure else WINDOW_KEYRING_HINT,
    }


def _field_checks(form: Mapping[str, str], raw: dict[str, Any]) -> dict[str, str]:
    """Each field on its own, with the same rules ``config.profiles.validate_settings`` applies."""
    errors: dict[str, str] = {}
    sf, ia = raw["salesforce"], raw["intacct"]
    method = sf["auth_method"]
    if method not in cfg.AUTH_METHODS:
        errors["sf.auth_method"] = f"Unknown login method {method!r}."
        return errors
    try:
        cfg.check_login_host(sf["login_host"])
    except ProfileError as exc:
        errors["sf.host_value"] = _words(exc)
    if method == "client_credentials" and not sf["login_host"].startswith(("mydomain:", "http")):
        errors["sf.host_value"] = (
            "The client-credentials login needs your My Domain: choose My Domain and give its name."
        )
    version = sf["api_version"]
    if not _API_VERSION.match(version):
        errors["sf.api_version"] = f"{version!r} is not an API version: use one like {DEFAULT_API_VERSION}."
    elif float(version) < OLDEST_API_VERSION:
        errors["sf.api_version"] = f"API {version} is retired by Salesforce: use {DEFAULT_API_VERSION}."
    try:
        cfg.check_callback_ports(sf["callback_ports"])
    except ProfileError as exc:
        errors["sf.callback_ports"] = _words(exc)
    if method not in ("client_credentials", "web") and not sf["username"]:
        errors["sf.username"] = "The Salesforce username is needed for this login."
    if method != "soap" and not sf["consumer_key"]:
        errors["sf.consumer_key"] = (
            "The consumer key of the org's External Client App is needed "
            "(resources/salesforce/external-client-app.md says how an admin creates it)."
        )
    if method == "jwt" and not sf["private_key_file"]:
        errors["sf.private_key_file"] = "The JWT login needs the private key file (PEM) of the app's certificate."
    if ia["endpoint"]:
        try:
            cfg.check_url_policy(ia["endpoint"], "Intacct endpoint")
        except ProfileError as exc:
            errors["ia.endpoint"] = _words(exc)
    for key, label in (("sender_id", "sender ID"), ("company_id", "company ID"), ("user_id", "user ID")):
        if not ia[key]:
            errors[f"ia.{key}"] = f"The Intacct {label} is needed."
    try:
        cfg.check_timezone(ia["timezone"])
    except ProfileError as exc:
        errors["ia.timezone"] = _words(exc)
    return errors


def check_form(
    form: Mapping[str, str], secrets: Mapping[str, str], *, original: str | None = None, open_profile: str = ""
) -> Checked:
    """Every problem of the form, each under its field; reads the profiles file and the keyring.

    ``original``: the profile being edited (None for a new one); ``open_profile``: the one the
    window works on (it cannot be renamed: its worker holds its state store).
    """
    name = str(form.get("name") or "").strip()
    given = {k: v for k, v in secrets.items() if v}
    raw = settings_of(form)
    errors = _field_checks(form, raw)
    try:
        cfg.check_profile_name(name)
    except ProfileError as exc:
        errors["name"] = _words(exc) if name else "Give the profile a name (for example acme)."
    existing = cfg.list_profiles()
    if "name" not in errors and name != original:
        if name == cfg.SANDBOX_PROFILE:
            errors["name"] = "The name 'sandbox' belongs to the demo sandbox: choose another."
        elif name in existing:
            errors["name"] = f"A profile named {name!r} already exists: choose another name."
        elif original and original == open_profile:
            errors["name"] = f"Profile {original} is open in the window: choose another profile before renaming it."
        elif original and _has_state(original):
            errors["name"] = (
                f"Profile {original} has a sync state, which would be left behind: "
                "keep the name, or add a new profile instead."
            )
    clean: dict[str, Any] = {}
    if not errors:
        try:
            clean = cfg.validate_settings(raw)
        except ProfileError as exc:
            errors[FORM] = _words(exc)
    if clean:
        errors.update(_secret_checks(clean, given, original))
    return Checked(name, clean, given, errors)


def _has_state(name: str) -> bool:
    """Has the profile synced or loaded a baseline? Its state then holds the links, kept under its name.

    A store that never synced holds nothing to lose: the renamed profile starts a fresh one.
    """
    return bool(cfg.state_marker(name))


def _secret_checks(clean: dict[str, Any], given: Mapping[str, str], original: str | None) -> dict[str, str]:
    status = keyring_status(str(clean.get("credential_backend") or "keyring"))
    if not status["secure"]:
        return {"credential_backend": f"Nothing was saved: {status['reason']} What to do is under Keyring below."}
    errors: dict[str, str] = {}
    stored = stored_secrets(original) if original else {}
    for spec in app_profiles.SECRETS:
        required = needed_secrets(clean).get(spec.key)
        if required and not given.get(spec.key) and stored.get(spec.key) != "stored":
            errors[spec.key] = f"The {spec.label} is needed for this login."
    return errors


# ------------------------------------------------------------------ testing unsaved settings
def _merged_secrets(checked: Checked, original: str | None) -> dict[str, str]:
    secrets: dict[str, str] = {}
    if original:
        store = default_store(checked.settings)
        for key in needed_secrets(checked.settings):
            value = store.get(original, key)
            if value:
                secrets[key] = value
    secrets.update({k: v for k, v in checked.secrets.items() if k in needed_secrets(checked.settings)})
    return secrets


def try_form(
    form: Mapping[str, str], secrets: Mapping[str, str], *, original: str | None = None, open_profile: str = ""
) -> dict[str, Any]:
    """Log in to both systems with the form's settings, nothing saved; ``errors`` when the form is wrong.

    A browser sign-in cannot run for a profile that does not exist yet, so a new web profile's
    Salesforce side says to save and sign in first (the Intacct side is still tested).
    """
    checked = check_form(form, secrets, original=original, open_profile=open_profile)
    if checked.errors:
        return {"errors": checked.errors}
    # A profile's browser sign-in is kept under its saved name: an edit tests with it.
    resolved = ResolvedProfile(
        original or checked.name, cfg.KIND_REAL, checked.settings, _merged_secrets(checked, original)
    )
    web = checked.settings["salesforce"]["auth_method"] == "web"
    if web and not (original and signin.signin_status(original).get("signed_in")):
        sf: dict[str, Any] = {
            "ok": False,
            **connections.login_report(resolved),
            "error": {
                "title": "Not signed in to Salesforce yet",
                "message": "The browser sign-in is kept with a saved profile, so it can only start after Save.",
                "hint": "Press Save, then Sign in with Salesforce on the Connections tab, and test again there.",
            },
        }
    else:
        sf = connections.check_salesforce(resolved, window=True)
    return {"errors": {}, "salesforce": sf, "intacct": connections.check_intacct(resolved, window=True)}


# ------------------------------------------------------------------ saving, renaming, removing
def save_form(
    form: Mapping[str, str], secrets: Mapping[str, str], *, original: str | None = None, open_profile: str = ""
) -> dict[str, Any]:
    """Save a new or edited profile: secrets first, the file last. ``errors`` when the form is wrong."""
    checked = check_form(form, secrets, original=original, open_profile=open_profile)
    if checked.errors:
        return {"errors": checked.errors}
    if original is None:
        result = app_profiles.add_profile(checked.name, checked.settings, lambda spec: checked.secrets.get(spec.key))
        return {"errors": {}, "profile": result["profile"], "created": True}
    _save_edit(checked, original)
    return {
        "errors": {},
        "profile": checked.name,
        "created": False,
        "renamed_from": "" if checked.name == original else original,
    }


def _same_salesforce_app(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """A kept browser sign-in is valid only for the same method, login host and External Client App."""
    return all(old.get(k) == new.get(k) for k in ("auth_method", "login_host", "consumer_key"))


def _save_edit(checked: Checked, original: str) -> None:
    old = cfg.get_profile(original)
    old_sf, new_sf = old.get("salesforce") or {}, checked.settings["salesforce"]
    keep_signin = _same_salesforce_app(old_sf, new_sf)
    if not keep_signin and signin.signin_status(original).get("signed_in"):
        signin.sign_out(original)  # revoked at Salesforce: a grant for another app or org is of no use
    settings = dict(checked.settings)
    if keep_signin:  # what the sign-in learnt (instance, user) stays with it
        learnt = {k: old_sf[k] for k in ("instance_url", "username") if old_sf.get(k) and not new_sf.get(k)}
        settings["salesforce"] = {**new_sf, **learnt}
    if isinstance(old.get(cfg.STATE_KEY), dict):
        settings[cfg.STATE_KEY] = old[cfg.STATE_KEY]
    store = default_store(settings)
    needed = needed_secrets(settings)
    values = {key: store.get(original, key) or "" for key in SECRET_KEYS} if checked.name != original else {}
    values.update(checked.secrets)
    written: list[str] = []
    try:
        for key, value in values.items():
            if value and (key in needed or key == REFRESH_TOKEN_KEY):
                store.set(checked.name, key, value)
                written.append(key)
        cfg.save_profile(checked.name, settings)
    except BaseException:
        if checked.name != original:
            for key in written:
                with contextlib.suppress(CredentialStoreError):
                    store.delete(checked.name, key)
        raise
    if checked.name != original:
        cfg.remove_profile(original)
        move_rules(original, checked.name)
        with contextlib.suppress(CredentialStoreError):
            store.delete_profile(original, SECRET_KEYS)
    else:  # secrets the new login method does not use are not kept
        for key in SECRET_KEYS:
            if key not in needed and key != REFRESH_TOKEN_KEY:
                with contextlib.suppress(CredentialStoreError):
                    store.delete(original, key)


def remove(name: str) -> dict[str, Any]:
    """Remove a profile as the CLI does: revoke its Salesforce sign-in, delete its secrets, then the entry."""
    warnings: list[str] = []
    with contextlib.suppress(ProfileError, CredentialStoreError):
        if signin.signin_status(name).get("signed_in"):
            out = signin.sign_out(name)
            if out.get("warning"):
                warnings.append(out["warning"])
    result = app_profiles.remove_profile(name)
    if result.get("warning"):
        warnings.append(result["warning"])
    return {"profile": name, "removed": True, "warnings": warnings}


# ------------------------------------------------------------------ the profiles file, watched
def profiles_stamp() -> tuple[int, int] | None:
    """(mtime, size) of the profiles file, None when there is none: cheap enough to poll."""
    try:
        st = app_paths().profiles_file.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size)


def profile_rows() -> list[dict[str, str]]:
    """Name and kind of every profile (the chooser's list), read from the file."""
    return [{"name": n, "kind": str(p.get("kind") or cfg.KIND_REAL)} for n, p in sorted(cfg.list_profiles().items())]


def first_run() -> bool:
    """No profile at all yet: the window greets with the sandbox or the profile editor."""
    try:
        return not cfg.list_profiles()
    except ProfileError:
        return False  # an unreadable file is not a first run: the window says what is wrong with it


def profiles_path() -> Path:
    """Where the profiles file lives (the window watches it); no file is touched."""
    return app_paths().profiles_file
