"""The window's "sync in the background" switch: install the per-user service and wait until it runs
the profile, or stop and remove it.

Why here and not in the window: the same steps as ``sfintacct service install`` / ``uninstall``
(``service_units``), then a bounded wait on the service's own status, so that the window attaches
only to a service that really syncs the profile and never shows a healthy state that is not true.
The caller stops its own worker first: the service takes the profile's lock at once instead of
waiting 30 seconds for it.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from typing import Any

from ..domain import ErrorInfo, ErrorKind, SyncError
from . import service_channel as ch
from . import service_units

START_WAIT = 45.0  # seconds for the service to start and take the profile (an interpreter start and a login)
POLL = 0.25


def _failure(title: str, message: str, hint: str) -> SyncError:
    return SyncError(ErrorInfo(ErrorKind.INTERNAL, title, message, hint))


def _tool_said(exc: subprocess.CalledProcessError) -> str:
    said = (exc.stderr or exc.stdout or "").strip().splitlines()
    return said[0] if said else f"exit status {exc.returncode}"


def start_background_service(profile: str, *, wait: float = START_WAIT) -> dict[str, Any]:
    """Install and start the service for every profile, then wait until it runs ``profile``.

    Raises SyncError with what went wrong; a service that could not be started is removed again,
    so nothing half-installed stays behind."""
    try:
        report = service_units.install([], start=True)
    except subprocess.CalledProcessError as exc:
        _remove_quietly()
        raise _failure(
            "The background service could not be started",
            f"The system's service manager refused it: {_tool_said(exc)}.",
            "Keep this window open to sync (or keep it in the tray: File menu). On a desktop without a "
            "per-user service manager the service cannot run.",
        ) from None
    except OSError as exc:
        _remove_quietly()
        raise _failure(
            "The background service could not be installed", str(exc), "Check the disk and try again."
        ) from None
    if report["next"]:  # no service manager to start it with
        _remove_quietly()
        raise _failure(
            "This computer has no per-user service manager",
            "The background service needs systemd (Linux), launchd (macOS) or the Task Scheduler (Windows).",
            "Keep this window open to sync, or keep it in the tray (File menu).",
        )
    deadline = time.monotonic() + wait
    while True:
        row = _profile_row(profile)
        if row is not None and row.get("state") == "failed":
            error = row.get("error") or {}
            _remove_quietly()
            raise _failure(
                str(error.get("title") or "The background service could not sync this profile"),
                str(error.get("message") or ""),
                str(error.get("hint") or "Check the profile on the Connections tab, then try again."),
            )
        if row is not None and row.get("state") not in ("busy", None):
            return {**report, "state": row["state"]}
        if time.monotonic() > deadline:
            _remove_quietly()
            raise _failure(
                "The background service did not start",
                f"It was installed, but it did not answer for profile {profile} within {wait:.0f} seconds.",
                "Open the log folder (Help menu) to see why, then try again.",
            )
        time.sleep(POLL)  # polling a service that is starting: bounded by the deadline above


def stop_background_service() -> dict[str, Any]:
    """Stop the service (after its current batch) and remove its unit."""
    try:
        return service_units.uninstall(stop=True)
    except subprocess.CalledProcessError as exc:
        raise _failure(
            "The background service could not be stopped",
            f"The system's service manager refused: {_tool_said(exc)}.",
            "Try again; if it persists, restart your session.",
        ) from None


def _profile_row(profile: str) -> dict[str, Any] | None:
    try:
        answer = ch.ask("status", profile)
    except (ch.ServiceUnavailable, ch.ServiceRefused):
        return None
    rows = [r for r in answer.get("profiles", []) if r.get("profile") == profile]
    return rows[0] if rows else None


def _remove_quietly() -> None:
    """Best effort: the error the caller raises says what failed first."""
    with contextlib.suppress(subprocess.CalledProcessError, OSError):
        service_units.uninstall(stop=True)
