"""What every `sfintacct` command shares: the common options, exit codes, output and error printing.

One place so that every command group speaks alike: ``--profile NAME`` (default ``sandbox``) and
``--json`` on every command; exit 0 on success, 1 on a handled failure (title, message and hint on
stderr, and one JSON object on stdout with ``--json``), 2 on bad usage (argparse). Tracebacks never
reach the terminal: they go to the log file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from ..app.session import Session
from ..config.profiles import SANDBOX_PROFILE

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

Common = Callable[[argparse.ArgumentParser], None]


class CliFailure(Exception):
    """A handled failure: printed as title, message and hint; exit status 1."""

    def __init__(self, title: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.title, self.message, self.hint = title, message, hint


def fit(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters; a cut one ends in "…" so it never reads as another
    value (a website cut to a shorter address)."""
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def add_common_options(parser: argparse.ArgumentParser) -> None:
    """``--profile``, ``--json`` and ``-v`` on a (sub)command: every command takes them."""
    parser.add_argument("--profile", default=SANDBOX_PROFILE, help="connection profile (default: sandbox)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more detail on stderr (-vv: debug)")


def session(args: argparse.Namespace) -> Session:
    """The one session of this command's ``--profile``: every command gets it here, made once per run."""
    current = getattr(args, "_session", None)
    if current is None or current.name != args.profile:
        current = Session(args.profile)
        args._session = current
    return current


def print_json(payload: dict[str, Any]) -> None:
    """One JSON object on one line of stdout (keys sorted, so output is stable)."""
    sys.stdout.write(json.dumps(payload, sort_keys=True, default=str) + "\n")
    sys.stdout.flush()


def emit(args: argparse.Namespace, payload: dict[str, Any], text: str) -> None:
    """The payload as JSON with ``--json``, else the human text."""
    if getattr(args, "json", False):
        print_json(payload)
    else:
        print(text)


def fail(
    args: argparse.Namespace,
    title: str,
    message: str,
    hint: str = "",
    *,
    printed: bool = False,
    top: dict[str, Any] | None = None,
    **extra: Any,
) -> int:
    """Print a handled failure and return exit status 1.

    Title, message and hint go to stderr; with ``--json`` also one ``{"ok": false, "error": ...}``
    object on stdout, unless the command already ``printed`` its own. ``top`` adds keys beside
    ``error``; ``extra`` adds keys inside it.
    """
    if getattr(args, "json", False) and not printed:
        print_json({"ok": False, **(top or {}), "error": {"title": title, "message": message, "hint": hint, **extra}})
    print(f"{title}: {message}" + (f"\nHint: {hint}" if hint else ""), file=sys.stderr)
    return EXIT_FAILED
