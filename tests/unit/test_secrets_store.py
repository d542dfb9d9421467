"""CredentialStore: refusal of insecure backends, sandbox exemption, round-trip (no real keyring)."""

from __future__ import annotations

import sys
import types
from collections.abc import Iterator

import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.errors import KeyringLocked, PasswordDeleteError

from sfintacct_desktop.secrets import (
    CredentialStore,
    CredentialStoreError,
    InsecureBackendError,
    assess_backend,
    clear_registered_secrets,
    redact,
    service_name,
)


class MemoryKeyring(KeyringBackend):
    """An in-memory, recommended-priority backend: never touches the machine's keyring."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.entries:
            raise PasswordDeleteError("not found")
        del self.entries[(service, username)]


class PlaintextKeyring(MemoryKeyring):
    """Named like keyrings.alt's plaintext file store; its priority alone would pass."""

    priority = 1  # type: ignore[assignment]


class LowPriorityKeyring(MemoryKeyring):
    priority = 0.5  # type: ignore[assignment]


class LockedKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("locked")


@pytest.fixture(autouse=True)
def _clean_registry() -> Iterator[None]:
    clear_registered_secrets()
    yield
    clear_registered_secrets()


@pytest.mark.parametrize(
    "backend",
    [fail.Keyring(), null.Keyring(), PlaintextKeyring(), LowPriorityKeyring()],
    ids=["fail", "null", "plaintext", "low-priority"],
)
def test_saving_a_real_secret_is_refused_on_insecure_backends(backend: KeyringBackend) -> None:
    store = CredentialStore(backend)
    with pytest.raises(InsecureBackendError) as caught:
        store.set("prod", "intacct_user_password", "s3cret-value")
    err = caught.value
    assert err.title == "No secure credential store"
    assert "not saved" in err.message
    assert "gnome-keyring" in err.hint and "cryptfile" in err.hint
    assert "s3cret-value" not in str(err)
    assert isinstance(backend, fail.Keyring | null.Keyring) or backend.entries == {}  # type: ignore[attr-defined]


def test_reading_from_an_insecure_backend_is_refused_too() -> None:
    with pytest.raises(InsecureBackendError):
        CredentialStore(null.Keyring()).get("prod", "x")


def test_assess_backend_classifies() -> None:
    assert assess_backend(None).secure is False
    assert assess_backend(fail.Keyring()).secure is False
    assert assess_backend(null.Keyring()).secure is False
    assert assess_backend(PlaintextKeyring()).secure is False
    assert assess_backend(MemoryKeyring()).secure is True


def test_a_chain_with_an_insecure_member_is_insecure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [MemoryKeyring(), PlaintextKeyring()])
    assert assess_backend(chainer.ChainerBackend()).secure is False
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [MemoryKeyring()])
    assert assess_backend(chainer.ChainerBackend()).secure is True
    monkeypatch.setattr(chainer.ChainerBackend, "backends", [])
    assert assess_backend(chainer.ChainerBackend()).secure is False


def test_sandbox_profile_is_exempt_and_never_written_to_the_keyring() -> None:
    backend = null.Keyring()
    store = CredentialStore(backend)
    store.set("sandbox", "intacct_user_password", "sandbox-user-password", sandbox=True)
    assert store.get("sandbox", "intacct_user_password", sandbox=True) == "sandbox-user-password"
    store.delete_profile("sandbox", ["intacct_user_password"], sandbox=True)
    assert store.get("sandbox", "intacct_user_password", sandbox=True) is None


def test_round_trip_with_an_in_memory_backend() -> None:
    backend = MemoryKeyring()
    store = CredentialStore(backend)
    store.set("prod", "sf_password", "pa55-word-1")
    store.set("prod", "sf_security_token", "TOKENVALUE99")
    assert backend.entries[(service_name("prod"), "sf_password")] == "pa55-word-1"
    assert service_name("prod") == "sfintacct-desktop:prod"
    assert store.get("prod", "sf_password") == "pa55-word-1"
    assert store.get("prod", "missing") is None
    assert store.get("other", "sf_password") is None
    store.delete("prod", "sf_password")
    store.delete("prod", "sf_password")  # deleting what is gone is fine
    assert store.get("prod", "sf_password") is None
    store.delete_profile("prod", ["sf_password", "sf_security_token"])
    assert backend.entries == {}


def test_secrets_handed_out_are_registered_for_redaction() -> None:
    backend = MemoryKeyring()
    backend.entries[(service_name("prod"), "pw")] = "stored-elsewhere-42"
    store = CredentialStore(backend)
    assert store.get("prod", "pw") == "stored-elsewhere-42"
    assert redact("login with stored-elsewhere-42 failed") == "login with *** failed"
    store.set("prod", "other", "set-here-77")
    assert "set-here-77" not in redact(f"value {'set-here-77'}")


def test_keyring_errors_become_person_facing_errors_without_the_secret() -> None:
    with pytest.raises(CredentialStoreError) as caught:
        CredentialStore(LockedKeyring()).set("prod", "pw", "never-shown-1")
    assert caught.value.title == "Could not save the credential"
    assert caught.value.hint
    assert "never-shown-1" not in str(caught.value)


def test_unknown_backend_name_is_refused() -> None:
    with pytest.raises(CredentialStoreError) as caught:
        CredentialStore.from_settings({"credential_backend": "plaintext"})
    assert "keyring" in caught.value.hint


def test_cryptfile_choice_without_the_package_is_refused_with_a_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "keyrings.cryptfile.cryptfile", None)  # import fails
    store = CredentialStore.from_settings({"credential_backend": "cryptfile"}, passphrase="pass-phrase")
    assert store.check_backend().secure is False
    with pytest.raises(InsecureBackendError) as caught:
        store.set("prod", "pw", "value-1234")
    assert "keyrings.cryptfile" in caught.value.message + caught.value.hint


def test_cryptfile_choice_uses_the_encrypted_store_with_a_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    class CryptFileKeyring(MemoryKeyring):
        priority = 2.5  # type: ignore[assignment]
        keyring_key = ""

    fake = types.ModuleType("keyrings.cryptfile.cryptfile")
    fake.CryptFileKeyring = CryptFileKeyring  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "keyrings.cryptfile.cryptfile", fake)
    with pytest.raises(InsecureBackendError) as caught:
        CredentialStore.from_settings({"credential_backend": "cryptfile"}).set("prod", "pw", "value-1234")
    assert caught.value.title == "Passphrase needed"
    store = CredentialStore.from_settings({"credential_backend": "cryptfile"}, passphrase="open-sesame")
    store.set("prod", "pw", "value-1234")
    assert store.get("prod", "pw") == "value-1234"
    assert "open-sesame" not in redact("unlocked with open-sesame")
