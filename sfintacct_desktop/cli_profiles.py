"""`sfintacct profile ...` and `sfintacct connections test`: argument parsing and printing only.

Secrets are deliberately NOT options: no argument takes a password, token or consumer secret
(command lines end up in shell history and ``ps``). They come from environment variables or a
hidden prompt (see ``app.profiles.SECRETS``). Failures raise ProfileError / CredentialStoreError,
which ``cli.main`` prints as title, message and hint with exit status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import Any

from .app import connections, profiles
from .config.profiles import AUTH_METHODS, CREDENTIAL_BACKENDS

Common = Callable[[argparse.ArgumentParser], None]
EXIT_OK, EXIT_FAILED = 0, 1


def register(sub: Any, common: Common) -> None:
    """Add the `profile` and `connections` command groups to the top-level subparsers."""
    prof = sub.add_parser("profile", help="named connection profiles (settings; secrets go to the keyring)")
    prof_sub = prof.add_subparsers(dest="profile_command", required=True)

    add = prof_sub.add_parser(
        "add",
        help="add a profile; secrets from SFINTACCT_* environment variables or a prompt",
        epilog="Secrets: " + ", ".join(f"{s.env} ({s.label})" for s in profiles.SECRETS),
    )
    common(add)
    add.add_argument("name", nargs="?", help="profile name (default: --profile)")
    add.add_argument("--sf-auth", choices=AUTH_METHODS, default="soap", help="Salesforce login method")
    add.add_argument("--sf-login-host", default="production", help="production | sandbox | mydomain:NAME | https URL")
    add.add_argument("--sf-username", default="", help="Salesforce username")
    add.add_argument("--sf-consumer-key", default="", help="connected app consumer key (OAuth, JWT)")
    add.add_argument("--sf-jwt-key-file", default="", help="PEM private key file (JWT)")
    add.add_argument("--sf-api-version", default="59.0", help="Salesforce API version")
    add.add_argument("--ia-endpoint", default="", help="Intacct XML gateway URL (default: Sage's)")
    add.add_argument("--ia-sender-id", default="", help="Intacct Web Services sender id")
    add.add_argument("--ia-company-id", default="", help="Intacct company id")
    add.add_argument("--ia-user-id", default="", help="Intacct Web Services user id")
    add.add_argument("--ia-location-id", default="", help="Intacct entity (location) id, if any")
    add.add_argument("--ia-timezone", default="America/Los_Angeles", help="the Intacct company's IANA time zone")
    add.add_argument("--credential-backend", choices=CREDENTIAL_BACKENDS, default="keyring")

    for name, text in (("list", "list profiles"), ("show", "show one profile"), ("remove", "remove a profile")):
        p = prof_sub.add_parser(name, help=text)
        common(p)
        if name != "list":
            p.add_argument("name", nargs="?", help="profile name (default: --profile)")

    conn = sub.add_parser("connections", help="check the connections of a profile")
    conn_sub = conn.add_subparsers(dest="connections_command", required=True)
    common(conn_sub.add_parser("test", help="log in to both systems and check the schema the product needs"))


def handlers() -> dict[tuple[str, str], Callable[[argparse.Namespace], int]]:
    return {
        ("profile", "add"): cmd_add,
        ("profile", "list"): cmd_list,
        ("profile", "show"): cmd_show,
        ("profile", "remove"): cmd_remove,
        ("connections", "test"): cmd_connections_test,
    }


def _emit(args: argparse.Namespace, payload: dict[str, Any], text: str) -> None:
    print(json.dumps(payload, sort_keys=True) if args.json else text)


def _name(args: argparse.Namespace) -> str:
    return str(args.name or args.profile)


def cmd_add(args: argparse.Namespace) -> int:
    settings = {
        "credential_backend": args.credential_backend,
        "salesforce": {
            "auth_method": args.sf_auth,
            "login_host": args.sf_login_host,
            "username": args.sf_username,
            "consumer_key": args.sf_consumer_key,
            "private_key_file": args.sf_jwt_key_file,
            "api_version": args.sf_api_version,
        },
        "intacct": {
            "endpoint": args.ia_endpoint,
            "sender_id": args.ia_sender_id,
            "company_id": args.ia_company_id,
            "user_id": args.ia_user_id,
            "location_id": args.ia_location_id,
            "timezone": args.ia_timezone,
        },
    }
    reader = profiles.env_or_prompt(interactive=sys.stdin.isatty())
    result = profiles.add_profile(_name(args), settings, reader)
    _emit(
        args,
        {"ok": True, **result},
        f"Profile {result['profile']} saved ({len(result['secrets'])} secrets in the keyring).",
    )
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    rows = profiles.list_profiles()
    lines = [
        f"{r['name']:<20} {r['kind']:<8} SF {r['salesforce']} ({r['salesforce_user']}) | Intacct {r['intacct_company']}"
        for r in rows
    ]
    _emit(args, {"profiles": rows}, "\n".join(lines) or "No profiles yet: `sfintacct profile add NAME`.")
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    info = profiles.show_profile(_name(args))
    lines = [f"Profile {info['profile']} ({info['kind']})"]
    for part, values in info["settings"].items():
        if isinstance(values, dict):
            lines += [f"  {part}.{k}: {v}" for k, v in sorted(values.items())]
        else:
            lines.append(f"  {part}: {values}")
    lines.append("  secrets:")
    lines += [f"    {k}: {v}" for k, v in info["secrets"].items()]
    _emit(args, info, "\n".join(lines))
    return EXIT_OK


def cmd_remove(args: argparse.Namespace) -> int:
    result = profiles.remove_profile(_name(args))
    if result["warning"]:
        print(f"Warning: {result['warning']}", file=sys.stderr)
    _emit(args, {"ok": True, **result}, f"Profile {result['profile']} removed.")
    return EXIT_OK


def _side_text(label: str, side: dict[str, Any]) -> list[str]:
    if side.get("error") and not side["ok"]:
        err = side["error"]
        return [f"{label}: FAILED - {err['title']}: {err['message']}", f"  Hint: {err['hint']}"]
    detail = ", ".join(f"{k} {side[k]}" for k in ("user", "instance_url", "company_id", "endpoint") if side.get(k))
    usage = side.get("api_usage")
    if usage:
        detail += f", API usage {usage['used']}/{usage['limit']}"
    return [f"{label}: OK ({detail})", *(f"  Warning: {w}" for w in side.get("warnings", []))]


def cmd_connections_test(args: argparse.Namespace) -> int:
    result = connections.check_connections(args.profile)
    ok = all(result[side]["ok"] for side in ("salesforce", "intacct"))
    text = "\n".join(_side_text("Salesforce", result["salesforce"]) + _side_text("Intacct", result["intacct"]))
    _emit(args, result, text)
    if not ok:
        for side in ("salesforce", "intacct"):
            err = result[side].get("error")
            if err and not result[side]["ok"]:
                hint = f"\nHint: {err['hint']}" if err.get("hint") else ""
                print(f"{err['title']}: {err['message']}{hint}", file=sys.stderr)
    for warning in result["intacct"].get("warnings", []):
        print(f"Warning: Intacct {warning}", file=sys.stderr)
    return EXIT_OK if ok else EXIT_FAILED
