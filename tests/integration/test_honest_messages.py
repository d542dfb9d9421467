"""What a person reads when Salesforce refuses: the cause named honestly (real processes, real HTTP).

- REQUEST_LIMIT_EXCEEDED at login is the API allocation being spent, never a bad password;
- a session refused again right after a fresh login is a session problem, not wrong credentials;
- a hint never contradicts its message (no "18 of 15,000 used" under "allocation spent").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from sfintacct_desktop.config import profiles as cfg
from sfintacct_desktop.connectors.errors import to_sync_error
from sfintacct_desktop.domain import System
from sfintacct_desktop.wire.salesforce import SalesforceBudgetError
from sfintacct_sandbox.runner import Sandbox, SandboxOptions
from tests.support.cli_env import cli_env, run_cli

CREDENTIAL_WORDS = ("password", "security token", "username", "reset the token")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxOptions(seed="empty")) as running:
        yield running


@pytest.fixture()
def home(tmp_path: Path, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    env = cli_env(tmp_path / "home", tmp_path / "keyring.json")
    monkeypatch.setenv("SFINTACCT_HOME", env["SFINTACCT_HOME"])
    cfg.save_sandbox_profile(sandbox.connection_info())
    yield env
    requests.delete(f"{sandbox.sf_server.url}/__sandbox__/faults", timeout=10).raise_for_status()


def arm(sandbox: Sandbox, operation: str, mode: str, count: int) -> None:
    body = {"operation": operation, "mode": mode, "count": count}
    requests.post(f"{sandbox.sf_server.url}/__sandbox__/faults", json=body, timeout=10).raise_for_status()


def _numbers_agree(title: str, hint: str) -> None:
    """A hint under "allocation is spent" never quotes a usage below the allocation."""
    for used, limit in re.findall(r"([\d,]+) of ([\d,]+) calls", hint):
        assert int(used.replace(",", "")) >= int(limit.replace(",", "")), (title, hint)


def connections_test(env: dict[str, str]) -> tuple[dict[str, Any], str]:
    result = run_cli(env, "connections", "test", "--json")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    text = run_cli(env, "connections", "test")
    return json.loads(result.stdout)["salesforce"], text.stdout + text.stderr


def sync_once(env: dict[str, str]) -> tuple[dict[str, Any], str]:
    result = run_cli(env, "sync", "--once", "--json")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    return json.loads(result.stdout)["error"], result.stderr


def test_request_limit_at_login_is_the_allocation_not_the_password(home: dict[str, str], sandbox: Sandbox) -> None:
    arm(sandbox, "login", "rate_limit", 2)  # `connections test` logs in twice (JSON, then text)
    side, text = connections_test(home)
    error = side["error"]
    assert side["ok"] is False and error["title"] == "Salesforce API allocation is spent"
    assert "REQUEST_LIMIT_EXCEEDED" in error["message"] and "24 hours" in error["hint"]
    assert not any(word in (error["title"] + error["hint"]).lower() for word in CREDENTIAL_WORDS)
    assert "Salesforce API allocation is spent" in text and "login failed" not in text
    _numbers_agree(error["title"], error["hint"])

    arm(sandbox, "login", "rate_limit", 1)
    error, stderr = sync_once(home)
    assert error["kind"] == "budget" and error["title"] == "Salesforce API allocation is spent"
    assert "REQUEST_LIMIT_EXCEEDED" in error["message"] and error["code"] == "REQUEST_LIMIT_EXCEEDED"
    assert not any(word in error["hint"].lower() for word in CREDENTIAL_WORDS)
    assert f"{error['title']}: {error['message']}" in stderr and f"Hint: {error['hint']}" in stderr
    _numbers_agree(error["title"], error["hint"])


def test_a_session_dropped_twice_is_a_session_problem(home: dict[str, str], sandbox: Sandbox) -> None:
    arm(sandbox, "describe", "invalid_session", 2)  # refused, fresh login, refused again
    side, _text = connections_test(home)
    error = side["error"]
    assert error["title"] == "Salesforce keeps ending the session"
    assert "twice" in error["message"] and "credentials are fine" in error["hint"]
    assert "login failed" not in error["title"].lower()

    arm(sandbox, "composite", "invalid_session", 2)
    error, stderr = sync_once(home)
    assert error["title"] == "Salesforce keeps ending the session" and error["kind"] == "server"
    assert "credentials are fine" in error["hint"] and "Hint:" in stderr

    arm(sandbox, "composite", "invalid_session", 1)  # one drop: a new login and the run goes on
    ok = run_cli(home, "sync", "--once", "--json")
    assert ok.returncode == 0, ok.stderr


def test_a_refused_call_with_a_low_usage_header_gets_a_hint_without_contradiction(
    home: dict[str, str], sandbox: Sandbox
) -> None:
    arm(sandbox, "composite", "rate_limit", 1)  # REQUEST_LIMIT_EXCEEDED while the header shows little use
    error, _stderr = sync_once(home)
    assert error["kind"] == "budget" and error["title"] == "Salesforce API allocation is spent"
    _numbers_agree(error["title"], error["hint"])
    assert "rolling 24 hours" in error["hint"]


def test_the_usage_is_quoted_only_when_it_agrees() -> None:
    spent = to_sync_error(SalesforceBudgetError("spent"), System.SALESFORCE, api_usage=(15_000, 15_000)).info
    assert "15,000 of 15,000 calls" in spent.hint
    low = to_sync_error(SalesforceBudgetError("spent"), System.SALESFORCE, api_usage=(18, 15_000)).info
    assert "18 of" not in low.hint and low.title == "Salesforce API allocation is spent"
