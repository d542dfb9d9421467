"""`sfintacct service run` as the installed unit runs it: a real subprocess against the sandbox.

It syncs on its own; SIGKILLed in the middle of a create, a new service process takes the profile's
lock at once (the kernel dropped the old one's flock with it) and syncs on without creating
anything twice; SIGTERM stops it with exit 0 and nothing left undone; one service per user; the
CLI's `service status` reads it over the channel and says clearly when none runs.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests

from sfintacct_desktop.app import service_protocol as sp
from sfintacct_desktop.app.service_channel import ServiceRefused, ServiceUnavailable, ask
from tests.integration.test_cli_sync import REPO, TIMEOUT, Bench, _argv, _env, bench, cli, spawn  # noqa: F401
from tests.support.crash import kill_once_request_arrived


def _status(profile: str = "sandbox") -> dict[str, Any] | None:
    try:
        return ask("status", profile)["profiles"][0]
    except (ServiceUnavailable, ServiceRefused):
        return None


def _wait(what: str, check: Callable[[], Any], proc: subprocess.Popen[str]) -> Any:
    """Poll ``check`` until it returns something true (bounded); the service must stay alive meanwhile."""
    deadline = time.monotonic() + TIMEOUT
    while True:
        got = check()
        if got:
            return got
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.1)  # polling interval of a bounded wait, not a synchronisation sleep


def _finished_after(run_id: int) -> Callable[[], dict[str, Any] | None]:
    def check() -> dict[str, Any] | None:
        row = _status()
        last = (row or {}).get("last_run")
        return last if last and last["run_id"] > run_id and row["state"] == "idle" else None  # type: ignore[index]

    return check


def _stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    try:
        _out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
    return proc.returncode, err


def test_service_syncs_survives_sigkill_without_duplicates_and_stops_on_sigterm(
    bench: Bench,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SFINTACCT_HOME", str(bench.home))  # this process finds the service's channel
    none = cli(bench.home, "service", "status")
    assert none.returncode == 1 and "No background service is running" in none.stderr

    # 1. the service syncs by itself (its first cycle at start, then every interval)
    first = bench.create_account(Name="Acme Widgets", AccountNumber="ACME1")
    service = spawn(bench.home, "service", "run", "--interval", "3600")
    try:
        done = _wait("the first cycle", _finished_after(0), service)
        assert done["status"] == "ok", done
        assert [c.key for c in bench.customers() if c.cross_ref == first] == ["ACME1"]
        second = spawn(bench.home, "service", "run")
        assert second.wait(TIMEOUT) == 1
        assert "The background service is already running" in second.stderr.read()  # type: ignore[union-attr]
        text = cli(bench.home, "service", "status")
        assert text.returncode == 0 and f"process {service.pid}" in text.stdout and "sandbox: idle" in text.stdout

        # 2. SIGKILL while its create is on the wire to Intacct
        fault = {"operation": "create", "mode": "timeout", "count": 1, "delay_seconds": 30}
        bench.admin(bench.ia_base, "faults", fault)
        acc = bench.create_account(Name="Vandelay Industries", AccountNumber="VAN1")
        before = int(bench.admin(bench.ia_base, "stats")["by_operation"].get("create", 0))
        ask("sync_now", "sandbox")
        kill_once_request_arrived(
            service,
            lambda: int(bench.admin(bench.ia_base, "stats")["by_operation"].get("create", 0)),
            before,
            timeout=TIMEOUT,
            what="the create",
        )
    finally:
        if service.poll() is None:
            service.kill()
            service.communicate(timeout=TIMEOUT)
    requests.delete(f"{bench.ia_base}/__sandbox__/faults", timeout=10).raise_for_status()

    # 3. a new process takes the lock at once (no "busy" wait) and settles what was in flight
    restarted = spawn(bench.home, "service", "run", "--interval", "3600")
    try:
        row = _wait("the restarted service", _status, restarted)
        assert row["state"] != "busy"
        after = _wait("the restarted service's first cycle", _finished_after(0), restarted)
        assert after["status"] == "ok", after
        mine = [c for c in bench.customers() if c.cross_ref == acc]
        assert len(mine) == 1, mine  # the killed create was applied once and never repeated
        assert bench.account(acc)["Intacct_Customer_ID__c"] == mine[0].key

        # 4. a manual sync through the channel, then SIGTERM: exit 0, nothing left for the next run
        late = bench.create_account(Name="Initech", AccountNumber="INI1")
        ask("sync_now", "sandbox")
        manual = _wait("the manual cycle", _finished_after(after["run_id"]), restarted)
        assert manual["status"] == "ok"
        code, err = _stop(restarted)
    finally:
        if restarted.poll() is None:
            restarted.kill()
            restarted.communicate(timeout=TIMEOUT)
    assert code == 0, err
    assert "Traceback" not in err
    assert [c.key for c in bench.customers() if c.cross_ref == late] == ["INI1"]
    assert _status() is None  # its channel is gone with it
    once = cli(bench.home, "sync", "--once", "--json")  # the lock is free; nothing was left undone
    assert once.returncode == 0, once.stderr
    assert json.loads(once.stdout.splitlines()[-1])["writes"] == 0
    runs = json.loads(cli(bench.home, "status", "--json").stdout)["runs"]
    assert "manual" in [r["trigger"] for r in runs]


def test_a_private_service_whose_window_died_while_it_started_exits(bench: Bench, tmp_path: Path) -> None:  # noqa: F811
    """A window that dies while its private service starts closes both pipes before the service says
    it is ready: the service must end, not live on unowned with the profile's lock."""
    run_dir = tmp_path / "private"
    sp.private_dir(run_dir)
    proc = subprocess.Popen(
        _argv("service", "run", "--private", "--profile", "sandbox", "--run-dir", str(run_dir), "--manual"),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env(bench.home), cwd=str(REPO),
    )  # fmt: skip
    assert proc.stdout is not None and proc.stdin is not None
    proc.stdout.close()  # nobody reads the ready line
    proc.stdin.close()  # and the window's end of stdin is gone
    try:
        assert proc.wait(TIMEOUT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
