"""The window's background runner: results come back on the GUI thread, threads are reused, and a
hung task neither blocks another task nor keeps shutdown waiting."""

from __future__ import annotations

import threading
from typing import Any

from sfintacct_desktop.gui.task_runner import TaskRunner


def test_results_arrive_on_the_gui_thread_and_threads_are_reused(qtbot: Any) -> None:
    runner = TaskRunner()
    gui = threading.current_thread()
    seen: list[tuple[Any, threading.Thread]] = []
    workers: set[str] = set()

    def work(task: Any) -> int:
        workers.add(threading.current_thread().name)
        return 7

    for _ in range(5):
        runner.submit("t", work, lambda v: seen.append((v, threading.current_thread())), lambda e: None)
        qtbot.waitUntil(lambda: runner.idle, timeout=5_000)
    assert [v for v, _ in seen] == [7] * 5 and all(t is gui for _, t in seen)
    assert len(workers) == 1  # one kept thread served them all, one after the other
    runner.shutdown(timeout=5)
    assert not any(t.name in workers for t in threading.enumerate())


def test_a_hung_task_does_not_delay_another_and_shutdown_is_bounded(qtbot: Any) -> None:
    runner = TaskRunner()
    release = threading.Event()
    errors: list[BaseException] = []
    runner.submit("hung", lambda task: release.wait(30), lambda v: None, errors.append)
    done: list[str] = []
    runner.submit("quick", lambda task: "ok", done.append, errors.append)
    qtbot.waitUntil(lambda: done == ["ok"], timeout=5_000)
    failing = runner.submit("fails", lambda task: 1 / 0, done.append, errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5_000)
    assert isinstance(errors[0], ZeroDivisionError) and failing.finished.is_set()
    runner.shutdown(timeout=0.5)  # returns although the hung task still runs (its thread is a daemon)
    assert any(t.is_alive() for t in runner._threads)
    release.set()
