"""The REST API's vocabulary: a parsed call and its reply, version and path rules, query locators.

Why a module of its own: the single-call handlers (``rest``), the composite resources that run
them for subrequests (``composite``) and the emulator that routes requests (``app``) all speak in
these terms; keeping them here lets each of those import downwards only.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote_plus, urlsplit

from . import ids
from .errors import SfError
from .schema import SObject

MIN_VERSION, MAX_VERSION = 31.0, 66.0  # 7.0-30.0 are retired (410 GONE); the newest the org offers
CURSOR_IDLE_SECONDS = 15 * 60
MAX_CURSORS = 500


@dataclass
class Call:
    """One REST request, already split: ``segs`` are the decoded path segments after the version."""

    method: str
    version: str
    segs: list[str]
    args: dict[str, str] = field(default_factory=dict)
    body: Any = None
    body_error: bool = False
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    writes: int = 0


def error_reply(err: SfError) -> Reply:
    return Reply(err.status, [err.as_dict()])


def operation_of(call: Call) -> str:
    """The fault/stats operation name of a call (the names `POST /__sandbox__/faults` takes)."""
    s = call.segs
    if not s:
        return "resources"
    head = s[0]
    if head in ("query", "queryAll"):
        return "query"
    if head in ("limits", "composite"):
        if head == "composite" and len(s) > 1 and s[1] == "sobjects":
            return "composite/sobjects"
        return head
    if head == "sobjects":
        if len(s) <= 1 or (len(s) == 2 and call.method == "GET") or (len(s) == 3 and s[2] == "describe"):
            return "describe"
        if len(s) == 3 and s[2] in ("updated", "deleted"):
            return s[2]
        if len(s) == 4 and call.method in ("PATCH", "POST"):
            return "upsert"
        return "sobjects"
    return head


def data_path(version: str, *parts: str) -> str:
    """The REST path of a resource: ``/services/data/v{version}/{parts...}``."""
    return "/".join([f"/services/data/v{version}", *parts])


def render(obj: SObject, rec: dict[str, Any], version: str, fields: list[str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"attributes": {"type": obj.name, "url": data_path(version, "sobjects", obj.name, rec["Id"])}}
    names = fields if fields is not None else list(obj.fields)
    for name in names:
        out[name] = rec.get(name)
    return out


class QueryCursors:
    """Open query locators (``01g...``) with the rows still to page through."""

    def __init__(self) -> None:
        self._cursors: OrderedDict[str, tuple[list[dict[str, Any]], int, float]] = OrderedDict()
        self._lock = threading.Lock()

    def open(self, records: list[dict[str, Any]], total: int) -> str:
        cid = ids.to18("01g5e" + ids.base62(secrets.randbits(58), 10))
        with self._lock:
            self._cursors[cid] = (records, total, time.monotonic())
            while len(self._cursors) > MAX_CURSORS:
                self._cursors.popitem(last=False)
        return cid

    def get(self, cid: str) -> tuple[list[dict[str, Any]], int] | None:
        with self._lock:
            entry = self._cursors.get(cid)
            if entry is None or time.monotonic() - entry[2] > CURSOR_IDLE_SECONDS:
                self._cursors.pop(cid, None)
                return None
            self._cursors[cid] = (entry[0], entry[1], time.monotonic())
            self._cursors.move_to_end(cid)
            return entry[0], entry[1]

    def clear(self) -> None:
        with self._lock:
            self._cursors.clear()


def split_data_path(raw_path: str) -> tuple[str, list[str]] | None:
    """``/services/data/v59.0/sobjects/A/F/x%2Fy`` -> ("59.0", ["sobjects","A","F","x/y"]); None if no version.

    Segments are percent-decoded one by one (so ``%2F`` stays inside an external id) and ``+``
    means a space, as simple-salesforce's ``quote_plus`` sends it.
    """
    parts = [p for p in raw_path.split("/") if p != ""]
    if len(parts) < 3 or parts[0] != "services" or parts[1] != "data":
        return None
    ver = parts[2]
    if not ver.startswith("v"):
        return None
    return ver[1:], [unquote_plus(p) for p in parts[3:]]


def version_ok(version: str) -> bool:
    try:
        number = float(version)
    except ValueError:
        return False
    return MIN_VERSION <= number <= MAX_VERSION and "." in version


def version_retired(version: str) -> bool:
    """A retired version (7.0 to 30.0): REST answers 410 GONE rather than 404."""
    try:
        number = float(version)
    except ValueError:
        return False
    return "." in version and 7.0 <= number < MIN_VERSION


def call_from_url(method: str, url: str, body: Any, headers: dict[str, str] | None = None) -> Call | None:
    """A :class:`Call` for a composite subrequest URL (path + optional query string)."""
    parts = urlsplit(url)
    split = split_data_path(parts.path)
    if split is None or not version_ok(split[0]):
        return None
    args = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
    lowered = {k.lower(): v for k, v in (headers or {}).items()}
    return Call(method.upper(), split[0], split[1], args, body, False, lowered)
