"""Shared HTTP plumbing of the two emulators: the admin API, faults, loopback guard, the server thread.

Each emulator subclasses :class:`Emulator` and implements ``handle`` (its wire protocol) and
``load_seed``. This module owns what both share so that they behave the same way:
``/__sandbox__/{stats,faults,clock,reset}`` (loopback callers only, JSON in and out), request
counting, and closing a connection without an answer for the ``drop_after_apply`` fault.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import os
import socket
import sys
import threading
import time
from abc import ABC, abstractmethod
from datetime import datetime
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from .clock import Clock
from .faults import FaultRegistry, FaultSpecError
from .latency import NO_LATENCY, UNITS_KEY, Latency
from .stats import Stats
from .storage import RecordStore
from .workgate import OPEN_GATE, WorkGate, paced

log = logging.getLogger(__name__)
ADMIN_PREFIX = "/__sandbox__/"
SEEDS_HELP = "demo | empty | renamed | scale:N"


class DropConnection(Exception):
    """Raised by a handler after applying a request: close the socket without any answer."""


class SandboxRequestError(ValueError):
    """A bad admin request (unknown seed, bad fault spec)."""


def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost'."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


PIECE_ITEMS = 64  # a list longer than this is encoded an item at a time


def dumps_in_pieces(body: Any) -> str:
    """``json.dumps(body)``, byte for byte, without holding the GIL for a whole page.

    A 2,000-record query page is one 15-25 ms C call in ``json.dumps``; when the sandbox runs inside
    the window's process that call stalls the GUI thread. Encoding a long list (a page's records, a
    composite answer) item by item lets the interpreter switch threads between items."""
    if isinstance(body, list) and len(body) > PIECE_ITEMS:
        return "[" + ", ".join(dumps_in_pieces(item) for item in paced(body)) + "]"
    if (
        isinstance(body, dict)
        and all(isinstance(k, str) for k in body)
        and any(isinstance(v, (list, dict)) and len(v) > PIECE_ITEMS for v in body.values())
    ):
        return "{" + ", ".join(f"{json.dumps(k)}: {dumps_in_pieces(v)}" for k, v in body.items()) + "}"
    return json.dumps(body)


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        dumps_in_pieces(body), status=status, headers=headers or {}, content_type="application/json;charset=UTF-8"
    )


class Emulator(ABC):
    """One emulated system: a record store, a clock, armed faults, counters and a WSGI entry point."""

    name = "emulator"

    def __init__(
        self, data_dir: Path | str | None = None, *, clock: Clock | None = None, latency: Latency | None = None
    ) -> None:
        # Slept in the request's thread, outside the store lock (see latency.py); NO_LATENCY costs nothing.
        self.latency = latency or NO_LATENCY
        self.data_dir = Path(data_dir) if data_dir is not None else None
        db_path = self.data_dir / f"{self.name}.sqlite3" if self.data_dir is not None else None
        self.store = RecordStore(db_path)
        self.clock = clock or Clock(self.store.meta("clock_offset", 0.0) or 0.0)
        self.faults = FaultRegistry()
        self.stats = Stats()
        self.seed_name: str | None = self.store.meta("seed")
        # shared with the other emulator when the sandbox is embedded in the window (workgate.py)
        self.gate: WorkGate = OPEN_GATE

    # ------------------------------------------------------------ to implement
    @abstractmethod
    def handle(self, request: Request) -> Response:
        """Answer one wire request (everything outside ``/__sandbox__/``)."""

    @abstractmethod
    def load_seed(self, seed: str) -> None:
        """Fill the (already cleared) store with the named seed's data for this system."""

    # ----------------------------------------------------------------- admin
    def reset(self, seed: str = "demo") -> None:
        """Drop all data and load ``seed``; counters and faults start again too."""
        validate_seed(seed)
        with self.store.lock:
            self.store.clear()
            self.faults.clear()
            self.stats.reset()
            self.clock.set_offset(0.0)
            self.clock.thaw()
            self.load_seed(seed)
            self.store.set_meta("seed", seed)
            self.seed_name = seed

    def ensure_seeded(self, seed: str) -> bool:
        """Load ``seed`` only into an empty store (a restart keeps the data). True if it loaded."""
        if self.store.is_empty():
            self.reset(seed)
            return True
        return False

    def admin(self, request: Request) -> Response:
        action = request.path[len(ADMIN_PREFIX) :].strip("/")
        try:
            body = request.get_json(silent=True) if request.method in ("POST", "PUT") else None
            body = body if isinstance(body, dict) else {}
            if action == "stats" and request.method == "GET":
                return json_response(self.stats.snapshot())
            if action == "faults":
                if request.method == "POST":
                    self.faults.arm(
                        str(body.get("operation", "*")),
                        str(body.get("mode", "")),
                        int(body.get("count", 1)),
                        float(body.get("delay_seconds", 120.0)),
                    )
                    return json_response({"armed": self.faults.pending()})
                if request.method == "DELETE":
                    self.faults.clear()
                    return json_response({"armed": []})
                if request.method == "GET":
                    return json_response({"armed": self.faults.pending()})
            if action == "clock":
                if request.method == "POST":
                    self._set_clock(body)
                return json_response(
                    {
                        "offset_seconds": self.clock.offset_seconds,
                        "frozen": self.clock.frozen,
                        "now": self.clock.now().isoformat(),
                    }
                )
            if action == "reset" and request.method == "POST":
                self.reset(str(body.get("seed", "demo")))
                return json_response({"seed": self.seed_name, "stats": self.stats.snapshot()})
            extra = self.admin_extra(action, request.method, body)
            if extra is not None:
                return extra
        except (FaultSpecError, SandboxRequestError, TypeError, ValueError) as exc:
            return json_response({"error": str(exc)}, status=400)
        return json_response({"error": f"no admin action {request.method} {request.path}"}, status=404)

    def admin_extra(self, action: str, method: str, body: dict[str, Any]) -> Response | None:
        """An emulator's own admin actions (None: not one of them)."""
        return None

    def _set_clock(self, body: dict[str, Any]) -> None:
        """``offset_seconds`` shifts the clock; ``frozen`` true/false stops it (now, or at
        ``freeze_at``, an ISO instant) or lets it run again. A body without ``frozen`` sets the
        offset (0 when absent), as before freezing existed."""
        if "offset_seconds" in body or "frozen" not in body:
            self.clock.set_offset(float(body.get("offset_seconds", 0)))
            self.store.set_meta("clock_offset", self.clock.offset_seconds)
        if "frozen" in body:
            if body["frozen"] is True:
                at = body.get("freeze_at")
                self.clock.freeze(datetime.fromisoformat(str(at).replace("Z", "+00:00")) if at else None)
            elif body["frozen"] is False:
                self.clock.thaw()
            else:
                raise SandboxRequestError("frozen must be true or false")

    # ------------------------------------------------------------------ WSGI
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.path.startswith(ADMIN_PREFIX):
            if not is_loopback(request.remote_addr):
                response = json_response({"error": "the sandbox admin API answers loopback callers only"}, 403)
            else:
                response = self.admin(request)
            return response(environ, start_response)
        self.stats.request()
        self.stats.enter()
        try:
            return self._answer(request, environ, start_response)
        finally:
            self.stats.leave()

    def _answer(self, request: Request, environ: dict[str, Any], start_response: Any) -> Any:
        latency = self.latency
        if latency.active:
            time.sleep(latency.before())
        try:
            with self.gate.work():
                response = self.handle(request)
        except DropConnection:
            if latency.active:
                time.sleep(latency.after(int(environ.get(UNITS_KEY, 0))))
            sock = environ.get("werkzeug.socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            # Nothing valid is written: the client sees the connection closed with no answer.
            start_response("500 Dropped", [("Content-Length", "0"), ("Connection", "close")])
            return []
        if latency.active:
            time.sleep(latency.after(int(environ.get(UNITS_KEY, 0))))
        with self.gate.work():
            return self.gate.body(response(environ, start_response))


def validate_seed(seed: str) -> None:
    if seed in ("demo", "empty", "renamed"):
        return
    if seed.startswith("scale:"):
        try:
            n = int(seed.split(":", 1)[1])
        except ValueError:
            n = -1
        if n >= 1:
            return
    raise SandboxRequestError(f"unknown seed {seed!r}; use {SEEDS_HELP}")


class _ClockedHandler(WSGIRequestHandler):
    """Werkzeug's handler, whose ``Date`` header (added by ``BaseHTTPRequestHandler.send_response`` to
    every answer, the one ``Date`` it carries) reads the emulator's clock instead of the wall clock.

    Why: the product reads Salesforce's clock off ``Date`` (real servers send it on every answer,
    RFC 7231 IMF-fixdate, whole seconds) and compares it with record stamps; a test that freezes or
    shifts the emulator's clock must move both together.
    """

    def date_time_string(self, timestamp: float | None = None) -> str:
        clock = getattr(getattr(self.server, "app", None), "clock", None)
        if timestamp is None and isinstance(clock, Clock):
            timestamp = clock.now().timestamp()
        return super().date_time_string(timestamp)


def lower_thread_priority(nice: int) -> bool:
    """Raise the calling thread's niceness by ``nice``; True when the system did it (Linux)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))
    except (OSError, AttributeError):
        return False
    return True


class EmulatorServer:
    """Runs one emulator on a loopback port in a daemon thread (threaded werkzeug server)."""

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0, *, ssl_context: Any = None) -> None:
        """``ssl_context`` (an ``ssl.SSLContext``, a (cert, key) pair or ``"adhoc"``) serves https,
        which lets tests prove that clients refuse a certificate that does not verify."""
        if not is_loopback(host):
            raise ValueError(f"the sandbox listens on loopback only, not {host!r}")
        self.emulator = emulator
        self.host = host
        self.scheme = "https" if ssl_context is not None else "http"
        self._server: BaseWSGIServer = make_server(
            host, port, emulator, threaded=True, request_handler=_ClockedHandler, ssl_context=ssl_context
        )
        self._server.daemon_threads = True  # type: ignore[attr-defined]
        self.port = self._server.server_port
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def start(self, *, nice: int = 0) -> EmulatorServer:
        """``nice`` > 0 lowers the CPU priority of the server's threads (Linux: per thread, inherited
        by each request's thread): a sandbox embedded in the window's process then gives the cores
        to the GUI thread first, as remote servers would. Elsewhere it is ignored."""

        def serve() -> None:
            if nice > 0:
                lower_thread_priority(nice)
            self._server.serve_forever()

        self._thread = threading.Thread(target=serve, name=f"sandbox-{self.emulator.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.emulator.store.close()


logging.getLogger("werkzeug").setLevel(logging.WARNING)
