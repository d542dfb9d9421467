"""Credentials in the OS keyring, one entry per (profile, secret name).

Why refuse instead of falling back: on a headless Linux box ``keyring`` silently ends up on the
``fail``/``null`` backend, or on ``keyrings.alt``'s plaintext file if someone installed it. A finance
tool must not write a Web Services password to disk in clear text, so saving a real profile's
secret on such a backend is refused with an error that says how to fix it. The encrypted file
store (``keyrings.cryptfile``) is only used when the profile explicitly chooses it
(``credential_backend: "cryptfile"``) and a passphrase is given. The ``sandbox`` profile is exempt:
its credentials are public constants, kept in memory here and never written to any keyring.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

from .redact import register_secret

SERVICE_PREFIX = "sfintacct-desktop:"
BACKEND_KEYRING = "keyring"
BACKEND_CRYPTFILE = "cryptfile"
BACKEND_SETTING = "credential_backend"

_SETUP_HINT = (
    "Start a Secret Service in this session (e.g. `dbus-run-session -- sh`, then "
    "`gnome-keyring-daemon --unlock`), or choose the encrypted file store with a passphrase "
    '(profile setting credential_backend: "cryptfile").'
)


class CredentialStoreError(Exception):
    """A credential operation that failed, worded for the person at the keyboard."""

    def __init__(self, title: str, message: str, hint: str) -> None:
        super().__init__(f"{title}: {message}")
        self.title = title
        self.message = message
        self.hint = hint


class InsecureBackendError(CredentialStoreError):
    """The keyring backend would not keep a secret safe (missing, failing, null or plaintext)."""


@dataclass(frozen=True)
class BackendStatus:
    """What ``check_backend`` found: shown by ``sfintacct doctor`` and the connection dialog."""

    secure: bool
    backend: str
    reason: str


def service_name(profile: str) -> str:
    return f"{SERVICE_PREFIX}{profile}"


def _describe(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def assess_backend(backend: KeyringBackend | None) -> BackendStatus:
    """Classify a backend; only a recommended, encrypting backend counts as secure."""
    if backend is None:
        return BackendStatus(False, "none", "No keyring backend is available.")
    from keyring.backends import chainer, fail, null

    name = _describe(backend)
    if isinstance(backend, fail.Keyring):
        return BackendStatus(False, name, "No recommended keyring backend was found on this system.")
    if isinstance(backend, null.Keyring):
        return BackendStatus(False, name, "The keyring is disabled (null backend): it would store nothing.")
    if isinstance(backend, chainer.ChainerBackend):
        children = list(backend.backends)
        if not children:
            return BackendStatus(False, name, "No keyring backend is available to chain.")
        for child in children:
            status = assess_backend(child)
            if not status.secure:
                return BackendStatus(False, name, f"The chained {status.backend} is not secure: {status.reason}")
        return BackendStatus(True, name, "")
    lowered = name.lower()
    if "plaintext" in lowered or "insecure" in lowered or lowered.startswith("keyrings.alt."):
        return BackendStatus(False, name, "This backend keeps secrets in a file without real encryption.")
    try:
        priority = float(backend.priority)
    except Exception as exc:  # a backend that cannot say its priority is not viable here
        return BackendStatus(False, name, f"The keyring backend is not usable: {exc.__class__.__name__}.")
    if priority < 1:
        return BackendStatus(False, name, f"The keyring backend is not recommended (priority {priority:g}).")
    return BackendStatus(True, name, "")


def _load_cryptfile(passphrase: str | None) -> KeyringBackend:
    try:
        module = importlib.import_module("keyrings.cryptfile.cryptfile")
    except ImportError:
        raise InsecureBackendError(
            "Encrypted file store not installed",
            "The profile chooses the encrypted file store, but keyrings.cryptfile is not installed.",
            "Install keyrings.cryptfile, or switch the profile back to the OS keyring "
            '(credential_backend: "keyring") and start a Secret Service.',
        ) from None
    if not passphrase:
        raise InsecureBackendError(
            "Passphrase needed",
            "The encrypted file store needs a passphrase to unlock it.",
            "Enter the passphrase of the encrypted credential file.",
        )
    backend = module.CryptFileKeyring()
    backend.keyring_key = passphrase
    register_secret(passphrase)
    return backend


class CredentialStore:
    """Get, set and delete one profile's secrets, refusing insecure backends.

    ``backend`` is an explicit keyring backend instance (tests pass an in-memory one); otherwise
    ``backend_name`` picks the OS keyring (``keyring.get_keyring()``, resolved on first use) or the
    encrypted file store. Every secret that goes in or comes out is registered with the log
    redaction, so it is masked even when it shows up unformatted in a message.
    """

    def __init__(
        self,
        backend: KeyringBackend | None = None,
        *,
        backend_name: str = BACKEND_KEYRING,
        passphrase: str | None = None,
    ) -> None:
        if backend_name not in (BACKEND_KEYRING, BACKEND_CRYPTFILE):
            raise CredentialStoreError(
                "Unknown credential store",
                f"The profile asks for credential backend {backend_name!r}.",
                f'Use credential_backend "{BACKEND_KEYRING}" or "{BACKEND_CRYPTFILE}".',
            )
        self._backend = backend
        self._backend_name = backend_name
        self._passphrase = passphrase
        self._sandbox: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any], *, passphrase: str | None = None, backend: KeyringBackend | None = None
    ) -> CredentialStore:
        """Build the store a profile asks for (``credential_backend``, default the OS keyring)."""
        return cls(backend, backend_name=str(settings.get(BACKEND_SETTING, BACKEND_KEYRING)), passphrase=passphrase)

    def _resolve(self) -> KeyringBackend:
        if self._backend is None:
            if self._backend_name == BACKEND_CRYPTFILE:
                self._backend = _load_cryptfile(self._passphrase)
            else:
                import keyring

                self._backend = keyring.get_keyring()
        return self._backend

    def check_backend(self) -> BackendStatus:
        """Diagnose without raising (for the connection dialog and ``doctor``)."""
        try:
            backend = self._resolve()
        except CredentialStoreError as exc:
            return BackendStatus(False, self._backend_name, exc.message)
        return assess_backend(backend)

    def _secure_backend(self) -> KeyringBackend:
        backend = self._resolve()  # a cryptfile choice that cannot load raises its own error
        status = assess_backend(backend)
        if not status.secure:
            raise InsecureBackendError(
                "No secure credential store",
                f"Credentials were not saved: {status.reason} (backend: {status.backend})",
                _SETUP_HINT,
            )
        return backend

    def set(self, profile: str, name: str, value: str, *, sandbox: bool = False) -> None:
        """Save one secret. ``sandbox=True`` (a ``kind == "sandbox"`` profile) keeps it in memory only."""
        register_secret(value)
        if sandbox:
            with self._lock:
                self._sandbox[(profile, name)] = value
            return
        backend = self._secure_backend()
        try:
            backend.set_password(service_name(profile), name, value)
        except KeyringError as exc:
            raise CredentialStoreError(
                "Could not save the credential",
                f"The keyring refused to save {name!r} of profile {profile!r} ({exc.__class__.__name__}).",
                "Unlock the keyring (log in to the desktop session) and try again.",
            ) from None

    def get(self, profile: str, name: str, *, sandbox: bool = False) -> str | None:
        """The stored secret, or None when there is none."""
        if sandbox:
            with self._lock:
                value = self._sandbox.get((profile, name))
        else:
            backend = self._secure_backend()
            try:
                value = backend.get_password(service_name(profile), name)
            except KeyringError as exc:
                raise CredentialStoreError(
                    "Could not read the credential",
                    f"The keyring refused to read {name!r} of profile {profile!r} ({exc.__class__.__name__}).",
                    "Unlock the keyring (log in to the desktop session) and try again.",
                ) from None
        if value is not None:
            register_secret(value)
        return value

    def delete(self, profile: str, name: str, *, sandbox: bool = False) -> None:
        """Remove one secret; removing one that is not there is not an error."""
        if sandbox:
            with self._lock:
                self._sandbox.pop((profile, name), None)
            return
        backend = self._secure_backend()
        try:
            backend.delete_password(service_name(profile), name)
        except PasswordDeleteError:
            pass
        except KeyringError as exc:
            raise CredentialStoreError(
                "Could not delete the credential",
                f"The keyring refused to delete {name!r} of profile {profile!r} ({exc.__class__.__name__}).",
                "Unlock the keyring and try again, or remove the entry with your keyring tool.",
            ) from None

    def delete_profile(self, profile: str, names: Iterable[str], *, sandbox: bool = False) -> None:
        """Remove all named secrets of a profile (keyring backends cannot list entries)."""
        for name in names:
            self.delete(profile, name, sandbox=sandbox)
