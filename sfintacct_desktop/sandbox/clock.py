"""A shiftable clock shared by an emulator: tests move time with /__sandbox__/clock."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class Clock:
    """Wall clock plus an adjustable offset, so session expiry and day rollovers are testable."""

    def __init__(self, offset_seconds: float = 0.0) -> None:
        self._offset = float(offset_seconds)
        self._lock = threading.Lock()

    @property
    def offset_seconds(self) -> float:
        with self._lock:
            return self._offset

    def set_offset(self, seconds: float) -> None:
        with self._lock:
            self._offset = float(seconds)

    def now(self) -> datetime:
        """Aware UTC now, shifted by the offset."""
        with self._lock:
            off = self._offset
        return datetime.now(UTC) + timedelta(seconds=off)

    def monotonic_now(self) -> float:
        """Seconds since the epoch, shifted: for expiry arithmetic."""
        return self.now().timestamp()
