"""`sfintacct`: the headless twin of the desktop app. Conventions: docs/cli.md.

Every command takes ``--profile`` and ``--json``. Exit status: 0 success, 1 a handled failure
(with a clear message on stderr), 2 bad usage. Business logic lives in ``app/``; this module
only parses arguments and prints.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from .. import __version__
from ..app import sandbox_service
from ..app.logging_setup import secure_product_files, setup_logging
from ..config.profiles import SANDBOX_PROFILE, ProfileError
from ..domain import SyncError
from ..secrets import CredentialStoreError, redacted_exception_text
from . import baseline as cli_baseline
from . import invoices as cli_invoices
from . import profile as cli_profiles
from . import state as cli_state
from . import sync as cli_sync

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class CliFailure(Exception):
    """A handled failure: printed as title, message and hint; exit status 1."""

    def __init__(self, title: str, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.title, self.message, self.hint = title, message, hint


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", default=SANDBOX_PROFILE, help="connection profile (default: sandbox)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more detail on stderr (-vv: debug)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sfintacct", description="Salesforce <-> Sage Intacct sync, headless.")
    parser.add_argument("--version", action="version", version=f"sfintacct {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    sandbox = sub.add_parser("sandbox", help="the local Salesforce and Intacct emulators")
    sandbox_sub = sandbox.add_subparsers(dest="sandbox_command", required=True)
    serve = sandbox_sub.add_parser("serve", help="run both emulators in the foreground until SIGINT/SIGTERM")
    _common(serve)
    serve.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    serve.add_argument("--salesforce-port", type=int, default=0, help="0 picks a free port")
    serve.add_argument("--intacct-port", type=int, default=0, help="0 picks a free port")
    serve.add_argument("--seed", default="demo", help="demo | empty | renamed | scale:N (into an empty data dir)")
    serve.add_argument("--data", type=Path, default=None, help="state directory (default under SFINTACCT_HOME)")
    serve.add_argument("--reset", action="store_true", help="drop the stored state and load --seed again")

    show = sandbox_sub.add_parser("show", help="start the sandbox, print what it holds, and stop")
    _common(show)
    show.add_argument("--seed", default="demo")
    show.add_argument("--data", type=Path, default=None)

    cli_profiles.register(sub, _common)
    cli_sync.register(sub, _common)  # sync, status, errors, retry, conflicts, resolve
    cli_baseline.register(sub, _common)  # baseline plan | apply
    cli_invoices.register(sub, _common)  # invoices
    cli_state.register(sub, _common)  # state check | backup | restore | rebuild
    return parser


def _emit(args: argparse.Namespace, payload: dict[str, Any], text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(payload, sort_keys=True))
    else:
        print(text)


def cmd_sandbox_serve(args: argparse.Namespace) -> int:
    stop = threading.Event()

    def _on_signal(signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        running = sandbox_service.start_sandbox(
            host=args.host,
            salesforce_port=args.salesforce_port,
            intacct_port=args.intacct_port,
            seed=args.seed,
            data_dir=args.data,
            reset=args.reset,
            profile=args.profile,
        )
    except (ValueError, OSError) as exc:
        raise CliFailure("Cannot start the sandbox", str(exc), "Check --host, the ports and --seed.") from None
    # Exactly one JSON line on stdout; everything else goes to stderr.
    sys.stdout.write(json.dumps(running.connection_info(args.profile)) + "\n")
    sys.stdout.flush()
    print(
        f"sandbox: Salesforce {running.salesforce_url}, Intacct {running.intacct_url}; Ctrl+C stops it",
        file=sys.stderr,
    )
    try:
        while not stop.wait(0.5):
            pass
    finally:
        running.stop()
    return EXIT_OK


def cmd_sandbox_show(args: argparse.Namespace) -> int:
    summary = sandbox_service.describe_sandbox(seed=args.seed, data_dir=args.data, profile=args.profile)
    lines = [
        f"Sandbox data in {summary['data_dir']} (seed {summary['seed']})",
        f"  Salesforce at {summary['salesforce']['url']}:",
        *(f"    {name:<22} {count:>6}" for name, count in summary["salesforce"]["counts"].items()),
        f"  Intacct at {summary['intacct']['url']}:",
        *(f"    {name:<22} {count:>6}" for name, count in summary["intacct"]["counts"].items()),
        "  Same company, keyed differently (Salesforce Account | Intacct CUSTOMER):",
        *(f"    {a:<38} | {c}" for a, c in summary["samples"]),
    ]
    _emit(args, summary, "\n".join(lines))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    handlers = {("sandbox", "serve"): cmd_sandbox_serve, ("sandbox", "show"): cmd_sandbox_show}
    handlers.update(cli_profiles.handlers())
    handlers.update(cli_sync.handlers())
    handlers.update(cli_baseline.handlers())
    handlers.update(cli_invoices.handlers())
    handlers.update(cli_state.handlers())
    key = (args.command, getattr(args, f"{args.command}_command", None))
    try:
        setup_logging(getattr(args, "verbose", 0))
    except OSError as exc:  # an unwritable log directory must not stop the command
        print(f"Warning: cannot write the log file ({exc.__class__.__name__})", file=sys.stderr)
    secure_product_files()
    try:
        return handlers[key](args)
    except CliFailure as exc:
        _fail(args, exc.title, exc.message, exc.hint)
    except ProfileError as exc:
        _fail(args, "Profile problem", str(exc), exc.hint)
    except CredentialStoreError as exc:
        _fail(args, exc.title, exc.message, exc.hint)
    except SyncError as exc:  # e.g. the state store cannot be opened: the same words as in the window
        _fail(args, exc.info.title, exc.info.message, exc.info.hint)
    except Exception as exc:  # a bug: say so plainly, keep the (redacted) traceback in the log only
        logging.getLogger(__name__).error("Unexpected error\n%s", redacted_exception_text(exc))
        _fail(args, "Unexpected error", f"{type(exc).__name__}", "See the log file; please report it.")
    return EXIT_FAILED


def _fail(args: argparse.Namespace, title: str, message: str, hint: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps({"ok": False, "error": {"title": title, "message": message, "hint": hint}}))
    print(f"{title}: {message}" + (f"\nHint: {hint}" if hint else ""), file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
