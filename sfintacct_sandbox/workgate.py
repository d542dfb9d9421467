"""One request's Python work at a time across the emulators of a sandbox embedded in the window.

Why: inside the window's process, the emulators' request threads compete with the GUI thread for
the interpreter lock, and every extra thread that runs Python at the same time lengthens the GUI
thread's wait for it. Measured on 2 cores (a 10 ms timer on the main thread, CPU-bound Python
threads beside it, a 0.2 ms switch interval): one busy thread made the timer's p99 0.8 ms late,
two 5 ms, three 12 ms. A sync reads both systems at once, so both emulators work at once.

The gate lets one request's handler (and the encoding of its answer) run at a time. Sleeps leave the
gate (the latency's round trip, a fault's hang): requests still overlap in time as they would on
real servers, and a hung request never holds up the other system. A separate ``sandbox serve``
process shares no interpreter with the window and uses an open gate (no lock at all).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")
# A request's CPU work inside a shut gate rests REST_S every PACE_S: the interpreter lock is free
# then, and the GUI thread, whose every call into Python (a table's cell, a timer) needs the lock,
# gets a run of them done instead of one per switch interval (workgate.pace).
PACE_S = 0.002
REST_S = 0.0005
_here = threading.local()


class WorkGate:
    """``work()`` around a handler's CPU work, ``sleep()`` for waits inside it; an open gate gates nothing."""

    def __init__(self, *, is_open: bool = False) -> None:
        self.open = is_open
        self._lock = threading.Lock()
        self._mine = threading.local()

    @contextmanager
    def work(self) -> Iterator[None]:
        if self.open or getattr(self._mine, "held", False):
            yield
            return
        with self._lock:
            self._mine.held = True
            _here.gate, _here.since = self, time.perf_counter()
            try:
                yield
            finally:
                self._mine.held = False
                _here.gate = None

    def sleep(self, seconds: float) -> None:
        """Sleep outside the gate, so the other requests work meanwhile."""
        if not getattr(self._mine, "held", False):
            time.sleep(seconds)
            return
        self._mine.held = False
        self._lock.release()
        try:
            time.sleep(seconds)
        finally:
            self._lock.acquire()
            self._mine.held = True

    def body(self, app_iter: Iterable[bytes]) -> Iterable[bytes]:
        """A WSGI answer whose pieces are produced inside the gate (the server writes them outside)."""
        return app_iter if self.open else _GatedBody(self, app_iter)


OPEN_GATE = WorkGate(is_open=True)


def pace() -> None:
    """In a long loop of a request's work: rest a moment every PACE_S inside a shut gate (else nothing)."""
    if getattr(_here, "gate", None) is None:
        return
    if time.perf_counter() - _here.since >= PACE_S:
        time.sleep(REST_S)  # the gate stays shut: the other emulator's request does not step in
        _here.since = time.perf_counter()


def paced(items: Iterable[T]) -> Iterator[T]:
    """``items``, resting as :func:`pace` does between them."""
    for item in items:
        pace()
        yield item


class _GatedBody:
    def __init__(self, gate: WorkGate, app_iter: Iterable[bytes]) -> None:
        self.gate, self.app_iter = gate, app_iter

    def __iter__(self) -> Iterator[bytes]:
        it = iter(self.app_iter)
        while True:
            with self.gate.work():
                try:
                    piece = next(it)
                except StopIteration:
                    return
            yield piece

    def close(self) -> None:
        close: Any = getattr(self.app_iter, "close", None)
        if close is not None:
            close()
