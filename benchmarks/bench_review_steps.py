"""What each review step costs the GUI thread on a large plan: the click's own handler, then the
repaint and relayout it causes, per step, as the median of several rounds.

Run:  .venv/bin/python benchmarks/bench_review_steps.py [--rounds 4] [--seed scale:2000]

Why apart from ``bench_gui_scale.py``: that bench's p99 is set by about one late heartbeat per
review step; this one says whether a step's time is its handler (the model's Python) or what Qt
does after it (painting the table), which ``thread_time`` of the handler alone cannot.
The sandbox runs in its own process (as remote servers do); the window plans the company, then
runs the bench's review steps ``--rounds`` times: "action" is the click's own call, "flush" the
events it posted (layout and paint), both wall ms.

On a quiet 2-core machine (2026-12-07 02:10-02:30 UTC, scale:2000, 2,748 actions), median of 4
rounds, action ms before -> after the day's change (an order per column sorted once off the GUI
thread, the accepted count kept, the filter's answers moved with their rows): sort by Score 8.8 ->
2.2-2.7, by Salesforce 12.9 -> 3.4-4.2, by # 9.1 -> 2.7-3.0; the text and list filters 2.6-3.3 ->
1.0-2.0. Flush: 17-31 ms for a step that changes the rows shown (4-6 ms for one that shows a few),
before and after: the review table's repaint (about 180 cells), Qt's item drawing.

Later (2026-12-07 05:20 UTC, the same machine), with the review table's text cells drawn by its
delegate in one text layout each (gui/review_delegate.py), median of 4 rounds: flush 5-9 ms for a
step that changes the rows shown (13-19 ms just before, in the same hour), 2-3 ms for one that
shows a few; actions 1-2 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keyring  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from benchmarks.bench_gui_scale import (  # noqa: E402
    REVIEW,
    MainWindow,
    review_steps,
    settle,
    start_process_sandbox,
    wait,
)
from sfintacct_desktop.config.profiles import save_sandbox_profile  # noqa: E402
from tests.support.file_keyring import FileKeyring  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seed", default="scale:2000")
    args = parser.parse_args()
    keyring.set_keyring(FileKeyring())
    proc, info = start_process_sandbox(args.seed)
    try:
        save_sandbox_profile(info)
        app = QApplication.instance() or QApplication([])
        win = MainWindow("sandbox")
        win.resize(1280, 800)
        win.show()
        wait(app, lambda: win.health.facts.state == "idle", 120)
        tab = win.baseline_tab
        win.tabs.setCurrentWidget(tab)
        planned: list[Any] = []
        tab.planned.connect(planned.append)
        tab.plan_button.click()
        wait(app, lambda: bool(planned) and tab.pages.currentIndex() == REVIEW, 600)
        settle(app, 1.0)
        print(f"{tab.model.rowCount()} actions; {args.rounds} rounds; median wall ms")
        timed: dict[tuple[int, str], tuple[list[float], list[float]]] = {}  # (place, name): a name can recur
        for _ in range(args.rounds):
            for place, (name, action) in enumerate(review_steps(tab)):
                t0 = time.perf_counter()
                action()
                t1 = time.perf_counter()
                for _ in range(5):
                    app.processEvents()
                t2 = time.perf_counter()
                mine, after = timed.setdefault((place, name), ([], []))
                mine.append((t1 - t0) * 1000)
                after.append((t2 - t1) * 1000)
                settle(app, 0.02)
        print(f"{'step':<26} {'action':>7} {'flush':>7}")
        for (_, name), (mine, after) in timed.items():
            print(f"{name:<26} {statistics.median(mine):>7.1f} {statistics.median(after):>7.1f}")
        win.close()
        app.processEvents()
        return 0
    finally:
        proc.terminate()
        proc.wait(30)


if __name__ == "__main__":
    raise SystemExit(main())
