"""Access tokens of the emulated org, with a sliding idle timeout on the emulator clock.

Why a module of its own: the logins (``auth``, ``oauth_web``) issue sessions, the REST and SOAP
handlers touch them, and the emulator's state (``host``) holds them; none of that should import
the logins to name the type.
"""

from __future__ import annotations

import secrets
import threading

from .. import credentials as cred


class Sessions:
    """Access tokens with a sliding idle timeout on the emulator clock (kept in memory)."""

    def __init__(self, idle_seconds: float) -> None:
        self.idle_seconds = idle_seconds
        self._last_used: dict[str, float] = {}
        self._lock = threading.Lock()

    def issue(self, now: float) -> str:
        token = f"{cred.SF_ORG_ID[:15]}!AQ{secrets.token_urlsafe(72)}"
        with self._lock:
            self._last_used[token] = now
        return token

    def touch(self, token: str, now: float) -> bool:
        """True (and slide the expiry) if ``token`` is a live session."""
        with self._lock:
            last = self._last_used.get(token)
            if last is None:
                return False
            if now - last > self.idle_seconds:
                del self._last_used[token]
                return False
            self._last_used[token] = now
            return True

    def invalidate(self, token: str) -> int:
        """End a session; 1 if it was live, else 0."""
        with self._lock:
            return 0 if self._last_used.pop(token, None) is None else 1
