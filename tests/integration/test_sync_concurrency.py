"""A sync cycle never has more requests in flight at one Intacct company than Intacct allows.

Intacct limits concurrent API requests per company by performance tier (2 by default as a third party
reports; docs/sandbox.md, "Latency"). The emulators add a round trip to every request here, so requests
the product sent at the same time would overlap at the emulator and show in its ``max_concurrent``.
"""

from __future__ import annotations

import requests

from sfintacct_desktop.engine.cycle import EngineSettings, SyncEngine
from sfintacct_desktop.engine.mapping import load_mapping
from sfintacct_desktop.store import StateStore
from sfintacct_desktop.wire.intacct import create
from sfintacct_sandbox.runner import Sandbox, SandboxOptions
from tests.support.sync_env import ia_connector, sf_connector

INTACCT_CONCURRENT_LIMIT = 2


def _peak(base_url: str) -> int:
    return int(requests.get(base_url + "/__sandbox__/stats", timeout=30).json()["max_concurrent"])


def test_a_busy_and_an_idle_cycle_stay_within_intacct_concurrency(tmp_path):
    with Sandbox(SandboxOptions(seed="empty", latency="sf=50,ia=100")) as sb:
        user_sf, user_ia = sf_connector(sb), ia_connector(sb)
        assert all(r.success for r in user_sf.client.create_many("Account", [{"Name": f"Acc {i}"} for i in range(5)]))
        fns = [create("CUSTOMER", {"CUSTOMERID": f"CC-{i}", "NAME": f"Cust {i}"}) for i in range(5)]
        assert all(r.ok for r in user_ia.client.call(fns, uniqueid=True))  # the set-up sends one at a time
        store = StateStore.open(tmp_path / "state.sqlite3")
        try:
            engine = SyncEngine(
                store, sf_connector(sb), ia_connector(sb), load_mapping(),
                EngineSettings(profile="test", allow_without_baseline=True),
            )  # fmt: skip
            busy, idle = engine.run_cycle("test"), engine.run_cycle("test")
            assert busy.status == idle.status == "ok", busy.error or idle.error
            assert busy.writes >= 10 and idle.writes == 0  # five records each way, then nothing to do
        finally:
            store.close()
        assert 1 <= _peak(sb.ia_server.url) <= INTACCT_CONCURRENT_LIMIT


def test_a_cycle_reads_salesforce_and_intacct_at_the_same_time(tmp_path):
    """The idle cycle's two reads overlap: the cycle waits for the slower system, not for the sum."""
    from sfintacct_desktop.wire.timing import WIRE_TIMING, split

    with Sandbox(SandboxOptions(seed="empty", latency="sf=300,ia=300")) as sb:
        store = StateStore.open(tmp_path / "state.sqlite3")
        try:
            engine = SyncEngine(
                store, sf_connector(sb), ia_connector(sb), load_mapping(),
                EngineSettings(profile="test", allow_without_baseline=True),
            )  # fmt: skip
            assert engine.run_cycle("test").status == "ok"
            before = WIRE_TIMING.snapshot()
            assert engine.run_cycle("test").status == "ok"
            waits = split(before, WIRE_TIMING.snapshot())
        finally:
            store.close()
    # both emulators hold each request 300 ms: read one after the other, the overlap would be zero
    assert waits.both_busy_seconds >= 0.2, waits.as_dict()


def _creates(n: int, prefix: str) -> list:
    return [create("CUSTOMER", {"CUSTOMERID": f"{prefix}-{i}", "NAME": f"{prefix} {i}"}) for i in range(n)]


def test_intacct_requests_of_one_call_never_exceed_the_profile_concurrency():
    """A call of several requests sends them one at a time by default, and at most as many at once as
    the profile allows (its Intacct tier); results stay in order either way."""
    import dataclasses

    from sfintacct_desktop.wire.intacct import IntacctClient

    with Sandbox(SandboxOptions(seed="empty", latency="sf=0,ia=150")) as sb:
        base = ia_connector(sb).client
        for allowed, prefix in ((1, "ONE"), (2, "TWO")):
            requests.post(sb.ia_server.url + "/__sandbox__/reset", json={"seed": "empty"}, timeout=30)
            settings = dataclasses.replace(base.settings, max_functions_per_request=2, max_concurrent_requests=allowed)
            client = IntacctClient(settings, base._secrets)
            fns = _creates(8, prefix)
            results = client.call(fns, uniqueid=True)  # four requests of two functions
            assert [r.ok for r in results] == [True] * 8
            assert [r.controlid for r in results] == [f.controlid for f in fns]
            assert _peak(sb.ia_server.url) == allowed
