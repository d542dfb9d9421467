"""The GUI thread's own CPU per review handler on a real plan, as the fewest ms of several tries.

Run:  .venv/bin/python benchmarks/bench_review_handlers.py PLAN.json [--tries 7]
      (a plan file of a scale:2000 company: ``bench_gui_scale.py`` leaves one under its temporary
      SFINTACCT_HOME, ``home/data/plans/``)

Why apart from ``bench_gui_scale.py``: on a machine shared with other work even a thread's own CPU
time (``time.thread_time``) of one call varies twofold with the load (caches, the sibling core), so
one pass of the window's path cannot tell a 10 ms handler from a 20 ms one. Here each handler the
operator triggers in the Baseline tab runs several times on the same plan, offscreen, with nothing
else in the process, and the fewest CPU ms of the tries is reported: what the code costs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ["QT_QPA_PLATFORM"] = "offscreen"
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from sfintacct_desktop.app import baseline_review  # noqa: E402
from sfintacct_desktop.gui import baseline_tab as bt  # noqa: E402
from sfintacct_desktop.gui.models import plan as plan_model  # noqa: E402
from sfintacct_desktop.gui.task_runner import TaskRunner  # noqa: E402


def cpu_ms(app: QApplication, action: Callable[[], Any]) -> float:
    """The GUI thread's CPU for ``action`` and the events it posted (a repaint included)."""
    app.processEvents()
    started = time.thread_time()
    action()
    app.processEvents()
    return (time.thread_time() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("plan", type=Path)
    parser.add_argument("--tries", type=int, default=7)
    args = parser.parse_args()
    doc = json.loads(args.plan.read_text(encoding="utf-8"))
    app = QApplication.instance() or QApplication([])
    runner = TaskRunner()
    tab = bt.BaselineTab(runner, "sandbox")
    tab.resize(1280, 800)
    tab.show()
    review = tab.review
    prepared = getattr(plan_model, "prepare", None)  # absent before the rows were prepared off the thread

    def planned() -> None:
        rows = baseline_review.review_rows(doc)
        ready = prepared(doc["actions"], rows) if prepared else rows
        tab._planned((doc, args.plan, ready))  # the task's result, as the plan task hands it over

    def timed_planned() -> float:
        rows = baseline_review.review_rows(doc)  # built off the GUI thread in the window: not counted
        ready = prepared(doc["actions"], rows) if prepared else rows
        return cpu_ms(app, lambda: tab._planned((doc, args.plan, ready)))

    planned()
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("sort by Score", lambda: tab.view.sortByColumn(plan_model.SCORE, Qt.SortOrder.DescendingOrder)),
        ("sort by Salesforce", lambda: tab.view.sortByColumn(plan_model.SF_NAME, Qt.SortOrder.AscendingOrder)),
        ("sort by #", lambda: tab.view.sortByColumn(plan_model.ID, Qt.SortOrder.AscendingOrder)),
        ("find 'acme'", lambda: review.search.setText("acme")),
        ("find ''", lambda: review.search.setText("")),
        ("show review", lambda: review.status.setCurrentIndex(review.status.findData("review"))),
        ("show all", lambda: review.status.setCurrentIndex(0)),
        ("accept all suggestions", tab.accept_all.click),
        ("reject all", review.reject_all.click),
        ("accept scores >= 0.95", review.accept_above.click),
        ("open the confirmation", tab.apply_button.click),
    ]
    review.threshold.setValue(0.95)
    results: dict[str, list[float]] = {"the plan's rows into the table": []}
    for _ in range(args.tries):
        results["the plan's rows into the table"].append(timed_planned())
        for name, action in steps:
            results.setdefault(name, []).append(cpu_ms(app, action))
            if tab.confirm_dialog is not None:
                tab.confirm_dialog.reject()
                tab.confirm_dialog = None
    print(f"{len(doc['actions'])} actions, {args.tries} tries; GUI-thread CPU ms: fewest / median")
    for name, values in results.items():
        values.sort()
        print(f"  {name:<32} {values[0]:>6.1f} {values[len(values) // 2]:>6.1f}")
    runner.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
