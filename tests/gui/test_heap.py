"""The window keeps long-lived objects out of the collector's walks, never garbage, and gives them back."""

from __future__ import annotations

import gc
import weakref
from typing import Any

from sfintacct_desktop.gui.heap import settle_heap
from sfintacct_desktop.gui.main_window import MainWindow
from tests.gui.helpers import apply_baseline, sync_once


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_the_window_freezes_what_lives_after_work_and_collects_garbage_first(qtbot: Any, window: MainWindow) -> None:
    assert gc.get_freeze_count() > 0  # frozen when the window opened
    apply_baseline()
    qtbot.waitUntil(lambda: window.runner.idle and window.worker.state != "running", timeout=20_000)
    settled = window.heap.settled
    kept = _Node()  # alive across the settle: frozen
    dead = weakref.ref(_Node())  # garbage in a cycle when the settle comes: collected, not frozen
    finished = sync_once(qtbot, window)
    assert finished.summary.status == "ok", finished.summary.error
    qtbot.waitUntil(lambda: window.heap.settled > settled, timeout=30_000)
    assert dead() is None
    assert not any(o is kept for o in gc.get_objects())  # frozen: no collection walks it any more
    window.close()
    assert gc.get_freeze_count() == 0  # a closed window leaves nothing frozen
    assert any(o is kept for o in gc.get_objects())


def test_a_cycle_that_died_frozen_waits_for_the_whole_collection() -> None:
    node = _Node()
    gone = weakref.ref(node)
    gc.freeze()
    try:
        del node
        settle_heap()  # the young generations only: the frozen cycle is not looked at
        assert gone() is not None
        settle_heap(whole=True)
        assert gone() is None
    finally:
        gc.unfreeze()
