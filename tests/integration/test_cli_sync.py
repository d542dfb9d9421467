"""`sfintacct sync | status | errors | retry | conflicts | resolve` as a user runs them.

Real subprocesses throughout: `sfintacct sandbox serve --seed empty` (which writes the ``sandbox``
profile), the sync commands against it, and the wire clients playing the people who edit records
in each system. SFINTACCT_HOME is the test's tmp_path, so the state store is on disk there.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from sfintacct_desktop.cli import build_parser, main
from sfintacct_desktop.cli import sync as cli_sync
from sfintacct_desktop.config.profiles import ProfileError
from sfintacct_desktop.connectors import IntacctConnector, SalesforceConnector
from sfintacct_desktop.wire.intacct import IntacctClient, IntacctSecrets, IntacctSettings, create, update
from sfintacct_desktop.wire.transport import Backoff
from tests.support.crash import kill_once_request_arrived
from tests.support.signin import web_connector

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 120  # upper bound for any one command; never a sleep
NO_SLEEP = Backoff(sleep=lambda s: None, max_attempts=2)


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SFINTACCT_")}
    env["SFINTACCT_HOME"] = str(home)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p)
    return env


def _argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "sfintacct_desktop.cli", *args]


def cli(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _argv(*args), capture_output=True, text=True, env=_env(home), cwd=str(REPO), timeout=TIMEOUT,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def cli_json(home: Path, *args: str) -> dict[str, Any]:
    result = cli(home, *args, "--json")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout  # one JSON object on stdout
    return json.loads(lines[0])


def spawn(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        _argv(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(home), cwd=str(REPO),
        stdin=subprocess.DEVNULL,
    )  # fmt: skip


def readline(proc: subprocess.Popen[str], deadline: float) -> str:
    """One stdout line, or fail at the deadline (a hung process must not hang the suite)."""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)  # type: ignore[arg-type]
        if not sel.select(max(0.0, deadline - time.monotonic())):
            proc.kill()
            pytest.fail("no output before the deadline: " + (proc.stderr.read() if proc.stderr else ""))
    return proc.stdout.readline()  # type: ignore[union-attr]


@dataclass
class Bench:
    home: Path
    info: dict[str, Any]
    sf: SalesforceConnector
    ia: IntacctConnector
    sandbox_proc: subprocess.Popen[str] | None = None  # `sandbox serve`; a test may stop it

    @property
    def ia_base(self) -> str:
        return self.info["intacct"]["url"].rsplit("/ia/", 1)[0]

    @property
    def sf_base(self) -> str:
        return self.info["salesforce"]["url"]

    def create_account(self, **fields: Any) -> str:
        res = self.sf.client.create_many("Account", [fields])[0]
        assert res.success, res
        return str(res.id)

    def account(self, record_id: str) -> dict[str, Any]:
        soql = f"SELECT Id, Name, BillingCity, Intacct_Customer_ID__c FROM Account WHERE Id = '{record_id}'"
        return self.sf.client.query_all(soql)[0]

    def accounts(self) -> list[dict[str, Any]]:
        return self.sf.client.query_all("SELECT Id, Name, Intacct_Customer_ID__c FROM Account")

    def create_customer(self, customer_id: str, name: str, **extra: Any) -> None:
        res = self.ia.client.call([create("CUSTOMER", {"CUSTOMERID": customer_id, "NAME": name, **extra})])[0]
        assert res.ok, res.errors

    def update_customer(self, fields: dict[str, Any]) -> None:
        res = self.ia.client.call([update("CUSTOMER", fields)])[0]
        assert res.ok, res.errors

    def customers(self) -> list[Any]:
        return [c for page in self.ia.read_customers() for c in page]

    def admin(self, base: str, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        if body is None:
            return requests.get(f"{base}/__sandbox__/{action}", timeout=10).json()
        return requests.post(f"{base}/__sandbox__/{action}", json=body, timeout=10).json()


@pytest.fixture()
def bench(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Bench]:
    """The sandbox served by the CLI (seed ``empty``; ``indirect`` parametrization may name another)."""
    proc = spawn(tmp_path, "sandbox", "serve", "--seed", getattr(request, "param", "empty"))
    line = readline(proc, time.monotonic() + TIMEOUT)
    if not line:
        proc.kill()
        pytest.fail("sandbox serve printed nothing: " + proc.stderr.read())  # type: ignore[union-attr]
    info = json.loads(line)
    sf_info, ia_info = info["salesforce"], info["intacct"]
    sf = web_connector(sf_info["login_url"], backoff=NO_SLEEP)
    ia_client = IntacctClient(
        IntacctSettings(
            sender_id=ia_info["sender_id"],
            company_id=ia_info["company_id"],
            user_id=ia_info["user_id"],
            endpoint=ia_info["url"],
            read_timeout=30.0,
        ),
        IntacctSecrets(ia_info["sender_password"], ia_info["user_password"]),
        backoff=NO_SLEEP,
    )
    ia = IntacctConnector(ia_client, "America/Los_Angeles")
    ia.login()
    try:
        yield Bench(tmp_path, info, sf, ia, proc)
    finally:
        sf.client.close()
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=TIMEOUT)


def _sum(summary: dict[str, Any], counter: str) -> int:
    return sum(int(s[counter]) for s in summary["streams"].values())


# ----------------------------------------------------------------------------- sync --once, status
def test_sync_once_json_counters_then_quiet_cycle_and_status(bench: Bench) -> None:
    bench.create_account(Name="Acme Widgets", AccountNumber="ACME1")
    bench.create_customer("C-5001", "Globex")

    # both systems hold a record: without a baseline the first sync is refused, unless told
    refused = cli(bench.home, "sync", "--once", "--json")
    assert (
        refused.returncode != 0 and json.loads(refused.stdout.splitlines()[0])["error"]["code"] == "BASELINE_REQUIRED"
    )
    first = cli_json(bench.home, "sync", "--once", "--allow-without-baseline")
    assert first["status"] == "ok" and first["error"] is None and first["profile"] == "sandbox"
    assert set(first) >= {"run_id", "started_at", "finished_at", "streams", "writes", "api_calls"}
    assert set(first["streams"]) >= {"salesforce.customers", "intacct.customers"}
    for counters in first["streams"].values():
        assert set(counters) == {
            "read", "applied", "skipped", "conflicts", "errors", "writes_salesforce", "writes_intacct",
        }  # fmt: skip
    assert first["streams"]["salesforce.customers"]["read"] >= 1
    assert first["streams"]["intacct.customers"]["read"] >= 1
    assert _sum(first, "writes_intacct") >= 1 and _sum(first, "writes_salesforce") >= 1
    assert first["api_calls"]["salesforce"] >= 1 and first["api_calls"]["intacct_transactions"] >= 1
    assert {c.key for c in bench.customers()} >= {"ACME1", "C-5001"}

    quiet = cli(bench.home, "sync", "--once")  # the text form: one line per run
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout.startswith(f"Run {first['run_id'] + 1} ok")
    assert "writes 0" in quiet.stdout

    status = cli_json(bench.home, "status", "--interval", "600")
    assert [r["run_id"] for r in status["runs"][:2]] == [first["run_id"] + 1, first["run_id"]]
    assert status["runs"][1]["api_calls"]["salesforce"] == first["api_calls"]["salesforce"]
    assert status["open_errors"] == 0 and status["open_conflicts"] == 0
    assert status["links"]["customer"] == 2
    assert "salesforce.customers" in status["cursors"]
    projection = status["budgets"]["projection"]
    assert projection["interval_seconds"] == 600
    assert projection["intacct_transactions_per_month"] > 0 and projection["salesforce_calls_per_day"] > 0
    cutover = status["cutover"]  # the first live sync set it: deals Closed Won before it are history
    assert cutover["source"] == "first_live_sync" and cutover["date"] and cutover["at"]
    text = cli(bench.home, "status")
    assert text.returncode == 0 and "Budgets:" in text.stdout and "Last runs:" in text.stdout
    assert f"Cut-over {cutover['date']}" in text.stdout and "Only a baseline changes it." in text.stdout
    # the default schedule on a quiet company fits; the busy first cycle is not taken for every cycle
    assert "The schedule fits both budgets." in text.stdout, text.stdout
    assert "Based on 1 idle cycle(s) measured" in text.stdout
    assert "the first cycle, a catch-up, is left out" in text.stdout


# ----------------------------------------------------------------------------- handled failures
def test_missing_profile_is_a_handled_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = cli(tmp_path, "sync", "--once", "--profile", "nope", "--json")
    assert missing.returncode == 1
    assert "No connection profile named 'nope'" in missing.stderr and "Traceback" not in missing.stderr
    assert json.loads(missing.stdout)["ok"] is False
    monkeypatch.setenv("SFINTACCT_HOME", str(tmp_path))  # the rest in-process: same handlers, no start-up cost
    parser = build_parser()
    for command in ("status", "errors", "conflicts", "sync"):
        args = parser.parse_args([command])
        with pytest.raises(ProfileError, match="No connection profile named 'sandbox'") as raised:
            cli_sync.handlers()[(command, None)](args)  # cli.main prints it with its hint and exits 1
        assert "sandbox serve" in raised.value.hint


@pytest.mark.parametrize(
    "argv",
    [["retry"], ["sync", "--once", "--watch"], ["sync", "--watch", "--interval", "0"], ["resolve", "1"]],
)
def test_bad_usage_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().out == ""


def test_bad_credentials_fail_with_title_message_hint(bench: Bench) -> None:
    path = bench.home / "config" / "profiles.json"
    data = json.loads(path.read_text())
    data["profiles"]["sandbox"]["salesforce"]["password"] = "wrong-password"
    path.write_text(json.dumps(data))
    result = cli(bench.home, "sync", "--once", "--json")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "wrong-password" not in result.stderr + result.stdout
    payload = json.loads(result.stdout)
    assert payload["status"] == "failed" and payload["error"]["kind"] == "auth"
    assert payload["error"]["hint"] and "Hint:" in result.stderr
    watch = cli(bench.home, "sync", "--watch", "--interval", "1")  # a fatal error ends watch mode: exit 1
    assert watch.returncode == 1 and "Traceback" not in watch.stderr
    assert watch.stderr.count("Hint:") == 1  # shown once


# ----------------------------------------------------------------------------- errors and retry
def test_errors_and_retry_round_trip(bench: Bench) -> None:
    # Salesforce's BillingCity holds 40 characters, Intacct's CITY more: Salesforce refuses this one.
    bench.create_customer("C-6001", "Long City Co", DISPLAYCONTACT={"MAILADDRESS": {"CITY": "Y" * 60}})
    bench.create_customer("C-6002", "Fine Co")
    run = cli_json(bench.home, "sync", "--once")
    assert run["status"] == "ok" and _sum(run, "errors") == 1
    assert {a["Intacct_Customer_ID__c"] for a in bench.accounts()} == {"C-6002"}  # the rest was applied

    errors = cli_json(bench.home, "errors")["errors"]
    assert len(errors) == 1
    item = errors[0]
    assert item["entity"] == "customer" and item["target"] == "salesforce" and "C-6001" in item["record"]
    assert item["code"] and item["title"] and item["message"] and item["hint"]
    text = cli(bench.home, "errors")
    assert f"#{item['id']}" in text.stdout and "Hint:" in text.stdout

    missing = cli(bench.home, "retry", "999")
    assert missing.returncode == 1 and "no open error #999" in missing.stderr

    bench.update_customer({"CUSTOMERID": "C-6001", "DISPLAYCONTACT": {"MAILADDRESS": {"CITY": "Short"}}})
    retried = cli_json(bench.home, "retry", str(item["id"]))
    assert retried["status"] == "ok", retried["error"]
    assert cli_json(bench.home, "errors")["errors"] == []
    linked = [a for a in bench.accounts() if a["Intacct_Customer_ID__c"] == "C-6001"]
    assert len(linked) == 1 and bench.account(linked[0]["Id"])["BillingCity"] == "Short"
    everything = cli(bench.home, "retry", "--all")
    assert everything.returncode == 0 and "0 open errors remain." in everything.stdout


# ----------------------------------------------------------------------------- conflicts and resolve
def test_conflicts_and_resolve_round_trip(bench: Bench) -> None:
    acc = bench.create_account(Name="Initech", AccountNumber="INI1")
    assert cli_json(bench.home, "sync", "--once")["status"] == "ok"
    res = bench.sf.client.update_many("Account", [{"Id": acc, "Name": "Initech Salesforce"}])[0]
    assert res.success, res
    bench.update_customer({"CUSTOMERID": "INI1", "NAME": "Initech Intacct"})
    run = cli_json(bench.home, "sync", "--once")
    assert _sum(run, "conflicts") >= 1  # counted on each stream that saw it

    conflicts = cli_json(bench.home, "conflicts")["conflicts"]
    assert len(conflicts) == 1
    c = conflicts[0]
    assert (c["entity"], c["field"], c["base"]) == ("customer", "name", "Initech")
    assert (c["salesforce"], c["intacct"]) == ("Initech Salesforce", "Initech Intacct")
    assert c["record"] == "INI1" and c["salesforce_id"] == acc
    assert "Initech Salesforce" in cli(bench.home, "conflicts").stdout

    assert cli(bench.home, "resolve", "999", "--take", "intacct").returncode == 1
    done = cli_json(bench.home, "resolve", str(c["id"]), "--take", "intacct")
    assert done["status"] == "ok", done["error"]
    assert bench.account(acc)["Name"] == "Initech Intacct"
    assert [x.name for x in bench.customers() if x.key == "INI1"] == ["Initech Intacct"]
    assert cli_json(bench.home, "conflicts")["conflicts"] == []


# ----------------------------------------------------------------------------- crash safety
def test_sigkill_during_a_create_then_rerun_leaves_exactly_one_customer(bench: Bench) -> None:
    armed = bench.admin(
        bench.ia_base, "faults", {"operation": "create", "mode": "timeout", "count": 1, "delay_seconds": 30}
    )
    assert armed["armed"][0]["mode"] == "timeout"
    acc = bench.create_account(Name="Vandelay Industries", AccountNumber="VAN1")
    before = int(bench.admin(bench.ia_base, "stats")["by_operation"].get("create", 0))
    proc = spawn(bench.home, "sync", "--once")
    kill_once_request_arrived(
        proc,
        lambda: int(bench.admin(bench.ia_base, "stats")["by_operation"].get("create", 0)),
        before,
        timeout=TIMEOUT,
        what="the create",
    )
    requests.delete(f"{bench.ia_base}/__sandbox__/faults", timeout=10).raise_for_status()
    assert bench.admin(bench.ia_base, "faults")["armed"] == []

    rerun = cli(bench.home, "sync", "--once", "--json")
    assert rerun.returncode == 0, rerun.stderr
    mine = [c for c in bench.customers() if c.cross_ref == acc]
    assert len(mine) == 1, mine  # the killed create was applied once and never repeated
    assert bench.account(acc)["Intacct_Customer_ID__c"] == mine[0].key
    again = cli_json(bench.home, "sync", "--once")
    assert again["writes"] == 0


# ----------------------------------------------------------------------------- watch mode
def test_watch_runs_on_its_interval_and_sigterm_exits_cleanly(bench: Bench) -> None:
    proc = spawn(bench.home, "sync", "--watch", "--interval", "1", "--json")
    try:
        deadline = time.monotonic() + TIMEOUT
        runs = [json.loads(readline(proc, deadline)) for _ in range(2)]
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert [r["status"] for r in runs] == ["ok", "ok"]
    assert runs[1]["run_id"] == runs[0]["run_id"] + 1
    assert all(json.loads(line)["run_id"] > runs[1]["run_id"] for line in out.splitlines())
    assert "Traceback" not in err
