"""`sfintacct sandbox serve | show`: the local Salesforce and Intacct emulators."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..app import sandbox_service
from .common import EXIT_OK, CliFailure, Common, emit


def port(text: str) -> int:
    """A TCP port, 0 to 65535 (0 picks a free one): a bad one is a usage error, not a random port."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port: use 1-65535, or 0 for a free one")
    return value


def register(sub: Any, common: Common) -> None:
    sandbox = sub.add_parser("sandbox", help="the local Salesforce and Intacct emulators")
    sandbox_sub = sandbox.add_subparsers(dest="sandbox_command", required=True)
    serve = sandbox_sub.add_parser("serve", help="run both emulators in the foreground until SIGINT/SIGTERM")
    common(serve)
    serve.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    serve.add_argument("--salesforce-port", type=port, default=0, help="0 picks a free port")
    serve.add_argument("--intacct-port", type=port, default=0, help="0 picks a free port")
    serve.add_argument("--seed", default="demo", help="demo | empty | renamed | scale:N (into an empty data dir)")
    serve.add_argument("--data", type=Path, default=None, help="state directory (default under SFINTACCT_HOME)")
    serve.add_argument("--reset", action="store_true", help="drop the stored state and load --seed again")
    serve.add_argument(
        "--latency",
        default="none",
        help="delay every request as a real link would: none (default) | lan | wan | sf=MS,ia=MS (docs/sandbox.md)",
    )

    show = sandbox_sub.add_parser("show", help="start the sandbox, print what it holds, and stop")
    common(show)
    show.add_argument("--seed", default="demo")
    show.add_argument("--data", type=Path, default=None)


def handlers() -> dict[tuple[str, str], Callable[[argparse.Namespace], int]]:
    return {("sandbox", "serve"): cmd_sandbox_serve, ("sandbox", "show"): cmd_sandbox_show}


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
            latency=args.latency,
        )
    except (ValueError, OSError) as exc:
        hint = "Check --host, the ports, --seed and --latency."
        raise CliFailure("Cannot start the sandbox", str(exc), hint) from None
    # Exactly one JSON line on stdout; everything else goes to stderr.
    sys.stdout.write(json.dumps(running.connection_info(args.profile)) + "\n")
    sys.stdout.flush()
    print(
        f"sandbox: Salesforce {running.salesforce_url}, Intacct {running.intacct_url}, latency "
        f"{running.latency.name}; Ctrl+C stops it",
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
    emit(args, summary, "\n".join(lines))
    return EXIT_OK
