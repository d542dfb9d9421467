"""What the GUI thread itself does: CPU and wall time per Qt event and per window handler.

Why: on a shared, loaded machine a stall of the heartbeat mixes the window's own work with waiting
for a core or for the GIL. ``time.thread_time()`` counts only the GUI thread's own CPU, so the
longest single invocation of each handler (in CPU ms) says what the product makes the GUI thread
do, whatever the load.

Two layers, both on the GUI thread only:
- with ``--cpu-events``, every Qt event goes through :meth:`AccountingApp.notify` (a QApplication
  subclass): the outermost event's CPU and wall time, named by its type and its receiver (a QTimer
  by its parent's class), which shows Qt's own work (painting, layout). Off by default: a Python
  ``notify`` makes PySide wrap objects still under construction, and now and then it caches a
  wrapper of the wrong type (a QMenu seen as a QWidget) and the window fails to build;
- every method of the window's own classes (``sfintacct_desktop.gui.*``) is wrapped before the
  window is built (:func:`instrument`): each call's CPU and wall time, inclusive, with its depth,
  so a long event shows the handler inside it and the handler's parts below.
Work the benchmark calls directly (a button's ``click()``) is counted as top-level handlers too.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

SKIP = {"__init__", "__repr__", "__str__", "__hash__", "__eq__", "__getattr__"}
# called per cell or per row by Qt while painting, sorting or filtering: wrapping them would add more
# than they cost; their time counts in the event or handler that asked for them
HOT = {"data", "headerData", "flags", "rowCount", "columnCount", "index", "parent", "sizeHint", "paint",
       "initStyleOption", "filterAcceptsRow", "lessThan", "_display", "text", "money", "tone", "passes",
       "_sort_key", "decidable", "needs_review", "_decision", "_sides", "_reason", "_differs", "_details",
       "review_row", "object_label", "_parse", "_plural", "cell", "flags_at", "row_of"}  # fmt: skip


@dataclass
class Stat:
    """One handler's invocations: count, total and longest CPU ms, the wall time of the longest."""

    count: int = 0
    total_cpu: float = 0.0
    max_cpu: float = 0.0
    max_wall: float = 0.0
    min_depth: int = 99
    phases: set[str] = field(default_factory=set)

    def add(self, cpu: float, wall: float, depth: int, phase: str) -> None:
        self.count += 1
        self.total_cpu += cpu
        if cpu > self.max_cpu:
            self.max_cpu, self.max_wall = cpu, wall
        self.min_depth = min(self.min_depth, depth)
        if cpu >= 5.0:
            self.phases.add(phase)


class Accounting:
    """The GUI thread's per-handler CPU: filled by the notify override and the method wrappers."""

    def __init__(self) -> None:
        self.gui = threading.get_ident()
        self.depth = 0
        self.stats: dict[str, Stat] = {}
        self.by_phase: dict[tuple[str, str], list[float]] = {}  # (phase, handler) -> [calls, total cpu ms]
        self.phase = "open"
        self.enabled = True

    def record(self, name: str, cpu0: float, wall0: float, depth: int) -> None:
        cpu = (time.thread_time() - cpu0) * 1000
        wall = (time.perf_counter() - wall0) * 1000
        self.stats.setdefault(name, Stat()).add(cpu, wall, depth, self.phase)
        tally = self.by_phase.setdefault((self.phase, name), [0, 0.0])
        tally[0] += 1
        tally[1] += cpu

    def report_phases(self, phases: tuple[str, ...], top: int = 12) -> str:
        """Per phase, the handlers with the most CPU in all (where a phase's GUI time goes)."""
        lines = []
        for phase in phases:
            rows = sorted(((n, c, t) for (p, n), (c, t) in self.by_phase.items() if p == phase), key=lambda r: -r[2])
            lines.append(f"  {phase}:")
            lines += [f"    {t:>8.0f} ms {c:>6} calls  {n}" for n, c, t in rows[:top]]
        return "\n".join(lines)

    def wrap(self, name: str, func: Callable[..., Any]) -> Callable[..., Any]:
        acc = self

        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            if not acc.enabled or threading.get_ident() != acc.gui:
                return func(*args, **kwargs)
            acc.depth += 1
            depth, cpu0, wall0 = acc.depth, time.thread_time(), time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                acc.depth -= 1
                acc.record(name, cpu0, wall0, depth)

        return timed

    def report(self, top: int = 25, min_cpu: float = 1.0) -> str:
        rows = sorted(self.stats.items(), key=lambda kv: -kv[1].max_cpu)
        lines = [
            f"{'longest cpu ms':>14} {'its wall ms':>11} {'calls':>7} {'total cpu ms':>12} depth  "
            "handler (phases >= 5 ms)"
        ]
        for name, s in rows[:top]:
            if s.max_cpu < min_cpu:
                break
            phases = ",".join(sorted(s.phases))
            lines.append(
                f"{s.max_cpu:>14.1f} {s.max_wall:>11.1f} {s.count:>7} {s.total_cpu:>12.0f} {s.min_depth:>5}  "
                f"{name} ({phases})"
            )
        return "\n".join(lines)


