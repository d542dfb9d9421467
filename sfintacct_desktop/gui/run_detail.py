"""One run's detail: what it created, updated and flagged per stream (with the records' names),
the records it could not write, and its own log lines.

Why a window of its own: the run list answers "did it work"; this answers "what did it do",
which an operator checks against either system. Read off the GUI thread through the task runner.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ..app import run_history
from ..app.gui_support import failure
from .accessibility import install as install_naming
from .models.rows import RowsModel
from .run_columns import CHANGE_COLUMNS, ERROR_COLUMNS, OPERATION_WORDS, run_error, took, when
from .task_runner import TaskRunner
from .widgets import ErrorPanel, QuietTabs, fit_columns, heading, note, set_tab_text, table

SUMMED = ("create", "update", "deactivate", "reactivate", "link", "conflict", "overwrite_back")


SYSTEMS = {"salesforce": "Salesforce", "intacct": "Intacct"}


def per_entity(changes: list[dict[str, Any]], refused: list[dict[str, Any]] | None = None) -> str:
    """'customer → Intacct: 3 created, 1 updated · customer: 1 conflict, 1 refused' (the order of SUMMED).

    Grouped by record kind and the system written to: a customer created in Intacct came from
    the Salesforce stream, one created in Salesforce from the Intacct stream.
    """
    counts: dict[str, Counter[str]] = {}
    for c in changes:
        target = SYSTEMS.get(str(c.get("target") or ""), "")
        group = f"{c.get('entity')} → {target}" if target else str(c.get("entity"))
        counts.setdefault(group, Counter())[str(c.get("operation"))] += 1
    for r in refused or []:
        counts.setdefault(f"{r.get('entity')} → {SYSTEMS.get(str(r.get('target')), '')}", Counter())["refused"] += 1
    parts = []
    for group, ops in sorted(counts.items()):
        words = [f"{ops[op]} {OPERATION_WORDS[op]}" for op in SUMMED if ops.get(op)]
        if ops.get("refused"):
            words.append(f"{ops['refused']} refused")
        parts.append(f"<b>{group}</b>: {', '.join(words) or 'nothing written'}")
    return " · ".join(parts)


class RunDetail(QDialog):
    """Opened from the run list; reads the run's detail in the background, then shows it."""

    def __init__(self, runner: TaskRunner, session: Any, run_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        install_naming(self)  # named when shown, whatever it was opened from
        self.run_id = run_id
        self.loaded = False
        self.setWindowTitle(f"Run {run_id}")
        self.resize(900, 560)
        layout = QVBoxLayout(self)
        self.title = heading(f"Run {run_id}")
        layout.addWidget(self.title)
        self.facts = note("Reading the run…")
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.facts)
        self.problem = ErrorPanel()
        layout.addWidget(self.problem)
        self.sums = note("")
        self.sums.setTextFormat(Qt.TextFormat.RichText)
        layout.addWidget(self.sums)

        self.tabs = QuietTabs()
        self.tabs.setAccessibleName("Run detail")
        self.changes = RowsModel(CHANGE_COLUMNS, self)
        self.changes_view = table(self.changes, stretch="fields")
        self.changes_view.setAccessibleName("Records the run wrote or flagged")
        self.refused = RowsModel(ERROR_COLUMNS, self)
        self.refused_view = table(self.refused, stretch="hint")
        self.refused_view.setAccessibleName("Records the run could not write")
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setAccessibleName("The run's log lines")
        self.log.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.log.setFont(QFont("monospace"))
        self.tabs.addTab(self.changes_view, "Changes")
        self.tabs.addTab(self.refused_view, "Refused")
        self.tabs.addTab(self.log, "Log")
        layout.addWidget(self.tabs, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close the run detail")
        layout.addWidget(buttons)
        runner.submit(
            f"run-{run_id}", lambda task: run_history.run_detail(session, run_id), self.show_detail, self._failed
        )

    def show_detail(self, detail: dict[str, Any] | None) -> None:
        self.loaded = True
        if detail is None:
            self.facts.setText(f"Run {self.run_id} is not in the state store (it may have been removed).")
            return
        run = detail["run"]
        self.facts.setText(
            f"<b>{run.get('status')}</b> · {run.get('trigger')} · started {when(run.get('started_at'))}"
            + (f" · finished {when(run.get('finished_at'))}" if run.get("finished_at") else "")
            + f" · took {took(run)}"
        )
        if run.get("error"):
            self.problem.show_error(run["error"] if isinstance(run["error"], dict) else {"message": run_error(run)})
        changes = detail["changes"]
        self.sums.setText(per_entity(changes, detail["errors"]) or "This run wrote nothing and flagged nothing.")
        self.changes.set_rows(changes)
        self.refused.set_rows(detail["errors"])
        lines = detail["log"]
        self.log.setPlainText("\n".join(lines) if lines else "No log lines were kept for this run.")
        for view in (self.changes_view, self.refused_view):
            fit_columns(view)
        written = int(detail.get("changes_total") or len(changes))
        shown = f"{len(changes):,} newest of {written:,}" if written > len(changes) else f"{len(changes):,}"
        set_tab_text(self.tabs, 0, f"Changes ({shown})")
        set_tab_text(self.tabs, 1, f"Refused ({len(detail['errors'])})")
        set_tab_text(self.tabs, 2, f"Log ({len(lines)} lines)")

    def _failed(self, exc: BaseException) -> None:
        self.loaded = True
        self.facts.setText("")
        self.problem.show_error(failure(exc))
