"""Where a profile's state store lives: its SQLite file, or the PostgreSQL database its settings name.

Why here (app) and not in config: the PostgreSQL password is a secret. The profile's URL never holds
one (``config.profiles.check_state_url`` refuses it); it is added here, in memory only, from the
keyring entry ``state_password`` of the profile. Without it, libpq finds a password itself in
PGPASSWORD or ~/.pgpass (or the server trusts the user). The password is registered with the log
redaction, and every message shows the URL through ``store.database.display`` (password masked).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import URL, make_url

from ..config import profiles as cfg
from ..config.paths import app_paths
from ..secrets import CredentialStoreError, register_secret
from ..store.database import display

STATE_PASSWORD_KEY = "state_password"  # noqa: S105 - a key name, not a secret; keyring entry of the profile: the PostgreSQL password


def state_path(profile: str) -> Path:
    """The profile's own SQLite file (the default store, and where backups of it go)."""
    return app_paths().state_db(profile)


def configured_url(profile: str) -> str | None:
    """The profile's state URL as stored (no password), or None for its SQLite file."""
    return cfg.state_url(profile)


def _password(profile: str) -> str | None:
    from .profiles import default_store

    prof = cfg.list_profiles().get(profile) or {}
    if prof.get("kind") == cfg.KIND_SANDBOX:
        return None  # the sandbox profile's secrets are public constants: none for its database
    try:
        return default_store(prof).get(profile, STATE_PASSWORD_KEY)
    except CredentialStoreError:
        return None  # no usable keyring: libpq may still find PGPASSWORD or ~/.pgpass


def state_target(profile: str) -> Path | URL:
    """The profile's store: its SQLite path, or the PostgreSQL URL with the keyring's password added."""
    return resolve_url(profile, configured_url(profile))


def resolve_url(profile: str, text: str | None) -> Path | URL:
    """A stored state URL (None: the profile's own file) as something to open, password added."""
    if not text:
        return state_path(profile)
    url = make_url(text)
    if url.get_backend_name() == "sqlite":
        return Path(url.database or "")
    if url.password is None:
        password = _password(profile)
        if password:
            register_secret(password)
            url = url.set(password=password)
    return url


STATE_PASSWORD_ENV = "SFINTACCT_STATE_PASSWORD"  # noqa: S105 - the name of a variable, not a secret


def save_password(profile: str, password: str | None) -> dict[str, str]:
    """Keep (or, with None, forget) the PostgreSQL password of the profile's state in its keyring."""
    from .profiles import default_store

    prof = cfg.get_profile(profile)
    store = default_store(prof)
    sandbox = prof.get("kind") == cfg.KIND_SANDBOX
    if password:
        store.set(profile, STATE_PASSWORD_KEY, password, sandbox=sandbox)
        return {"profile": profile, STATE_PASSWORD_KEY: "stored"}
    store.delete(profile, STATE_PASSWORD_KEY, sandbox=sandbox)
    return {"profile": profile, STATE_PASSWORD_KEY: "removed"}


def is_postgres(target: Path | URL) -> bool:
    return isinstance(target, URL) and target.get_backend_name() == "postgresql"


def where(target: Path | URL) -> str:
    """The store for a message: the path, or the URL with the password masked."""
    return display(target)


__all__ = [
    "STATE_PASSWORD_ENV",
    "STATE_PASSWORD_KEY",
    "configured_url",
    "is_postgres",
    "resolve_url",
    "save_password",
    "state_path",
    "state_target",
    "where",
]
