"""The shared /__sandbox__ admin API and connection handling, over real HTTP on loopback."""

from __future__ import annotations

import pytest
import requests
from werkzeug.test import Client
from werkzeug.wrappers import Request, Response

from sfintacct_sandbox.httpserver import (
    DropConnection,
    Emulator,
    EmulatorServer,
    is_loopback,
    json_response,
)


class Echo(Emulator):
    """A minimal emulator: counts one api call per request, `/drop` applies then drops."""

    name = "echo"

    def handle(self, request: Request) -> Response:
        fault = self.faults.take("echo")
        if request.path == "/drop" or (fault and fault.mode == "drop_after_apply"):
            self.store.put("T", "applied", {"n": 1})
            raise DropConnection
        self.stats.count("echo", api_calls=1)
        return json_response({"seed": self.seed_name, "now": self.clock.now().isoformat()})

    def load_seed(self, seed: str) -> None:
        if seed != "empty":
            self.store.put("T", "seeded", {"seed": seed})


@pytest.fixture
def server(tmp_path):
    srv = EmulatorServer(Echo(tmp_path), "127.0.0.1", 0).start()
    yield srv
    srv.stop()


def test_stats_count_requests_and_calls(server):
    for _ in range(3):
        requests.get(server.url + "/x", timeout=5)
    stats = requests.get(server.url + "/__sandbox__/stats", timeout=5).json()
    assert stats["requests"] == 3
    assert stats["api_calls"] == 3
    assert stats["by_operation"] == {"echo": 3}
    assert set(stats) == {
        "requests", "api_calls", "transactions", "writes", "by_operation", "max_concurrent", "in_flight"
    }  # fmt: skip


def test_reset_loads_seed_and_zeroes_counters(server):
    requests.get(server.url + "/x", timeout=5)
    r = requests.post(server.url + "/__sandbox__/reset", json={"seed": "scale:10"}, timeout=5)
    assert r.status_code == 200
    assert server.emulator.store.get("T", "seeded") == {"seed": "scale:10"}
    assert requests.get(server.url + "/__sandbox__/stats", timeout=5).json()["requests"] == 0
    bad = requests.post(server.url + "/__sandbox__/reset", json={"seed": "bogus"}, timeout=5)
    assert bad.status_code == 400
    assert "unknown seed" in bad.json()["error"]


def test_clock_offset_shifts_emulator_time(server):
    before = server.emulator.clock.now()
    r = requests.post(server.url + "/__sandbox__/clock", json={"offset_seconds": 86400}, timeout=5)
    assert r.json()["offset_seconds"] == 86400
    assert (server.emulator.clock.now() - before).total_seconds() >= 86400


def test_clock_freezes_at_an_instant_and_thaws(server):
    url = server.url + "/__sandbox__/clock"
    r = requests.post(url, json={"frozen": True, "freeze_at": "2026-01-31T12:34:56.400Z"}, timeout=5)
    assert r.json()["frozen"] is True and r.json()["now"] == "2026-01-31T12:34:56.400000+00:00"
    seen = {requests.get(server.url + "/x", timeout=5).json()["now"] for _ in range(3)}
    assert seen == {"2026-01-31T12:34:56.400000+00:00"}  # every request inside the same instant
    assert requests.post(url, json={"frozen": "yes"}, timeout=5).status_code == 400
    r = requests.post(url, json={"frozen": False}, timeout=5)
    assert r.json()["frozen"] is False and not r.json()["now"].startswith("2026-01-31T12:34")
    requests.post(url, json={"frozen": True}, timeout=5)  # frozen at the running now
    requests.post(server.url + "/__sandbox__/reset", json={"seed": "empty"}, timeout=5)
    assert server.emulator.clock.frozen is False  # a reset lets the clock run again


def test_faults_arm_list_clear(server):
    r = requests.post(server.url + "/__sandbox__/faults", json={"operation": "echo", "mode": "http_500"}, timeout=5)
    assert r.json()["armed"] == [{"operation": "echo", "mode": "http_500", "count": 1, "delay_seconds": 120.0}]
    assert requests.post(server.url + "/__sandbox__/faults", json={"mode": "nope"}, timeout=5).status_code == 400
    assert requests.delete(server.url + "/__sandbox__/faults", timeout=5).json() == {"armed": []}


def test_drop_after_apply_closes_without_answer_but_keeps_the_write(server):
    requests.post(server.url + "/__sandbox__/faults", json={"operation": "echo", "mode": "drop_after_apply"}, timeout=5)
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(server.url + "/y", timeout=5)
    assert server.emulator.store.get("T", "applied") == {"n": 1}
    assert requests.get(server.url + "/y", timeout=5).status_code == 200  # the fault fired once


def test_admin_refuses_non_loopback_callers(tmp_path):
    client = Client(Echo(tmp_path))
    resp = client.get("/__sandbox__/stats", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert resp.status_code == 403
    assert client.get("/__sandbox__/stats", environ_base={"REMOTE_ADDR": "127.0.0.1"}).status_code == 200


def test_state_survives_restart(tmp_path):
    emu = Echo(tmp_path)
    assert emu.ensure_seeded("demo") is True
    emu.store.close()
    again = Echo(tmp_path)
    assert again.ensure_seeded("demo") is False
    assert again.seed_name == "demo"


@pytest.mark.parametrize(
    ("host", "ok"),
    [("127.0.0.1", True), ("127.5.0.1", True), ("::1", True), ("localhost", True), ("10.0.0.1", False), ("", False)],
)
def test_is_loopback(host, ok):
    assert is_loopback(host) is ok


def test_server_refuses_non_loopback_bind():
    with pytest.raises(ValueError, match="loopback"):
        EmulatorServer(Echo(None), "0.0.0.0", 0)  # noqa: S104 - the point of the test


def test_tls_mode_serves_https_that_a_verifying_client_refuses():
    srv = EmulatorServer(Echo(None), "127.0.0.1", 0, ssl_context="adhoc").start()
    try:
        assert srv.url.startswith("https://127.0.0.1:")
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(srv.url + "/x", timeout=10)  # verification is on by default
    finally:
        srv.stop()
