"""`sfintacct connections test` against the running emulators, as a real process over real HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from sfintacct_desktop.app.connections import SALESFORCE_SCHEMA, check_salesforce_fields
from sfintacct_desktop.config import profiles as cfg
from sfintacct_sandbox import credentials as cred
from sfintacct_sandbox.runner import Sandbox, SandboxOptions
from tests.support.cli_env import cli_env, run_cli
from tests.support.signin import cli_login

GOOD_SECRETS = {
    "SFINTACCT_SF_PASSWORD": cred.SF_PASSWORD,
    "SFINTACCT_SF_SECURITY_TOKEN": cred.SF_SECURITY_TOKEN,
    "SFINTACCT_INTACCT_SENDER_PASSWORD": cred.INTACCT_SENDER_PASSWORD,
    "SFINTACCT_INTACCT_USER_PASSWORD": cred.INTACCT_USER_PASSWORD,
}
OMITTED_SF = ("Account.Intacct_Customer_ID__c", "Opportunity.Intacct_Sync_Status__c", "Intacct_Payment__c")
OMITTED_IA = ("CUSTOMER.SFDC_ACCOUNT_ID", "ITEM.SFDC_PRODUCT_ID")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxOptions(seed="empty")) as running:
        yield running


def bare_options() -> SandboxOptions:
    """Emulators of an org and a company that lack some of our custom fields."""
    return SandboxOptions(
        seed="empty",
        salesforce_options={"omit_fields": OMITTED_SF},
        intacct_options={"omit_fields": OMITTED_IA},
    )


@pytest.fixture(scope="module")
def bare_sandbox() -> Iterator[Sandbox]:
    with Sandbox(bare_options()) as running:
        yield running


def _home_with_sandbox_profile(tmp_path: Path, running: Sandbox, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    env = cli_env(tmp_path / "home", tmp_path / "keyring.json")
    monkeypatch.setenv("SFINTACCT_HOME", env["SFINTACCT_HOME"])
    cfg.save_sandbox_profile(running.connection_info())
    return env


def _real_profile_args(running: Sandbox, method: str = "soap") -> list[str]:
    return [
        "--sf-auth", method,
        "--sf-login-host", running.salesforce_url,
        "--sf-username", cred.SF_USERNAME,
        "--sf-consumer-key", cred.SF_CONSUMER_KEY,
        "--sf-callback-ports", "0",
        "--ia-endpoint", running.intacct_url,
        "--ia-sender-id", cred.INTACCT_SENDER_ID,
        "--ia-company-id", cred.INTACCT_COMPANY_ID,
        "--ia-user-id", cred.INTACCT_USER_ID,
    ]  # fmt: skip


def test_sandbox_profile_connects_on_both_sides(tmp_path, sandbox, monkeypatch):
    env = _home_with_sandbox_profile(tmp_path, sandbox, monkeypatch)
    result = run_cli(env, "connections", "test", "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert set(body) == {"salesforce", "intacct"}
    sf, ia = body["salesforce"], body["intacct"]
    assert sf["ok"] is True and ia["ok"] is True
    assert sf["missing"] == [] and sf["problems"] == [] and ia["missing"] == [] and ia["warnings"] == []
    assert sf["user"] == cred.SF_USERNAME
    assert sf["instance_url"].startswith("http://127.0.0.1:")
    assert sf["api_usage"]["limit"] > 0
    assert ia["company_id"] == cred.INTACCT_COMPANY_ID
    text = run_cli(env, "connections", "test")
    assert text.returncode == 0
    assert "Salesforce: OK" in text.stdout and "Intacct: OK" in text.stdout


def test_real_profile_signs_in_with_the_browser_and_connects(tmp_path, sandbox):
    env = cli_env(tmp_path / "home", tmp_path / "keyring.json", **GOOD_SECRETS)
    assert run_cli(env, "profile", "add", "local", *_real_profile_args(sandbox, "web")).returncode == 0
    before = json.loads(run_cli(env, "connections", "test", "--profile", "local", "--json").stdout)
    assert before["salesforce"]["error"]["title"] == "Salesforce sign-in needed"
    assert "sfintacct profile login --profile local" in before["salesforce"]["error"]["hint"]
    login, url = cli_login(env, "--profile", "local")
    assert login.returncode == 0, login.stderr
    assert "/services/oauth2/authorize?" in url and "code_challenge=" in url
    assert f"as {cred.SF_USERNAME}" in login.stdout
    stored = json.loads(Path(env["SFINTACCT_TEST_KEYRING_FILE"]).read_text())["sfintacct-desktop:local"]
    assert stored["salesforce.refresh_token"]  # the only Salesforce secret kept
    assert "salesforce.password" not in stored
    profile = json.loads((Path(env["SFINTACCT_HOME"]) / "config" / "profiles.json").read_text())
    assert profile["profiles"]["local"]["salesforce"]["instance_url"] == sandbox.salesforce_url
    assert stored["salesforce.refresh_token"] not in json.dumps(profile)
    result = run_cli(env, "connections", "test", "--profile", "local", "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["salesforce"]["ok"] and body["intacct"]["ok"]
    sf = body["salesforce"]
    assert (sf["login_method"], sf["login_future"], sf["api_version"]) == ("web", "current", "66.0")
    assert sf["api_versions_offered"] == "31.0-66.0"
    text = run_cli(env, "connections", "test", "--profile", "local")
    assert "Login: web (browser sign-in" in text.stdout and "API version: 66.0" in text.stdout


def test_legacy_soap_profile_connects_with_a_warning_naming_the_retirement(tmp_path, sandbox):
    env = cli_env(tmp_path / "home", tmp_path / "keyring.json", **GOOD_SECRETS)
    assert run_cli(env, "profile", "add", "old", *_real_profile_args(sandbox, "soap")).returncode == 0
    result = run_cli(env, "connections", "test", "--profile", "old", "--json")
    assert result.returncode == 0, result.stderr
    sf = json.loads(result.stdout)["salesforce"]
    assert sf["ok"] and sf["login_method"] == "soap" and sf["login_future"] == "legacy"
    assert any("Summer '27 (June 2027)" in w for w in sf["warnings"])
    text = run_cli(env, "connections", "test", "--profile", "old")
    assert "Warning: Salesforce: The Salesforce login method is legacy" in text.stderr
    assert "Login: soap" in text.stdout


@pytest.mark.parametrize(
    ("wrong_env", "side", "title"),
    [
        ("SFINTACCT_SF_PASSWORD", "salesforce", "Salesforce login failed"),
        ("SFINTACCT_INTACCT_USER_PASSWORD", "intacct", "Intacct login failed"),
        ("SFINTACCT_INTACCT_SENDER_PASSWORD", "intacct", "Intacct login failed"),
    ],
)
def test_wrong_password_is_a_clear_failure(tmp_path, sandbox, wrong_env, side, title):
    wrong = "Wr0ng-Pa55word-for-this-test"
    env = cli_env(tmp_path / "home", tmp_path / "keyring.json", **{**GOOD_SECRETS, wrong_env: wrong})
    assert run_cli(env, "profile", "add", "local", *_real_profile_args(sandbox)).returncode == 0
    for extra in (["--json"], [], ["-vv"]):  # -vv: still no traceback on the terminal
        result = run_cli(env, "connections", "test", "--profile", "local", *extra)
        assert result.returncode == 1
        assert "Traceback" not in result.stdout + result.stderr
        assert wrong not in result.stdout + result.stderr
        assert title in result.stderr
        assert "Hint:" in result.stderr
    body = json.loads(run_cli(env, "connections", "test", "--profile", "local", "--json").stdout)
    assert body[side]["ok"] is False
    assert body[side]["error"]["title"] == title
    assert body[side]["error"]["hint"]
    other = "intacct" if side == "salesforce" else "salesforce"
    assert body[other]["ok"] is True  # one side's failure does not hide the other's result


def test_missing_fields_are_named(tmp_path, bare_sandbox, monkeypatch):
    env = _home_with_sandbox_profile(tmp_path, bare_sandbox, monkeypatch)
    result = run_cli(env, "connections", "test", "--json")
    assert result.returncode == 1
    body = json.loads(result.stdout)
    sf, ia = body["salesforce"], body["intacct"]
    assert sf["ok"] is False
    expected = {"Account.Intacct_Customer_ID__c", "Opportunity.Intacct_Sync_Status__c", "Intacct_Payment__c"}
    expected |= {f"Intacct_Payment__c.{name}" for name in SALESFORCE_SCHEMA["Intacct_Payment__c"]}
    assert set(sf["missing"]) == expected
    assert "resources/salesforce" in sf["error"]["hint"]
    # Intacct custom fields are optional: ok, with a warning about the local link table.
    assert ia["ok"] is True
    assert ia["missing"] == ["CUSTOMER.SFDC_ACCOUNT_ID", "ITEM.SFDC_PRODUCT_ID"]
    assert all("local link table" in w for w in ia["warnings"])
    text = run_cli(env, "connections", "test")
    assert "Account.Intacct_Customer_ID__c" in text.stderr
    assert "Intacct_Payment__c (whole object)" in text.stderr
    assert "CUSTOMER.SFDC_ACCOUNT_ID" in text.stderr


def test_field_attributes_are_checked():
    describes = {obj: {"fields": [{"name": n, **a} for n, a in f.items()]} for obj, f in SALESFORCE_SCHEMA.items()}
    for f in describes["Intacct_Invoice__c"]["fields"] + describes["Intacct_Payment__c"]["fields"]:
        if f.get("type") == "reference":
            f["referenceTo"] = [f.pop("referenceTo")]
    assert check_salesforce_fields(describes) == ([], [])
    account = describes["Account"]["fields"][0]
    account["unique"] = False  # a non-unique external id would let duplicates in
    missing, problems = check_salesforce_fields(describes)
    assert missing == []
    assert problems == ["Account.Intacct_Customer_ID__c: unique is False, expected True"]


@pytest.mark.parametrize(
    ("side", "key", "url"),
    [
        ("intacct", "url", "http://api.example.com/ia/xml/xmlgw.phtml"),
        ("salesforce", "login_url", "http://login.example.com"),
    ],
)
def test_plain_http_to_a_remote_host_is_refused_when_testing(tmp_path, sandbox, monkeypatch, side, key, url):
    env = _home_with_sandbox_profile(tmp_path, sandbox, monkeypatch)
    prof = cfg.get_profile("sandbox")
    prof[side][key] = url  # a hand-edited profile file: the check must hold at connect time too
    cfg.save_profile("sandbox", prof)
    result = run_cli(env, "connections", "test", "--json")
    assert result.returncode == 1
    body = json.loads(result.stdout)
    assert body[side]["ok"] is False
    assert body[side]["error"]["title"].startswith("Insecure connection")
    assert "http" in body[side]["error"]["message"]


def test_unreachable_host_is_a_connection_failure(tmp_path, sandbox, monkeypatch):
    env = _home_with_sandbox_profile(tmp_path, sandbox, monkeypatch)
    prof = cfg.get_profile("sandbox")
    prof["intacct"]["url"] = "http://127.0.0.1:9/ia/xml/xmlgw.phtml"  # discard port: refused
    cfg.save_profile("sandbox", prof)
    result = run_cli(env, "connections", "test", "--json")
    assert result.returncode == 1
    body = json.loads(result.stdout)
    assert body["intacct"]["error"]["title"] == "Cannot reach Intacct"
    assert body["salesforce"]["ok"] is True


def test_missing_profile_is_a_handled_failure(tmp_path):
    env = cli_env(tmp_path / "home", tmp_path / "keyring.json")
    result = run_cli(env, "connections", "test", "--profile", "nowhere")
    assert result.returncode == 1
    assert "No connection profile named 'nowhere'" in result.stderr
    assert "Traceback" not in result.stderr


def test_shipped_metadata_covers_the_checked_schema():
    """resources/salesforce must deploy exactly what `connections test` checks (docs/schema.md)."""
    from lxml import etree

    root = Path(__file__).resolve().parents[2] / "resources" / "salesforce"
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    ns = {"m": "http://soap.sforce.com/2006/04/metadata"}
    objects_dir = root / "force-app" / "main" / "default" / "objects"
    package = etree.parse(str(root / "manifest" / "package.xml"), parser)
    listed = set(package.xpath("//m:types[m:name='CustomField']/m:members/text()", namespaces=ns))
    deployed: set[str] = set()
    for obj, fields in SALESFORCE_SCHEMA.items():
        if obj.endswith("__c"):
            assert (objects_dir / obj / f"{obj}.object-meta.xml").is_file()
        for name, expected in fields.items():
            doc = etree.parse(str(objects_dir / obj / "fields" / f"{name}.field-meta.xml"), parser)
            assert doc.findtext("m:fullName", namespaces=ns) == name
            if expected.get("externalId"):
                assert doc.findtext("m:externalId", namespaces=ns) == "true"
                assert doc.findtext("m:unique", namespaces=ns) == "true"
            if expected.get("type") == "reference":
                assert doc.findtext("m:type", namespaces=ns) == "Lookup"
                assert doc.findtext("m:referenceTo", namespaces=ns) == expected["referenceTo"]
            if expected.get("type") == "boolean":
                assert doc.findtext("m:type", namespaces=ns) == "Checkbox"
            deployed.add(f"{obj}.{name}")
    assert listed == deployed
    assert (root / "README.md").read_text().count("sf project deploy start") >= 1


@pytest.fixture(scope="module")
def refusing_sandbox() -> Iterator[Sandbox]:
    """A company whose role lacks AR invoices and whose audit trail is refused for items."""
    refuse = {"ARINVOICE": "permission", "AUDITHISTORY:item": "not_enabled"}
    with Sandbox(SandboxOptions(seed="empty", intacct_options={"refuse_reads": refuse})) as running:
        yield running


def test_each_stream_read_is_checked_and_what_is_refused_is_named(tmp_path, refusing_sandbox, monkeypatch):
    env = _home_with_sandbox_profile(tmp_path, refusing_sandbox, monkeypatch)
    result = run_cli(env, "connections", "test", "--json")
    assert result.returncode == 0, result.stderr
    ia = json.loads(result.stdout)["intacct"]
    reads = ia["reads"]
    refused = {name for name, got in reads.items() if got != "ok"}
    assert refused == {"invoices", "deletions of item (audit trail)"}
    assert reads["customers"] == "ok" and reads["deletions of customer (audit trail)"] == "ok"
    assert reads["invoices"]["code"] == "PL04000005" and "permission" in reads["invoices"]["title"].lower()
    audit = reads["deletions of item (audit trail)"]
    assert "audit" in audit["title"] and audit["message"] and audit["hint"]
    assert len(ia["warnings"]) == 2
    text = run_cli(env, "connections", "test")
    assert "ARINVOICE" in text.stdout + text.stderr and "audit trail" in text.stdout + text.stderr


@pytest.fixture(scope="module")
def untracked_sandbox() -> Iterator[Sandbox]:
    """A company (demo data) whose audit trail keeps no rows for customers."""
    options = SandboxOptions(seed="demo", intacct_options={"audit_untracked": ["customer"]})
    with Sandbox(options) as running:
        yield running


def test_the_audit_trail_coverage_of_each_object_is_checked(tmp_path, untracked_sandbox, monkeypatch):
    from sfintacct_desktop.app.setup_checklist import checklist

    env = _home_with_sandbox_profile(tmp_path, untracked_sandbox, monkeypatch)
    result = run_cli(env, "connections", "test", "--json")
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    trail = body["intacct"]["audit_trail"]
    assert trail["customer"]["state"] == "not_covered" and "error" not in trail["customer"]
    assert trail["item"]["state"] == "covered"
    assert [w for w in body["intacct"]["warnings"] if "audit trail does not cover customer" in w]
    items = [i for i in checklist(body) if i["status"] == "Not in the audit trail"]
    assert [i["item"] for i in items] == ["customer records"] and "every poll" in items[0]["todo"]
