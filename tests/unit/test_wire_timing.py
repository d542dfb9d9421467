"""The wire timing: per-system waits, the union of overlapping requests, own time; and that both
wire clients report to it, over real HTTP against the emulators with latency."""

from __future__ import annotations

import threading

import pytest

from sfintacct_desktop.wire.intacct import query
from sfintacct_desktop.wire.timing import INTACCT, SALESFORCE, WIRE_TIMING, WireTiming, split
from sfintacct_sandbox.runner import Sandbox, SandboxOptions
from tests.support.sync_env import ia_connector, sf_connector


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def test_one_system_then_the_other(clock):
    timing = WireTiming(clock)
    before = timing.snapshot()
    s = timing.start(SALESFORCE)
    clock.now = 1.0
    timing.end(SALESFORCE, s)
    s = timing.start(INTACCT)
    clock.now = 3.0
    timing.end(INTACCT, s)
    clock.now = 4.0
    cut = split(before, timing.snapshot())
    assert cut.wall_seconds == 4.0
    assert cut.system(SALESFORCE).busy_seconds == 1.0 and cut.system(SALESFORCE).requests == 1
    assert cut.system(INTACCT).busy_seconds == 2.0 and cut.system(INTACCT).requests == 1
    assert cut.any_busy_seconds == 3.0 and cut.own_seconds == 1.0 and cut.both_busy_seconds == 0.0


def test_waiting_on_a_system_without_a_request_is_busy_but_not_a_request(clock):
    """The read-back's wait for Salesforce's clock to pass a second is waiting on Salesforce, not own time."""
    timing = WireTiming(clock)
    before = timing.snapshot()
    with timing.waiting(SALESFORCE):
        clock.now = 0.7
    clock.now = 1.0
    cut = split(before, timing.snapshot())
    assert cut.system(SALESFORCE).busy_seconds == 0.7 and cut.system(SALESFORCE).requests == 0
    assert cut.own_seconds == pytest.approx(0.3)


def test_overlapping_waits_count_once_in_the_union(clock):
    timing = WireTiming(clock)
    before = timing.snapshot()
    sf = timing.start(SALESFORCE)
    clock.now = 1.0
    ia = timing.start(INTACCT)
    clock.now = 2.0
    timing.end(SALESFORCE, sf)
    clock.now = 3.0
    timing.end(INTACCT, ia)
    clock.now = 5.0
    cut = split(before, timing.snapshot())
    assert cut.system(SALESFORCE).busy_seconds == 2.0 and cut.system(INTACCT).busy_seconds == 2.0
    assert cut.any_busy_seconds == 3.0  # not 4: one second both were in flight
    assert cut.both_busy_seconds == 1.0
    assert cut.own_seconds == 2.0


def test_two_requests_to_one_system_sum_and_union(clock):
    timing = WireTiming(clock)
    a = timing.start(SALESFORCE)
    clock.now = 1.0
    b = timing.start(SALESFORCE)
    clock.now = 2.0
    timing.end(SALESFORCE, a)
    clock.now = 3.0
    timing.end(SALESFORCE, b)
    totals = timing.snapshot().system(SALESFORCE)
    assert totals.requests == 2 and totals.seconds == 4.0 and totals.busy_seconds == 3.0


def test_a_snapshot_counts_a_request_still_in_flight(clock):
    timing = WireTiming(clock)
    before = timing.snapshot()
    timing.start(INTACCT)
    clock.now = 2.5
    cut = split(before, timing.snapshot())
    assert cut.system(INTACCT).busy_seconds == 2.5 and cut.any_busy_seconds == 2.5
    assert cut.system(INTACCT).requests == 0  # counted when it ends
    assert cut.own_seconds == 0.0


def test_a_failed_request_is_still_timed(clock):
    timing = WireTiming(clock)
    with pytest.raises(RuntimeError), timing.request(INTACCT):
        clock.now = 1.5
        raise RuntimeError("connection dropped")
    totals = timing.snapshot().system(INTACCT)
    assert totals.requests == 1 and totals.busy_seconds == 1.5


def test_as_dict_names_each_figure(clock):
    timing = WireTiming(clock)
    before = timing.snapshot()
    with timing.request(SALESFORCE):
        clock.now = 0.25
    clock.now = 1.0
    figures = split(before, timing.snapshot()).as_dict()
    assert figures["waiting_on_salesforce_seconds"] == 0.25
    assert figures["waiting_on_intacct_seconds"] == 0.0
    assert figures["own_seconds"] == 0.75 and figures["salesforce_requests"] == 1


def test_threads_report_without_losing_counts():
    timing = WireTiming()

    def work(system: str) -> None:
        for _ in range(500):
            with timing.request(system):
                pass

    threads = [threading.Thread(target=work, args=(s,)) for s in (SALESFORCE, INTACCT) * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    snap = timing.snapshot()
    assert snap.system(SALESFORCE).requests == 2000 and snap.system(INTACCT).requests == 2000
    assert snap.any_busy_seconds <= snap.system(SALESFORCE).seconds + snap.system(INTACCT).seconds


def test_both_wire_clients_report_their_requests_over_http():
    with Sandbox(SandboxOptions(seed="empty", latency="sf=100,ia=200")) as sb:
        sf, ia = sf_connector(sb), ia_connector(sb)
        before = WIRE_TIMING.snapshot()
        ia.client.call([query("CUSTOMER", ["CUSTOMERID"], pagesize=1)])
        after_ia = WIRE_TIMING.snapshot()
        list(sf.client.query_page_objects("SELECT Id FROM Account"))
        cut_ia, cut_sf = split(before, after_ia), split(after_ia, WIRE_TIMING.snapshot())
    assert cut_ia.system(INTACCT).requests == 1 and cut_ia.system(SALESFORCE).requests == 0
    assert cut_ia.system(INTACCT).busy_seconds >= 0.200 + 0.010  # a round trip and one function
    assert cut_sf.system(SALESFORCE).requests == 1 and cut_sf.system(INTACCT).requests == 0
    assert cut_sf.system(SALESFORCE).busy_seconds >= 0.100
    assert cut_sf.own_seconds <= cut_sf.wall_seconds
