"""The background service's control protocol, without any socket: where it listens, the token, the messages.

Why a module without I/O on the wire: the service, the CLI and the window all speak it, and its
rules are easy to test on their own. The conversation is newline-delimited JSON, one object per line:

1. the client sends ``{"token": "<the token file's content>"}`` first; the service answers
   ``{"ok": true, "service": {"pid": ..., "profiles": [...]}}`` or closes after an error answer;
2. then requests ``{"op": OP, "profile": NAME, ...}`` each answered by one line:
   ``{"ok": true, ...}`` or ``{"ok": false, "error": {"title", "message", "hint"}}``;
3. ``subscribe`` turns the connection into a stream: after its answer (which carries the worker's
   current state) every event of that profile's worker follows, one per line, as
   :func:`.event_codec.encode_event` writes it, until either side closes;
4. ``job`` (``{"op": "job", "profile": P, "name": JOB, "params": {...}}``) runs one named job in the
   service (:data:`JOBS`): ``{"progress": [...]}`` lines while it runs, then one answer line with its
   ``result`` (or its error, every ``ErrorInfo`` field). The client half-closes its side to ask the
   job to stop after its current batch; the answer still comes.

Who may connect: the socket (POSIX) lives in a folder only the user can open (0700) and is itself
0600; the token file (0600) beside it holds a random secret the client must present first, so even
a socket that leaked (or the loopback TCP port used on Windows, which any local user can reach)
answers nobody else.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from ..config.paths import APP_NAME
from ..config.private import ensure_dir, make_private, open_private

OPS = frozenset({"status", "sync_now", "pause", "resume", "cancel", "retry", "resolve", "subscribe", "job"})
# the named jobs a client may run
JOBS = frozenset({"baseline_plan", "baseline_apply", "invoice_refresh", "customer_refresh"})
PROFILE_OPS = OPS - {"status"}  # these name one profile; status may name one or none (all)
TAKES = frozenset({"salesforce", "intacct"})
MAX_LINE = 1 << 20  # the longest request a client may send (a summary of many streams fits with room)
SOCKET_NAME = "service.sock"
TOKEN_NAME = "service.token"  # noqa: S105 - a file name, not a secret
PORT_NAME = "service.port"  # Windows: the loopback TCP port the service listens on
LOCK_NAME = "service.lock"  # one service per user (an OS lock, gone with the process)
SUN_PATH_MAX = 100  # AF_UNIX paths are limited (108 bytes on Linux, 104 on macOS): stay below both
IS_WINDOWS = sys.platform == "win32"
_folder: Path | None = None  # this process's service folder when it is a window's private service


class ProtocolError(ValueError):
    """A message that breaks the protocol (not JSON, unknown op, missing argument)."""


# ------------------------------------------------------------------------------ where
def service_dir() -> Path:
    """The per-user folder of the running service's socket, token and lock.

    With ``SFINTACCT_HOME`` (tests, portable installs) it is ``<home>/run``, so two homes never
    share a service; else the platform's runtime folder (``$XDG_RUNTIME_DIR/sfintacct-desktop`` on
    Linux), which only the user can open.
    """
    if _folder is not None:
        return _folder
    home = os.environ.get("SFINTACCT_HOME")
    if home:
        return Path(home).expanduser() / "run"
    return Path(platformdirs.user_runtime_dir(APP_NAME, appauthor=False))


def use_folder(folder: Path) -> None:
    """Make ``folder`` this process's service folder: a window's private service listens there, so it
    never meets the user's own service (its socket, token and service lock are all in it)."""
    global _folder
    _folder = Path(folder)


