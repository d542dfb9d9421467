"""`sfintacct state check | backup | restore [BACKUP] | rebuild | migrate --to URL`: parsing and printing only.

The use cases live in ``app/state_admin.py``. Exit status: 0 success, 1 a handled failure (title,
message and hint on stderr), 2 bad usage. With ``--json`` each prints one JSON object on stdout.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from ..domain import ErrorInfo, ErrorKind, SyncError
from .common import EXIT_OK, Common
from .common import fail as _common_fail
from .common import print_json as _print_json


def register(sub: Any, common: Common) -> None:
    state = sub.add_parser("state", help="the sync state store: check it, back it up, restore or rebuild it")
    state_sub = state.add_subparsers(dest="state_command", required=True)
    common(state_sub.add_parser("check", help="open the store, run its integrity check, list its backups"))
    common(state_sub.add_parser("backup", help="take a backup now, beside the store"))
    restore = state_sub.add_parser("restore", help="put a good backup in place (the current file is kept aside)")
    common(restore)
    restore.add_argument("backup", nargs="?", default=None, help="backup file or name (default: the newest good one)")
    rebuild = state_sub.add_parser(
        "rebuild", help="re-create the links from both systems' cross-reference fields (reads only)"
    )
    common(rebuild)
    rebuild.add_argument("--force", action="store_true", help="rebuild even a healthy store (it is kept aside)")
    migrate = state_sub.add_parser(
        "migrate", help="copy the state to PostgreSQL (or back to SQLite) and switch the profile to it"
    )
    common(migrate)
    migrate.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="postgresql://USER@HOST:PORT/DATABASE (password from the keyring, PGPASSWORD or ~/.pgpass),"
        " sqlite:///PATH, or `sqlite` for the profile's own file",
    )
    migrate.add_argument("--replace", action="store_true", help="overwrite a target that already holds state")
    password = state_sub.add_parser(
        "password", help="keep the PostgreSQL password of the state store in the keyring (from the env or a prompt)"
    )
    common(password)
    password.add_argument("--clear", action="store_true", help="remove it from the keyring")


def handlers() -> dict[tuple[str, str], Callable[[argparse.Namespace], int]]:
    return {
        ("state", "check"): cmd_check,
        ("state", "backup"): cmd_backup,
        ("state", "restore"): cmd_restore,
        ("state", "rebuild"): cmd_rebuild,
        ("state", "migrate"): cmd_migrate,
        ("state", "password"): cmd_password,
    }


def _fail(args: argparse.Namespace, error: dict[str, Any], extra: dict[str, Any] | None = None) -> int:
    """A state problem as a handled failure: the report's other keys stay beside ``error``."""
    rest = {k: v for k, v in error.items() if k not in ("title", "message", "hint")}
    return _common_fail(args, error["title"], error["message"], error.get("hint") or "", top=extra, **rest)


def _run(args: argparse.Namespace, action: Callable[[], dict[str, Any]], text: Callable[[dict[str, Any]], str]) -> int:
    try:
        report = action()
    except SyncError as exc:
        info = exc.info
        return _fail(args, {"title": info.title, "message": info.message, "hint": info.hint, "code": info.code})
    if args.json:
        _print_json({"ok": True, **report})
    else:
        print(text(report))
    return EXIT_OK


