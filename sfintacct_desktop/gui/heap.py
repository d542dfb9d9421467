"""Keeps the cyclic garbage collector's pauses short while the window is open.

Why: CPython's full collection walks every tracked object with the GIL held, from whichever thread
happened to trigger it, so the GUI thread waits for all of it. With the product, Qt and SQLAlchemy
loaded (about 150,000 objects) one took 100-260 ms on a loaded 2-core machine: the window's longest
stalls during a plan, an apply or a sync. Objects that live as long as the process (modules,
classes, functions) need never be walked again, nor does what a finished operation leaves alive
(a plan under review, compiled SQL): right after a collection they are moved to the permanent
generation (``gc.freeze``): when the window opens, every second while work runs and once it has
gone quiet after some work, so a collection during a run walks at most a second's worth of what
that run created.

Frozen objects are still freed by reference counting; only garbage in reference cycles that was
frozen, or that became garbage once frozen, outlives its use (a few thousand objects per piece of
work). So the window gives every frozen object back to the collector when it closes (tests open
many windows in one process), and after ``SWEEP_AFTER`` freezes it collects the whole heap once, at
a quiet moment: a pause like the ones above (a whole heap of the window), when nothing runs.
"""

from __future__ import annotations

import gc
from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer

QUIET_MS = 500  # how long the window must have had nothing running before the heap is settled
DURING_MS = 1000  # how often the heap is frozen while work runs
SWEEP_AFTER = 60  # freezes after which the next quiet moment collects the whole heap, frozen objects too


def settle_heap(*, whole: bool = False) -> int:
    """Collect the young garbage, then freeze what is left; ``whole``: every object, frozen ones too.

    Only the two young generations are collected (a few ms): collecting the old one too would walk
    all that the last piece of work left alive (a plan's 2,700 actions: 30-110 ms), the very pause
    this avoids. Garbage that had already grown old is frozen with the rest until the next whole
    collection; the collections that run by themselves during work find most of it before that.
    """
    if whole:
        gc.unfreeze()
    found = gc.collect(2 if whole else 1)
    gc.freeze()
    return found


def release_heap() -> None:
    """Hand every frozen object back to the collector (the window is closing)."""
    gc.unfreeze()


class HeapKeeper(QObject):
    """Freezes what lives every ``DURING_MS`` while work runs, and once the window is quiet after it.

    ``busy`` tells whether anything runs now (a background task, the worker's cycle or job). While
    it does, what the work keeps (a load's fetched records, a plan's indexes) is frozen as it grows,
    so the old generation never holds enough for a collection to stall the window; the whole heap
    is collected only at a quiet moment (``QUIET_MS`` with nothing running), after ``SWEEP_AFTER``
    freezes.
    """

    def __init__(self, busy: Callable[[], bool], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._busy = busy
        self.settled = 0  # how many times the heap was frozen (the tests read it)
        self.swept = 0  # how many times the whole heap was collected
        self._since_sweep = 0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(QUIET_MS)
        self._timer.timeout.connect(self._settle)
        self._during = QTimer(self)
        self._during.setInterval(DURING_MS)
        self._during.timeout.connect(self._while_busy)

    def start(self) -> None:
        """Freeze what the process holds before the window's work begins (modules, Qt, the session)."""
        self._freeze()
        self._during.start()

    def work_done(self, *_args: object) -> None:
        """Some work finished: settle the heap once the window stays quiet for a moment."""
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()
        self._during.stop()
        release_heap()

    def _freeze(self, *, whole: bool = False) -> None:
        settle_heap(whole=whole)
        self.settled += 1
        self._since_sweep = 0 if whole else self._since_sweep + 1
        self.swept += whole

    def _while_busy(self) -> None:
        if self._busy():
            self._freeze()

    def _settle(self) -> None:
        if self._busy():
            return  # the work that is running now calls work_done when it ends
        self._freeze(whole=self._since_sweep >= SWEEP_AFTER)