def private_service_dir(profile: str, owner: int) -> Path:
    """The folder of the private service a window (process ``owner``) starts for ``profile``."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in profile)
    return service_dir() / "private" / f"{safe}-{owner}"


def private_dir(folder: Path | None = None) -> Path:
    """The service folder, created 0700 (and made 0700 again if it was looser)."""
    folder = ensure_dir(folder or service_dir())
    if not IS_WINDOWS:
        st = folder.stat()
        if st.st_uid != os.getuid():
            raise PermissionError(f"{folder} belongs to another user")
        make_private(folder)
    return folder


def socket_path(folder: Path | None = None) -> Path:
    """Where the Unix socket is (of the service in ``folder``, by default this user's service). A
    folder path too long for AF_UNIX (deep test folders) moves the socket to a short private folder
    in the temp directory, named by a hash of the long one, so the service and its clients still
    find the same place."""
    path = (folder or service_dir()) / SOCKET_NAME
    if len(os.fsencode(str(path))) <= SUN_PATH_MAX:
        return path
    digest = hashlib.sha256(str(path).encode("utf-8")).hexdigest()[:16]
    uid = os.getuid() if hasattr(os, "getuid") else 0
    return Path(tempfile.gettempdir()) / f"sfintacct-{uid}-{digest}" / SOCKET_NAME


def token_path(folder: Path | None = None) -> Path:
    return (folder or service_dir()) / TOKEN_NAME


def port_path() -> Path:
    return service_dir() / PORT_NAME


def lock_file() -> Path:
    return service_dir() / LOCK_NAME


# ------------------------------------------------------------------------------ the token
def new_token() -> str:
    """A fresh random token, written 0600 (each service start makes a new one)."""
    token = secrets.token_urlsafe(32)
    private_dir()
    with open_private(token_path(), "wb") as fh:
        fh.write(token.encode("ascii"))
    return token


def read_token(folder: Path | None = None) -> str | None:
    """The running service's token, or None when there is none (no service, or not readable)."""
    try:
        return token_path(folder).read_text(encoding="ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def token_matches(expected: str, given: Any) -> bool:
    return isinstance(given, str) and hmac.compare_digest(expected.encode(), given.encode())


# ------------------------------------------------------------------------------ messages
def encode(message: dict[str, Any]) -> bytes:
    """One message as one line of UTF-8 JSON."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n"


def decode(line: bytes) -> dict[str, Any]:
    if len(line) > MAX_LINE:
        raise ProtocolError("message too long")
    try:
        doc = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError("not a JSON line") from None
    if not isinstance(doc, dict):
        raise ProtocolError("a message must be a JSON object")
    return doc


@dataclass(frozen=True)
class Request:
    op: str
    profile: str | None = None
    args: dict[str, Any] = field(default_factory=dict)


def parse_request(doc: dict[str, Any]) -> Request:
    """A checked request: a known op, a profile where one is needed, its arguments typed."""
    op = doc.get("op")
    if op not in OPS:
        raise ProtocolError(f"unknown op {op!r}")
    profile = doc.get("profile")
    if profile is not None and not isinstance(profile, str):
        raise ProtocolError("'profile' must be a string")
    if op in PROFILE_OPS and not profile:
        raise ProtocolError(f"{op} needs a profile")
    args: dict[str, Any] = {}
    if op == "retry":
        inbox_id = doc.get("id")
        if inbox_id is not None and (not isinstance(inbox_id, int) or isinstance(inbox_id, bool)):
            raise ProtocolError("'id' must be an integer or null")
        args["id"] = inbox_id
    if op == "resolve":
        conflict_id, take = doc.get("id"), doc.get("take")
        if not isinstance(conflict_id, int) or isinstance(conflict_id, bool):
            raise ProtocolError("'id' must be an integer")
        if not isinstance(take, str) or not take:
            raise ProtocolError("'take' must be salesforce, intacct or a value")
        args.update(id=conflict_id, take=take)
    if op == "job":
        name, params = doc.get("name"), doc.get("params", {})
        if name not in JOBS:
            raise ProtocolError(f"unknown job {name!r}")
        if not isinstance(params, dict):
            raise ProtocolError("'params' must be an object")
        args.update(name=name, params=params)
    return Request(op, profile, args)


def ok(**payload: Any) -> dict[str, Any]:
    return {"ok": True, **payload}


def refusal(title: str, message: str, hint: str = "") -> dict[str, Any]:
    return {"ok": False, "error": {"title": title, "message": message, "hint": hint}}


__all__ = [
    "JOBS",
    "OPS",
    "ProtocolError",
    "Request",
    "decode",
    "encode",
    "lock_file",
    "new_token",
    "ok",
    "parse_request",
    "port_path",
    "private_dir",
    "private_service_dir",
    "read_token",
    "refusal",
    "service_dir",
    "socket_path",
    "token_matches",
    "token_path",
    "use_folder",
]
