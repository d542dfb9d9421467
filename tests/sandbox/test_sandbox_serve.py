"""`sfintacct sandbox serve` as a user runs it: a real process, one JSON line, state kept across restarts."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
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


def _sf_token(info: dict) -> str:
    sf = info["salesforce"]
    r = requests.post(
        sf["url"] + "/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": sf["consumer_key"],
            "client_secret": sf["consumer_secret"],
            "username": sf["username"],
            "password": sf["password"] + sf["security_token"],
        },
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def _ia_call(info: dict, function: str) -> str:
    ia = info["intacct"]
    body = (
        f"<?xml version='1.0' encoding='UTF-8'?><request><control><senderid>{ia['sender_id']}</senderid>"
        f"<password>{ia['sender_password']}</password><controlid>t</controlid><uniqueid>false</uniqueid>"
        "<dtdversion>3.0</dtdversion></control><operation><authentication><login>"
        f"<userid>{ia['user_id']}</userid><companyid>{ia['company_id']}</companyid>"
        f"<password>{ia['user_password']}</password></login></authentication>"
        f"<content><function controlid='f1'>{function}</function></content></operation></request>"
    )
    r = requests.post(ia["url"], data=body.encode(), headers={"Content-Type": "application/xml"}, timeout=30)
    assert r.status_code == 200
    return r.text


def test_state_survives_a_kill_and_restart(tmp_path):
    proc, info = _start(tmp_path, "--seed", "empty")
    try:
        token = _sf_token(info)
        r = requests.post(
            info["salesforce"]["url"] + "/services/data/v59.0/sobjects/Account/",
            json={"Name": "Survivor Ltd"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert r.status_code == 201, r.text
        account_id = r.json()["id"]
        created = _ia_call(
            info, "<create><CUSTOMER><CUSTOMERID>SURV-1</CUSTOMERID><NAME>Survivor Ltd</NAME></CUSTOMER></create>"
        )
        assert "<status>success</status>" in created.split("<result>", 1)[1], created
    finally:
        proc.kill()  # SIGKILL: no clean shutdown, no flush at exit
        proc.wait(timeout=SERVE_TIMEOUT)

    proc, info = _start(tmp_path, "--seed", "demo")  # a seed never overwrites existing data
    try:
        token = _sf_token(info)
        r = requests.get(
            info["salesforce"]["url"] + f"/services/data/v59.0/sobjects/Account/{account_id}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert r.status_code == 200 and r.json()["Name"] == "Survivor Ltd"
        q = requests.get(
            info["salesforce"]["url"] + "/services/data/v59.0/query/",
            params={"q": "SELECT COUNT() FROM Account"},
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        assert q.json()["totalSize"] == 1  # the demo seed was not loaded on top
        read = _ia_call(
            info, "<readByName><object>CUSTOMER</object><keys>SURV-1</keys><fields>NAME</fields></readByName>"
        )
        assert "<NAME>Survivor Ltd</NAME>" in read
    finally:
        _stop(proc)


def test_serve_delays_wire_requests_with_latency(tmp_path):
    proc, info = _start(tmp_path, "--seed", "empty", "--latency", "sf=300,ia=300")
    try:
        start = time.perf_counter()
        assert requests.get(info["salesforce"]["url"] + "/services/data", timeout=30).status_code == 200
        assert time.perf_counter() - start >= 0.300
        assert requests.get(info["salesforce"]["url"] + "/__sandbox__/stats", timeout=30).json()["requests"] == 1
    finally:
        _stop(proc)


def test_serve_rejects_a_bad_latency_with_exit_1(tmp_path):
    env = {**os.environ, "SFINTACCT_HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "sfintacct_desktop.cli", "sandbox", "serve", "--latency", "slow"],
        capture_output=True,
        text=True,
        env=env,
        timeout=SERVE_TIMEOUT,
    )
    assert result.returncode == 1
    assert "bad latency" in result.stderr and "--latency" in result.stderr
    assert result.stdout == ""
