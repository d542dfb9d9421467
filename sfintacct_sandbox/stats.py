"""Request, API-call, transaction and write counters for /__sandbox__/stats, and the peak of
requests in flight at once (``max_concurrent``: Intacct limits concurrent requests per company)."""

from __future__ import annotations

import threading
from collections import Counter


class Stats:
    """Counts what clients cost: ``api_calls`` the Salesforce way, ``transactions`` the Intacct way."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._in_flight = 0  # live, never reset: requests being answered right now
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._requests = 0
            self._api_calls = 0
            self._transactions = 0
            self._writes = 0
            self._by_operation: Counter[str] = Counter()
            self._max_concurrent = self._in_flight

    def request(self) -> None:
        with self._lock:
            self._requests += 1

    def enter(self) -> None:
        """A wire request started (admin calls are not counted): tracks the peak of overlapping ones."""
        with self._lock:
            self._in_flight += 1
            self._max_concurrent = max(self._max_concurrent, self._in_flight)

    def leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def count(self, operation: str, *, api_calls: int = 0, transactions: int = 0, writes: int = 0) -> None:
        with self._lock:
            self._by_operation[operation] += 1
            self._api_calls += api_calls
            self._transactions += transactions
            self._writes += writes

    def add_writes(self, n: int) -> None:
        with self._lock:
            self._writes += n

    def add_transactions(self, n: int) -> None:
        with self._lock:
            self._transactions += n

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            return {
                "requests": self._requests,
                "api_calls": self._api_calls,
                "transactions": self._transactions,
                "writes": self._writes,
                "by_operation": dict(self._by_operation),
                "max_concurrent": self._max_concurrent,
                "in_flight": self._in_flight,
            }
