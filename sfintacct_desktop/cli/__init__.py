"""`sfintacct`: the headless twin of the desktop app. Conventions: docs/cli.md.

Every command takes ``--profile`` and ``--json``. Exit status: 0 success, 1 a handled failure
(with a clear message on stderr), 2 bad usage. Business logic lives in ``app/``; this module
only parses arguments and prints.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable

from .. import __version__
from ..app.errors import Surface, one_shot_hint, present
from ..app.logging_setup import secure_product_files, setup_logging
from ..config.profiles import ProfileError
from ..domain import SyncError
from ..secrets import CredentialStoreError, redacted_exception_text
from . import baseline as cli_baseline
from . import customer as cli_customer
from . import invoices as cli_invoices
from . import pipeline as cli_pipeline
from . import profile as cli_profiles
from . import salesforce as cli_salesforce
from . import sandbox as cli_sandbox
from . import service as cli_service
from . import state as cli_state
from . import sync as cli_sync
from .common import EXIT_FAILED, EXIT_OK, CliFailure, fail
from .common import add_common_options as _common


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sfintacct", description="Salesforce <-> Sage Intacct sync, headless.")
    parser.add_argument("--version", action="version", version=f"sfintacct {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    cli_sandbox.register(sub, _common)  # sandbox serve | show
    cli_profiles.register(sub, _common)
    cli_salesforce.register(sub, _common)  # salesforce deploy
    cli_sync.register(sub, _common)  # sync, status, errors, retry, conflicts, resolve
    cli_baseline.register(sub, _common)  # baseline plan | apply
    cli_invoices.register(sub, _common)  # invoices
    cli_customer.register(sub, _common)  # customer
    cli_pipeline.register(sub, _common)  # pipeline
    cli_state.register(sub, _common)  # state check | backup | restore | rebuild
    cli_service.register(sub, _common)  # service run | install | uninstall | status | logs
    return parser


def _quiet_stdout() -> None:
    """Point stdout at the null device, so the interpreter's last flush finds no closed pipe."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real stdout (a test's capture): nothing to flush into a pipe
        pass


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on bad usage, 0 on --help
        return int(exc.code or 0)
    handlers: dict[tuple[str, str | None], Callable[[argparse.Namespace], int]] = {}
    handlers.update(cli_sandbox.handlers())
    handlers.update(cli_profiles.handlers())
    handlers.update(cli_salesforce.handlers())
    handlers.update(cli_sync.handlers())
    handlers.update(cli_baseline.handlers())
    handlers.update(cli_invoices.handlers())
    handlers.update(cli_customer.handlers())
    handlers.update(cli_pipeline.handlers())
    handlers.update(cli_state.handlers())
    handlers.update(cli_service.handlers())
    key = (args.command, getattr(args, f"{args.command}_command", None))
    try:
        setup_logging(getattr(args, "verbose", 0))
    except OSError as exc:  # an unwritable log directory must not stop the command
        print(f"Warning: cannot write the log file ({exc.__class__.__name__})", file=sys.stderr)
    secure_product_files()
    try:
        code = handlers[key](args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        return code
    except BrokenPipeError:  # `sfintacct status | head`: the reader has all it wanted
        _quiet_stdout()
        return EXIT_OK
    except CliFailure as exc:
        fail(args, exc.title, exc.message, exc.hint)
    except Exception as exc:  # one voice: the same title, message and hint as the window, CLI-worded hint
        if not isinstance(exc, ProfileError | CredentialStoreError | SyncError):  # a bug: traceback to the log only
            logging.getLogger(__name__).error("Unexpected error\n%s", redacted_exception_text(exc))
        info = present(exc, Surface.CLI)
        fail(args, info.title, info.message, one_shot_hint(info.hint))  # a command ran once: nothing retries
    return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
