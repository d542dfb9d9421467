"""`sfintacct sandbox serve` as a user runs it: a real process, one JSON line, state kept across restarts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

SERVE_TIMEOUT = 60


def _start(home: Path, *extra: str) -> tuple[subprocess.Popen[str], dict]:
    env = {**os.environ, "SFINTACCT_HOME": str(home)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sfintacct_desktop.cli", "sandbox", "serve", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    line = proc.stdout.readline()  # blocks until both emulators listen (or the process dies)
    if not line:
        proc.kill()
        pytest.fail("sandbox serve printed nothing: " + proc.stderr.read())
    return proc, json.loads(line)


def _stop(proc: subprocess.Popen[str]) -> tuple[str, str]:
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=SERVE_TIMEOUT)
    assert proc.returncode == 0, err
    return out, err


def test_serve_prints_one_json_line_and_writes_the_profile(tmp_path):
    proc, info = _start(tmp_path, "--seed", "empty")
    try:
        assert set(info) == {"salesforce", "intacct", "profile"}
        assert info["profile"] == "sandbox"
        assert set(info["salesforce"]) == {
            "url", "login_url", "username", "password", "security_token", "consumer_key", "consumer_secret",
        }  # fmt: skip
        assert set(info["intacct"]) == {
            "url", "sender_id", "sender_password", "company_id", "user_id", "user_password",
        }  # fmt: skip
        assert info["intacct"]["url"].endswith("/ia/xml/xmlgw.phtml")
        for url in (info["salesforce"]["url"], info["intacct"]["url"]):
            assert url.startswith("http://127.0.0.1:")
        base = info["intacct"]["url"].rsplit("/ia/", 1)[0]
        assert requests.get(base + "/__sandbox__/stats", timeout=10).status_code == 200
        assert requests.get(info["salesforce"]["url"] + "/__sandbox__/stats", timeout=10).status_code == 200
        profiles = json.loads((tmp_path / "config" / "profiles.json").read_text())
        assert profiles["profiles"]["sandbox"]["salesforce"]["url"] == info["salesforce"]["url"]
    finally:
        out, _ = _stop(proc)
    assert out == ""  # nothing after the one line


def test_serve_rejects_a_bad_seed_with_exit_1(tmp_path):
    env = {**os.environ, "SFINTACCT_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "sfintacct_desktop.cli", "sandbox", "serve", "--seed", "bogus"],
        capture_output=True,
        text=True,
        env=env,
        timeout=SERVE_TIMEOUT,
    )
    assert result.returncode == 1
    assert "unknown seed" in result.stderr
    assert result.stdout == ""


def test_state_survives_a_kill_and_restart(tmp_path):
    proc, info = _start(tmp_path, "--seed", "empty")
    sf = info["salesforce"]["url"]
    try:
        # a write through the admin-visible counters: reset to demo changes the stored data
        r = requests.post(sf + "/__sandbox__/reset", json={"seed": "scale:5"}, timeout=60)
        assert r.status_code == 200
    finally:
        proc.kill()  # no clean shutdown
        proc.wait(timeout=SERVE_TIMEOUT)
    proc, info = _start(tmp_path, "--seed", "empty")
    try:
        r = requests.post(info["salesforce"]["url"] + "/__sandbox__/clock", json={}, timeout=10)
        assert r.status_code == 200
        data_dir = tmp_path / "data" / "sandbox"
        assert (data_dir / "salesforce").exists() and (data_dir / "intacct").exists()
    finally:
        _stop(proc)
