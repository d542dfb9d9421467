"""The canary: one unique fake password, pushed through every path that handles secrets.

It is the Salesforce password and the Intacct sender password of real (non-sandbox) profiles
pointed at the emulators: once accepted (the emulators are told to expect it), once refused (a
wrong password that contains it). It goes through `profile add`, the keyring, successful and
failed logins, error reporting, `profile show`/`list`/`remove`, and logging at DEBUG. Afterwards it
must appear in no stdout/stderr, no exception text, no log and no file under SFINTACCT_HOME
(sandbox SQLite databases with their -wal/-shm included), and it must be in the test keyring file
(so the test cannot pass by never storing it).
"""

from __future__ import annotations

import json
import logging
import traceback
import uuid
from pathlib import Path

import pytest
import requests

from sfintacct_desktop.app.connections import check_connections, intacct_config, salesforce_config
from sfintacct_desktop.app.logging_setup import LOG_FILE_NAME, setup_logging
from sfintacct_desktop.app.profiles import resolve_profile
from sfintacct_desktop.secrets import CredentialStore
from sfintacct_desktop.wire.intacct import IntacctClient
from sfintacct_desktop.wire.salesforce import MemoryTokenStore, SalesforceClient, SalesforceSecrets
from sfintacct_sandbox import credentials as cred
from sfintacct_sandbox.runner import Sandbox, SandboxOptions
from tests.support.cli_env import cli_env, run_cli
from tests.support.file_keyring import FileKeyring
from tests.support.logging_env import root_logging_restored
from tests.support.signin import web_settings

CANARY = f"Canary{uuid.uuid4().hex}Pw"
WRONG = f"{CANARY}-wrong"  # a refused password that carries the canary


def _ia_args(running: Sandbox) -> list[str]:
    return [
        "--ia-endpoint", running.intacct_url,
        "--ia-sender-id", cred.INTACCT_SENDER_ID,
        "--ia-company-id", cred.INTACCT_COMPANY_ID,
        "--ia-user-id", cred.INTACCT_USER_ID,
    ]  # fmt: skip


def _profile_args(running: Sandbox) -> list[str]:
    """A password profile: the legacy SOAP login, the one method that takes the Salesforce password."""
    return ["--sf-auth", "soap", "--sf-login-host", running.salesforce_url, "--sf-username", cred.SF_USERNAME,
            *_ia_args(running)]  # fmt: skip


def _files_holding(root: Path, needle: bytes) -> list[str]:
    return [str(p) for p in sorted(root.rglob("*")) if p.is_file() and needle in p.read_bytes()]


