"""One voice for errors: any exception as the title, message and hint a person reads.

The CLI, the window and the connection checks all call ``present``; the words are the same
everywhere except the hint, which fits the surface it is shown on: the terminal gets the command
to type, the window names the button or tab to use (a window never tells anyone to type a command).
Messages are redacted: a secret never reaches a screen or a log through an error.
"""

from __future__ import annotations

import enum
from dataclasses import replace
from typing import Any

import requests

from ..config.profiles import SANDBOX_PROFILE, ProfileError
from ..connectors import to_sync_error
from ..domain.errors import ErrorInfo, ErrorKind, SyncError
from ..domain.records import System
from ..secrets import CredentialStoreError, redact
from ..wire.intacct.errors import (
    IntacctAuthError,
    IntacctControlError,
    IntacctHostileResponseError,
    IntacctResponseError,
    IntacctServerError,
)
from ..wire.salesforce import (
    SalesforceApiError,
    SalesforceAuthError,
    SalesforceSessionError,
    SalesforceSignInError,
    SalesforceSignInRequired,
)
from ..wire.transport import (
    BudgetExceededError,
    InsecureTransportError,
    TlsVerificationError,
    TransportError,
    WireError,
)
from .signin import signin_hint


class Surface(enum.Enum):
    """Where an error is shown: decides the form of the hint."""

    CLI = "cli"
    WINDOW = "window"


def _hint(surface: Surface, cli: str, window: str) -> str:
    return window if surface is Surface.WINDOW else cli


def _profile_hint(exc: ProfileError, surface: Surface, profile: str) -> str:
    if surface is Surface.CLI:
        return exc.hint
    if profile == SANDBOX_PROFILE:
        return "Restart the application: it starts the sandbox and creates its profile."
    return "Choose another profile in the profile list at the top of the window, or ask whoever set it up."


def present_info(info: ErrorInfo, surface: Surface) -> ErrorInfo:
    """An error already worded (by the engine, a connector, the worker) in the form ``surface`` shows."""
    if surface is Surface.CLI:
        return info  # ``hint`` is the CLI's form; ``window_hint`` never reaches a terminal
    if info.code in ("SIGNIN_MISSING", "SIGNIN_EXPIRED"):
        return replace(info, hint="Sign in again: Connections tab, Sign in with Salesforce.", window_hint="")
    return info.for_window()


def one_shot_hint(hint: str, *, window: bool = False) -> str:
    """A hint for something done once (a command, a button's task): nothing will retry it, so
    "sync retries ..." would mislead (a hint about what "a watching sync" does stays true and is kept).
    ``window``: in the window's words (a button pressed again, never a command)."""
    if "; sync retries by itself" in hint:
        first = hint.split(";")[0].rstrip(".")
        if window:
            return f"{first}, then try again."
        return f"{first}, then run the command again (for the sandbox: is `sfintacct sandbox serve` running?)."
    for said in ("Sync retries later by itself", "Sync retries later", "sync retries later"):
        if said in hint:
            again = "try again later" if window else "run the command again later"
            return hint.replace(said, again[0].upper() + again[1:] if said[0] == "S" else again, 1)
    return hint


def present_both(exc: BaseException, **context: Any) -> ErrorInfo:
    """``exc`` worded for wherever it will be shown: the CLI's hint, and the window's beside it.

    Why: the sync worker reports to a terminal (``sync --watch``) or to the window, and does not
    know which; each surface later picks its form with ``present_info``.
    """
    cli = present(exc, Surface.CLI, **context)
    window = present(exc, Surface.WINDOW, **context)
    hint = window.hint if window.hint != cli.hint else cli.window_hint
    return replace(cli, window_hint=hint)


