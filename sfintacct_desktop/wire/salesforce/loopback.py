"""The one-shot loopback listener that receives the browser's OAuth redirect (RFC 8252 section 7.3).

Why fixed ports: Salesforce matches the callback URL of an External Client App exactly, port
included, so the product listens on the first free port of a short documented list
(``http://localhost:1717/OauthRedirect``, then 1718, 1719: the admin registers all three). Port 0
(any free port) is for an app that accepts any loopback port (the sandbox's own app).

Why 127.0.0.1 only: the listener must never be reachable from another machine (RFC 8252
section 8.3). The redirect URI says ``localhost`` because that is what Salesforce accepts in a
callback URL (as the Salesforce CLI registers it); browsers that try ``::1`` first fall back to
127.0.0.1. A redirect whose ``state`` does not match is answered 400 and ignored: the listener goes
on waiting for the real one, so a stray or forged request cannot end a sign-in nor inject a code.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from .errors import SalesforceSignInError
from .settings import DEFAULT_CALLBACK_PORTS

DEFAULT_PORTS = DEFAULT_CALLBACK_PORTS
REDIRECT_PATH = "/OauthRedirect"
BIND_HOST = "127.0.0.1"


@dataclass
class Callback:
    """What the redirect brought: a code, or Salesforce's error."""

    code: str = ""
    error: str = ""
    description: str = ""


class _Server(HTTPServer):
    # A port another program listens on must fail to bind. POSIX SO_REUSEADDR only skips TIME_WAIT
    # (a port in use still fails); on Windows it would let us share a live port, so there the
    # socket takes the port exclusively instead.
    allow_reuse_address = os.name != "nt"

    def __init__(self, port: int, listener: LoopbackListener) -> None:
        self.listener = listener
        super().__init__((BIND_HOST, port), _Handler)

    def server_bind(self) -> None:
        exclusive = getattr(socket, "SO_EXCLUSIVEADDRUSE", None)
        if os.name == "nt" and exclusive is not None:
            self.socket.setsockopt(socket.SOL_SOCKET, exclusive, 1)
        super().server_bind()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    timeout = 5  # a browser's idle pre-connected socket must not hold the listener

    def log_message(self, format: str, *args: Any) -> None:
        return  # the query carries the authorization code: never log request lines

    def do_GET(self) -> None:
        listener = self.server.listener
        parts = urlsplit(self.path)
        if parts.path != REDIRECT_PATH:
            self._answer(404, "Not found", "This address only receives the Salesforce sign-in.")
            return
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        if query.get("state") != listener.state:
            listener.wrong_state += 1
            self._answer(400, "Sign-in refused", "This sign-in was not started by sfintacct (its state did not match).")
            return
        if query.get("error"):
            listener.deliver(Callback(error=query["error"], description=query.get("error_description", "")))
            self._answer(400, "Sign-in did not complete", f"Salesforce said: {query['error']}.")
            return
        if not query.get("code"):
            self._answer(400, "Sign-in refused", "The redirect carried no authorization code.")
            return
        listener.deliver(Callback(code=query["code"]))
        self._answer(200, "Signed in", "You can close this tab and return to sfintacct.")

    def do_POST(self) -> None:
        self._answer(405, "Not allowed", "Only the browser redirect is accepted here.")

    def _answer(self, status: int, title: str, text: str) -> None:
        body = (
            f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title></head>"
            f"<body><h1>{escape(title)}</h1><p>{escape(text)}</p></body></html>"
        ).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)


class LoopbackListener:
    """Bind first (so the redirect URI names a port we hold), then wait for one good redirect."""

    def __init__(self, ports: Sequence[int] = DEFAULT_PORTS, state: str = "") -> None:
        self.state = state
        self.wrong_state = 0
        self._result: Callback | None = None
        self._arrived = threading.Event()
        self._server = self._bind(ports)
        self.port = int(self._server.server_address[1])

    def _bind(self, ports: Sequence[int]) -> _Server:
        for port in ports:
            try:
                return _Server(int(port), self)
            except OSError:
                continue
        raise SalesforceSignInError(
            "No port is free for the sign-in redirect (tried " + ", ".join(str(p) for p in ports) + ")",
            code="PORTS_BUSY",
        )

    @property
    def redirect_uri(self) -> str:
        return f"http://localhost:{self.port}{REDIRECT_PATH}"

    def deliver(self, callback: Callback) -> None:
        if not self._arrived.is_set():
            self._result = callback
            self._arrived.set()

    def wait(self, timeout: float, cancelled: Callable[[], bool] = lambda: False) -> Callback:
        """Serve until the redirect arrives, ``cancelled()`` turns true or ``timeout`` seconds pass."""
        deadline = time.monotonic() + timeout
        self._server.timeout = 0.2  # how often cancel and the deadline are looked at
        while not self._arrived.is_set():
            if cancelled():
                raise SalesforceSignInError("The sign-in was cancelled", code="CANCELLED")
            if time.monotonic() >= deadline:
                refused = self.wrong_state
                extra = f" (a redirect with a wrong state was refused {refused} time(s))" if refused else ""
                raise SalesforceSignInError(
                    f"No answer from the browser within {int(timeout)} seconds{extra}", code="TIMEOUT"
                )
            self._server.handle_request()
        assert self._result is not None
        return self._result

    def close(self) -> None:
        self._server.server_close()

    def __enter__(self) -> LoopbackListener:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
