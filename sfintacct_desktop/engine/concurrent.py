"""Two systems at once: one call runs on a helper thread while the caller's thread makes another.

Why: Salesforce and Intacct are independent; reading one and then the other makes every cycle wait
for the sum of two round trips. Only the network wait overlaps (both calls spend it outside the
interpreter lock); each system still gets one request at a time from the product, so Intacct's
per-company concurrency limit is never approached. The helper thread only reads the state store
(each thread has its own session; the cycle's writes come after the block).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


@contextmanager
def both_at_once(call: Callable[[], T], name: str = "sfintacct-read") -> Iterator[Future[T]]:
    """Start ``call`` on a daemon thread, run the block, then wait for the call (its result or error).

    The block's own exception wins; the call is still waited for, so no request outlives the
    cycle that made it. ``Future.result()`` re-raises the call's exception on the caller's thread.
    """
    future: Future[T] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(call())
        except BaseException as exc:  # handed to the caller's thread, which decides
            future.set_exception(exc)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    try:
        yield future
    finally:
        thread.join()
