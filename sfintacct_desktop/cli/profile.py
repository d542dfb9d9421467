"""`sfintacct profile ...` and `sfintacct connections test`: argument parsing and printing only.

Secrets are deliberately NOT options: no argument takes a password, token or consumer secret
(command lines end up in shell history and ``ps``). They come from environment variables or a
hidden prompt (see ``app.profiles.SECRETS``); the refresh token comes from `profile login` (the
browser sign-in) and goes straight to the keyring. Failures raise ProfileError /
CredentialStoreError, which ``cli.main`` prints as title, message and hint with exit status 1.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from typing import Any

from ..app import connections, profiles, signin, sync_rules
from ..app.errors import Surface, present_signin_attempt
from ..config.profiles import AUTH_METHODS, CREDENTIAL_BACKENDS
from ..domain import SyncError
from ..wire.salesforce import SalesforceSignInError
from ..wire.salesforce.settings import DEFAULT_API_VERSION
from ..wire.transport import WireError
from .common import EXIT_FAILED, EXIT_OK, Common, fail, session
from .common import emit as _emit


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
    add.add_argument(
        "--sf-auth",
        choices=AUTH_METHODS,
        default=AUTH_METHODS[0],
        help="Salesforce login: web (browser sign-in, the default), jwt or client_credentials (unattended); "
        "soap and oauth_password are legacy (retired by Salesforce)",
    )
    add.add_argument("--sf-login-host", default="production", help="production | sandbox | mydomain:NAME | https URL")
    add.add_argument("--sf-username", default="", help="Salesforce username")
    add.add_argument("--sf-consumer-key", default="", help="External Client App consumer key (web, JWT, OAuth)")
    add.add_argument("--sf-jwt-key-file", default="", help="PEM private key file (JWT)")
    add.add_argument("--sf-api-version", default=DEFAULT_API_VERSION, help="Salesforce API version")
    add.add_argument(
        "--sf-callback-ports",
        default="",
        help="web: loopback ports of the callback URLs the External Client App lists (default 1717,1718,1719)",
    )
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

    rules = prof_sub.add_parser(
        "rules",
        help="show or change the sync rules: which fields sync, each field's owner, who wins a conflict",
        description="Without --set, prints the rules. Each --set changes one rule; all are checked before the "
        "profile's rules file is written (its comments are kept). A running sync uses them from its next run.",
        epilog="KEY=VALUE: " + sync_rules.SETTING_HELP,
    )
    common(rules)
    rules.add_argument("name", nargs="?", help="profile name (default: --profile)")
    rules.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="change one rule")
    rules.add_argument("--reset", action="store_true", help="go back to the shipped rules (then --set, if any)")

    login = prof_sub.add_parser(
        "login",
        help="sign in to Salesforce in the browser (web profiles); prints the URL and waits",
        description="Opens the system browser at Salesforce's sign-in page and waits for the redirect to this "
        "computer. The URL is printed too: open it yourself with --no-browser. Ctrl+C cancels.",
    )
    common(login)
    login.add_argument("name", nargs="?", help="profile name (default: --profile)")
    login.add_argument("--no-browser", action="store_true", help="only print the URL (open it yourself)")
    login.add_argument(
        "--timeout", type=float, default=signin.SIGNIN_TIMEOUT_SECONDS, help="seconds to wait for the browser"
    )
    logout = prof_sub.add_parser("logout", help="sign out of Salesforce: revoke the refresh token and forget it")
    common(logout)
    logout.add_argument("name", nargs="?", help="profile name (default: --profile)")

    conn = sub.add_parser("connections", help="check the connections of a profile")
    conn_sub = conn.add_subparsers(dest="connections_command", required=True)
    common(conn_sub.add_parser("test", help="log in to both systems and check the schema the product needs"))


def handlers() -> dict[tuple[str, str], Callable[[argparse.Namespace], int]]:
    return {
        ("profile", "add"): cmd_add,
        ("profile", "list"): cmd_list,
        ("profile", "show"): cmd_show,
        ("profile", "remove"): cmd_remove,
        ("profile", "login"): cmd_login,
        ("profile", "logout"): cmd_logout,
        ("profile", "rules"): cmd_rules,
        ("connections", "test"): cmd_connections_test,
    }


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
            "callback_ports": args.sf_callback_ports,
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
    text = f"Profile {result['profile']} saved ({len(result['secrets'])} secrets in the keyring)."
    if args.sf_auth == "web":
        text += f"\nNow sign in to Salesforce: sfintacct profile login {result['profile']}"
    elif args.sf_auth in ("soap", "oauth_password"):
        print(f"Warning: {args.sf_auth} is a legacy login; see docs/signin.md.", file=sys.stderr)
    _emit(args, {"ok": True, **result}, text)
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
    name = _name(args)
    status = signin.signin_status(name)
    if status.get("signed_in"):  # revoke at Salesforce first: a deleted profile must not leave a live grant
        out = signin.sign_out(name)
        if out["warning"]:
            print(f"Warning: {out['warning']}", file=sys.stderr)
    result = profiles.remove_profile(name)
    if result["warning"]:
        print(f"Warning: {result['warning']}", file=sys.stderr)
    _emit(args, {"ok": True, **result}, f"Profile {result['profile']} removed.")
    return EXIT_OK


def cmd_rules(args: argparse.Namespace) -> int:
    name = _name(args)
    profiles.cfg.get_profile(name)  # an unknown profile fails here with its own words
    rules = sync_rules.default_rules(name) if args.reset else sync_rules.read_rules(name)
    try:
        for setting in args.set:
            rules = sync_rules.apply_setting(rules, setting)
        result = sync_rules.save_rules(rules) if (args.set or args.reset) else None
    except sync_rules.RulesError as exc:
        message = "; ".join(f"{key}: {why}" for key, why in exc.errors.items())
        return fail(args, "Sync rules not saved", message, f"Nothing was written. Settings: {sync_rules.SETTING_HELP}.")
    if rules.problem and result is None:
        print(f"Warning: {rules.problem['title']}: {rules.problem['message']} {rules.problem['hint']}", file=sys.stderr)
    lines = sync_rules.rules_lines(sync_rules.read_rules(name) if result else rules)
    if result is not None:
        lines = [*(result["changes"] or ["Nothing changed."]), "", *lines]
    _emit(
        args,
        {"ok": True, "changes": (result or {}).get("changes", []), **sync_rules.rules_payload(rules)},
        "\n".join(lines),
    )
    return EXIT_OK


def _signin_failure(exc: WireError, name: str) -> SyncError:
    """A sign-in that did not complete, as the title / message / hint cli.main prints (exit 1)."""
    return SyncError(present_signin_attempt(exc, Surface.CLI))


def cmd_login(args: argparse.Namespace) -> int:
    name = _name(args)
    cancel = threading.Event()

    def show(url: str) -> None:
        print(f"Open this address in a browser to sign in to Salesforce:\n{url}", file=sys.stderr, flush=True)
        if not args.no_browser and not signin.system_browser(url):
            print("(No browser could be opened here: open the address above yourself.)", file=sys.stderr, flush=True)
        print("Waiting for the sign-in to finish (Ctrl+C cancels)...", file=sys.stderr, flush=True)

    try:
        result = signin.sign_in(name, open_url=show, cancelled=cancel.is_set, timeout=args.timeout)
    except KeyboardInterrupt:
        cancel.set()
        raise _signin_failure(SalesforceSignInError("The sign-in was cancelled", code="CANCELLED"), name) from None
    except WireError as exc:
        raise _signin_failure(exc, name) from None
    who = result["username"] or "the Salesforce user"
    _emit(
        args,
        result,
        f"Signed in to {result['instance_url']} as {who} (profile {name}); {result['kept']}.",
    )
    return EXIT_OK


def cmd_logout(args: argparse.Namespace) -> int:
    result = signin.sign_out(_name(args))
    if result["warning"]:
        print(f"Warning: {result['warning']}", file=sys.stderr)
    if not result["revoked"] and not result["warning"] and not result.get("signed_in"):
        text = f"Profile {result['profile']} is signed out."
    else:
        text = f"Signed out of Salesforce (profile {result['profile']}); the sign-in was revoked at Salesforce."
    _emit(args, result, text)
    return EXIT_OK


def _login_lines(side: dict[str, Any]) -> list[str]:
    if not side.get("login_method"):
        return []
    offered = f" (the org offers {side['api_versions_offered']})" if side.get("api_versions_offered") else ""
    return [
        f"  Login: {side['login_method']} ({side['login_method_label']}); {side['login_note']}",
        f"  API version: {side['api_version']}{offered}",
    ]


def _side_text(label: str, side: dict[str, Any]) -> list[str]:
    if side.get("error") and not side["ok"]:
        err = side["error"]
        return [f"{label}: FAILED - {err['title']}: {err['message']}", f"  Hint: {err['hint']}", *_login_lines(side)]
    detail = ", ".join(f"{k} {side[k]}" for k in ("user", "instance_url", "company_id", "endpoint") if side.get(k))
    usage = side.get("api_usage")
    if usage:
        detail += f", API usage {usage['used']}/{usage['limit']}"
    return [f"{label}: OK ({detail})", *_login_lines(side), *(f"  Warning: {w}" for w in side.get("warnings", []))]


def cmd_connections_test(args: argparse.Namespace) -> int:
    result = connections.check_connections(args.profile, resolved=session(args).resolved)
    ok = all(result[side]["ok"] for side in ("salesforce", "intacct"))
    text = "\n".join(_side_text("Salesforce", result["salesforce"]) + _side_text("Intacct", result["intacct"]))
    _emit(args, result, text)
    if not ok:
        for side in ("salesforce", "intacct"):
            err = result[side].get("error")
            if err and not result[side]["ok"]:
                hint = f"\nHint: {err['hint']}" if err.get("hint") else ""
                print(f"{err['title']}: {err['message']}{hint}", file=sys.stderr)
    for warning in result["salesforce"].get("warnings", []):
        print(f"Warning: Salesforce: {warning}", file=sys.stderr)
    for warning in result["intacct"].get("warnings", []):
        print(f"Warning: Intacct {warning}", file=sys.stderr)
    return EXIT_OK if ok else EXIT_FAILED
