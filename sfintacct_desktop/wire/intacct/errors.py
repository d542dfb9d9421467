"""Typed outcomes of the Intacct gateway's three error levels and of its HTTP answers.

Why typed: the engine must tell "nothing happened, fix the credentials" (control/auth), "this one
record was refused" (a per-function ``IntacctError`` in a ``Result``), "slow down" (429) and "the
write may have happened" (``OutcomeUnknownError``) apart without reading message texts.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..transport import BudgetExceededError, WireError

_SESSION_TEXT = re.compile(r"(Invalid session)\s+\S+", re.IGNORECASE)


def redact(text: str) -> str:
    """Drop the session id fragment the gateway echoes in "Invalid session …" texts."""
    return _SESSION_TEXT.sub(r"\1 [redacted]", text)


@dataclass(frozen=True)
class IntacctError:
    """One ``<error>`` of an ``<errormessage>``."""

    errorno: str
    description: str = ""
    description2: str = ""
    correction: str = ""

    def text(self) -> str:
        parts = [p for p in (self.description, redact(self.description2), self.correction) if p]
        return f"{self.errorno}: " + " ".join(parts) if parts else self.errorno


def _summary(errors: list[IntacctError]) -> str:
    return "; ".join(e.text() for e in errors) or "no error details"


class IntacctWireError(WireError):
    """Base of the Intacct-specific errors; ``errors`` holds the gateway's error items, if any."""

    def __init__(
        self, message: str, *, errors: list[IntacctError] | None = None, code: str = "", status: int | None = None
    ) -> None:
        self.errors = list(errors or [])
        super().__init__(message, code=code or (self.errors[0].errorno if self.errors else ""), status=status)


class IntacctControlError(IntacctWireError):
    """The control block failed (sender id/password, schema error): nothing in the request ran."""

    @classmethod
    def from_errors(cls, errors: list[IntacctError], status: int | None = None) -> IntacctControlError:
        return cls(f"Intacct refused the request (control): {_summary(errors)}", errors=errors, status=status)


class IntacctAuthError(IntacctWireError):
    """Authentication of the operation failed (user login or session): no function ran."""

    @classmethod
    def from_errors(cls, errors: list[IntacctError]) -> IntacctAuthError:
        return cls(f"Intacct sign-in failed: {_summary(errors)}", errors=errors)

    @property
    def invalid_session(self) -> bool:
        return any("invalid session" in (e.description2 + " " + e.description).lower() for e in self.errors)


class IntacctGatewayError(IntacctWireError):
    """The gateway refused the HTTP request itself (GW-0011 with HTTP 400, or another 4xx)."""


class IntacctRateLimitError(IntacctWireError, BudgetExceededError):
    """GW-0010 (HTTP 429) persisted through the bounded backoff. Nothing was applied."""


class IntacctServerError(IntacctWireError):
    """5xx / 524 / connection failure on a read-only request, still failing after the retries."""

    retryable = True


class IntacctResponseError(IntacctWireError):
    """The answer is not a readable Intacct response (not XML, wrong shape, too large)."""


class IntacctHostileResponseError(IntacctResponseError):
    """The answer carries a DTD, external entities or an entity expansion bomb; refused unread."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="HOSTILE_RESPONSE")
