"""Where the time goes: seconds spent waiting on each system, counted where each request is sent.

Why: a sync cycle's wall time is part waiting on Salesforce, part waiting on Intacct and part the
product's own work (mapping, the state store). Splitting it tells whether a slow cycle is the
network's fault or ours, and whether the product waits on one system and then on the other when it
could wait on both at once. The two wire clients report every HTTP exchange here (the Salesforce
session's adapter, the Intacct client's ``_post``); a benchmark takes a :meth:`WireTiming.snapshot`
before and after and reads the :class:`WireSplit` of the two.

Two measures per system: ``seconds`` sums each request's duration (two overlapping requests count
twice) and ``busy_seconds`` is the time during which at least one request to it was in flight (the
union of the intervals). ``any_busy_seconds`` is that union over both systems, so
``own = wall - any_busy`` never goes negative when the two systems are waited on at once, and
``sf busy + ia busy - any busy`` is the time spent waiting on both together.

Cheap: one lock and two clock reads per request. Thread-safe: the worker and the window's tasks
may send at the same time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

SALESFORCE = "salesforce"
INTACCT = "intacct"
SYSTEMS = (SALESFORCE, INTACCT)


@dataclass(frozen=True)
class SystemTotals:
    """Cumulative figures of one system since the process started."""

    requests: int = 0
    seconds: float = 0.0
    busy_seconds: float = 0.0


@dataclass(frozen=True)
class WireSnapshot:
    """Every system's totals and the union over all of them, at ``at`` (the timing's clock)."""

    at: float
    systems: dict[str, SystemTotals]
    any_busy_seconds: float

    def system(self, name: str) -> SystemTotals:
        return self.systems.get(name, SystemTotals())


@dataclass(frozen=True)
class WireSplit:
    """What happened between two snapshots: the wall time and how much of it was spent waiting."""

    wall_seconds: float
    systems: dict[str, SystemTotals] = field(default_factory=dict)
    any_busy_seconds: float = 0.0

    def system(self, name: str) -> SystemTotals:
        return self.systems.get(name, SystemTotals())

    @property
    def own_seconds(self) -> float:
        """Wall time with no request in flight: the product's own work (and its idle waits)."""
        return max(self.wall_seconds - self.any_busy_seconds, 0.0)

    @property
    def both_busy_seconds(self) -> float:
        """Time during which both systems had a request in flight at once."""
        busy = sum(t.busy_seconds for t in self.systems.values())
        return max(busy - self.any_busy_seconds, 0.0)

    def as_dict(self, digits: int = 3) -> dict[str, object]:
        out: dict[str, object] = {"wall_seconds": round(self.wall_seconds, digits)}
        for name in SYSTEMS:
            t = self.system(name)
            out[f"waiting_on_{name}_seconds"] = round(t.busy_seconds, digits)
            out[f"{name}_requests"] = t.requests
            out[f"{name}_request_seconds_summed"] = round(t.seconds, digits)
        out["waiting_on_both_at_once_seconds"] = round(self.both_busy_seconds, digits)
        out["waiting_on_either_seconds"] = round(self.any_busy_seconds, digits)
        out["own_seconds"] = round(self.own_seconds, digits)
        return out


def split(before: WireSnapshot, after: WireSnapshot) -> WireSplit:
    """The figures between two snapshots of the same :class:`WireTiming`."""
    names = set(before.systems) | set(after.systems)
    systems = {
        n: SystemTotals(
            after.system(n).requests - before.system(n).requests,
            after.system(n).seconds - before.system(n).seconds,
            after.system(n).busy_seconds - before.system(n).busy_seconds,
        )
        for n in names
    }
    return WireSplit(after.at - before.at, systems, after.any_busy_seconds - before.any_busy_seconds)


class _Busy:
    """The union of in-flight intervals of one group of requests."""

    __slots__ = ("closed", "in_flight", "since")

    def __init__(self) -> None:
        self.in_flight = 0
        self.since = 0.0
        self.closed = 0.0  # seconds of intervals already ended

    def start(self, now: float) -> None:
        if self.in_flight == 0:
            self.since = now
        self.in_flight += 1

    def end(self, now: float) -> None:
        self.in_flight -= 1
        if self.in_flight == 0:
            self.closed += now - self.since

    def total(self, now: float) -> float:
        return self.closed + (now - self.since if self.in_flight else 0.0)


class WireTiming:
    """The accumulator. ``clock`` is injectable so the arithmetic can be tested without sleeping."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._requests: dict[str, int] = {}
        self._seconds: dict[str, float] = {}
        self._busy: dict[str, _Busy] = {}
        self._any = _Busy()

    def start(self, system: str) -> float:
        """A request to ``system`` left; returns its start time for :meth:`end`."""
        with self._lock:
            now = self._clock()
            self._busy.setdefault(system, _Busy()).start(now)
            self._any.start(now)
            return now

    def end(self, system: str, started: float) -> None:
        """The request that :meth:`start` returned ``started`` for is over (answered or failed)."""
        with self._lock:
            now = self._clock()
            self._requests[system] = self._requests.get(system, 0) + 1
            self._seconds[system] = self._seconds.get(system, 0.0) + (now - started)
            self._busy[system].end(now)
            self._any.end(now)

    @contextmanager
    def request(self, system: str) -> Iterator[None]:
        """Wrap one HTTP exchange (send and read of the answer)."""
        started = self.start(system)
        try:
            yield
        finally:
            self.end(system, started)

    @contextmanager
    def waiting(self, system: str) -> Iterator[None]:
        """Time spent waiting on ``system`` without a request in flight (its clock, say): busy, not a request."""
        with self._lock:
            now = self._clock()
            self._busy.setdefault(system, _Busy()).start(now)
            self._any.start(now)
        try:
            yield
        finally:
            with self._lock:
                now = self._clock()
                self._busy[system].end(now)
                self._any.end(now)

    def snapshot(self) -> WireSnapshot:
        with self._lock:
            now = self._clock()
            names = set(self._busy) | set(self._requests)
            systems = {
                n: SystemTotals(
                    self._requests.get(n, 0),
                    self._seconds.get(n, 0.0),
                    self._busy[n].total(now) if n in self._busy else 0.0,
                )
                for n in names
            }
            return WireSnapshot(now, systems, self._any.total(now))


WIRE_TIMING = WireTiming()
"""The process's accumulator, which both wire clients report to."""