ACCOUNTING = Accounting()


def _event_name(receiver: QObject, event: QEvent) -> str:
    kind = event.type()
    kind_name = getattr(kind, "name", str(kind))
    if isinstance(receiver, QTimer):
        parent = receiver.parent()
        owner = type(parent).__name__ if parent is not None else "no parent"
        return f"event {kind_name} -> QTimer({receiver.interval()} ms) of {owner}"
    name = type(receiver).__name__
    # a painted widget is named by its class, name and size; never ask for its parent here (for a
    # widget still being built PySide caches a wrapper of the wrong type for it, and the window
    # fails later)
    if kind_name in ("Paint", "UpdateRequest") and isinstance(receiver, QWidget):
        name += f" '{receiver.objectName()}' {receiver.width()}x{receiver.height()}"
    return f"event {kind_name} -> {name}"


class AccountingApp(QApplication):
    """A QApplication whose ``notify`` counts every outermost event's GUI-thread CPU."""

    def notify(self, receiver: QObject, event: QEvent) -> bool:
        acc = ACCOUNTING
        if not acc.enabled or threading.get_ident() != acc.gui:
            return super().notify(receiver, event)
        acc.depth += 1
        depth, cpu0, wall0 = acc.depth, time.thread_time(), time.perf_counter()
        try:
            return super().notify(receiver, event)
        except TypeError:  # PySide handed a stale wrapper (a reused address): the event is dropped
            return False
        finally:
            acc.depth -= 1
            try:
                name = _event_name(receiver, event)
            except RuntimeError:  # the receiver was deleted by its own handler
                name = f"event {getattr(event.type(), 'name', event.type())} -> (deleted)"
            acc.record(name, cpu0, wall0, depth)


APP_MODULES = ("health", "baseline_review", "baseline_report", "gui_support", "inbox", "run_history")


def instrument(package: str = "sfintacct_desktop.gui") -> int:
    """Wrap every plain method of every class defined in ``package``'s modules, and the module-level
    functions of the window's modules and of the ``app`` modules it calls; returns how many."""
    pkg = importlib.import_module(package)
    n = 0
    modules = [importlib.import_module(i.name) for i in pkgutil.walk_packages(pkg.__path__, package + ".")]
    modules += [importlib.import_module(f"sfintacct_desktop.app.{m}") for m in APP_MODULES]
    for module in modules:
        short = module.__name__.rsplit(".", 1)[-1]
        for fn_name, fn in list(vars(module).items()):
            if inspect.isfunction(fn) and fn.__module__ == module.__name__ and fn_name not in SKIP | HOT:
                setattr(module, fn_name, ACCOUNTING.wrap(f"{short}.{fn_name}()", fn))
                n += 1
        for cls_name, cls in vars(module).items():
            if not inspect.isclass(cls) or cls.__module__ != module.__name__:
                continue
            for attr, value in list(vars(cls).items()):
                if attr in SKIP | HOT or not inspect.isfunction(value):
                    continue
                setattr(cls, attr, ACCOUNTING.wrap(f"{cls_name}.{attr}", value))
                n += 1
    return n
