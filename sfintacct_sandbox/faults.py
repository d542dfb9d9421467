"""Injected faults: the next N requests for an operation fail in a chosen way.

Semantics, shared by both emulators (documented in docs/sandbox.md):
- ``http_500``: the request is refused before anything is applied.
- ``http_524`` (Intacct): the request is applied, then answered with HTTP 524 (CDN cut the connection).
- ``rate_limit``: refused before applying (Intacct 429 GW-0010; Salesforce 403 REQUEST_LIMIT_EXCEEDED).
- ``timeout``: the request is applied, then the answer waits ``delay_seconds`` (default 120).
- ``drop_after_apply``: the request is applied, then the connection is closed without an answer.
- ``invalid_session``: answered as an expired/invalid session; nothing applied.
- ``unable_to_lock_row`` (Salesforce): refused with UNABLE_TO_LOCK_ROW; nothing applied.
- ``xxe`` / ``entity_bomb`` (Intacct): the response body carries a hostile DTD; nothing applied.
- ``rate_limit_in_body`` (Intacct): HTTP 200, control failure "API rate limit exceeded"; nothing applied.
- ``offline_in_body`` (Intacct): HTTP 200, every function failed "The Service is Temporarily Off-line";
  nothing applied.
- ``no_result`` (Intacct): the request is applied, then answered (HTTP 200, control and sign-in
  success) without any ``<result>``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

MODES = frozenset(
    {
        "http_500",
        "http_524",
        "rate_limit",
        "timeout",
        "drop_after_apply",
        "invalid_session",
        "unable_to_lock_row",
        "xxe",
        "entity_bomb",
        "rate_limit_in_body",
        "offline_in_body",
        "no_result",
    }
)


class FaultSpecError(ValueError):
    """A fault request that cannot be honoured (unknown mode, bad count)."""


@dataclass(frozen=True)
class Fault:
    """One armed fault as it is handed to the emulator that fires it."""

    operation: str
    mode: str
    delay_seconds: float = 120.0


@dataclass
class _Armed:
    operation: str
    mode: str
    remaining: int
    delay_seconds: float


class FaultRegistry:
    """Thread-safe list of armed faults, consumed first-armed-first-fired."""

    def __init__(self, allowed_modes: frozenset[str] = MODES) -> None:
        self._allowed = allowed_modes
        self._armed: list[_Armed] = []
        self._lock = threading.Lock()

    def arm(self, operation: str, mode: str, count: int = 1, delay_seconds: float = 120.0) -> None:
        if mode not in self._allowed:
            raise FaultSpecError(f"unknown fault mode {mode!r}; one of {sorted(self._allowed)}")
        if not isinstance(count, int) or count < 1:
            raise FaultSpecError("count must be a positive integer")
        if not operation:
            raise FaultSpecError("operation is required ('*' matches any)")
        with self._lock:
            self._armed.append(_Armed(operation, mode, count, float(delay_seconds)))

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()

    def pending(self) -> list[dict[str, object]]:
        with self._lock:
            return [
                {"operation": a.operation, "mode": a.mode, "count": a.remaining, "delay_seconds": a.delay_seconds}
                for a in self._armed
            ]

    def take(self, *operations: str) -> Fault | None:
        """Consume and return the first fault matching any of ``operations`` (or ``*``)."""
        wanted = {op.lower() for op in operations}
        with self._lock:
            for armed in self._armed:
                if armed.operation == "*" or armed.operation.lower() in wanted:
                    armed.remaining -= 1
                    if armed.remaining <= 0:
                        self._armed.remove(armed)
                    return Fault(armed.operation, armed.mode, armed.delay_seconds)
        return None
