"""`sfintacct salesforce deploy` against an org that lacks our fields, as a real process over real HTTP.

The org starts as ``tests/integration/test_connections.py`` builds it (fields and a whole object
left out of describe); the product deploys ``resources/salesforce`` through the Metadata API.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sfintacct_desktop.app.sf_package import SOURCE_ENV
from sfintacct_sandbox.runner import Sandbox
from tests.integration.test_connections import _home_with_sandbox_profile, bare_options
from tests.support.cli_env import REPO, run_cli

SOURCE = REPO / "resources" / "salesforce"


@pytest.fixture
def bare_sandbox() -> Iterator[Sandbox]:
    """A fresh org per test (a deploy changes it), lacking the fields the connection test names."""
    with Sandbox(bare_options()) as running:
        yield running


def _missing(env: dict[str, str]) -> list[str]:
    body = json.loads(run_cli(env, "connections", "test", "--json").stdout)
    return sorted(body["salesforce"]["missing"])


def _describe(running: Sandbox, sobject: str) -> dict[str, object]:
    """Describe straight from the emulator's REST API (what any client sees)."""
    emu = running.salesforce
    obj = emu.schema.get(sobject)
    assert obj is not None
    if obj.name in emu.schema.omitted:
        return {}
    return emu.schema.describe(obj, "66.0", running.salesforce_url)


def _calls(running: Sandbox) -> tuple[int, int]:
    stats = requests.get(f"{running.salesforce_url}/__sandbox__/stats", timeout=10).json()
    by_op = stats.get("by_operation", {})
    return int(stats["api_calls"]), int(by_op.get("deploy", 0))


def test_check_only_changes_nothing_and_says_what_would_be_created(tmp_path, bare_sandbox, monkeypatch):
    env = _home_with_sandbox_profile(tmp_path, bare_sandbox, monkeypatch)
    missing = _missing(env)
    assert "Account.Intacct_Customer_ID__c" in missing and "Intacct_Payment__c" in missing
    before = {name: _describe(bare_sandbox, name) for name in ("Account", "Opportunity", "Intacct_Payment__c")}
    result = run_cli(env, "salesforce", "deploy", "--check-only", "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["check_only"] is True and body["status"] == "Succeeded" and body["ok"] is True
    texts = {c["text"] for c in body["components"]}
    assert "Would create field Account.Intacct_Customer_ID__c" in texts
    assert "Would create object Intacct_Payment__c" in texts
    assert "Already up to date: field Account.Intacct_Inactive__c" in texts
    assert body["errors"] == 0 and body["total"] == len(body["components"])
    after = {name: _describe(bare_sandbox, name) for name in ("Account", "Opportunity", "Intacct_Payment__c")}
    assert after == before
    assert _missing(env) == missing


def test_deploy_adds_every_missing_field_then_the_test_reports_none(tmp_path, bare_sandbox, monkeypatch):
    env = _home_with_sandbox_profile(tmp_path, bare_sandbox, monkeypatch)
    missing = _missing(env)
    assert len(missing) == 2 + 1 + len(SOURCE_FIELDS["Intacct_Payment__c"])
    api_before, deploys_before = _calls(bare_sandbox)
    result = run_cli(env, "salesforce", "deploy", "--yes", "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["status"] == "Succeeded" and body["check_only"] is False
    assert body["check"]["status"] == "Succeeded"
    created = {c["name"] for c in body["components"] if c["created"]}
    assert set(missing) <= created  # every field (and the object) the test named was created
    api_after, deploys_after = _calls(bare_sandbox)
    assert deploys_after - deploys_before == 2  # the check and the deploy
    # Each run spends one API call, its deploy(): checkDeployStatus polls and logins are free. Counted both sides.
    assert (body["check"]["api_calls"], body["api_calls"]) == (1, 1)
    assert api_after - api_before == 2
    assert body["check"]["requests"] >= 2 and body["requests"] >= 2  # deploy() and at least one poll each
    assert _missing(env) == []
    text = run_cli(env, "connections", "test")
    assert text.returncode == 0, text.stderr


def _broken_copy(tmp_path: Path) -> Path:
    """The shipped folder with one field whose lookup points at an object that does not exist."""
    copy = tmp_path / "salesforce"
    shutil.copytree(SOURCE, copy)
    field = copy / "force-app/main/default/objects/Intacct_Payment__c/fields/Invoice__c.field-meta.xml"
    field.write_text(field.read_text().replace("<referenceTo>Intacct_Invoice__c<", "<referenceTo>No_Such_Thing__c<"))
    return copy


def test_a_refused_component_is_named_and_nothing_is_deployed(tmp_path, bare_sandbox, monkeypatch):
    env = _home_with_sandbox_profile(tmp_path, bare_sandbox, monkeypatch)
    env[SOURCE_ENV] = str(_broken_copy(tmp_path))
    missing = _missing(env)
    result = run_cli(env, "salesforce", "deploy", "--yes", "--json")
    assert result.returncode == 1
    body = json.loads(result.stdout)
    assert body["status"] == "Failed" and body["check_only"] is True  # the check failed: no real deploy sent
    refused = [c for c in body["components"] if not c["success"]]
    assert [c["name"] for c in refused] == ["Intacct_Payment__c.Invoice__c"]
    assert "No_Such_Thing__c" in refused[0]["problem"]
    assert refused[0]["text"].startswith("Refused: field Intacct_Payment__c.Invoice__c: ")
    assert _missing(env) == missing
    human = run_cli(env, "salesforce", "deploy", "--check-only")
    assert human.returncode == 1
    assert "Refused: field Intacct_Payment__c.Invoice__c" in human.stdout


SOURCE_FIELDS = {
    obj.name: sorted(p.name.split(".")[0] for p in (obj / "fields").glob("*.field-meta.xml"))
    for obj in (SOURCE / "force-app/main/default/objects").iterdir()
}


def _arm(running: Sandbox, operation: str, mode: str) -> None:
    body = {"operation": operation, "mode": mode, "count": 1}
    assert requests.post(f"{running.salesforce_url}/__sandbox__/faults", json=body, timeout=10).status_code == 200


def test_an_ended_session_is_renewed_once_and_a_failed_poll_sent_again(tmp_path, bare_sandbox, monkeypatch):
    env = _home_with_sandbox_profile(tmp_path, bare_sandbox, monkeypatch)
    _arm(bare_sandbox, "deploy", "invalid_session")  # refused before anything is done: renew and resend
    _arm(bare_sandbox, "checkDeployStatus", "http_500")  # a poll changes nothing: sent again
    result = run_cli(env, "salesforce", "deploy", "--check-only", "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["status"] == "Succeeded" and body["api_calls"] == 1
    _, deploys = _calls(bare_sandbox)
    assert deploys == 2  # the refused one and the resent one
    assert body["requests"] == 5  # deploy twice, then the failed poll and two more


def test_a_refused_deploy_is_a_titled_failure_without_a_traceback(tmp_path, bare_sandbox, monkeypatch):
    env = _home_with_sandbox_profile(tmp_path, bare_sandbox, monkeypatch)
    _arm(bare_sandbox, "deploy", "rate_limit")
    result = run_cli(env, "salesforce", "deploy", "--check-only")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "Hint:" in result.stderr
    assert _missing(env)  # nothing deployed
