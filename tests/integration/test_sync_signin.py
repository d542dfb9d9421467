"""The browser sign-in under a running sync: a session that ends mid-cycle is renewed with the
refresh token and no write is lost or sent twice; a revoked grant stops the cycle with "sign in
again" and nothing half-done; `sfintacct sync` then exits 1 with a clear message, never a loop.
"""

from __future__ import annotations

import json
from pathlib import Path

import requests

from sfintacct_sandbox import credentials as cred
from sfintacct_sandbox.runner import Sandbox, SandboxOptions
from tests.support.cli_env import cli_env, run_cli
from tests.support.signin import cli_login
from tests.support.sync_env import SyncEnv


def _revoke(env: SyncEnv, token: str) -> None:
    """The grant is revoked at Salesforce (an admin in Setup, or a sign-out elsewhere)."""
    r = requests.post(f"{env.sandbox.salesforce_url}/services/oauth2/revoke", data={"token": token}, timeout=10)
    assert r.status_code == 200


def test_a_session_ending_mid_cycle_is_renewed_and_the_create_lands_exactly_once(env: SyncEnv) -> None:
    env.create_customer("C-7001", "Initech")
    env.create_customer("C-7002", "Hooli")
    engine = env.new_engine()
    client = engine.sf.client
    assert client.refreshes == 1
    # The session ends just as the create batch goes out: Salesforce answers 401 INVALID_SESSION_ID,
    # which proves nothing was applied; the client renews the token and sends the batch once more.
    env.fault("salesforce", "composite/sobjects", "invalid_session")
    before = env.stats("salesforce")["by_operation"].get("composite/sobjects", 0)
    run = env.sync()
    assert run.status == "ok", run.error
    assert client.refreshes == 2
    linked = sorted((a["Name"], a["Intacct_Customer_ID__c"]) for a in env.accounts())
    assert linked == [("Hooli", "C-7002"), ("Initech", "C-7001")]  # both, once each
    assert env.stats("salesforce")["by_operation"]["composite/sobjects"] == before + 2  # refused + resent
    again = env.sync()
    assert again.status == "ok" and again.writes == 0 and len(env.accounts()) == 2


def test_a_revoked_grant_stops_the_cycle_with_sign_in_again_and_nothing_half_done(env: SyncEnv) -> None:
    env.create_customer("C-7101", "Vandelay")
    engine = env.new_engine()
    _revoke(env, engine.sf.client._tokens.load())  # the grant and its access token end under the engine
    run = env.sync()
    assert run.status == "failed" and run.error is not None
    assert (run.error.kind, run.error.title) == ("auth", "Salesforce sign-in needed")
    assert "sfintacct profile login" in run.error.hint and "Sign in with Salesforce" in run.error.hint
    assert env.accounts() == []
    assert engine.sf.client.refreshes == 1  # one renewal was tried, and only one
    env.new_engine()  # signed in again: the next cycle does the work, once
    assert env.sync().status == "ok"
    assert [(a["Name"], a["Intacct_Customer_ID__c"]) for a in env.accounts()] == [("Vandelay", "C-7101")]


def test_cli_sync_with_a_revoked_sign_in_exits_1_with_a_clear_message(tmp_path: Path) -> None:
    with Sandbox(SandboxOptions(seed="empty")) as sb:
        env = cli_env(
            tmp_path / "home",
            tmp_path / "keyring.json",
            SFINTACCT_INTACCT_SENDER_PASSWORD=cred.INTACCT_SENDER_PASSWORD,
            SFINTACCT_INTACCT_USER_PASSWORD=cred.INTACCT_USER_PASSWORD,
        )
        added = run_cli(
            env, "profile", "add", "acme", "--sf-login-host", sb.salesforce_url, "--sf-consumer-key",
            cred.SF_CONSUMER_KEY, "--sf-callback-ports", "0", "--ia-endpoint", sb.intacct_url, "--ia-sender-id",
            cred.INTACCT_SENDER_ID, "--ia-company-id", cred.INTACCT_COMPANY_ID, "--ia-user-id", cred.INTACCT_USER_ID,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr
        login, _ = cli_login(env, "--profile", "acme")
        assert login.returncode == 0, login.stderr
        ok = run_cli(env, "sync", "--once", "--profile", "acme", "--json")
        assert ok.returncode == 0, ok.stderr
        requests.post(f"{sb.salesforce_url}/__sandbox__/oauth", json={"revoke_all": True}, timeout=10)
        tokens_before = sb.salesforce.stats.snapshot()["by_operation"].get("login", 0)
        for extra in (["--json"], []):
            failed = run_cli(env, "sync", "--once", "--profile", "acme", *extra)
            assert failed.returncode == 1
            assert "Traceback" not in failed.stderr
            assert "Salesforce sign-in needed" in failed.stderr
            assert "Hint: Sign in again: sfintacct profile login --profile acme" in failed.stderr
        payload = json.loads(run_cli(env, "sync", "--once", "--profile", "acme", "--json").stdout)
        assert payload["status"] == "failed" and payload["error"]["kind"] == "auth"
        assert sb.salesforce.stats.snapshot()["by_operation"]["login"] == tokens_before + 3  # one try per run
        watch = run_cli(env, "sync", "--watch", "--interval", "1", "--profile", "acme")
        assert watch.returncode == 1 and watch.stderr.count("Hint:") == 1  # a fatal error ends watch mode
        test = run_cli(env, "connections", "test", "--profile", "acme")
        assert test.returncode == 1 and "Salesforce sign-in needed" in test.stderr
        again, _ = cli_login(env, "--profile", "acme")  # sign in again: back in business
        assert again.returncode == 0, again.stderr
        assert run_cli(env, "sync", "--once", "--profile", "acme").returncode == 0
