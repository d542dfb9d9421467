"""The window's background runner: results come back on the GUI thread, threads are reused, and a
hung task neither blocks another task nor keeps shutdown waiting."""

from __future__ import annotations

import threading
from typing import Any, ClassVar

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


class _Tracked:
    """Notes the thread that frees it (a widget's wrapper freed off the GUI thread crashed the window)."""

    freed_on: ClassVar[list[str]] = []

    def __init__(self, name: str) -> None:
        self.name = name

    def __del__(self) -> None:
        _Tracked.freed_on.append(f"{self.name}@{threading.current_thread().name}")


def test_what_a_task_holds_is_released_on_the_gui_thread_even_when_its_thread_takes_another_job(
    qtbot: Any,
) -> None:
    runner = TaskRunner()
    _Tracked.freed_on.clear()
    gui = threading.current_thread().name

    def submit(name: str, fail: bool) -> None:
        in_work, in_done = _Tracked(f"{name}-work"), _Tracked(f"{name}-callback")

        def work(task: Any) -> str:
            if fail:
                raise ValueError(in_work.name)  # the traceback holds this frame, and with it in_work
            return in_work.name

        runner.submit(name, work, lambda v, keep=in_done: None, lambda e, keep=in_done: None)

    for name, fail in (("first", False), ("second", True), ("third", False)):
        submit(name, fail)
        qtbot.waitUntil(lambda: runner.idle, timeout=5_000)
        qtbot.wait(50)  # the kept thread waits for its next job: a reference it kept would die with it
    runner.shutdown(timeout=5)
    freed = {entry.split("@")[0]: entry.split("@")[1] for entry in _Tracked.freed_on}
    assert set(freed) == {f"{n}-{part}" for n in ("first", "second", "third") for part in ("work", "callback")}
    assert all(thread == gui for thread in freed.values()), freed
