"""`sfintacct-desktop` / `python -m sfintacct_desktop`: open the desktop window.

``--show`` keeps the pre-GUI text summary (start the embedded sandbox, print what it holds); it
needs no display, and it is also what runs when there is no display to open a window on.
``--screenshot PATH`` saves the first painted window and quits: the packaged build's smoke test
and start-up benchmark use it with ``QT_QPA_PLATFORM=offscreen``.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import __version__
from .cli import main as cli_main
from .domain import SyncError


def _has_display() -> bool:
    if sys.platform != "linux" or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _listening(url: str) -> bool:
    parts = urlsplit(url)
    if not parts.hostname or not parts.port:
        return False
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=0.5):
            return True
    except OSError:
        return False


def ensure_sandbox(profile: str) -> Any | None:
    """Start the embedded sandbox (in-process) unless the profile's emulators already answer.

    Here and not in ``gui``: only app/cli wiring may import the sandbox. Returns the started
    sandbox (stopped on quit) or None when one was already running or the profile is a real one.
    """
    from .app.sandbox_service import EMBEDDED_NICE, start_sandbox
    from .config import profiles as cfg

    if profile != cfg.SANDBOX_PROFILE:
        return None
    try:
        prof = cfg.get_profile(profile)
    except cfg.ProfileError:
        prof = {}
    urls = [str((prof.get(part) or {}).get("url") or "") for part in ("salesforce", "intacct")]
    if all(urls) and all(_listening(u) for u in urls):
        return None
    return start_sandbox(profile=profile, nice=EMBEDDED_NICE, serial_work=True)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="sfintacct-desktop", description="Salesforce ↔ Sage Intacct desktop sync")
    parser.add_argument(
        "--profile",
        default=None,
        help="connection profile (default: the embedded sandbox; with no profile yet, a welcome page first)",
    )
    parser.add_argument("--version", action="version", version=f"sfintacct-desktop {__version__}")
    parser.add_argument("--show", action="store_true", help="print the sandbox summary as text (no window)")
    parser.add_argument(
        "--screenshot", type=Path, default=None, metavar="PNG", help="save the first painted window as a PNG and quit"
    )
    known, rest = parser.parse_known_args(args)
    if known.show or not _has_display():
        if not known.show:
            print("No display found: showing the text summary (use --show to ask for it).", file=sys.stderr)
        return cli_main(["sandbox", "show", *rest])
    from .app.logging_setup import secure_product_files, setup_logging
    from .gui.app import run  # Qt is imported only when a window is wanted

    try:
        setup_logging()  # tracebacks go to the log file only, never to the terminal
    except OSError as exc:
        print(f"Warning: cannot write the log file ({exc.__class__.__name__})", file=sys.stderr)
    secure_product_files()
    from .app.profile_editing import first_run

    profile = known.profile or "sandbox"
    if known.profile is None and first_run():  # the welcome page offers the sandbox or the profile editor
        return run(
            profile,
            [sys.argv[0], *rest],
            first_run=True,
            start_sandbox=lambda: ensure_sandbox(profile),
            screenshot=known.screenshot,
        )
    try:
        sandbox = ensure_sandbox(profile)
    except SyncError as exc:  # e.g. a sandbox of another profile already serves the same data
        info = exc.info
        print(f"{info.title}: {info.message}\nHint: {info.hint}", file=sys.stderr)
        return 1
    on_quit = sandbox.stop if sandbox is not None else None
    return run(profile, [sys.argv[0], *rest], on_quit=on_quit, screenshot=known.screenshot)


if __name__ == "__main__":
    sys.exit(main())