def _backup_lines(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return ["Backups: none yet."]
    lines = ["Backups (newest first):"]
    for b in rows:
        flag = "" if b.get("ok", True) else "  DAMAGED"
        lines.append(f"  {b['name']:<58} {b['kind']:<13} {b['taken_at']}  {b['bytes']:>10,} bytes{flag}")
    return lines


def cmd_check(args: argparse.Namespace) -> int:
    from ..app import state_admin

    try:
        report = state_admin.check(args.profile)
    except SyncError as exc:
        info = exc.info
        return _fail(args, {"title": info.title, "message": info.message, "hint": info.hint, "code": info.code})
    if not report["ok"]:
        problem = dict(report["problem"])
        if not args.json:
            print("\n".join(_backup_lines(report["backups"])))
        return _fail(args, problem, {k: v for k, v in report.items() if k not in ("problem", "ok")})
    if args.json:
        _print_json(report)
        return EXIT_OK
    if not report["exists"]:
        lines = [f"Profile {args.profile}: {report['note']}"]
    else:
        links = ", ".join(f"{k} {v}" for k, v in report["links"].items())
        size = "PostgreSQL" if report["bytes"] is None else f"{report['bytes']:,} bytes"
        lines = [
            f"Profile {args.profile}: the state store is healthy.",
            f"  {report['path']} ({size}, schema {report['schema_revision']})",
            f"  Links: {links}; last run: {report['last_run'] or 'none yet'}",
        ]
        if report["private"] is not None:
            private = report["private"]
            lines.append("  Files: private" if private else "  Files: readable by others (repaired at the next start)")
    print("\n".join(lines + _backup_lines(report["backups"]) + _aside_lines(report.get("kept_aside") or [])))
    return EXIT_OK


def _aside_lines(rows: list[dict[str, Any]]) -> list[str]:
    """Files earlier restores or rebuilds kept beside the store: named, so they can be removed."""
    if not rows:
        return []
    total = sum(int(r["bytes"]) for r in rows)
    files = f"{len(rows)} file{'' if len(rows) == 1 else 's'}"
    lines = [f"Kept aside by earlier restores or rebuilds ({files}, {total:,} bytes; never deleted by sfintacct:"
             " delete them when you no longer need them):"]  # fmt: skip
    lines += [f"  {r['name']:<58} {int(r['bytes']):>10,} bytes" for r in rows]
    return lines


def cmd_backup(args: argparse.Namespace) -> int:
    from ..app import state_admin

    return _run(
        args,
        lambda: state_admin.backup(args.profile),
        lambda r: f"Backed up to {r['backup']['path']} ({r['backup']['bytes']:,} bytes).",
    )


def cmd_restore(args: argparse.Namespace) -> int:
    from ..app import state_admin

    def text(r: dict[str, Any]) -> str:
        lines = [f"Restored {r['path']} from {r['restored_from']['name']} (taken {r['restored_from']['taken_at']})."]
        lines += [f"  Kept aside: {p}" for p in r["kept_aside"]]
        lines.append("  Links: " + ", ".join(f"{k} {v}" for k, v in r["links"].items()))
        lines.append(f"  {r['note']}")
        return "\n".join(lines)

    return _run(args, lambda: state_admin.restore(args.profile, args.backup), text)


def cmd_rebuild(args: argparse.Namespace) -> int:
    from ..app import state_admin

    def text(r: dict[str, Any]) -> str:
        lines = [f"Rebuilt {r['path']} from the cross-reference fields of both systems (nothing was written)."]
        lines.append("  Links: " + ", ".join(f"{k} {v}" for k, v in r["links"].items()))
        differing = sum(r["differing"].values())
        if differing:
            lines.append(f"  {differing} linked pairs differ now; the next sync settles them (owner or conflict).")
        held = ", ".join(
            f"{e}: {n.get('salesforce', 0)} in Salesforce, {n.get('intacct', 0)} in Intacct"
            for e, n in r["held_out"].items()
        )
        lines.append(f"  Unlinked, held out of the live sync until a baseline plan reviews them: {held}")
        lines.append(f"  Sales orders re-linked by PONUMBER: {r['orders_linked']}; historical deals: {r['historical']}")
        lines.append(
            f"  Invoices {r['invoices_known']} and payments {r['payments_known']} already current in Salesforce;"
            f" {r['receivables_to_update']} to update at the next sync"
        )
        cut = r["cutover_date"] or "none"
        lines.append(f"  Cut-over date: {cut} ({r['cutover_source']})")
        lines += [f"  Inconsistent cross-reference: {x}" for x in r["inconsistent"]]
        lines += [f"  Kept aside: {p}" for p in r["kept_aside"]]
        calls = r["api_calls"]
        lines.append(
            f"  Cost: Salesforce {calls['salesforce']} calls, Intacct {calls['intacct_transactions']} transactions"
        )
        return "\n".join(lines)

    return _run(args, lambda: state_admin.rebuild(args.profile, force=args.force), text)


def cmd_migrate(args: argparse.Namespace) -> int:
    from ..app import state_admin

    def text(r: dict[str, Any]) -> str:
        lines = [f"Migrated the state of profile {r['profile']} from {r['from']} to {r['to']}."]
        rows = ", ".join(f"{k} {v}" for k, v in r["rows"].items() if v)
        lines.append(f"  Rows: {rows or 'none'} ({r['total']} in all)")
        lines += [f"  Kept aside: {p}" for p in r["kept_aside"]]
        lines.append(f"  {r['note']}")
        return "\n".join(lines)

    return _run(args, lambda: state_admin.migrate(args.profile, args.to, replace=args.replace), text)


def cmd_password(args: argparse.Namespace) -> int:
    """The password comes from SFINTACCT_STATE_PASSWORD or a prompt, never from the command line."""
    import getpass
    import os
    import sys

    from ..app import state_target
    from ..secrets import CredentialStoreError

    def save() -> dict[str, Any]:
        value = None
        if not args.clear:
            value = os.environ.get(state_target.STATE_PASSWORD_ENV)
            if not value and sys.stdin.isatty():
                value = getpass.getpass("PostgreSQL password of the state store: ")
            if not value:
                raise SyncError(
                    ErrorInfo(
                        ErrorKind.AUTH,
                        "No password given",
                        "The password was neither in the environment nor typed at a prompt.",
                        f"Set {state_target.STATE_PASSWORD_ENV}, or run the command in a terminal.",
                        code="STATE_PASSWORD_NONE",
                    )
                )
        try:
            return state_target.save_password(args.profile, value)
        except CredentialStoreError as exc:
            raise SyncError(ErrorInfo(ErrorKind.AUTH, exc.title, exc.message, exc.hint)) from None

    return _run(args, save, lambda r: f"PostgreSQL password of profile {r['profile']}: {r['state_password']}.")