def present(
    exc: BaseException,
    surface: Surface,
    *,
    system: System | None = None,
    profile: str = "",
    usage: tuple[int, int] | None = None,
    doing: str = "",
) -> ErrorInfo:
    """``exc`` as an ``ErrorInfo`` (kind, title, message, hint, system, remote code) for ``surface``.

    ``system`` is the side that was being talked to, ``profile`` names the profile in hints,
    ``usage`` is the API usage a budget error reports, ``doing`` ("testing Intacct") names what an
    unexpected failure interrupted.
    """
    if isinstance(exc, SyncError):
        return present_info(exc.info, surface)
    carried = getattr(exc, "info", None)  # MappingError and friends carry a worded error already
    if isinstance(carried, ErrorInfo):
        return present_info(carried, surface)
    if getattr(exc, "title", "") and not isinstance(exc, ProfileError | CredentialStoreError):
        title, text, hint_ = (str(getattr(exc, k, "")) for k in ("title", "message", "hint"))
        return ErrorInfo(ErrorKind.SCHEMA, title, redact(text or str(exc)), hint_, system)
    sys_ = system or System.SALESFORCE
    side = "Salesforce" if sys_ is System.SALESFORCE else "Intacct"
    message = redact(str(exc)) or type(exc).__name__
    code = str(getattr(exc, "code", "") or "")
    if isinstance(exc, SalesforceSignInRequired | SalesforceSignInError):
        needed = isinstance(exc, SalesforceSignInRequired)
        title = "Salesforce sign-in needed" if needed else "Salesforce sign-in failed"
        hint = signin_hint(profile or "NAME", window=surface is Surface.WINDOW)
        return ErrorInfo(ErrorKind.AUTH, title, message, hint, sys_, code)
    if isinstance(exc, SalesforceSessionError):
        return to_sync_error(exc, sys_).info
    if isinstance(exc, BudgetExceededError):
        info = to_sync_error(exc, sys_, api_usage=usage).info
        return ErrorInfo(info.kind, info.title, message, info.hint, sys_, code)
    if isinstance(exc, SalesforceAuthError | IntacctAuthError | IntacctControlError):
        if sys_ is System.SALESFORCE:
            hint = _hint(
                surface,
                "Check the username, password and security token (and the login host) of this profile; "
                "to change them: sfintacct profile remove NAME, then sfintacct profile add NAME.",
                "Check the username, password and security token (and the login host) of this profile, "
                "then press Test connection on the Connections tab.",
            )
        else:
            hint = (
                "Check the sender id and password, company id, user id and user password of this profile, "
                "and that the sender id is authorised in the company "
                "(Company > Security > Web Services authorizations)."
            )
        return ErrorInfo(ErrorKind.AUTH, f"{side} login failed", message, hint, sys_, code)
    if isinstance(exc, InsecureTransportError | TlsVerificationError):
        hint = "Use an https:// address whose certificate verifies; plain http is only for the local sandbox."
        return ErrorInfo(ErrorKind.INSECURE, f"Insecure connection to {side} refused", message, hint, sys_, code)
    if isinstance(exc, IntacctHostileResponseError):
        hint = "Check the endpoint address: it should be Sage Intacct's XML gateway."
        return ErrorInfo(ErrorKind.HOSTILE_RESPONSE, f"{side} sent an unsafe response", message, hint, sys_, code)
    if isinstance(exc, TransportError | requests.RequestException):
        hint = _hint(
            surface,
            "Check the address in the profile and the network "
            "(for the sandbox: is `sfintacct sandbox serve` running?).",
            "Check the address in the profile and the network, then press Test connection on the Connections tab.",
        )
        return ErrorInfo(ErrorKind.CONNECTION, f"Cannot reach {side}", message, hint, sys_, code)
    if isinstance(exc, IntacctServerError | IntacctResponseError | SalesforceApiError | WireError):
        hint = "Try again in a few minutes."
        return ErrorInfo(ErrorKind.SERVER, f"{side} answered with an error", message, hint, sys_, code)
    if isinstance(exc, ProfileError):
        return ErrorInfo(ErrorKind.AUTH, "Profile problem", message, _profile_hint(exc, surface, profile), system)
    if isinstance(exc, CredentialStoreError):
        return ErrorInfo(ErrorKind.AUTH, exc.title, redact(exc.message), exc.hint, system)
    title, text = (
        (f"Unexpected problem while {doing}", f"{type(exc).__name__}: {message}")
        if doing
        else (
            "Unexpected error",
            type(exc).__name__,  # a bug: the traceback is in the log, the screen gets the kind only
        )
    )
    return ErrorInfo(ErrorKind.INTERNAL, title, text, "See the log file; please report it.", system)


# What to do when a sign-in attempt (the browser flow) does not complete, by its code, per surface.
_SIGNIN_ATTEMPT_HINTS: dict[Surface, dict[str, str]] = {
    Surface.CLI: {
        "CANCELLED": "Run the command again when ready.",
        "TIMEOUT": "Run it again and finish in the browser. If the browser showed redirect_uri_mismatch, the "
        "External Client App must list the callback URLs of docs/signin.md (http://localhost:1717/OauthRedirect ...).",
        "PORTS_BUSY": "Close the program that holds those ports (another sign-in?) and try again.",
        "access_denied": "Click Allow on Salesforce's page to let sfintacct use the API.",
        "NO_REFRESH_TOKEN": "The External Client App must grant the refresh_token scope (docs/signin.md).",
        "": "Check the profile's login host and consumer key, and the External Client App (docs/signin.md).",
    },
    Surface.WINDOW: {
        "CANCELLED": "Click Sign in with Salesforce again when ready.",
        "TIMEOUT": "Click Sign in with Salesforce again and finish in the browser. If the browser showed "
        "redirect_uri_mismatch, ask the Salesforce admin to list the product's callback URLs on the External "
        "Client App.",
        "PORTS_BUSY": "Another program holds the sign-in ports; close it (another sign-in?) and try again.",
        "access_denied": "Click Allow on Salesforce's page to let this application use the API.",
        "NO_REFRESH_TOKEN": "Ask the Salesforce admin to give the External Client App the refresh_token scope.",
        "": "Check the profile's login host and the External Client App with the admin.",
    },
}


def present_signin_attempt(exc: BaseException, surface: Surface) -> ErrorInfo:
    """A browser sign-in that did not complete (cancelled, timed out, refused) for ``surface``."""
    code = str(getattr(exc, "code", "") or "")
    hints = _SIGNIN_ATTEMPT_HINTS[surface]
    title = "Salesforce sign-in needed" if isinstance(exc, SalesforceSignInRequired) else "Salesforce sign-in failed"
    return ErrorInfo(ErrorKind.AUTH, title, redact(str(exc)), hints.get(code) or hints[""], System.SALESFORCE, code)
