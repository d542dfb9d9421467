"""API sessions with a sliding timeout, in the company time zone.

Why in memory: a session is a credential, not company data. It survives ``/__sandbox__/reset``
(clients keep working across test resets) but not a restart of the sandbox, after which a client
gets ``Invalid session`` and must sign in again, exactly the recovery path it needs in production.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..clock import Clock


@dataclass
class Session:
    sessionid: str
    userid: str
    companyid: str
    locationid: str
    expires: float  # epoch seconds on the emulator clock


class SessionManager:
    """Create, look up (sliding the expiry) and invalidate sessions."""

    def __init__(self, clock: Clock, timeout_seconds: float, tz: ZoneInfo) -> None:
        self.clock = clock
        self.timeout = float(timeout_seconds)
        self.tz = tz
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    def create(self, userid: str, companyid: str, locationid: str = "") -> Session:
        sid = secrets.token_urlsafe(24).replace("-", "x") + ".."
        session = Session(sid, userid, companyid, locationid, self.clock.monotonic_now() + self.timeout)
        with self._lock:
            self._sessions[sid] = session
        return session

    def touch(self, sessionid: str) -> Session | None:
        """The live session for ``sessionid`` with its expiry slid forward, or None if invalid/expired."""
        now = self.clock.monotonic_now()
        with self._lock:
            session = self._sessions.get(sessionid)
            if session is None:
                return None
            if session.expires <= now:
                del self._sessions[sessionid]
                return None
            session.expires = now + self.timeout
            return session

    def invalidate(self, sessionid: str | None) -> None:
        with self._lock:
            self._sessions.pop(sessionid or "", None)

    def iso(self, epoch: float) -> str:
        """ISO-8601 with the company's offset, e.g. ``2015-10-22T20:58:27-07:00``."""
        return datetime.fromtimestamp(epoch, self.tz).replace(microsecond=0).isoformat()

    def stamps(self, session: Session | None = None) -> tuple[str, str]:
        """(sessiontimestamp, sessiontimeout) for the authentication block."""
        now = self.clock.monotonic_now()
        expires = session.expires if session is not None else now + self.timeout
        return self.iso(now), self.iso(expires)

    def lifetime(self) -> timedelta:
        return timedelta(seconds=self.timeout)
