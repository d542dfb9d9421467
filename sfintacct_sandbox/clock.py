"""A shiftable, freezable clock shared by an emulator: tests move or stop time with /__sandbox__/clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class Clock:
    """Wall clock plus an adjustable offset, so session expiry and day rollovers are testable.

    Frozen, it answers the same instant until thawed: several writes and reads then fall in one
    second on purpose, the tie a sync must survive when stamps have whole seconds.
    """

    def __init__(self, offset_seconds: float = 0.0) -> None:
        self._offset = float(offset_seconds)
        self._frozen: datetime | None = None
        self._lock = threading.Lock()

    @property
    def offset_seconds(self) -> float:
        with self._lock:
            return self._offset

    @property
    def frozen(self) -> bool:
        with self._lock:
            return self._frozen is not None

    def set_offset(self, seconds: float) -> None:
        with self._lock:
            self._offset = float(seconds)

    def freeze(self, at: datetime | None = None) -> datetime:
        """Stop the clock at ``at`` (aware) or at the current shifted now; returns the instant."""
        instant = at if at is not None else self.now()
        if instant.tzinfo is None:
            raise ValueError("a frozen instant must carry a time zone")
        with self._lock:
            self._frozen = instant.astimezone(UTC)
        return instant

    def thaw(self) -> None:
        with self._lock:
            self._frozen = None

    def now(self) -> datetime:
        """Aware UTC now, shifted by the offset (or the frozen instant)."""
        with self._lock:
            off, frozen = self._offset, self._frozen
        if frozen is not None:
            return frozen
        return datetime.now(UTC) + timedelta(seconds=off)

    def monotonic_now(self) -> float:
        """Seconds since the epoch, shifted: for expiry arithmetic."""
        return self.now().timestamp()
