"""`sfintacct profile add | list | show | remove` as a user runs them: real processes, a test keyring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sfintacct_desktop.cli import build_parser
from tests.support.cli_env import FAIL_KEYRING, cli_env, run_cli

SF_PW, SF_TOKEN, IA_SENDER, IA_USER = "pw-Alpha-1234", "TOKEN-beta-5678", "sender-Gamma-9012", "user-Delta-3456"
REAL_ARGS = (
    "--sf-username", "ops@example.com",
    "--sf-consumer-key", "3MVG9acme.external.client.app",
    "--sf-login-host", "sandbox",
    "--ia-sender-id", "acme_sender",
    "--ia-company-id", "ACME",
    "--ia-user-id", "xml_user",
    "--ia-timezone", "America/New_York",
)  # fmt: skip
SECRETS_ENV = {
    "SFINTACCT_SF_PASSWORD": SF_PW,
    "SFINTACCT_SF_SECURITY_TOKEN": SF_TOKEN,
    "SFINTACCT_INTACCT_SENDER_PASSWORD": IA_SENDER,
    "SFINTACCT_INTACCT_USER_PASSWORD": IA_USER,
}


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return cli_env(tmp_path / "home", tmp_path / "keyring.json", **SECRETS_ENV)


def _profiles_file(env: dict[str, str]) -> Path:
    return Path(env["SFINTACCT_HOME"]) / "config" / "profiles.json"


def _keyring(env: dict[str, str]) -> dict:
    path = Path(env["SFINTACCT_TEST_KEYRING_FILE"])
    return json.loads(path.read_text()) if path.exists() else {}


def _stored_profiles(env: dict[str, str]) -> dict:
    path = _profiles_file(env)
    return json.loads(path.read_text())["profiles"] if path.exists() else {}


@pytest.mark.parametrize("method", ["web", "soap"])
def test_add_list_show_remove_round_trip(env, method):
    added = run_cli(env, "profile", "add", "acme", *REAL_ARGS, "--sf-auth", method, "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["profile"] == "acme"
    if method == "soap":
        assert "legacy login" in added.stderr  # never chosen silently

    stored = _stored_profiles(env)["acme"]
    assert stored["kind"] == "real"
    assert stored["salesforce"]["username"] == "ops@example.com"
    assert stored["salesforce"]["auth_method"] == method
    assert stored["salesforce"]["api_version"] == "66.0"
    assert stored["intacct"]["timezone"] == "America/New_York"
    file_text = _profiles_file(env).read_text()
    for secret in SECRETS_ENV.values():
        assert secret not in file_text  # settings only, never a secret
    entries = _keyring(env)["sfintacct-desktop:acme"]
    intacct = {"intacct.sender_password": IA_SENDER, "intacct.user_password": IA_USER}
    if method == "web":  # the browser sign-in needs no password; the refresh token comes with `profile login`
        assert entries == intacct
    else:
        assert entries == {"salesforce.password": SF_PW, "salesforce.security_token": SF_TOKEN, **intacct}

    listed = run_cli(env, "profile", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [r["name"] for r in json.loads(listed.stdout)["profiles"]] == ["acme"]

    for extra in (("--json",), ()):
        shown = run_cli(env, "profile", "show", "acme", *extra)
        assert shown.returncode == 0, shown.stderr
        for secret in SECRETS_ENV.values():
            assert secret not in shown.stdout + shown.stderr
    info = json.loads(run_cli(env, "profile", "show", "acme", "--json").stdout)
    assert info["secrets"]["intacct.user_password"] == "stored"
    if method == "web":
        assert info["secrets"]["salesforce.password"] == "not needed"
        assert info["secrets"]["salesforce.consumer_secret"] == "not set"  # optional: a desktop app is public
        assert info["secrets"]["salesforce.refresh_token"] == "not signed in"
    else:
        assert info["secrets"]["salesforce.password"] == "stored"
        assert info["secrets"]["salesforce.consumer_secret"] == "not needed"

    removed = run_cli(env, "profile", "remove", "acme", "--json")
    assert removed.returncode == 0, removed.stderr
    assert "acme" not in _stored_profiles(env)
    assert "sfintacct-desktop:acme" not in _keyring(env)  # its keyring entries went with it


def test_no_option_takes_a_secret(env):
    result = run_cli(env, "profile", "add", "acme", *REAL_ARGS, "--password", "hunter22")
    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr
    assert _stored_profiles(env) == {}
    # And structurally: no option of any profile command is named like a secret.
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices["profile"]
    for command in next(a for a in sub._actions if a.dest == "profile_command").choices.values():
        for action in command._actions:
            words = " ".join(action.option_strings).lower() + action.dest.lower()
            assert not any(w in words for w in ("password", "secret", "token", "passphrase")), words


def test_insecure_keyring_refuses_and_writes_nothing(tmp_path):
    env = cli_env(tmp_path / "home", tmp_path / "keyring.json", backend=FAIL_KEYRING, **SECRETS_ENV)
    result = run_cli(env, "profile", "add", "acme", *REAL_ARGS)
    assert result.returncode == 1
    assert "No secure credential store" in result.stderr  # the store's title
    assert "Credentials were not saved" in result.stderr  # ... its message
    assert "Hint:" in result.stderr and "cryptfile" in result.stderr  # ... and its hint
    assert "Traceback" not in result.stderr
    assert _stored_profiles(env) == {}
    assert not Path(env["SFINTACCT_TEST_KEYRING_FILE"]).exists()


def test_missing_required_secret_writes_nothing(tmp_path):
    partial = {k: v for k, v in SECRETS_ENV.items() if k != "SFINTACCT_INTACCT_USER_PASSWORD"}
    env = cli_env(tmp_path / "home", tmp_path / "keyring.json", **partial)
    result = run_cli(env, "profile", "add", "acme", *REAL_ARGS)
    assert result.returncode == 1
    assert "SFINTACCT_INTACCT_USER_PASSWORD" in result.stderr
    assert _stored_profiles(env) == {}
    assert _keyring(env) == {}


@pytest.mark.parametrize(
    ("option", "value"),
    [("--sf-login-host", "http://login.example.com"), ("--ia-endpoint", "http://api.example.com/ia/xml/xmlgw.phtml")],
)
def test_plain_http_to_a_remote_host_is_refused(env, option, value):
    result = run_cli(env, "profile", "add", "acme", *REAL_ARGS, option, value)
    assert result.returncode == 1
    assert "Refusing plain http://" in result.stderr
    assert _stored_profiles(env) == {}
    assert _keyring(env) == {}


def test_plain_http_to_loopback_is_accepted(env):
    result = run_cli(
        env, "profile", "add", "local", *REAL_ARGS,
        "--sf-login-host", "http://127.0.0.1:1", "--ia-endpoint", "http://localhost:1/ia/xml/xmlgw.phtml",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--ia-timezone", "Mars/Olympus_Mons"), "not an IANA time zone"),
        (("--sf-login-host", "staging"), "Unknown Salesforce login host"),
        (("--sf-auth", "jwt", "--sf-consumer-key", "3MVGkey"), "private key file"),
        (("--sf-api-version", "latest"), "not an API version"),
        (("--sf-api-version", "30.0"), "is retired"),
        (("--sf-consumer-key", ""), "consumer key of the org's External Client App"),
    ],
)
def test_invalid_settings_are_refused(env, args, expected):
    result = run_cli(env, "profile", "add", "acme", *REAL_ARGS, *args)
    assert result.returncode == 1
    assert expected in result.stderr
    assert _stored_profiles(env) == {}


def test_sandbox_name_is_reserved_and_duplicates_are_refused(env):
    assert run_cli(env, "profile", "add", "sandbox", *REAL_ARGS).returncode == 1
    assert run_cli(env, "profile", "add", "acme", *REAL_ARGS).returncode == 0
    again = run_cli(env, "profile", "add", "acme", *REAL_ARGS)
    assert again.returncode == 1
    assert "already exists" in again.stderr


def test_jwt_profile_needs_no_password(tmp_path):
    env = cli_env(
        tmp_path / "home",
        tmp_path / "keyring.json",
        SFINTACCT_INTACCT_SENDER_PASSWORD=IA_SENDER,
        SFINTACCT_INTACCT_USER_PASSWORD=IA_USER,
    )
    result = run_cli(
        env, "profile", "add", "jwt", *REAL_ARGS,
        "--sf-auth", "jwt", "--sf-consumer-key", "3MVGkey", "--sf-jwt-key-file", str(tmp_path / "key.pem"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert set(_keyring(env)["sfintacct-desktop:jwt"]) == {"intacct.sender_password", "intacct.user_password"}


def test_sandbox_profile_show_hides_its_constants(env):
    from sfintacct_sandbox import credentials as cred

    path = _profiles_file(env)
    path.parent.mkdir(parents=True)
    sandbox = {
        "kind": "sandbox",
        "salesforce": {"url": "http://127.0.0.1:1", "login_url": "http://127.0.0.1:1", "username": cred.SF_USERNAME,
                       "password": cred.SF_PASSWORD, "security_token": cred.SF_SECURITY_TOKEN},
        "intacct": {"url": "http://127.0.0.1:2/ia/xml/xmlgw.phtml", "sender_id": cred.INTACCT_SENDER_ID,
                    "sender_password": cred.INTACCT_SENDER_PASSWORD, "user_password": cred.INTACCT_USER_PASSWORD},
    }  # fmt: skip
    path.write_text(json.dumps({"version": 1, "profiles": {"sandbox": sandbox}}))
    shown = run_cli(env, "profile", "show")
    assert shown.returncode == 0, shown.stderr
    assert cred.SF_USERNAME in shown.stdout
    for value in (cred.SF_PASSWORD, cred.SF_SECURITY_TOKEN, cred.INTACCT_SENDER_PASSWORD, cred.INTACCT_USER_PASSWORD):
        assert value not in shown.stdout
    removed = run_cli(env, "profile", "remove", "sandbox")
    assert removed.returncode == 0, removed.stderr
    assert _stored_profiles(env) == {}


def test_unknown_profile_is_a_handled_failure(env):
    result = run_cli(env, "profile", "show", "nope")
    assert result.returncode == 1
    assert "No connection profile named 'nope'" in result.stderr
    assert "Traceback" not in result.stderr
