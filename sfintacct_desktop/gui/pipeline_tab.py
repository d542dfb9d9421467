"""The pipeline for finance: open opportunities by stage and by close month, read live from Salesforce.

Nothing is read until Refresh is pressed, and each refresh costs one Salesforce API call (a single
composite request of aggregate queries), which the button says. The chart (pyqtgraph: Qt-native and
light, where Qt's own charts would need the much larger PySide6-Addons) shows amount and weighted
amount per close month. The read and the CSV export run off the GUI thread (the task runner).
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")  # pyqtgraph binds to the project's Qt, never another

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ..app import gui_support as gs
from ..app import pipeline_service as ps
from .models.rows import Column, RowsModel, money
from .task_runner import TaskRunner
from .widgets import ErrorPanel, fit_columns, heading, note, table

BUCKET_COLUMNS = [
    Column("key", "Stage"),
    Column("count", "Deals", right=True),
    Column("amount", "Amount", fmt=lambda r: money(r.get("amount")), right=True),
    Column("weighted", "Weighted", fmt=lambda r: money(r.get("weighted")), right=True),
]
MONTH_COLUMNS = [Column("key", "Close month"), *BUCKET_COLUMNS[1:]]
WAITING_COLUMNS = [
    Column("close_date", "Closed"),
    Column("amount", "Amount", fmt=lambda r: money(r.get("amount")), right=True),
    Column("name", "Opportunity"),
    Column("account", "Account"),
    Column("status", "Sync status"),
]
AMOUNT_BRUSH, WEIGHTED_BRUSH = "#9ab8d8", "#2f6fae"


def _bucket_rows(buckets: Any, total: Any = None) -> list[dict[str, Any]]:
    rows = [{"key": b.key, "count": b.count, "amount": b.amount, "weighted": b.weighted} for b in buckets]
    if total is not None:
        rows.append({"key": "Total", "count": total.count, "amount": total.amount, "weighted": total.weighted})
    return rows


def _tick(index: int, month: str) -> str:
    """``2026-02``, then ``03``, ``04``...: the year only where it starts or changes, so labels never overlap."""
    return month if index == 0 or month.endswith("-01") or len(month) != 7 else month[5:]


def _box(title: str, inner: QWidget) -> QGroupBox:
    box = QGroupBox(title)
    QVBoxLayout(box).addWidget(inner)
    return box


class PipelineTab(QWidget):
    loaded = Signal(object)

    def __init__(self, runner: TaskRunner, session: gs.Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner, self.session = runner, session
        self.pipeline: ps.Pipeline | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Pipeline"))
        layout.addWidget(
            note(
                "Open opportunities by stage and by close month, with amounts weighted by probability, "
                "read live from Salesforce when you press Refresh (one API call of the org's daily budget)."
            )
        )
        bar = QHBoxLayout()
        self.refresh_button = QPushButton(f"Refresh ({ps.REFRESH_COST})")
        self.refresh_button.setAccessibleName("Refresh the pipeline from Salesforce")
        self.refresh_button.setToolTip(f"Reads the pipeline from Salesforce now: {ps.REFRESH_COST}.")
        self.refresh_button.clicked.connect(self.refresh)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setAccessibleName("Export the pipeline as CSV")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self.choose_csv)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.export_button)
        self.status = note("Press Refresh to read the pipeline.")
        bar.addWidget(self.status, 1)
        layout.addLayout(bar)
        self.error = ErrorPanel()
        layout.addWidget(self.error)
        self.totals = note()
        self.totals.setAccessibleName("Pipeline totals")
        layout.addWidget(self.totals)

        self.stage_model = RowsModel(BUCKET_COLUMNS, self)
        self.stage_view = table(self.stage_model, stretch="key")
        self.stage_view.setAccessibleName("Open opportunities by stage")
        self.month_model = RowsModel(MONTH_COLUMNS, self)
        self.month_view = table(self.month_model, stretch="key")
        self.month_view.setAccessibleName("Open opportunities by close month")
        self.chart = pg.PlotWidget(background="w")
        self.chart.setAccessibleName("Chart of amount and weighted amount by close month")
        self.chart.setMenuEnabled(False)
        self.chart.setMouseEnabled(x=False, y=False)
        self.chart.hideButtons()
        self.chart.addLegend(offset=(10, 5))
        self.chart.setMinimumHeight(150)
        self.waiting_model = RowsModel(WAITING_COLUMNS, self)
        self.waiting_view = table(self.waiting_model, stretch="status")
        self.waiting_view.setAccessibleName("Won opportunities waiting for an Intacct sales order")

        # two tables side by side above, the chart beside the waiting list below: each table keeps
        # room for its stage or month names even at 1024 pixels wide
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(_box("By stage", self.stage_view))
        top.addWidget(_box("By close month", self.month_view))
        top.setSizes([500, 500])
        self.waiting_box = _box("Won, waiting for an Intacct sales order", self.waiting_view)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(_box("Amount by close month", self.chart))
        bottom.addWidget(self.waiting_box)
        bottom.setSizes([450, 550])
        body = QSplitter(Qt.Orientation.Vertical)
        body.addWidget(top)
        body.addWidget(bottom)
        body.setSizes([300, 260])
        layout.addWidget(body, 1)

    def set_session(self, session: gs.Session, worker: Any = None) -> None:
        """The window switched profile: the old profile's figures go; Refresh reads the new one's."""
        self.session, self.pipeline = session, None
        for model in (self.stage_model, self.month_model, self.waiting_model):
            model.set_rows([])
        self.chart.clear()
        self.error.clear()
        self.totals.setText("")
        self.export_button.setEnabled(False)
        self.status.setText(f"Profile {session.name}: press Refresh to read its pipeline.")

    # ------------------------------------------------------------------ refresh
    def refresh(self) -> None:
        self.error.clear()
        self.refresh_button.setEnabled(False)
        self.status.setText("Reading Salesforce…")
        session = self.session
        self.runner.submit(
            "pipeline",
            lambda task: ps.refresh(session),
            lambda result: self._show(result) if session is self.session else None,  # else: a profile left
            lambda exc: self._failed(exc) if session is self.session else None,
        )

    def _show(self, p: ps.Pipeline) -> None:
        self.pipeline = p
        self.refresh_button.setEnabled(True)
        self.export_button.setEnabled(True)
        cur = p.currency
        self.stage_model.set_rows(_bucket_rows(p.read.by_stage, p.open_total))
        self.month_model.set_rows(_bucket_rows(p.read.by_month, p.open_total))
        self.waiting_model.set_rows([{**ps.win_row(w)} for w in p.read.waiting])
        for view in (self.stage_view, self.month_view, self.waiting_view):
            fit_columns(view)
        t, won, wait = p.open_total, p.read.won_this_month, p.read.waiting_total
        self.totals.setText(
            f"Open: {t.count} opportunities, {money(t.amount)} {cur} (weighted {money(t.weighted)} {cur}). "
            f"Won this month: {won.count} for {money(won.amount)} {cur}. "
            f"Waiting for an Intacct sales order: {wait.count} for {money(wait.amount)} {cur}."
        )
        self.waiting_box.setTitle(
            f"Won, waiting for an Intacct sales order ({wait.count}"
            + (f", first {len(p.read.waiting)} listed)" if wait.count > len(p.read.waiting) else ")")
        )
        self.status.setText(f"As of {p.as_of.replace('T', ' ').rstrip('Z')} UTC, amounts in {cur}.")
        self._chart(p)
        self.loaded.emit(p)

    def _chart(self, p: ps.Pipeline) -> None:
        self.chart.clear()
        months = p.read.by_month
        xs = list(range(len(months)))
        amounts = [float(b.amount) for b in months]
        weighted = [float(b.weighted) for b in months]
        self.chart.addItem(pg.BarGraphItem(x=[x - 0.2 for x in xs], height=amounts, width=0.38, brush=AMOUNT_BRUSH))
        self.chart.addItem(pg.BarGraphItem(x=[x + 0.2 for x in xs], height=weighted, width=0.38, brush=WEIGHTED_BRUSH))
        legend = self.chart.plotItem.legend
        if legend is not None:
            legend.clear()
            legend.addItem(pg.BarGraphItem(x=[0], height=[0], width=0, brush=AMOUNT_BRUSH), "Amount")
            legend.addItem(pg.BarGraphItem(x=[0], height=[0], width=0, brush=WEIGHTED_BRUSH), "Weighted")
        self.chart.getAxis("bottom").setTicks(
            [[(x, _tick(i, b.key)) for i, (x, b) in enumerate(zip(xs, months, strict=True))]]
        )
        self.chart.getAxis("left").setLabel(p.currency)
        self.chart.getAxis("bottom").setLabel("Close month")
        self.chart.setXRange(-0.7, max(len(xs), 1) - 0.3, padding=0)
        self.chart.setYRange(0, max(amounts, default=1.0) * 1.1 or 1.0, padding=0)

    def _failed(self, exc: BaseException) -> None:
        self.refresh_button.setEnabled(True)
        self.status.setText("The pipeline could not be read.")
        self.error.show_error(gs.failure(exc))

    # ------------------------------------------------------------------ export
    def choose_csv(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export the pipeline", "pipeline.csv", "CSV files (*.csv)")
        if path:
            self.export_csv(path)

    def export_csv(self, path: str) -> None:
        """Write the shown figures (no new API call) to ``path``, off the GUI thread."""
        if self.pipeline is None:
            return
        p = self.pipeline
        self.runner.submit(
            "pipeline-csv",
            lambda task: ps.write_csv(p, path),
            lambda written: self.status.setText(f"Exported to {written}."),
            lambda exc: self.error.show_error(gs.failure(exc)),
        )
