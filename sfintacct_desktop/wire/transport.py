"""What both wire clients share: URL policy, TLS, timeouts, backoff and the base error types.

Why one module: the rules that keep money and credentials safe (TLS always verified, plain HTTP
only to loopback, never a blind retry of a write whose outcome is unknown) must not drift apart
between the Salesforce and the Intacct client.
"""

from __future__ import annotations

import ipaddress
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

DEFAULT_TIMEOUT = (10.0, 120.0)  # (connect, read) seconds


class WireError(Exception):
    """Base of every error a wire client raises. ``retryable`` says a resend is safe."""

    retryable = False

    def __init__(self, message: str, *, code: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


class InsecureTransportError(WireError):
    """A URL the product refuses to talk to: plain http to a non-loopback host, or a bad scheme."""


class TransportError(WireError):
    """A connection that failed before any request left (DNS, refused, TLS handshake)."""

    retryable = True


def no_answer(exc: BaseException) -> str:
    """A failed request in plain words, without its text: a requests error names the URL, whose
    query string may hold a token, so only its kind is kept (the class name stays, for support)."""
    name = type(exc).__name__
    if isinstance(exc, requests.exceptions.Timeout):
        return f"no answer in time ({name})"
    if isinstance(exc, requests.exceptions.ConnectionError):
        return f"no connection: refused, or the host cannot be reached ({name})"
    return f"the request failed ({name})"


class TlsVerificationError(WireError):
    """The server's certificate did not verify. Never retried, never bypassed."""


class OutcomeUnknownError(WireError):
    """A write left and no trustworthy answer came back (timeout, 5xx, 524, dropped connection).

    The write may or may not have happened. Carries the idempotency ``key`` so that the engine can
    look the record up by its natural key before anything is resent.
    """

    def __init__(self, message: str, *, key: str, code: str = "", status: int | None = None) -> None:
        super().__init__(message, code=code, status=status)
        self.key = key


class BudgetExceededError(WireError):
    """The remote side refused because an API allocation is spent. Stop; never loop."""


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_url(url: str) -> str:
    """Accept https anywhere and http only to loopback (the sandbox); refuse everything else."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and is_loopback_host(parts.hostname):
        return url
    if parts.scheme == "http":
        raise InsecureTransportError(
            f"Refusing plain http:// to {parts.hostname}: only loopback hosts (the sandbox) may use http.",
            code="INSECURE_URL",
        )
    raise InsecureTransportError(f"Unsupported URL {url!r}: use https://", code="BAD_URL")


def new_session() -> requests.Session:
    """A session with TLS verification forced on (REQUESTS_CA_BUNDLE may still name a CA file)."""
    session = requests.Session()
    session.verify = True
    return session


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with full jitter: attempt n waits uniform(0, min(cap, base * 2**n))."""

    base: float = 0.5
    cap: float = 30.0
    max_attempts: int = 5
    sleep: Callable[[float], None] = time.sleep
    rand: Callable[[], float] = random.random

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        if retry_after is not None and retry_after >= 0:
            return min(self.cap, retry_after)
        return self.rand() * min(self.cap, self.base * (2**attempt))

    def wait(self, attempt: int, retry_after: float | None = None) -> None:
        self.sleep(self.delay(attempt, retry_after))
