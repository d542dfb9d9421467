"""`sfintacct salesforce deploy`: the shipped metadata to the profile's org, check-only first.

Argument parsing and printing only; the work is ``app.sf_deploy``. Without ``--check-only`` the
command first runs the check and shows it, then asks before the real deploy (``--yes`` skips the
question; with ``--json`` and no ``--yes`` nothing is deployed after the check, since no one can
answer). Exit 1 when Salesforce refuses a component.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from ..app import sf_deploy
from .common import EXIT_FAILED, EXIT_OK, Common, emit, session


def register(sub: Any, common: Common) -> None:
    group = sub.add_parser("salesforce", help="set up the Salesforce side")
    group_sub = group.add_subparsers(dest="salesforce_command", required=True)
    deploy = group_sub.add_parser(
        "deploy", help="deploy the custom fields, objects, layouts and permission sets (check-only first)"
    )
    deploy.add_argument("--check-only", action="store_true", help="only check: Salesforce changes nothing")
    deploy.add_argument("--yes", action="store_true", help="deploy after a passing check without asking")
    common(deploy)


def handlers() -> dict[tuple[str, str | None], Callable[[argparse.Namespace], int]]:
    return {("salesforce", "deploy"): cmd_deploy}


def _text(result: dict[str, Any], verbose: int = 0) -> str:
    """The summary, then each component that is created, updated or refused (all of them with -v)."""
    lines = [result["summary"]]
    unchanged = [c for c in result["components"] if c["success"] and not c["created"] and not c["changed"]]
    lines += [f"  {c['text']}" for c in result["components"] if verbose or c not in unchanged]
    if unchanged and not verbose:
        lines.append(f"  {len(unchanged)} components already up to date (-v lists them)")
    return "\n".join(lines)


def _confirm() -> bool:
    if not sys.stdin.isatty():
        return False
    try:
        answer = input("Deploy these components to Salesforce now? [y/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def cmd_deploy(args: argparse.Namespace) -> int:
    resolved = session(args).resolved
    check = sf_deploy.deploy_metadata(args.profile, check_only=True, resolved=resolved)
    if args.check_only or not check["ok"]:
        emit(args, check, _text(check, args.verbose))
        return EXIT_OK if check["ok"] else EXIT_FAILED
    if not args.json:
        print(_text(check, args.verbose))
    if not args.yes and (args.json or not _confirm()):
        why = "" if sys.stdin.isatty() and not args.json else " (no one could answer: --yes deploys without asking)"
        emit(args, {**check, "deployed_now": False}, f"Nothing was deployed{why}.")
        return EXIT_OK
    result = sf_deploy.deploy_metadata(args.profile, check_only=False, resolved=resolved)
    result["check"] = {k: check[k] for k in ("id", "status", "summary", "api_calls", "requests")}
    emit(args, result, _text(result, args.verbose))
    return EXIT_OK if result["ok"] else EXIT_FAILED
