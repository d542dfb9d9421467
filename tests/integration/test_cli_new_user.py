"""What a new user runs into on the command line: each answer clear, nothing lost, nothing hidden.

Real subprocesses against `sfintacct sandbox serve` (its own SFINTACCT_HOME in tmp_path).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import requests

from tests.integration.test_cli_sync import TIMEOUT, Bench, _argv, _env, bench, cli, cli_json, readline, spawn  # noqa: F401


def test_a_second_sandbox_on_the_same_data_is_refused_and_the_first_goes_on(bench: Bench) -> None:  # noqa: F811
    [profiles_file] = bench.home.rglob("profiles.json")
    profiles = profiles_file.read_bytes()
    second = cli(bench.home, "sandbox", "serve", "--latency", "wan")
    assert second.returncode == 1, second.stderr
    assert "The sandbox is already running" in second.stderr
    assert bench.sf_base in second.stderr  # where the running one listens
    assert "Traceback" not in second.stderr and second.stdout == ""  # no JSON line: nothing to connect to
    assert profiles_file.read_bytes() == profiles  # the profile still points at the running one
    assert requests.get(bench.sf_base + "/services/data/", timeout=10).ok
    assert cli_json(bench.home, "sync", "--once")["status"] == "ok"


def test_a_misspelt_profile_is_named_and_leaves_no_file(bench: Bench) -> None:  # noqa: F811
    before = {p.name for p in bench.home.rglob("*")}
    for args in (("invoices",), ("customer", "C-1002")):
        got = cli(bench.home, *args, "--profile", "nope")
        assert got.returncode == 1, (args, got.stdout, got.stderr)
        assert "Profile problem" in got.stderr and "'nope'" in got.stderr
        assert "No invoices" not in got.stdout and "No such customer" not in got.stderr
    assert not [p for p in bench.home.rglob("nope*")], "a misspelt profile left a file behind"
    assert {p.name for p in bench.home.rglob("*")} - before <= {"sfintacct.log"}


def test_a_port_out_of_range_is_a_usage_error(tmp_path: Path) -> None:
    got = cli(tmp_path, "sandbox", "serve", "--salesforce-port", "99999")
    assert got.returncode == 2 and "not a port" in got.stderr


def test_output_into_a_closed_pipe_ends_quietly(bench: Bench) -> None:  # noqa: F811
    assert cli_json(bench.home, "sync", "--once")["status"] == "ok"
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader (`| head -1`) is gone before anything is written
    try:
        proc = subprocess.run(
            _argv("status"), stdout=write_end, stderr=subprocess.PIPE, text=True, env=_env(bench.home),
            timeout=TIMEOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr and "Unexpected" not in proc.stderr


def test_a_failed_attempt_shows_in_status_until_a_run_succeeds(bench: Bench) -> None:  # noqa: F811
    assert cli_json(bench.home, "sync", "--once")["status"] == "ok"
    sandbox = bench.sandbox_proc
    assert sandbox is not None
    sandbox.send_signal(signal.SIGTERM)
    sandbox.communicate(timeout=TIMEOUT)

    down = cli(bench.home, "sync", "--once")
    assert down.returncode == 1
    assert "retries by itself" not in down.stderr and "run the command again" in down.stderr
    text = cli(bench.home, "status")
    assert text.returncode == 0 and "The last sync attempt failed at" in text.stdout, text.stdout
    assert "retries by itself" not in text.stdout
    failed = cli_json(bench.home, "status")["last_failed_attempt"]
    assert failed is not None and "reach" in failed["title"], failed

    # the sandbox back (same data, new ports, the profile follows): the next good run clears it
    again = spawn(bench.home, "sandbox", "serve", "--seed", "empty")
    try:
        assert json.loads(readline(again, time.monotonic() + TIMEOUT))["salesforce"]["url"]
        assert cli_json(bench.home, "sync", "--once")["status"] == "ok"
        assert cli_json(bench.home, "status")["last_failed_attempt"] is None
        assert "The last sync attempt failed" not in cli(bench.home, "status").stdout
    finally:
        again.send_signal(signal.SIGTERM)
        again.communicate(timeout=TIMEOUT)
