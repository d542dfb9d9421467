"""The window's sync worker in a process of its own: a private service the window starts and drives.

Why a child process: the sync worker and the window's heavy jobs (the baseline plan and load, a
live refresh) decode JSON, run SQL and collect garbage; in the window's process every one of those
holds the GIL the GUI thread needs for each repaint, so the window stalled for hundreds of ms. In a
child they run on their own interpreter and the window only reads small events from a socket.

How: when no background service runs the profile, the window starts ``service run --private`` for
it (its own folder, so it never meets the user's service) and drives it through a
:class:`~.remote_worker.RemoteWorker`, the interface the tabs already know. The start happens on a
thread: the window opens at once, its state is "" ("Starting…") until the child answers. Commands
given meanwhile are held and passed on. If the child cannot start (or dies later), the window's
in-process worker takes over (``fallback``) and the reason is logged. The child's stdin is the
window's pipe: the window closing (or dying) ends it, and the child stops after its current batch.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..domain import ErrorInfo
from ..engine.events import EngineStateChanged, ErrorRaised, Event
from . import service_protocol as sp
from .errors import present_both
from .remote_worker import RemoteWorker
from .service_channel import ServiceClient

log = logging.getLogger(__name__)

START_TIMEOUT = 60.0  # seconds the child has to say it listens (a loaded machine imports slowly)
READY_WAIT = 90.0  # seconds a job waits for the start to settle (child or fallback)
CHILD_GONE = "The sync process stopped unexpectedly; the sync runs in the window now."
Fallback = Callable[["queue.Queue[Event]"], Any]


class ChildFailed(Exception):
    """The child did not come up: why, in words for the log."""


def child_command(profile: str, folder: Path, interval: float | None) -> list[str]:
    """The private service's command line: this interpreter, this installation's CLI."""
    schedule = ["--interval", str(interval)] if interval else ["--manual"]
    return [sys.executable, "-m", "sfintacct_desktop.cli", "service", "run", "--private",
            "--profile", profile, "--run-dir", str(folder), *schedule]  # fmt: skip


class ChildWorker:
    """The window's worker: a private child service's, or (when it cannot run) an in-process one."""

    remote = False  # the window's own sync: no "Run by the background service" banner
    private = True
    gone = False

    def __init__(self, profile: str, *, interval: float | None, fallback: Fallback) -> None:
        self.profile = profile
        self.name = f"sfintacct-child-{profile}"
        self.interval = interval
        self.events: queue.Queue[Event] = queue.Queue()
        self.folder = sp.private_service_dir(profile, os.getpid())
        self.proc: subprocess.Popen[bytes] | None = None
        self.child_pid: int | None = None
        self.fallback_reason = ""
        self._fallback = fallback
        self._inner: Any = None
        self._held: list[tuple[str, tuple[Any, ...]]] = []  # commands given while the child starts
        self._lock = threading.Lock()
        self._stopping = False
        self._failed = False  # neither the child nor the in-process worker could start
        self.last_failure: ErrorInfo | None = None
        self._ready = threading.Event()
        self._starter = threading.Thread(target=self._start, name=f"{self.name}-start", daemon=True)
        self._starter.start()

    # ------------------------------------------------------------------ starting
    def _start(self) -> None:
        try:
            inner: Any = self._spawn()
        except Exception as exc:
            self._end_failed_child()
            self.fallback_reason = str(exc) or type(exc).__name__
            if self._stopping:
                self._ready.set()
                return
            log.warning("The sync runs in the window's process: its own process did not start (%s)",
                        self.fallback_reason)  # fmt: skip
            inner = self._in_window()
            if inner is None:
                return
        self._use(inner)

    def _in_window(self) -> Any:
        """The in-process worker; if even that cannot start, the window says the sync is stopped and why."""
        try:
            return self._fallback(self.events)
        except Exception as exc:
            log.exception("The sync of profile %s could not start", self.profile)
            info = present_both(exc, profile=self.profile, doing="starting the sync")
            self._failed = True
            self.last_failure = info
            self.events.put(ErrorRaised(datetime.now(UTC), info))
            self.events.put(EngineStateChanged(datetime.now(UTC), "stopped", info.message))
            self._ready.set()
            return None

    def _use(self, inner: Any) -> None:
        with self._lock:
            self._inner = inner
            held, self._held = self._held, []
            stopping = self._stopping
        if stopping:
            inner.stop()
            self._stop_child()
        else:
            for method, args in held:
                getattr(inner, method)(*args)
        self._ready.set()

    def _spawn(self) -> RemoteWorker:
        sp.private_dir(self.folder)
        popen: dict[str, Any] = {"start_new_session": True} if os.name == "posix" else {}
        with self._lock:
            if self._stopping:
                raise ChildFailed("the window closed before it started")
            self.proc = subprocess.Popen(  # noqa: S603 - this interpreter and our own CLI, no shell
                child_command(self.profile, self.folder, self.interval),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                close_fds=True,
                **popen,
            )
        self.child_pid = self.proc.pid
        answer = self._ready_line(self.proc)
        if not answer.get("ok"):
            error = answer.get("error") or {}
            raise ChildFailed(f"{error.get('title', 'failed')}: {error.get('message', '')}".strip(": "))
        log.info("The sync of profile %s runs in process %s", self.profile, self.child_pid)
        return RemoteWorker(
            self.profile,
            functools.partial(ServiceClient.connect, folder=self.folder),
            events=self.events,
            gone_reason=CHILD_GONE,
            on_gone=self._child_gone,
        )

    @staticmethod
    def _ready_line(proc: subprocess.Popen[bytes]) -> dict[str, Any]:
        """The child's one JSON line, read on a helper thread so a silent child cannot hang the start."""
        lines: queue.Queue[bytes] = queue.Queue()
        assert proc.stdout is not None
        stdout = proc.stdout
        threading.Thread(target=lambda: lines.put(stdout.readline()), name="sfintacct-child-ready", daemon=True).start()
        try:
            line = lines.get(timeout=START_TIMEOUT)
        except queue.Empty:
            raise ChildFailed(f"no answer within {START_TIMEOUT:.0f} s") from None
        if not line:
            raise ChildFailed(f"it ended at once (exit {proc.wait(5)})")
        try:
            answer = json.loads(line)
        except ValueError:
            raise ChildFailed("its first line was not understood") from None
        return answer if isinstance(answer, dict) else {}

    def _child_gone(self) -> None:
        """The child ended by itself (a crash, a kill): the window runs the sync itself from now on."""
        if self._stopping:
            return
        code = self.proc.poll() if self.proc is not None else None
        log.warning("The sync process %s of profile %s ended (exit %s); the sync runs in the window now",
                    self.child_pid, self.profile, code)  # fmt: skip
        self.fallback_reason = CHILD_GONE
        self._stop_child()
        inner = self._in_window()
        if inner is not None:
            self._use(inner)

    def _end_failed_child(self) -> None:
        """A child that did not come up has done nothing yet (no cycle starts by itself): end it now."""
        proc = self.proc
        if proc is not None and proc.poll() is None:
            self._stop_child()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(2)
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)

    def _stop_child(self) -> None:
        """Close the child's stdin: it stops after its current batch and exits."""
        proc = self.proc
        if proc is not None and proc.stdin is not None:
            with contextlib.suppress(OSError):
                proc.stdin.close()

    # ------------------------------------------------------------------ the SyncWorker interface
    @property
    def in_child(self) -> bool:
        """True while the sync runs in the child (False while starting and after a fallback)."""
        return isinstance(self._inner, RemoteWorker)

    @property
    def state(self) -> str:
        inner = self._inner
        if inner is None:
            return "stopped" if self._failed else ""
        return str(inner.state)

    @property
    def last_error(self) -> ErrorInfo | None:
        return getattr(self._inner, "last_error", self.last_failure)

    @property
    def waiting_reason(self) -> str:
        return str(getattr(self._inner, "waiting_reason", ""))

    @property
    def state_since(self) -> Any:
        return getattr(self._inner, "state_since", None)

    @property
    def sync_pending(self) -> bool:
        with self._lock:
            if self._inner is None:
                return any(method == "sync_now" for method, _ in self._held)
        return bool(getattr(self._inner, "sync_pending", False))

    def _call(self, method: str, *args: Any) -> None:
        with self._lock:
            if self._inner is None:
                self._held.append((method, args))
                return
            inner = self._inner
        getattr(inner, method)(*args)

    def sync_now(self) -> None:
        self._call("sync_now")

    def pause(self) -> None:
        self._call("pause")

    def resume(self) -> None:
        self._call("resume")

    def cancel(self) -> None:
        self._call("cancel")

    def retry(self, inbox_id: int | None = None) -> None:
        self._call("retry", inbox_id)

    def resolve(self, conflict_id: int, take: str) -> None:
        self._call("resolve", conflict_id, take)

    # ------------------------------------------------------------------ jobs
    def runs_jobs(self) -> bool:
        """Whether jobs go to the child (waits for the start to settle; call off the GUI thread)."""
        self._ready.wait(READY_WAIT)
        return self.in_child

    def run_job(
        self,
        name: str,
        params: dict[str, Any],
        *,
        progress: Callable[[Any], None] = lambda value: None,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> Any:
        """Run a named job in the child (:mod:`.service_jobs`) and return its result."""
        with ServiceClient.connect(folder=self.folder) as client:
            return client.job(self.profile, name, params, progress=progress, should_stop=should_stop)

    def submit_job(self, name: str, fn: Callable[[Any], Any], **kw: Any) -> Any:
        """A job of the in-process worker (after a fallback); the child's refuses callables."""
        self._ready.wait(READY_WAIT)
        return self._inner.submit_job(name, fn, **kw)

    # ------------------------------------------------------------------ stopping
    def stop(self) -> None:
        """Stop the sync: detach from the child and end it (after its current batch)."""
        with self._lock:
            self._stopping = True
            inner, proc = self._inner, self.proc
        if inner is not None:
            inner.stop()
        elif proc is not None and proc.poll() is None:
            proc.terminate()  # still starting: nothing was asked of it yet, so nothing is cut short
        self._stop_child()

    def is_alive(self) -> bool:
        inner = self._inner
        proc = self.proc
        return (
            self._starter.is_alive()
            or (proc is not None and proc.poll() is None)
            or (inner is not None and inner.is_alive())
        )

    def join(self, timeout: float | None = None) -> None:
        """Wait for the start, the child's exit and the worker's threads (at most ``timeout`` s)."""
        clock = _Deadline(timeout)
        self._starter.join(clock.left())
        proc = self.proc
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(clock.left())
            if proc.poll() is not None:
                for stream in (proc.stdin, proc.stdout):
                    if stream is not None:
                        with contextlib.suppress(OSError):
                            stream.close()
                shutil.rmtree(self.folder, ignore_errors=True)
                if not sp.IS_WINDOWS and sp.socket_path(self.folder).parent != self.folder:
                    with contextlib.suppress(OSError):  # the short folder of a socket whose path was too long
                        sp.socket_path(self.folder).parent.rmdir()
        inner = self._inner
        if inner is not None:
            inner.join(clock.left())


class _Deadline:
    def __init__(self, timeout: float | None) -> None:
        self.end = None if timeout is None else time.monotonic() + timeout

    def left(self) -> float | None:
        return None if self.end is None else max(0.0, self.end - time.monotonic())


__all__ = ["CHILD_GONE", "ChildWorker", "child_command"]
