"""One-off background requests (connection test, plan, apply, invoice lookup, state reads).

Why plain threads and a queue: the GUI thread must never do network or long database work, and no
Qt object may be touched off the GUI thread. A task runs on a Python thread and puts its outcome
(and any progress) on a queue; a QTimer in the GUI thread drains it and calls the callbacks there.
Tests call :meth:`TaskRunner.drain` or wait for :attr:`TaskRunner.idle`.

Threads are kept and reused (a new one only when every kept one is busy, so a hung request never
delays another task): ``Thread.start()`` makes the GUI thread wait until the new thread has run,
which under load costs it the GIL for tens of milliseconds, once per click without reuse.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)

Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]
ProgressCb = Callable[[Any], None]
IDLE_SECONDS = 30.0  # a kept thread with nothing to do for this long ends


@dataclass
class Task:
    """A running task: ``cancel()`` sets the flag the work function polls (``should_stop``)."""

    name: str
    on_done: Done
    on_error: Failed
    on_progress: ProgressCb | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)

    def cancel(self) -> None:
        self.cancelled.set()

    def should_stop(self) -> bool:
        return self.cancelled.is_set()


class TaskRunner(QObject):
    """Runs callables off the GUI thread and hands their results back on it."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, poll_ms: int = 30) -> None:
        super().__init__(parent)
        self._outbox: queue.Queue[list[Any]] = queue.Queue()  # [task, kind, value, work], emptied by drain
        self._tasks: list[Task] = []
        self._jobs: queue.Queue[list[Any] | None] = queue.Queue()  # [task, work], emptied by the thread
        self._threads: list[threading.Thread] = []
        self._free = 0  # kept threads waiting for a job (guarded by _lock)
        self._lock = threading.Lock()
        self._timer = QTimer(self)
        self._timer.setInterval(poll_ms)
        self._timer.timeout.connect(self.drain)
        self._timer.start()

    @property
    def idle(self) -> bool:
        return not self._tasks

    def submit(
        self,
        name: str,
        work: Callable[[Task], Any],
        on_done: Done,
        on_error: Failed,
        on_progress: ProgressCb | None = None,
    ) -> Task:
        """Start ``work(task)`` off the GUI thread; ``work`` may call ``self.progress(task, value)``."""
        task = Task(name, on_done, on_error, on_progress)
        was_idle = self.idle
        self._tasks.append(task)
        with self._lock:
            start = self._free == 0
            if not start:
                self._free -= 1
            self._jobs.put([task, work])
        if start:
            self._threads = [t for t in self._threads if t.is_alive()]
            thread = threading.Thread(target=self._serve, name=f"sfintacct-task-{len(self._threads)}", daemon=True)
            self._threads.append(thread)
            thread.start()
        if was_idle:
            self.busy_changed.emit(True)
        return task

    def _serve(self) -> None:
        """A kept thread: run jobs until shutdown, or until idle for a while (then it ends)."""
        while True:
            try:
                item = self._jobs.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._jobs.empty():  # no job was promised to a free thread meanwhile
                        self._free -= 1
                        return
                continue
            if item is None:
                return
            self._run(item)  # empties it: this loop's ``item`` holds nothing of the task afterwards
            with self._lock:
                self._free += 1

    def _run(self, item: list[Any]) -> None:
        """Run one job and hand everything it holds to the GUI thread, keeping no reference here.

        Why: a task holds the GUI's callbacks (bound methods of widgets and dialogs) and its work
        closure often holds widgets too. Dropped by this thread, a Qt wrapper's last reference made
        shiboken delete its C++ object later from a pending call in the GUI thread, which crashed the
        window (a segmentation fault in QtWidgets under ``runDeletionInMainThread``, seen in the stall
        benchmark). The outcome travels in a list the GUI thread empties (``drain``), so whichever
        thread lets go last, the objects themselves are released there.
        """
        task, work = item
        item.clear()
        finished = task.finished
        box: list[Any] = [task, None, None, work]
        del work
        try:
            box[1], box[2] = "done", box[3](task)
        except BaseException as exc:  # handed to the GUI as an error panel, never a crash
            log.info("Background task %s failed", task.name, exc_info=True)
            box[1], box[2] = "error", exc
            del exc
        del task
        self._outbox.put(box)
        del box
        finished.set()

    def progress(self, task: Task, value: Any) -> None:
        """Called from the task's thread: queue a progress value for the GUI thread."""
        self._outbox.put([task, "progress", value, None])

    def drain(self) -> int:
        """Deliver every queued outcome on the calling (GUI) thread; returns how many."""
        n = 0
        while True:
            try:
                box = self._outbox.get_nowait()
            except queue.Empty:
                return n
            task, kind, value, _work = box
            box.clear()  # the task's thread may still hold the list: it must hold nothing in it
            n += 1
            if kind == "progress":
                if task.on_progress is not None:
                    task.on_progress(value)
                continue
            if task in self._tasks:
                self._tasks.remove(task)
            try:
                (task.on_done if kind == "done" else task.on_error)(value)
            except Exception:
                log.exception("A result handler of task %s failed", task.name)
            if self.idle:
                self.busy_changed.emit(False)

    def shutdown(self, timeout: float = 30.0) -> None:
        """Cancel and join every task, stop the timer; results still queued are dropped."""
        self._timer.stop()
        for task in list(self._tasks):
            task.cancel()
        for _ in self._threads:
            self._jobs.put(None)  # each kept thread ends after its current job
        end = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, end - time.monotonic()))
        self._threads = [t for t in self._threads if t.is_alive()]  # left behind: hung (daemon threads)
        self._tasks.clear()
