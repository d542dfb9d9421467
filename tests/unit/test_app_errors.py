"""One voice for errors: the same exception read on the terminal and in the window.

Title and message are the same on both surfaces; only the hint differs, and a window hint never
tells anyone to type a command (it names buttons and tabs).
"""

from __future__ import annotations

import pytest

from sfintacct_desktop.app import gui_support
from sfintacct_desktop.app.errors import Surface, present, present_signin_attempt
from sfintacct_desktop.config.profiles import ProfileError
from sfintacct_desktop.domain import ErrorInfo, ErrorKind, SyncError, System
from sfintacct_desktop.wire.salesforce import SalesforceAuthError, SalesforceSignInError, SalesforceSignInRequired
from sfintacct_desktop.wire.transport import TransportError

CASES = [
    TransportError("connection refused by 127.0.0.1:9"),
    SalesforceAuthError("INVALID_LOGIN: bad password", code="INVALID_LOGIN"),
    SalesforceSignInRequired("This profile is not signed in to Salesforce", code="SIGNIN_MISSING"),
    ProfileError("No connection profile named 'acme'.", "Create it with `sfintacct profile add`."),
    ProfileError("No connection profile named 'sandbox'.", "Start the sandbox with `sfintacct sandbox serve`."),
    SyncError(ErrorInfo(ErrorKind.AUTH, "Salesforce sign-in needed", "Signed out.", "sfintacct profile login",
                        System.SALESFORCE, "SIGNIN_EXPIRED")),
    KeyError("boom"),
]


@pytest.mark.parametrize("exc", CASES, ids=lambda e: type(e).__name__)
def test_the_same_exception_reads_alike_on_both_surfaces_and_the_window_never_names_a_command(
    exc: BaseException,
) -> None:
    cli = present(exc, Surface.CLI, profile="acme")
    window = present(exc, Surface.WINDOW, profile="acme")
    assert (cli.title, cli.message, cli.kind, cli.code) == (window.title, window.message, window.kind, window.code)
    assert cli.title and cli.message and cli.hint and window.hint
    assert "sfintacct " not in window.hint, window.hint
    # what the window's error panel shows goes through the same functions (a failed sign-in attempt
    # is read as one: what to do about the attempt, not "sign in again")
    attempt = isinstance(exc, SalesforceSignInError | SalesforceSignInRequired)
    shown = present_signin_attempt(exc, Surface.WINDOW) if attempt else present(exc, Surface.WINDOW)
    assert gui_support.failure(exc) == {"title": shown.title, "message": shown.message, "hint": shown.hint}
    assert "sfintacct " not in shown.hint


def test_the_cli_hint_is_the_command_to_type_and_the_window_hint_the_button_to_press() -> None:
    exc = TransportError("connection refused")
    assert "sfintacct sandbox serve" in present(exc, Surface.CLI).hint
    assert "Test connection" in present(exc, Surface.WINDOW).hint
    needed = SalesforceSignInRequired("not signed in", code="SIGNIN_MISSING")
    assert "sfintacct profile login --profile acme" in present(needed, Surface.CLI, profile="acme").hint
    assert "Sign in with Salesforce" in present(needed, Surface.WINDOW, profile="acme").hint


def test_the_remote_code_and_system_travel_with_the_error() -> None:
    info = present(SalesforceAuthError("INVALID_LOGIN", code="INVALID_LOGIN"), Surface.CLI, system=System.SALESFORCE)
    assert (info.kind, info.code, info.system) == (ErrorKind.AUTH, "INVALID_LOGIN", System.SALESFORCE)


@pytest.mark.parametrize("code", ["CANCELLED", "TIMEOUT", "PORTS_BUSY", "access_denied", "NO_REFRESH_TOKEN", "OTHER"])
def test_a_sign_in_attempt_that_did_not_complete_reads_per_surface(code: str) -> None:
    exc = SalesforceSignInError("The sign-in did not complete", code=code)
    cli, window = present_signin_attempt(exc, Surface.CLI), present_signin_attempt(exc, Surface.WINDOW)
    assert (cli.title, cli.message, cli.code) == (window.title, window.message, window.code) == (
        "Salesforce sign-in failed", "The sign-in did not complete", code)
    assert "sfintacct " not in window.hint
    assert window.hint != cli.hint


def test_the_worker_words_a_failure_once_for_both_surfaces() -> None:
    """The worker does not know whether a terminal or the window shows its error: it carries both hints."""
    from sfintacct_desktop.app.errors import present_both, present_info

    exc = SalesforceAuthError("INVALID_LOGIN: bad password", code="INVALID_LOGIN")
    both = present_both(exc, profile="acme")
    assert present_info(both, Surface.CLI).hint == present(exc, Surface.CLI, profile="acme").hint
    assert present_info(both, Surface.WINDOW).hint == present(exc, Surface.WINDOW, profile="acme").hint
    assert "sfintacct " in present_info(both, Surface.CLI).hint
    assert "sfintacct " not in gui_support.shown(both)["hint"]
    assert "window_hint" not in both.as_dict()  # the terminal's JSON keeps its shape
