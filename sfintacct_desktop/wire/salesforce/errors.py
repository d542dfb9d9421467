"""Typed errors of the Salesforce client (subclasses of the shared wire errors)."""

from __future__ import annotations

from typing import Any

from ..transport import BudgetExceededError, OutcomeUnknownError, WireError


class SalesforceAuthError(WireError):
    """The login was refused (or a session could not be renewed). Never carries a secret."""


class SalesforceSignInRequired(SalesforceAuthError):
    """The browser sign-in is missing, expired or revoked: a person must sign in again.

    Why its own type: retrying cannot help and the password is not the question; the hint is
    "sign in again" (Connections > Sign in with Salesforce, or ``sfintacct profile login``).
    ``code``: SIGNIN_MISSING (never signed in / signed out) or SIGNIN_EXPIRED (refused by Salesforce).
    """


class SalesforceSignInError(SalesforceAuthError):
    """A browser sign-in that did not complete (cancelled, timed out, denied, refused by Salesforce)."""


class SalesforceBudgetError(BudgetExceededError):
    """403 REQUEST_LIMIT_EXCEEDED (on a call or at login): the org's API allocation is spent. Never retried."""


class SalesforceSessionError(WireError):
    """The session was refused again right after a fresh login succeeded.

    Why not an auth error: the username and password were just accepted, so telling a person to
    check them is wrong; something ends the sessions (org session settings, another login).
    """


class SalesforceApiError(WireError):
    """A definite error answer of the REST API (``code`` = errorCode, e.g. MALFORMED_QUERY)."""

    def __init__(self, message: str, *, code: str = "", status: int | None = None, retryable: bool = False) -> None:
        super().__init__(message, code=code, status=status)
        self.retryable = retryable


class SalesforceOutcomeUnknownError(OutcomeUnknownError):
    """A create batch left and no trustworthy answer came back.

    ``results`` holds the per-record results of the batches that did complete (input order) and
    ``first_unknown`` the input index of the first record whose fate is unknown.
    """

    def __init__(self, message: str, *, key: str, results: list[Any], first_unknown: int, status: int | None) -> None:
        super().__init__(message, key=key, code="OUTCOME_UNKNOWN", status=status)
        self.results = results
        self.first_unknown = first_unknown
