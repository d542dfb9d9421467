"""A sandbox embedded in the window has its two emulators take turns for their CPU work, over real HTTP.

Only the work takes turns: a hung request (a fault) or a latency sleep leaves the gate, so the other
system still answers meanwhile. Without ``serial_work`` (a separate ``sandbox serve``, the tests)
requests work at the same time, as before.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from sfintacct_sandbox import workgate
from sfintacct_sandbox.runner import Sandbox, SandboxOptions
from sfintacct_sandbox.workgate import PACE_S, WorkGate, pace, paced


@contextmanager
def _counting(sandbox: Sandbox, hold: float = 0.05) -> Iterator[dict[str, int]]:
    """Count how many requests are inside either emulator's handler at once (each holds ``hold`` s)."""
    seen = {"now": 0, "most": 0}
    lock = threading.Lock()
    originals = {emu: emu.handle for emu in (sandbox.salesforce, sandbox.intacct)}

    def wrap(handle: Any) -> Any:
        def counted(request: Any) -> Any:
            with lock:
                seen["now"] += 1
                seen["most"] = max(seen["most"], seen["now"])
            try:
                time.sleep(hold)  # CPU work as far as the gate knows: it stays shut
                return handle(request)
            finally:
                with lock:
                    seen["now"] -= 1

        return counted

    for emu, handle in originals.items():
        emu.handle = wrap(handle)  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        for emu, handle in originals.items():
            emu.handle = handle  # type: ignore[method-assign]


def _burst(sandbox: Sandbox, n: int = 3) -> list[int]:
    """``n`` requests to each emulator at once; their status codes."""
    urls = [sandbox.salesforce_url + "/services/data/", sandbox.intacct_url]
    codes: list[int] = []

    def get(url: str) -> None:
        codes.append(requests.get(url, timeout=30).status_code)

    threads = [threading.Thread(target=get, args=(u,)) for u in urls for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return codes


def test_embedded_emulators_work_one_request_at_a_time() -> None:
    with Sandbox(SandboxOptions(seed="empty", serial_work=True)) as sandbox:
        assert sandbox.salesforce.gate is sandbox.intacct.gate and not sandbox.salesforce.gate.open
        with _counting(sandbox) as seen:
            codes = _burst(sandbox)
    assert len(codes) == 6 and all(c < 500 for c in codes)
    assert seen["most"] == 1


def test_a_plain_sandbox_works_requests_at_the_same_time() -> None:
    with Sandbox(SandboxOptions(seed="empty")) as sandbox:
        assert sandbox.salesforce.gate.open
        with _counting(sandbox) as seen:
            _burst(sandbox)
    assert seen["most"] >= 2  # the count above can see overlap: it is the gate that prevents it


def test_a_hung_request_does_not_hold_up_the_other_system() -> None:
    with Sandbox(SandboxOptions(seed="empty", serial_work=True)) as sandbox:
        faults = sandbox.ia_server.url + "/__sandbox__/faults"
        assert requests.post(faults, json={"operation": "*", "mode": "timeout", "delay_seconds": 3}, timeout=5).ok
        hung = threading.Thread(
            target=lambda: requests.post(sandbox.intacct_url, data=b"<request/>", timeout=30), daemon=True
        )
        hung.start()
        deadline = time.monotonic() + 5
        while sandbox.intacct.stats.snapshot().get("in_flight", 0) < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)  # the Intacct request is inside its hang now
        start = time.perf_counter()
        answer = requests.get(sandbox.salesforce_url + "/services/data/", timeout=30)
        took = time.perf_counter() - start
        assert answer.ok and hung.is_alive()
        assert took < 2.0, f"Salesforce waited {took:.2f} s behind the hung Intacct request"
        hung.join(30)


def test_latency_sleeps_overlap_inside_a_shut_gate() -> None:
    with Sandbox(SandboxOptions(seed="empty", serial_work=True, latency="sf=800,ia=800")) as sandbox:
        start = time.perf_counter()
        codes = _burst(sandbox, n=1)
        took = time.perf_counter() - start
    assert all(c < 500 for c in codes)
    assert took < 1.5, f"two requests of 0.8 s each took {took:.2f} s: their sleeps did not overlap"


def test_pace_rests_only_inside_a_shut_gate(monkeypatch: Any) -> None:
    rests: list[float] = []
    monkeypatch.setattr(workgate.time, "sleep", rests.append)

    def busy_loop() -> None:
        end = time.perf_counter() + PACE_S * 5
        for _ in paced(iter(int, 1)):  # endless, until the time is up
            if time.perf_counter() >= end:
                break

    busy_loop()
    assert rests == []  # outside any gate: never
    with WorkGate(is_open=True).work():
        busy_loop()
        pace()
    assert rests == []  # an open gate: never
    with WorkGate().work():
        # until three rests (a busy loop bounded by the clock got fewer when the machine took the
        # core away from it for a while: one rest then covers the whole gap)
        deadline = time.perf_counter() + 5
        for _ in paced(iter(int, 1)):
            if len(rests) >= 3 or time.perf_counter() >= deadline:
                break
    assert len(rests) >= 3 and set(rests) == {workgate.REST_S}
