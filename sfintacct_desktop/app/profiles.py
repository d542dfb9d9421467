"""Connection profiles as use cases: add, list, show, remove, and resolve one for connecting.

Why the care here: a profile is two halves, settings in the profiles file and secrets in the OS
keyring. Either half alone is useless and confusing, so ``add_profile`` writes all secrets first and
the file last, undoing the secrets when anything fails, and ``remove_profile`` deletes both. Secrets
come from environment variables or an interactive prompt, never from a command-line argument
(arguments end up in shell history and in ``ps``).
"""

from __future__ import annotations

import contextlib
import getpass
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..config import profiles as cfg
from ..config.paths import app_paths
from ..config.profiles import KIND_SANDBOX, ProfileError
from ..secrets import BACKEND_CRYPTFILE, CredentialStore, CredentialStoreError, InsecureBackendError

PASSPHRASE_ENV = "SFINTACCT_CRYPTFILE_PASSPHRASE"  # noqa: S105 - the name of a variable, not a secret


@dataclass(frozen=True)
class SecretSpec:
    """One secret a profile may need: its keyring entry name, env variable and prompt label."""

    key: str
    env: str
    label: str


SECRETS: tuple[SecretSpec, ...] = (
    SecretSpec("salesforce.password", "SFINTACCT_SF_PASSWORD", "Salesforce password"),
    SecretSpec("salesforce.security_token", "SFINTACCT_SF_SECURITY_TOKEN", "Salesforce security token"),
    SecretSpec("salesforce.consumer_secret", "SFINTACCT_SF_CONSUMER_SECRET", "Salesforce consumer secret"),
    SecretSpec("intacct.sender_password", "SFINTACCT_INTACCT_SENDER_PASSWORD", "Intacct Web Services sender password"),
    SecretSpec("intacct.user_password", "SFINTACCT_INTACCT_USER_PASSWORD", "Intacct user password"),
)
REFRESH_TOKEN_KEY = "salesforce.refresh_token"  # noqa: S105 - written by the browser sign-in, never asked for
SECRET_KEYS = (*(s.key for s in SECRETS), REFRESH_TOKEN_KEY)
_SANDBOX_SECRET_FIELDS = {
    "salesforce.password": ("salesforce", "password"),
    "salesforce.security_token": ("salesforce", "security_token"),
    "salesforce.consumer_secret": ("salesforce", "consumer_secret"),
    "intacct.sender_password": ("intacct", "sender_password"),
    "intacct.user_password": ("intacct", "user_password"),
}

SecretReader = Callable[[SecretSpec], str | None]
StoreFactory = Callable[[Mapping[str, Any]], CredentialStore]


def needed_secrets(settings: Mapping[str, Any]) -> dict[str, bool]:
    """Secret key -> required? for a real profile's auth method (optional ones may stay empty)."""
    method = (settings.get("salesforce") or {}).get("auth_method") or "soap"  # no method: written before "web"
    sf: dict[str, bool] = {
        "web": {"salesforce.consumer_secret": False},  # a desktop app is a public client (PKCE)
        "soap": {"salesforce.password": True, "salesforce.security_token": False},
        "oauth_password": {
            "salesforce.password": True,
            "salesforce.security_token": False,
            "salesforce.consumer_secret": True,
        },
        "jwt": {},
        "client_credentials": {"salesforce.consumer_secret": True},
    }.get(method, {})
    return {**sf, "intacct.sender_password": True, "intacct.user_password": True}


def env_or_prompt(*, interactive: bool, environ: Mapping[str, str] | None = None) -> SecretReader:
    """Read each secret from its environment variable, else (in a terminal) from a hidden prompt."""
    env = os.environ if environ is None else environ

    def read(spec: SecretSpec) -> str | None:
        value = env.get(spec.env)
        if value:
            return value
        if interactive:
            return getpass.getpass(f"{spec.label} (empty to skip): ") or None
        return None

    return read


def default_store(settings: Mapping[str, Any]) -> CredentialStore:
    """The store the profile asks for; the encrypted file store takes its passphrase from the env."""
    passphrase = os.environ.get(PASSPHRASE_ENV) if settings.get("credential_backend") == BACKEND_CRYPTFILE else None
    return CredentialStore.from_settings(settings, passphrase=passphrase)


def add_profile(
    name: str,
    settings: Mapping[str, Any],
    read_secret: SecretReader,
    *,
    store_factory: StoreFactory = default_store,
) -> dict[str, Any]:
    """Validate, store the secrets, then write the profile. All or nothing."""
    cfg.check_profile_name(name)
    if name == cfg.SANDBOX_PROFILE:
        raise ProfileError("The profile name 'sandbox' is reserved.", "`sfintacct sandbox serve` writes it.")
    if name in cfg.list_profiles():
        raise ProfileError(
            f"A profile named {name!r} already exists.", f"Remove it first: sfintacct profile remove {name}"
        )
    clean = cfg.validate_settings(dict(settings))
    store = store_factory(clean)
    if not store.check_backend().secure:
        store.get(name, SECRET_KEYS[0])  # raises the store's own error, before anything is asked or written
    needed = needed_secrets(clean)
    values: dict[str, str] = {}
    for spec in SECRETS:
        if spec.key not in needed:
            continue
        value = read_secret(spec)
        if value:
            values[spec.key] = value
        elif needed[spec.key]:
            raise ProfileError(
                f"The {spec.label} is needed and was not given.",
                f"Set the environment variable {spec.env}, or run the command in a terminal to be prompted.",
            )
    written: list[str] = []
    try:
        for key, value in values.items():
            store.set(name, key, value)
            written.append(key)
        cfg.save_profile(name, clean)
    except BaseException:
        _forget(store, name, written)
        raise
    return {"profile": name, "settings": clean, "secrets": dict.fromkeys(values, "stored")}


