"""Where a profile's state lives (``state.url``), its password (keyring only), and the PostgreSQL writer lock.

Against a real PostgreSQL (tests/support/postgres.py): the password from the keyring reaches the
connection and nothing else (settings, messages, logs); the advisory lock refuses a second writer
and names the holder; an unreachable server is told apart from a damaged store.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from sfintacct_desktop.app import state_target as st
from sfintacct_desktop.app.profile_lock import ProfileLock
from sfintacct_desktop.config import profiles as cfg
from sfintacct_desktop.domain import ErrorKind, SyncError
from sfintacct_desktop.secrets import install_redaction
from sfintacct_desktop.store import StateStore, StoreOpenError
from sfintacct_desktop.store.pg_lock import AdvisoryLock, lock_key
from tests.support.file_keyring import ENV_FILE, FileKeyring

SECRET = "pw-Zq81-never-shown"
INFO = {
    "salesforce": {"url": "http://127.0.0.1:1", "login_url": "http://127.0.0.1:1"},
    "intacct": {"url": "http://127.0.0.1:2/ia/xml/xmlgw.phtml"},
}


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("SFINTACCT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv(ENV_FILE, str(tmp_path / "keyring.json"))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    cfg.save_profile("acme", {"kind": "real", "credential_backend": "keyring"})
    yield tmp_path / "home"
    keyring.set_keyring(previous)


def test_the_url_setting_is_checked_and_kept_beside_the_marker() -> None:
    assert (
        cfg.check_state_url("postgresql://sync@db.example:5433/acme")
        == "postgresql+psycopg://sync@db.example:5433/acme"
    )
    with pytest.raises(cfg.ProfileError, match="must not contain a password") as info:
        cfg.check_state_url(f"postgresql://sync:{SECRET}@db.example/acme")
    assert SECRET not in str(info.value) + info.value.hint
    for bad in ("mysql://u@h/db", "postgresql://u@h", "sqlite://", "not a url"):
        with pytest.raises(cfg.ProfileError):
            cfg.check_state_url(bad)
    cfg.save_sandbox_profile(INFO)
    cfg.set_state_url("sandbox", "postgresql://sync@db.example/sb")
    cfg.update_state_marker("sandbox", synced_before="2026-12-01T00:00:00+00:00")
    cfg.save_sandbox_profile(INFO)  # `sandbox serve` again: both survive
    assert cfg.state_url("sandbox") == "postgresql+psycopg://sync@db.example/sb"
    assert cfg.state_marker("sandbox") == {"synced_before": "2026-12-01T00:00:00+00:00"}  # the url is no marker
    cfg.set_state_url("sandbox", None)
    assert cfg.state_url("sandbox") is None and st.state_target("sandbox") == st.state_path("sandbox")


def test_the_keyring_password_reaches_the_connection_and_no_message(
    postgres_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    cfg.set_state_url("acme", postgres_url)
    st.save_password("acme", SECRET)
    target = st.state_target("acme")
    assert target.password == SECRET  # type: ignore[union-attr]
    assert SECRET not in st.where(target) and "***" in st.where(target)
    assert SECRET not in (Path(os.environ["SFINTACCT_HOME"]) / "config" / "profiles.json").read_text()
    logger = logging.getLogger("sfintacct_desktop.test_state_target")
    install_redaction(logger)
    with caplog.at_level(logging.INFO, logger=logger.name):
        logger.info("opening %s", target.render_as_string(hide_password=False))  # type: ignore[union-attr]
    assert SECRET not in caplog.text  # registered with the log redaction when it was read
    with StateStore.open(target) as store:
        assert store.where == st.where(target) and SECRET not in store.where
        with store.write() as tx:
            tx.meta.set("k", 1)
    st.save_password("acme", None)
    assert st.state_target("acme").password is None  # type: ignore[union-attr]


def test_an_unreachable_server_is_not_a_damaged_store(postgres_url: str) -> None:
    port = postgres_url.rsplit(":", 1)[1].split("/")[0]
    nowhere = postgres_url.replace(f":{port}/", ":9/").replace("postgres@", f"postgres:{SECRET}@")
    with pytest.raises(StoreOpenError) as info:
        StateStore.open(nowhere)
    assert info.value.problem == "unreachable" and not info.value.damaged
    assert SECRET not in str(info.value) and "***" in info.value.path


def test_the_advisory_lock_refuses_a_second_writer_and_names_the_first(postgres_url: str) -> None:
    cfg.set_state_url("acme", postgres_url)
    assert lock_key("acme") == lock_key("acme") != lock_key("acme2")
    with ProfileLock("acme") as lock, ProfileLock("acme"):  # re-entrant within the process
        assert lock.database is not None
        other = AdvisoryLock(postgres_url, "acme")  # another session: as another process or machine would be
        assert other.acquire() is False
        holder = other.holder()
        assert holder["pid"] == os.getpid() and holder["host"]
        assert ProfileLock("acme").holder()["pid"] == os.getpid()
        unrelated = AdvisoryLock(postgres_url, "acme2")
        assert unrelated.acquire() is True  # another profile is not held
        unrelated.release()
    assert other.acquire() is True  # released with the last holder
    with pytest.raises(SyncError) as busy:
        ProfileLock("acme").acquire()
    assert busy.value.info.kind is ErrorKind.BUSY and f"process {os.getpid()}" in busy.value.info.message
    other.release()
    ProfileLock("acme").acquire().release()


def _cut_lock_connections(url: str) -> int:
    """Terminate the writer's lock connection, as a server restart or a network cut would."""
    import psycopg

    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'sfintacct %'"
        ).fetchall()
    return len(rows)


def test_a_writer_whose_lock_connection_was_cut_takes_it_again_or_stops(postgres_url: str) -> None:
    cfg.set_state_url("acme", postgres_url)
    lock = ProfileLock("acme").acquire()
    try:
        assert _cut_lock_connections(postgres_url) == 1
        lock.ensure()  # lost, then taken again: another writer is refused once more
        assert AdvisoryLock(postgres_url, "acme").acquire() is False
        assert _cut_lock_connections(postgres_url) == 1
        thief = AdvisoryLock(postgres_url, "acme")
        assert thief.acquire() is True  # another writer got in while the lock was gone
        with pytest.raises(SyncError) as busy:
            lock.ensure()  # so this writer stops before its next run
        assert busy.value.info.kind is ErrorKind.BUSY and not lock.held
        thief.release()
    finally:
        lock.release()