def _in_process_failures(home: Path, keyring_file: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Exception texts and results of failing logins made in this process, with logging at DEBUG to the file."""
    monkeypatch.setenv("SFINTACCT_HOME", str(home))
    monkeypatch.setenv("SFINTACCT_TEST_KEYRING_FILE", str(keyring_file))
    monkeypatch.setenv("SFINTACCT_LOG_LEVEL", "DEBUG")
    texts: list[str] = []
    with root_logging_restored():
        setup_logging(2, stderr=False)
        store = CredentialStore(FileKeyring())
        profile = resolve_profile("bad", store_factory=lambda _settings: store)
        assert profile.secrets["salesforce.password"] == WRONG  # the keyring round trip itself
        texts.append(repr(profile))
        for attempt in (
            lambda: SalesforceClient.connect(*salesforce_config(profile)),
            lambda: IntacctClient(*intacct_config(profile)).login(),
        ):
            with pytest.raises(Exception) as caught:  # any failure type: its text is what matters
                attempt()
            texts += [str(caught.value), repr(caught.value), "".join(traceback.format_exception(caught.value))]
        logging.getLogger("canary").debug("a careless f-string: password %s", profile.secrets["salesforce.password"])
        texts.append(json.dumps(check_connections("bad", store_factory=lambda _settings: store)))
    return texts


def test_the_canary_never_leaks(tmp_path, monkeypatch):
    home, keyring_file = tmp_path / "home", tmp_path / "keyring.json"
    # The emulators accept the canary as the Salesforce password and the Intacct sender password.
    monkeypatch.setattr(cred, "SF_PASSWORD", CANARY)
    monkeypatch.setattr(cred, "INTACCT_SENDER_PASSWORD", CANARY)
    good = {
        "SFINTACCT_SF_PASSWORD": CANARY,
        "SFINTACCT_SF_SECURITY_TOKEN": cred.SF_SECURITY_TOKEN,
        "SFINTACCT_INTACCT_SENDER_PASSWORD": CANARY,
        "SFINTACCT_INTACCT_USER_PASSWORD": cred.INTACCT_USER_PASSWORD,
    }
    bad = {**good, "SFINTACCT_SF_PASSWORD": WRONG, "SFINTACCT_INTACCT_USER_PASSWORD": WRONG}
    outputs: list[str] = []
    options = SandboxOptions(seed="empty", data_dir=home / "data" / "sandbox")  # its SQLite lives under the home
    with Sandbox(options) as running:

        def run(secrets: dict[str, str], *args: str, expect: int) -> str:
            env = cli_env(home, keyring_file, SFINTACCT_LOG_LEVEL="DEBUG", **secrets)
            result = run_cli(env, *args, "-vv")
            outputs.extend([result.stdout, result.stderr])
            assert result.returncode == expect, result.stderr
            return result.stdout

        run(good, "profile", "add", "good", *_profile_args(running), expect=0)
        run(bad, "profile", "add", "bad", *_profile_args(running), expect=0)
        ok = json.loads(run({}, "connections", "test", "--profile", "good", "--json", expect=0))
        assert ok["salesforce"]["ok"] and ok["intacct"]["ok"]  # the canary really logged in
        failed = json.loads(run({}, "connections", "test", "--profile", "bad", "--json", expect=1))
        assert failed["salesforce"]["error"]["title"] == "Salesforce login failed"
        assert failed["intacct"]["error"]["title"] == "Intacct login failed"
        run({}, "connections", "test", "--profile", "bad", expect=1)
        for name in ("good", "bad"):
            run({}, "profile", "show", name, expect=0)
            run({}, "profile", "show", name, "--json", expect=0)
        run({}, "profile", "list", expect=0)
        outputs += _in_process_failures(home, keyring_file, monkeypatch)
        run({}, "profile", "remove", "bad", expect=0)
        assert _files_holding(home, CANARY.encode()) == []  # while the sandbox runs (-wal / -shm present)
    assert _files_holding(home, CANARY.encode()) == []  # and after it stopped

    leaked = [text for text in outputs if CANARY in text]
    assert leaked == []
    assert (home / "logs" / LOG_FILE_NAME).stat().st_size > 0  # the DEBUG log was written and checked
    assert any(p.suffix == ".sqlite3" or "sqlite" in p.name for p in home.rglob("*")), "no database was checked"
    stored = json.loads(keyring_file.read_text())
    assert stored["sfintacct-desktop:good"]["salesforce.password"] == CANARY  # the keyring's job: it is there
    assert "sfintacct-desktop:bad" not in stored  # removed with its profile


def test_no_refresh_or_access_token_ever_leaks(tmp_path, monkeypatch):
    """Every token the emulator issues, followed through sign-in, rotation, sync, failure and sign-out.

    The emulator is told to rotate refresh tokens (so the save path runs on every refresh). Each
    token it hands out is recorded as it is issued; none may appear in any stdout/stderr, exception
    text, DEBUG log, the state store, the profiles file or the sandbox's own files.
    """
    from sfintacct_desktop.wire.salesforce import SalesforceSignInRequired
    from sfintacct_sandbox.salesforce import oauth_apps
    from sfintacct_sandbox.salesforce import sessions as sf_sessions
    from tests.support.signin import cli_login

    issued: list[str] = []
    real_issue, real_refresh = sf_sessions.Sessions.issue, oauth_apps.OAuthGrants.issue_refresh
    monkeypatch.setattr(
        sf_sessions.Sessions, "issue", lambda self, now: issued.append(real_issue(self, now)) or issued[-1]
    )
    monkeypatch.setattr(
        oauth_apps.OAuthGrants,
        "issue_refresh",
        lambda self, *a: issued.append(real_refresh(self, *a)) or issued[-1],
    )
    home, keyring_file = tmp_path / "home", tmp_path / "keyring.json"
    secrets = {
        "SFINTACCT_INTACCT_SENDER_PASSWORD": cred.INTACCT_SENDER_PASSWORD,
        "SFINTACCT_INTACCT_USER_PASSWORD": cred.INTACCT_USER_PASSWORD,
    }
    outputs: list[str] = []
    options = SandboxOptions(seed="empty", data_dir=home / "data" / "sandbox")
    with Sandbox(options) as running:
        running.salesforce.oauth.apps[cred.SF_CONSUMER_KEY].rotate_refresh_tokens = True
        env = cli_env(home, keyring_file, SFINTACCT_LOG_LEVEL="DEBUG", **secrets)

        def run(*args: str, expect: int) -> str:
            result = run_cli(env, *args, "-vv")
            outputs.extend([result.stdout, result.stderr])
            assert result.returncode == expect, result.stderr
            return result.stdout

        run(
            "profile", "add", "web", "--sf-login-host", running.salesforce_url, "--sf-consumer-key",
            cred.SF_CONSUMER_KEY, "--sf-callback-ports", "0", *_ia_args(running), expect=0,
        )  # fmt: skip
        login, url = cli_login(env, "--profile", "web", "-vv")
        outputs.extend([login.stdout, login.stderr, url])
        assert login.returncode == 0, login.stderr
        assert json.loads(keyring_file.read_text())["sfintacct-desktop:web"]["salesforce.refresh_token"] in issued
        run("connections", "test", "--profile", "web", expect=0)
        run("connections", "test", "--profile", "web", "--json", expect=0)
        run("sync", "--once", "--profile", "web", expect=0)  # the state store is written
        run("profile", "show", "web", "--json", expect=0)
        from sfintacct_desktop.config import profiles as cfg

        monkeypatch.setenv("SFINTACCT_HOME", str(home))
        cfg.save_sandbox_profile(running.connection_info())
        run("connections", "test", expect=0)  # the sandbox profile signs in by itself, in that process
        run("profile", "login", expect=0)
        requests.post(f"{running.salesforce_url}/__sandbox__/oauth", json={"revoke_all": True}, timeout=10)
        run("sync", "--once", "--profile", "web", expect=1)  # the failure paths
        run("connections", "test", "--profile", "web", expect=1)
        stale = json.loads(keyring_file.read_text())["sfintacct-desktop:web"]["salesforce.refresh_token"]
        settings = web_settings(running.salesforce_url)
        with pytest.raises(SalesforceSignInRequired) as caught:
            SalesforceClient.connect(settings, SalesforceSecrets(), token_store=MemoryTokenStore(stale))
        outputs += [str(caught.value), repr(caught.value), "".join(traceback.format_exception(caught.value))]
        run("profile", "logout", "web", expect=0)
        run("profile", "remove", "web", expect=0)
        assert _files_holding(home, stale.encode()) == []
    assert len({t for t in issued if t.startswith("5Aep861")}) >= 3 and len(issued) >= 8  # rotation ran
    for token in issued:
        assert [text for text in outputs if token in text] == []
        assert _files_holding(home, token.encode()) == []
    assert (home / "logs" / LOG_FILE_NAME).stat().st_size > 0
    assert any(p.name.startswith("state") or "state" in str(p.parent) for p in home.rglob("*.sqlite3"))
