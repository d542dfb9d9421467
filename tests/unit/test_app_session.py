"""The session: a profile read and validated once, its secrets read once and only to connect."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend

from sfintacct_desktop.app import sync_service
from sfintacct_desktop.app.errors import Surface, present
from sfintacct_desktop.app.profiles import SECRET_KEYS
from sfintacct_desktop.app.session import Session, load_profile
from sfintacct_desktop.cli import common
from sfintacct_desktop.config import profiles as cfg
from sfintacct_desktop.config.profiles import ProfileError
from sfintacct_desktop.secrets import CredentialStore


class CountingKeyring(KeyringBackend):
    """An in-memory keyring that counts every read (never the machine's keyring)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}
        self.reads = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.entries.pop((service, username), None)


@pytest.fixture
def acme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CountingKeyring:
    monkeypatch.setenv("SFINTACCT_HOME", str(tmp_path))
    settings = cfg.validate_settings(
        {
            "salesforce": {"auth_method": "soap", "username": "ops@acme.example"},
            "intacct": {"sender_id": "S", "company_id": "C", "user_id": "U", "timezone": "Europe/Paris"},
        }
    )
    settings["sync"] = {"salesforce_interval_seconds": 45, "intacct_interval_seconds": 600}
    cfg.save_profile("acme", settings)
    backend = CountingKeyring()
    store = CredentialStore.from_settings(settings, backend=backend)
    for key in SECRET_KEYS:
        store.set("acme", key, f"secret-{key}")
    backend.reads = 0
    return backend


def _factory(backend: CountingKeyring):
    return lambda settings: CredentialStore.from_settings(settings, backend=backend)


def test_settings_come_typed_and_learning_them_never_reads_the_keyring(acme: CountingKeyring) -> None:
    session = Session("acme", store_factory=_factory(acme))
    assert session.profile.salesforce.username == "ops@acme.example"
    assert session.profile.intacct.timezone == "Europe/Paris"
    assert session.profile.sync.intacct_interval_seconds == 600
    assert session.sync_interval == 45
    assert sync_service.profile_interval("acme", store_factory=_factory(acme)) == 45
    assert acme.reads == 0


def test_a_session_reads_its_secrets_once_and_only_when_connecting(acme: CountingKeyring) -> None:
    session = Session("acme", store_factory=_factory(acme))
    first = session.resolved()
    reads = acme.reads
    assert reads > 0
    assert first.secrets["salesforce.password"] == "secret-salesforce.password"
    for _ in range(3):
        assert session.resolved() is first
        assert session.profile is session.profile
    assert acme.reads == reads  # read once per session, however often it is asked
    assert "secret-" not in repr(first) and "secret-" not in repr(session)


def test_a_bad_sync_section_fails_at_load_with_title_message_and_hint(acme: CountingKeyring) -> None:
    settings = cfg.get_profile("acme")
    settings["sync"] = {"salesforce_interval_seconds": "soon"}
    cfg.save_profile("acme", settings)
    with pytest.raises(ProfileError) as caught:
        load_profile("acme")
    info = present(caught.value, Surface.CLI, profile="acme")
    assert (info.title, info.hint) == ("Profile problem", "Fix the 'sync' section of the profile in the profiles file.")
    assert "not numbers" in info.message
    assert acme.reads == 0


def test_a_missing_profile_is_a_profile_error_on_first_use() -> None:
    session = Session("nobody-by-this-name")
    with pytest.raises(ProfileError):
        session.profile  # noqa: B018


def test_every_cli_command_gets_its_session_from_the_common_module(acme: CountingKeyring) -> None:
    args = argparse.Namespace(profile="acme", json=False)
    assert common.session(args) is common.session(args)
    assert common.session(args).name == "acme"
    args.profile = "sandbox"
    assert common.session(args).name == "sandbox"
