"""The emulators' latency profiles and concurrency counter, over real HTTP on loopback.

Timings are asserted from below only (a request takes at least its modelled delay): a slow machine
makes requests slower, never faster. Overlap is shown by order (a short request sent while a long one
is in flight comes back first) and by the server's own ``max_concurrent``, not by a time bound.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import requests

from sfintacct_sandbox.httpserver import EmulatorServer
from sfintacct_sandbox.intacct.app import IntacctEmulator
from sfintacct_sandbox.latency import PROFILES, Latency, parse_latency
from sfintacct_sandbox.runner import Sandbox, SandboxOptions
from sfintacct_sandbox.salesforce.app import SalesforceEmulator
from tests.sandbox.salesforce.sf_support import Api
from tests.xml_conformance_util import IaClient

READ_CUSTOMERS = (
    "<readByQuery><object>CUSTOMER</object><fields>CUSTOMERID</fields><query></query>"
    "<pagesize>1</pagesize></readByQuery>"
)


@contextmanager
def _sf(latency: Latency) -> Iterator[EmulatorServer]:
    emulator = SalesforceEmulator(None, latency=latency)
    emulator.reset("empty")
    server = EmulatorServer(emulator).start()
    yield server
    server.stop()


@contextmanager
def _ia(latency: Latency) -> Iterator[EmulatorServer]:
    emulator = IntacctEmulator(None, latency=latency)
    emulator.reset("empty")
    server = EmulatorServer(emulator).start()
    yield server
    server.stop()


def _timed(call: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def _stats(server: EmulatorServer) -> dict[str, Any]:
    return requests.get(server.url + "/__sandbox__/stats", timeout=30).json()


def _wait_for(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail("the condition never held")
        time.sleep(0.01)


# ---------------------------------------------------------------------------------- the profiles
def test_named_profiles_and_the_custom_form():
    assert parse_latency("none") == PROFILES["none"]
    assert not PROFILES["none"].salesforce.active and not PROFILES["none"].intacct.active
    wan = parse_latency("WAN")
    assert wan.salesforce.round_trip == pytest.approx(0.150) and wan.intacct.round_trip == pytest.approx(0.400)
    custom = parse_latency("sf=120,ia=350,ia_function=20")
    assert custom.salesforce == Latency(0.120, PROFILES["wan"].salesforce.per_unit)
    assert custom.intacct == Latency(0.350, 0.020)
    only_sf = parse_latency("sf=100")
    assert only_sf.salesforce.round_trip == pytest.approx(0.1) and not only_sf.intacct.active
    assert Latency(0.2, 0.01).total(200) == pytest.approx(2.2)


@pytest.mark.parametrize("bad", ["slow", "sf=", "sf=abc", "sf=-5", "sf=1,sf=2", "xx=1", "sf=1;ia=2"])
def test_a_bad_latency_spec_is_refused(bad):
    with pytest.raises(ValueError, match="latency"):
        parse_latency(bad)


# ------------------------------------------------------------------------- delays on the wire
def test_wan_requests_take_at_least_their_round_trip():
    with Sandbox(SandboxOptions(seed="empty", latency="wan")) as sb:
        _, sf_seconds = _timed(lambda: requests.get(sb.salesforce_url + "/services/data", timeout=30))
        ia = IaClient(sb.intacct_url)
        _, ia_seconds = _timed(ia.login)  # one request, one function
    assert sf_seconds >= 0.150
    assert ia_seconds >= 0.400 + 0.010


def test_a_salesforce_collection_pays_server_time_per_record():
    with _sf(Latency(0.0, 0.030)) as server:
        api = Api(server)
        records = [{"attributes": {"type": "Account"}, "Name": f"Latency {i}"} for i in range(10)]
        resp, seconds = _timed(lambda: api.call("POST", "composite/sobjects", {"records": records}))
        assert resp.status_code == 200 and all(r["success"] for r in resp.json())
        assert seconds >= 10 * 0.030


def test_an_intacct_request_pays_its_round_trip_and_each_function():
    with _ia(Latency(0.200, 0.050)) as server:
        client = IaClient(server.url + "/ia/xml/xmlgw.phtml")
        client.login()
        root, seconds = _timed(lambda: client.call(*[READ_CUSTOMERS] * 4))
        assert [s.text for s in root.iter("status")][-4:] == ["success"] * 4
        assert seconds >= 0.200 + 4 * 0.050


def test_the_admin_api_is_never_delayed():
    """Ten minutes a request: an admin call that waited would not come back within the test's timeout."""
    with Sandbox(SandboxOptions(seed="empty", latency="sf=600000,ia=600000")) as sb:
        for server in (sb.sf_server, sb.ia_server):
            base = server.url + "/__sandbox__/"
            assert requests.get(base + "stats", timeout=30).json()["requests"] == 0
            assert requests.post(base + "faults", json={"mode": "http_500"}, timeout=30).status_code == 200
            assert requests.delete(base + "faults", timeout=30).status_code == 200
            assert requests.post(base + "clock", json={"offset_seconds": 5}, timeout=30).status_code == 200
            assert requests.post(base + "reset", json={"seed": "empty"}, timeout=30).status_code == 200


# --------------------------------------------------------------------------------- concurrency
def test_a_delayed_request_does_not_hold_up_another():
    """A 50-record write (2 s of modelled server time) is in flight; a query sent meanwhile comes back first."""
    with _sf(Latency(0.100, 0.040)) as server:
        writer, reader = Api(server), Api(server)
        done: list[str] = []
        records = [{"attributes": {"type": "Account"}, "Name": f"Slow {i}"} for i in range(50)]

        def write() -> None:
            assert writer.call("POST", "composite/sobjects", {"records": records}).status_code == 200
            done.append("write")

        thread = threading.Thread(target=write)
        thread.start()
        _wait_for(lambda: _stats(server)["in_flight"] == 1)
        assert reader.call("GET", "query/", params={"q": "SELECT Id FROM Account LIMIT 1"}).status_code == 200
        done.append("query")
        thread.join(60)
        assert done == ["query", "write"]
        assert _stats(server)["max_concurrent"] == 2


def test_max_concurrent_counts_the_peak_and_resets():
    with _ia(Latency(1.0, 0.0)) as server:
        url = server.url + "/ia/xml/xmlgw.phtml"
        IaClient(url).login()
        assert _stats(server)["max_concurrent"] == 1
        clients = [IaClient(url) for _ in range(3)]
        threads = [threading.Thread(target=c.login) for c in clients]
        for t in threads:
            t.start()
        _wait_for(lambda: _stats(server)["in_flight"] == 3)
        for t in threads:
            t.join(60)
        stats = _stats(server)
        assert stats["max_concurrent"] == 3 and stats["in_flight"] == 0 and stats["requests"] == 4
        requests.post(server.url + "/__sandbox__/reset", json={"seed": "empty"}, timeout=30)
        assert _stats(server)["max_concurrent"] == 0
