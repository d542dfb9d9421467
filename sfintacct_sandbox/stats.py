"""Request, API-call, transaction and write counters for /__sandbox__/stats."""

from __future__ import annotations

import threading
from collections import Counter


class Stats:
    """Counts what clients cost: ``api_calls`` the Salesforce way, ``transactions`` the Intacct way."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._requests = 0
            self._api_calls = 0
            self._transactions = 0
            self._writes = 0
            self._by_operation: Counter[str] = Counter()

    def request(self) -> None:
        with self._lock:
            self._requests += 1

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
            }
