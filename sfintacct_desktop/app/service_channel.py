"""The control channel's sockets: the service's listener and the client the CLI and the window use.

Why plain sockets and threads: one short conversation per client, a handful of clients at most, and
nothing beyond the standard library. POSIX: a Unix domain socket (0600, in a 0700 folder); Windows:
loopback TCP on a port written to a 0600 file. Either way the client must present the token first
(:mod:`.service_protocol` has the rules). A listener thread accepts; each connection gets a thread.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import select
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..config.private import ensure_dir, make_private, open_private
from ..domain import ErrorInfo, ErrorKind, SyncError
from . import service_protocol as sp
from .event_codec import CodecError, encode_event, error_from_json

log = logging.getLogger(__name__)

AUTH_TIMEOUT = 5.0  # seconds a new connection has to present its token
STREAM_POLL = 0.5  # how often a streaming connection checks that its client and the service are still there


class ServiceUnavailable(SyncError):
    """No background service answers (none runs, or it is not this user's)."""

    def __init__(self, why: str) -> None:
        super().__init__(
            ErrorInfo(
                ErrorKind.CONNECTION,
                "No background service is running",
                f"The background sync service does not answer ({why}).",
                "Start it with `sfintacct service install` (or `sfintacct service run` in a terminal).",
                code="SERVICE_NOT_RUNNING",
                window_hint="The window can run the sync itself while it is open.",
            )
        )


class ServiceRefused(SyncError):
    """The service answered a request with an error (title, message, hint from the service)."""

    def __init__(self, error: dict[str, Any]) -> None:
        super().__init__(
            ErrorInfo(
                ErrorKind.INTERNAL,
                str(error.get("title", "Refused")),
                str(error.get("message", "")),
                str(error.get("hint", "")),
                code="SERVICE_REFUSED",
            )
        )


# ------------------------------------------------------------------------------ the listener
class Dispatcher:
    """What the listener needs of the service (``app.service_host.SyncService`` implements it)."""

    def hello(self) -> dict[str, Any]:  # pragma: no cover - an interface
        raise NotImplementedError

    def handle(self, request: sp.Request) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError

    def hub(self, profile: str) -> Any:  # pragma: no cover
        raise NotImplementedError

    def run_job(
        self, request: sp.Request, progress: Callable[[Any], None], should_stop: Callable[[], bool]
    ) -> dict[str, Any]:  # pragma: no cover
        """Run a named job to its end; the answer (``ok`` with ``result``, or a refusal)."""
        raise NotImplementedError


class ControlServer:
    """Listens for clients of the running service until :meth:`close`."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self._stopping = threading.Event()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.token = ""
        self.address: str = ""

    def start(self) -> ControlServer:
        sp.private_dir()
        self.token = sp.new_token()
        if sp.IS_WINDOWS:  # pragma: no cover - exercised on Windows only
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
            with open_private(sp.port_path(), "wb") as fh:
                fh.write(str(port).encode("ascii"))
            self.address = f"127.0.0.1:{port}"
        else:
            path = sp.socket_path()
            folder = ensure_dir(path.parent)
            if folder.stat().st_uid != os.getuid():
                raise PermissionError(f"{folder} belongs to another user")
            make_private(folder)
            path.unlink(missing_ok=True)  # a stale socket of a killed service (the service lock is ours)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.bind(str(path))  # inside a 0700 folder: nobody else can reach it before the chmod
            os.chmod(path, 0o600)
            self.address = str(path)
        sock.listen(16)
        sock.settimeout(STREAM_POLL)
        self._sock = sock
        self._thread = threading.Thread(target=self._accept, name="sfintacct-control", daemon=True)
        self._thread.start()
        log.info("Control channel listening on %s", self.address)
        return self

    def close(self) -> None:
        """Stop accepting, end every stream, remove the socket and the token (a clean stop)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(5)
        if self._sock is not None:
            self._sock.close()
        for path in (sp.token_path(), sp.port_path()) + (() if sp.IS_WINDOWS else (sp.socket_path(),)):
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)

    def _accept(self) -> None:
        assert self._sock is not None
        while not self._stopping.is_set():
            try:
                conn, _addr = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._stopping.is_set():
                    return
                log.warning("The control channel failed to accept a connection", exc_info=True)
                continue
            threading.Thread(target=self._serve, args=(conn,), name="sfintacct-control-conn", daemon=True).start()

    # ------------------------------------------------------------------ one connection
    def _serve(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.settimeout(AUTH_TIMEOUT)
            reader = conn.makefile("rb")
            try:
                hello = sp.decode(reader.readline(sp.MAX_LINE + 1))
            except (sp.ProtocolError, TimeoutError):
                return
            if not sp.token_matches(self.token, hello.get("token")):
                log.warning("A client without the service token was refused")
                conn.sendall(sp.encode(sp.refusal("Refused", "Wrong or missing token.")))
                return
            conn.sendall(sp.encode(sp.ok(service=self.dispatcher.hello())))
            conn.settimeout(None)
            while not self._stopping.is_set():
                line = reader.readline(sp.MAX_LINE + 1)
                if not line:
                    return
                try:
                    request = sp.parse_request(sp.decode(line))
                except sp.ProtocolError as exc:
                    conn.sendall(sp.encode(sp.refusal("Bad request", str(exc))))
                    continue
                if request.op == "subscribe":
                    self._stream(conn, request)
                    return
                if request.op == "job":
                    self._job(conn, request)
                    return
                conn.sendall(sp.encode(self.dispatcher.handle(request)))

    def _stream(self, conn: socket.socket, request: sp.Request) -> None:
        hub = self.dispatcher.hub(str(request.profile))
        if hub is None:
            conn.sendall(sp.encode(self.dispatcher.handle(request)))  # its refusal names why
            return
        sub, replay = hub.subscribe()
        try:
            conn.sendall(sp.encode(sp.ok(status=hub.snapshot())))
            for event in replay:
                conn.sendall(sp.encode({"event": encode_event(event)}))
            while not self._stopping.is_set():
                try:
                    event = sub.events.get(timeout=STREAM_POLL)
                except queue.Empty:
                    if _closed_by_peer(conn):
                        return
                    continue
                if event is None:  # the worker stopped
                    return
                conn.sendall(sp.encode({"event": encode_event(event)}))
            # the service stops: the client sees the end of the stream
        finally:
            hub.unsubscribe(sub)

    def _job(self, conn: socket.socket, request: sp.Request) -> None:
        """Run a job to its end: progress lines, then its answer. The client's half-close (or a
        closing service) asks it to stop after its current batch."""
        send_lock = threading.Lock()

        def progress(value: Any) -> None:
            with send_lock, contextlib.suppress(OSError):
                conn.sendall(sp.encode({"progress": value}))

        def should_stop() -> bool:
            return self._stopping.is_set() or _closed_by_peer(conn)

        answer = self.dispatcher.run_job(request, progress, should_stop)
        with send_lock:
            conn.sendall(sp.encode(answer))


def _closed_by_peer(conn: socket.socket) -> bool:
    readable, _, _ = select.select([conn], [], [], 0)
    if not readable:
        return False
    try:
        return conn.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


# ------------------------------------------------------------------------------ the client
class ServiceClient:
    """One authenticated connection to the running service."""

    def __init__(self, sock: socket.socket, hello: dict[str, Any]) -> None:
        self._sock = sock
        self._reader = sock.makefile("rb")
        self.service: dict[str, Any] = hello.get("service") or {}

    @classmethod
    def connect(cls, timeout: float = 3.0, folder: Path | None = None) -> ServiceClient:
        """Connect and present the token; :class:`ServiceUnavailable` when no service answers.
        ``folder``: the service folder of a window's private service (default: the user's service)."""
        token = sp.read_token(folder)
        if token is None:
            raise ServiceUnavailable("no service token")
        try:
            if sp.IS_WINDOWS:  # pragma: no cover - exercised on Windows only
                port = int(((folder or sp.service_dir()) / sp.PORT_NAME).read_text(encoding="ascii").strip())
                sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
            else:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(timeout)
                sock.connect(str(sp.socket_path(folder)))
        except (OSError, ValueError) as exc:
            raise ServiceUnavailable(type(exc).__name__) from None
        try:
            sock.sendall(sp.encode({"token": token}))
            line = sock.makefile("rb").readline(sp.MAX_LINE + 1)
            hello = sp.decode(line) if line else {}
        except (OSError, sp.ProtocolError) as exc:
            sock.close()
            raise ServiceUnavailable(type(exc).__name__) from None
        if not hello.get("ok"):
            sock.close()
            raise ServiceUnavailable("the token was refused")
        sock.settimeout(None)
        return cls(sock, hello)

    def request(self, op: str, profile: str | None = None, timeout: float | None = 30.0, **args: Any) -> dict[str, Any]:
        """Send one request and return its answer (``ok`` False answers raise :class:`ServiceRefused`)."""
        self._sock.settimeout(timeout)
        try:
            self._sock.sendall(sp.encode({"op": op, "profile": profile, **args}))
            answer = self.read()
        finally:
            with contextlib.suppress(OSError):
                self._sock.settimeout(None)
        if answer is None:
            raise ServiceUnavailable("the service closed the connection")
        if not answer.get("ok"):
            raise ServiceRefused(answer.get("error") or {})
        return answer

    def job(
        self,
        profile: str,
        name: str,
        params: dict[str, Any],
        *,
        progress: Callable[[Any], None] = lambda value: None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> Any:
        """Run a named job in the service and return its result; its error is raised as the
        ``SyncError`` the service met. ``should_stop`` is polled: once true, the job is asked to stop
        after its current batch (this side half-closes) and its answer is still awaited."""
        self._sock.sendall(sp.encode({"op": "job", "profile": profile, "name": name, "params": params}))
        done = threading.Event()

        def watch() -> None:
            while not done.wait(0.2):
                if should_stop():
                    with contextlib.suppress(OSError):
                        self._sock.shutdown(socket.SHUT_WR)
                    return

        watcher = threading.Thread(target=watch, name="sfintacct-job-watch", daemon=True)
        watcher.start()
        try:
            while True:
                message = self.read()
                if message is None:
                    raise ServiceUnavailable("the service closed the connection during the job")
                if "progress" in message:
                    progress(message["progress"])
                    continue
                if message.get("ok"):
                    return message.get("result")
                error = message.get("error") or {}
                if "kind" in error:
                    with contextlib.suppress(CodecError):
                        raise SyncError(error_from_json(error))
                raise ServiceRefused(error)
        finally:
            done.set()
            watcher.join(1)

    def read(self) -> dict[str, Any] | None:
        """The next message, or None at the end of the stream (the service went away)."""
        try:
            line = self._reader.readline(sp.MAX_LINE + 1)
        except OSError:
            return None
        if not line:
            return None
        return sp.decode(line)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self._reader.close()
        self._sock.close()

    def __enter__(self) -> ServiceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def ask(op: str, profile: str | None = None, **args: Any) -> dict[str, Any]:
    """One request on a connection of its own (``service status`` and the like)."""
    with ServiceClient.connect() as client:
        return client.request(op, profile, **args)


__all__ = ["ControlServer", "Dispatcher", "ServiceClient", "ServiceRefused", "ServiceUnavailable", "ask"]
