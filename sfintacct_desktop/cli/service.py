"""`sfintacct service run | install | uninstall | status | logs`: argument parsing and printing only.

``service run`` is what the installed unit starts: the foreground service process (one sync
worker per profile, the control channel). It stops cleanly on SIGTERM or SIGINT (exit 0). The
other commands install the per-user unit of this system, and ask the running service how it does.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .common import EXIT_OK, Common, fail, print_json
from .sync import _positive, _Signals

# A window's private service runs well below the window's priority: on a machine with few cores the
# GUI thread then gets a core back within a scheduler tick when both want one (at 5 it still waited
# 20-30 ms behind a busy sync now and then); the sync's own pace hardly changes, it waits on the wire.
PRIVATE_NICE = 10


def _options(parser: argparse.ArgumentParser, *, profiles: bool = True) -> None:
    """The common options, with ``--profile`` repeatable (several profiles, default: all of them)."""
    if profiles:
        parser.add_argument("--profile", action="append", default=None, metavar="P", help="a profile (repeatable)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more detail on stderr (-vv: debug)")


def register(sub: Any, common: Common) -> None:
    service = sub.add_parser("service", help="the background sync service (runs without the window)")
    service_sub = service.add_subparsers(dest="service_command", required=True)
    run = service_sub.add_parser("run", help="run the service in the foreground (what the installed unit starts)")
    _options(run)
    run.add_argument("--interval", type=_positive, default=None, help="seconds between cycles (default: the profile's)")
    run.add_argument("--private", action="store_true", help=argparse.SUPPRESS)  # a window's own service
    run.add_argument("--run-dir", type=Path, default=None, help=argparse.SUPPRESS)  # its folder
    run.add_argument("--manual", action="store_true", help=argparse.SUPPRESS)  # no schedule: runs when asked
    install = service_sub.add_parser("install", help="install and start the per-user service of this system")
    _options(install)
    install.add_argument("--no-start", action="store_true", help="write the unit file only; do not start it")
    uninstall = service_sub.add_parser("uninstall", help="stop the service and remove its unit file")
    _options(uninstall, profiles=False)
    uninstall.add_argument("--no-stop", action="store_true", help="remove the unit file only")
    status = service_sub.add_parser("status", help="ask the running service: each profile's state, last and next run")
    _options(status)
    logs = service_sub.add_parser("logs", help="the end of the log file")
    _options(logs)
    logs.add_argument("-n", "--lines", type=int, default=50, help="how many lines (default 50)")


def handlers() -> dict[tuple[str, str], Callable[[argparse.Namespace], int]]:
    return {
        ("service", "run"): cmd_run,
        ("service", "install"): cmd_install,
        ("service", "uninstall"): cmd_uninstall,
        ("service", "status"): cmd_status,
        ("service", "logs"): cmd_logs,
    }


def _profiles(args: argparse.Namespace) -> list[str]:
    return list(dict.fromkeys(getattr(args, "profile", None) or []))


# ------------------------------------------------------------------------------ run
def cmd_run(args: argparse.Namespace) -> int:
    from ..app.service_host import SyncService

    if args.private:
        return _run_private(args)
    signals = _Signals()
    with signals.installed():
        service = SyncService(_profiles(args), interval=args.interval).start()
        if not service.hubs and not service.busy:
            service.shutdown()
            failed = "; ".join(f"{p}: {e['message']}" for p, e in service.failed.items())
            return fail(args, "Nothing to sync", failed or "There is no connection profile yet.",
                        "Add a profile (`sfintacct profile add`) and start the service again.")  # fmt: skip
        print(
            f"Background service running profiles {', '.join(sorted(service.hubs)) or '-'}"
            + (f" (waiting for {', '.join(sorted(service.busy))})" if service.busy else "")
            + "; SIGTERM or Ctrl+C stops it.",
            file=sys.stderr,
            flush=True,
        )
        return service.serve(lambda: signals.hit)


def _run_private(args: argparse.Namespace) -> int:
    """A window's private service: one profile, in the window's folder, until the window goes.

    The window holds this process's stdin: its end (the window closed, or died) stops the service
    after the current batch. One JSON line on stdout says it listens (``{"ok": true, "pid": ...}``)
    or why it cannot (``{"ok": false, "error": {...}}``); the window waits for it.
    """
    from ..app import service_protocol as sp
    from ..app import sync_service
    from ..app.errors import present_both
    from ..app.event_codec import error_to_json
    from ..app.service_host import SyncService

    profiles = _profiles(args)
    if len(profiles) != 1 or args.run_dir is None:
        return fail(args, "Bad private service", "A private service runs exactly one --profile in its --run-dir.")
    sp.use_folder(args.run_dir)
    interval = None if args.manual else args.interval
    if hasattr(os, "nice"):  # the window's GUI thread gets a free core first on a busy machine
        with contextlib.suppress(OSError):
            os.nice(PRIVATE_NICE)

    def start(profile: str, _every: float | None) -> object:
        return sync_service.start_worker(profile, interval=interval, surface="gui")

    parent_gone = threading.Event()

    def watch_stdin() -> None:
        stream = sys.stdin.buffer if sys.stdin is not None else None
        while stream is not None and stream.read1(1 << 12):
            pass
        parent_gone.set()

    signals = _Signals()
    with signals.installed():
        try:
            service = SyncService(profiles, start_worker=start, private=True).start()
        except Exception as exc:  # said to the window, which runs the sync itself instead
            info = getattr(exc, "info", None) or present_both(exc, profile=profiles[0], doing="starting")
            print(json.dumps({"ok": False, "error": error_to_json(info)}), flush=True)
            return 1
        threading.Thread(target=watch_stdin, name="sfintacct-parent", daemon=True).start()
        try:
            print(json.dumps({"ok": True, "pid": os.getpid(), "profiles": sorted(service.hubs)}), flush=True)
        except OSError:  # the window is gone already (its end of the pipe closed): stop as if it closed
            _drop_stdout()
            parent_gone.set()
        return service.serve(lambda: signals.hit or parent_gone.is_set())


def _drop_stdout() -> None:
    """Send what is still written to stdout nowhere: the reader is gone, and a write (even the flush
    at exit) would raise again. Before this, that error left the started service's threads running
    on with nobody to end them (a process per crashed window, holding the profile's lock)."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


# ------------------------------------------------------------------------------ status, logs
def _when(value: Any) -> str:
    return str(value)[:19].replace("T", " ") if value else "—"


def cmd_status(args: argparse.Namespace) -> int:
    from ..app import service_channel as ch

    try:
        names = _profiles(args)
        answer = ch.ask("status", names[0] if len(names) == 1 else None)
        if len(names) > 1:
            answer["profiles"] = [row for row in answer.get("profiles", []) if row["profile"] in names]
    except (ch.ServiceUnavailable, ch.ServiceRefused) as exc:
        return fail(args, exc.info.title, exc.info.message, exc.info.hint)
    if args.json:
        print_json({"running": True, **answer})
        return EXIT_OK
    lines = [f"Background service running (process {answer.get('pid', '?')})."]
    for row in answer.get("profiles", []):
        name, state = row["profile"], row["state"]
        if state == "busy":
            lines.append(f"  {name}: waiting — held by process {row['holder'].get('pid', '?')}")
            continue
        if state == "failed":
            lines.append(f"  {name}: not running — {row['error']['title']}: {row['error']['message']}")
            continue
        last = row.get("last_run") or {}
        last_text = f"#{last['run_id']} {last['status']} at {_when(last['finished_at'])}" if last else "none yet"
        lines.append(f"  {name}: {state}; last run {last_text}; next run {_when(row.get('next_run'))}")
        if row.get("reason"):
            lines.append(f"    {row['reason']}")
    print("\n".join(lines))
    return EXIT_OK


def cmd_logs(args: argparse.Namespace) -> int:
    from ..app.service_units import log_tail

    path, lines = log_tail(args.lines, _profiles(args))
    if args.json:
        print_json({"log_file": str(path), "lines": lines})
    else:
        print("\n".join(lines) if lines else f"The log file {path} is empty.")
    return EXIT_OK


# ------------------------------------------------------------------------------ install, uninstall
def cmd_install(args: argparse.Namespace) -> int:
    from ..app.service_units import install

    report = install(_profiles(args), start=not args.no_start)
    if args.json:
        print_json({"ok": True, **report})
    else:
        print(f"Wrote {report['unit_file']}.")
        for step in report["ran"]:
            print(f"Ran: {step}")
        if report["next"]:
            print(report["next"])
    return EXIT_OK


def cmd_uninstall(args: argparse.Namespace) -> int:
    from ..app.service_units import uninstall

    report = uninstall(stop=not args.no_stop)
    if args.json:
        print_json({"ok": True, **report})
    else:
        print(f"Removed {report['unit_file']}." if report["removed"] else f"No unit file at {report['unit_file']}.")
        for step in report["ran"]:
            print(f"Ran: {step}")
        if report["next"]:
            print(report["next"])
    return EXIT_OK
