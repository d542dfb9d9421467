"""One REST call with the reliability policy: timeouts, backoff, one re-login, budget stop.

Why here and not in simple-salesforce: its login modes re-login up to three times and retry
anything; we need a policy that knows which calls are safe to resend. So the client uses
simple-salesforce in direct mode (session id + instance, no automatic re-login) and this module
decides what happens after each answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from simple_salesforce.exceptions import SalesforceError
from urllib3.exceptions import NewConnectionError

from ..transport import Backoff, TlsVerificationError, TransportError, no_answer
from .errors import SalesforceApiError, SalesforceAuthError, SalesforceBudgetError, SalesforceSessionError
from .parse import parse_api_errors


class Ambiguous(Exception):
    """Internal: a non-idempotent write left and no trustworthy answer came back."""

    def __init__(self, what: str, status: int | None = None) -> None:
        super().__init__(what)
        self.status = status


def _never_left(exc: requests.RequestException) -> bool:
    """True when the request provably never reached the server (so any resend is safe)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, NewConnectionError | ConnectionRefusedError):
            return True
        nxt = getattr(cur, "reason", None) or (cur.args[0] if cur.args else None)
        cur = nxt if isinstance(nxt, BaseException) else cur.__cause__ or cur.__context__
    return False


def _error_text(exc: SalesforceError) -> tuple[str, str]:
    errors = parse_api_errors(exc.content)
    if not errors:
        return "", f"HTTP {exc.status}"
    code, message, _ = errors[0]
    return code, message


def call_with_policy(
    send: Callable[[], Any],
    *,
    relogin: Callable[[], None],
    backoff: Backoff,
    what: str,
    retry: bool,
) -> Any:
    """Run ``send`` under the policy.

    ``retry`` is true for reads and idempotent writes: 5xx, whole-call UNABLE_TO_LOCK_ROW and
    connection errors are resent with backoff. For other writes a lost or 5xx answer raises
    :class:`Ambiguous` (the caller turns it into OutcomeUnknownError). INVALID_SESSION_ID gets one
    re-login and one resend (the 401 proves nothing was applied); a second one is a session problem
    (:class:`SalesforceSessionError`), not bad credentials; REQUEST_LIMIT_EXCEEDED stops.
    """
    relogged = False
    attempt = 0
    while True:
        try:
            return send()
        except SalesforceError as exc:
            code, message = _error_text(exc)
            status = int(exc.status or 0)
            if status == 401 and code == "INVALID_SESSION_ID" and not relogged:
                relogged = True
                relogin()
                continue
            if status == 401 and code == "INVALID_SESSION_ID":  # a fresh login worked, its session was refused too
                raise SalesforceSessionError(
                    f"Salesforce ended the session again right after a successful new login ({what})", code=code
                ) from None
            if status == 401:
                raise SalesforceAuthError(f"Salesforce session refused: {code}: {message}", code=code) from None
            if status == 403 and code == "REQUEST_LIMIT_EXCEEDED":
                raise SalesforceBudgetError(
                    f"Salesforce API allocation spent ({what}): {message}", code=code, status=403
                ) from None
            transient = status >= 500 or code == "UNABLE_TO_LOCK_ROW"
            if transient and retry and attempt + 1 < backoff.max_attempts:
                backoff.wait(attempt)
                attempt += 1
                continue
            if status >= 500 and not retry:
                raise Ambiguous(f"{what}: HTTP {status}", status) from None
            raise SalesforceApiError(
                f"Salesforce {what} failed: {code or status}: {message}", code=code, status=status, retryable=transient
            ) from None
        except requests.exceptions.SSLError:
            raise TlsVerificationError(f"Salesforce {what}: the server certificate did not verify") from None
        except requests.RequestException as exc:
            safe = retry or _never_left(exc)
            if not safe:
                raise Ambiguous(f"{what}: {no_answer(exc)}") from None
            if attempt + 1 < backoff.max_attempts:
                backoff.wait(attempt)
                attempt += 1
                continue
            raise TransportError(f"Salesforce {what}: {no_answer(exc)}, {attempt + 1} attempts") from None