def _forget(store: CredentialStore, name: str, keys: list[str]) -> None:
    for key in keys:
        with contextlib.suppress(CredentialStoreError):  # best effort: the original error is the one to report
            store.delete(name, key)


def list_profiles() -> list[dict[str, Any]]:
    """One summary row per profile, no secrets."""
    rows = []
    for name, prof in sorted(cfg.list_profiles().items()):
        sf, ia = prof.get("salesforce") or {}, prof.get("intacct") or {}
        rows.append(
            {
                "name": name,
                "kind": prof.get("kind", cfg.KIND_REAL),
                "salesforce": sf.get("login_url") or sf.get("login_host", ""),
                "salesforce_user": sf.get("username", ""),
                "intacct": ia.get("url") or ia.get("endpoint", ""),
                "intacct_company": ia.get("company_id", ""),
            }
        )
    return rows


def show_profile(name: str, *, store_factory: StoreFactory = default_store) -> dict[str, Any]:
    """Settings plus, per secret, whether it is stored; never a secret value."""
    prof = cfg.get_profile(name)
    if prof.get("kind") == KIND_SANDBOX:
        shown = {
            part: {
                k: v
                for k, v in (prof.get(part) or {}).items()
                if k not in {f for _, f in _SANDBOX_SECRET_FIELDS.values()}
            }
            for part in ("salesforce", "intacct")
        }
        secrets = {key: "public sandbox constant" for key in SECRET_KEYS}
        secrets[REFRESH_TOKEN_KEY] = "in memory only (the sandbox signs in by itself)"
        return {"profile": name, "kind": KIND_SANDBOX, "settings": shown, "secrets": secrets}
    needed = needed_secrets(prof)
    secrets: dict[str, str] = {}
    store = store_factory(prof)
    web = (prof.get("salesforce") or {}).get("auth_method") == "web"
    for key in SECRET_KEYS:
        if key == REFRESH_TOKEN_KEY and web:
            try:
                secrets[key] = "stored (signed in)" if store.get(name, key) else "not signed in"
            except CredentialStoreError as exc:
                secrets[key] = f"unknown ({exc.title})"
            continue
        if key not in needed:
            secrets[key] = "not needed"
            continue
        try:
            secrets[key] = "stored" if store.get(name, key) else ("missing" if needed[key] else "not set")
        except CredentialStoreError as exc:
            secrets[key] = f"unknown ({exc.title})"
    settings = {k: v for k, v in prof.items() if k != "kind"}
    return {"profile": name, "kind": prof.get("kind", cfg.KIND_REAL), "settings": settings, "secrets": secrets}


def remove_profile(name: str, *, store_factory: StoreFactory = default_store) -> dict[str, Any]:
    """Delete the keyring entries, then the profile. Returns what was done (and any warning)."""
    prof = cfg.get_profile(name)
    warning = ""
    if prof.get("kind") != KIND_SANDBOX:
        try:
            store_factory(prof).delete_profile(name, SECRET_KEYS)
        except InsecureBackendError as exc:
            # Nothing could have been saved on this backend; do not keep the profile hostage.
            warning = f"The keyring could not be checked for this profile's secrets: {exc.message}"
    cfg.remove_profile(name)
    aside = _set_rules_aside(name)
    return {"profile": name, "removed": True, "warning": warning, "rules_kept_as": aside}


def _set_rules_aside(name: str) -> str:
    """A removed profile's own sync rules file is renamed, not deleted (the operator's edits are kept),
    so that a new profile of the same name starts from the shipped rules instead of inheriting them."""
    own = app_paths().mapping_file(name)
    if not own.exists():
        return ""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = own.with_name(f"{name}.toml.removed-{stamp}")
    os.replace(own, aside)
    return str(aside)


@dataclass(frozen=True)
class ResolvedProfile:
    """A profile with its secrets, ready to connect. The repr never shows a secret."""

    name: str
    kind: str
    settings: dict[str, Any]
    secrets: dict[str, str] = field(repr=False)


def resolve_profile(name: str, *, store_factory: StoreFactory = default_store) -> ResolvedProfile:
    """Settings from the file, secrets from the keyring (or the sandbox profile's public constants)."""
    prof = cfg.get_profile(name)
    if prof.get("kind") == KIND_SANDBOX:
        secrets = {
            key: str((prof.get(part) or {}).get(fld) or "") for key, (part, fld) in _SANDBOX_SECRET_FIELDS.items()
        }
        return ResolvedProfile(name, KIND_SANDBOX, dict(prof), secrets)
    store = store_factory(prof)
    secrets = {}
    for key, required in needed_secrets(prof).items():
        value = store.get(name, key)
        if value:
            secrets[key] = value
        elif required:
            raise ProfileError(
                f"The {key.replace('.', ' ').replace('_', ' ')} of profile {name!r} is not in the keyring.",
                f"Remove the profile and add it again: sfintacct profile remove {name}",
            )
    return ResolvedProfile(name, prof.get("kind", cfg.KIND_REAL), dict(prof), secrets)
