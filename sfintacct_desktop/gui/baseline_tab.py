"""The baseline wizard: plan (extract + match, with progress and cancel) → review → apply → report.

Why a wizard: the first import is where duplicates are made or avoided. Nothing is written until a
person has seen every proposed action with its reason and accepted it; the reviewed plan is saved
as a file before it is applied, so the decision is on record.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, QTimer, Signal
from PySide6.QtWidgets import (
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..app import baseline_report, baseline_review
from ..app import gui_support as gs
from .baseline_dialogs import ConfirmApply
from .baseline_pages import ApplyPage, ReportPage, ReviewPage, counts_text
from .models.plan import prepare
from .task_runner import Task, TaskRunner
from .widgets import ErrorPanel, heading, note, status_line

PLAN, REVIEW, APPLY, REPORT = range(4)


__all__ = ["APPLY", "PLAN", "REPORT", "REVIEW", "BaselineTab", "counts_text"]


class BaselineTab(QWidget):
    planned = Signal(object)  # the plan document itself (no copy: thousands of actions)
    applied = Signal(object)  # the load's report
    exported = Signal(str, int)  # path, rows written

    def __init__(
        self, runner: TaskRunner, profile: str | gs.Session, parent: QWidget | None = None, *, worker: Any = None
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.session: str | gs.Session = profile  # the window's session (a name when the tab stands alone)
        self.profile = profile.name if isinstance(profile, gs.Session) else profile
        self.worker = worker  # the window's sync worker: the apply runs as its job, after a running cycle
        self.doc: dict[str, Any] | None = None
        self.plan_path = ""
        self.last_report: dict[str, Any] | None = None  # the load's runs of this plan, combined
        self.reports: list[dict[str, Any]] = []  # each run of this plan's load: a stopped one, its continuation
        self.task: Task | None = None
        self.confirm_dialog: ConfirmApply | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Baseline: the first import"))
        self.step = QLabel()
        self.step.setStyleSheet("color: #344054; font-weight: 600;")
        layout.addWidget(self.step)
        self.error = ErrorPanel()
        layout.addWidget(self.error)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._plan_page())
        self.review = ReviewPage()
        self.apply_page = ApplyPage()
        self.report_page = ReportPage()
        for page in (self.review, self.apply_page, self.report_page):
            self.pages.addWidget(page)
        layout.addWidget(self.pages, 1)
        self._wire()
        self._go(PLAN)

    # the review's parts, by the names the window's other code and the tests use
    @property
    def model(self) -> Any:
        return self.review.model

    @property
    def proxy(self) -> Any:
        return self.review.proxy

    @property
    def view(self) -> Any:
        return self.review.view

    @property
    def counts(self) -> QLabel:
        return self.review.counts

    @property
    def apply_button(self) -> QPushButton:
        return self.review.apply

    @property
    def accept_all(self) -> QPushButton:
        return self.review.accept_all

    @property
    def report(self) -> Any:
        return self.report_page.text

    @property
    def applying(self) -> bool:
        """A baseline load is running: writing to both systems, so the profile must not change under it."""
        return self.task is not None and self.pages.currentIndex() == APPLY

    def set_session(self, session: gs.Session, worker: Any) -> None:
        """The window switched profile: cancel a plan in progress (read-only), forget the old plan and
        its report, and start again at step 1 for the new profile. Never called while ``applying``."""
        if self.task is not None:
            self.task.cancel()  # its result, when it comes, belongs to the old profile and is dropped
            self.task = None
        self.session, self.profile, self.worker = session, session.name, worker
        self.doc, self.plan_path, self.last_report, self.reports = None, "", None, []
        self.model.set_rows([], [])
        self.counts.setText("")
        self.report.setPlainText("")
        self.error.clear()
        self._idle_plan_page()
        self.plan_progress.setValue(0)
        self.plan_status.setText("Ready.")
        self._update_accepted()
        self._go(PLAN)

    def _current(self, task: Task | None) -> bool:
        """Whether a finished task is the one this tab waits for (not one of a profile left behind)."""
        return task is not None and task is self.task

    # ------------------------------------------------------------------ pages
    def _plan_page(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        lay.addWidget(
            note(
                "Step 1 reads every customer, product and Closed Won opportunity on both sides, matches them "
                "(IDs, names, e-mail, phone, address) and proposes one action per record. Nothing is written."
            )
        )
        row = QHBoxLayout()
        label = QLabel("&Cut-over date:")
        self.cutover = QDateEdit(QDate.currentDate())
        self.cutover.setDisplayFormat("yyyy-MM-dd")
        self.cutover.setCalendarPopup(True)
        self.cutover.setAccessibleName("Cut-over date")
        self.cutover.setToolTip("Closed Won opportunities before this date are history: they never become orders.")
        label.setBuddy(self.cutover)
        row.addWidget(label)
        row.addWidget(self.cutover)
        self.plan_button = QPushButton("Plan")
        self.plan_button.setAccessibleName("Plan")
        self.plan_button.clicked.connect(self.start_plan)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel the plan")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.plan_button)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.plan_progress = QProgressBar()
        self.plan_progress.setAccessibleName("Plan progress")
        self.plan_progress.setRange(0, 1)
        self.plan_progress.setValue(0)
        self.plan_status = status_line("Ready.")  # a new text per page read: one line, no relayout
        lay.addWidget(self.plan_progress)
        lay.addWidget(self.plan_status)
        lay.addStretch(1)
        return page

    def _wire(self) -> None:
        r = self.review
        r.accept_all.clicked.connect(lambda: self._bulk(lambda: self.model.set_all(True)))
        r.reject_all.clicked.connect(lambda: self._bulk(lambda: self.model.set_all(False)))
        r.accept_above.clicked.connect(lambda: self._bulk(lambda: self.model.accept_above(r.threshold.value())))
        r.search.textChanged.connect(lambda text: self._filter(text=text))
        r.decision.currentIndexChanged.connect(lambda i: self._filter(decision=r.decision.itemData(i)))
        r.status.currentIndexChanged.connect(lambda i: self._filter(status=r.status.itemData(i)))
        r.view.selectionModel().currentRowChanged.connect(lambda current, _: self._show_detail(current))
        self.model.dataChanged.connect(lambda *a: self._update_accepted())
        r.back.clicked.connect(lambda: self._go(PLAN))
        r.apply.clicked.connect(self.start_apply)
        r.export.clicked.connect(lambda: self.export_review())
        self.apply_page.stop.clicked.connect(self.cancel)
        self.report_page.export.clicked.connect(lambda: self.export_report())
        self.report_page.export_review.clicked.connect(lambda: self.export_review())
        self.report_page.apply_again.clicked.connect(self.start_apply)
        self.report_page.plan_again.clicked.connect(lambda: self._go(PLAN))

    def _go(self, page: int) -> None:
        self.pages.setCurrentIndex(page)
        self.step.setText(
            ["Step 1 of 4: plan", "Step 2 of 4: review", "Step 3 of 4: apply", "Step 4 of 4: report"][page]
        )

    # ------------------------------------------------------------------ plan
    def start_plan(self) -> None:
        self.error.clear()
        self.plan_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.plan_progress.setRange(0, 0)
        self.plan_status.setText("Reading both systems…")
        profile, cutover, worker = self.session, self.cutover.date().toPython(), self.worker

        def work(task: Task) -> tuple[dict[str, Any], Any, list[Any]]:
            doc, path = gs.plan_baseline(
                profile,
                cutover=cutover,  # type: ignore[arg-type]
                progress=lambda stream, n: self.runner.progress(task, (stream, n)),
                should_stop=task.should_stop,
                worker=worker,
            )
            return doc, path, prepare(doc["actions"], baseline_review.review_rows(doc))  # the table's rows, here

        task = self.runner.submit(
            "plan",
            work,
            lambda result: self._planned(result) if self._current(task) else None,
            lambda exc: self._failed(exc) if self._current(task) else None,
            lambda value: self._plan_progress(value) if self._current(task) else None,
        )
        self.task = task

    def _plan_progress(self, value: tuple[str, int]) -> None:
        stream, n = value
        self.plan_status.setText(f"Read {stream}: {n:,}")

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.plan_status.setText("Cancelling after the current page…")
            self.apply_page.status.setText("Stopping after the current batch…")
            self.apply_page.stop.setEnabled(False)

    def _planned(self, result: tuple[dict[str, Any], Any, list[Any]]) -> None:
        self.doc, path, rows = result
        self.plan_path = str(path)
        self.task = None
        self.last_report, self.reports = None, []
        self._idle_plan_page()
        self.plan_status.setText(f"Plan written: {path}")
        self.counts.setText(counts_text(self.doc["counts"]))
        self.counts.setToolTip(f"Plan file: {path}")
        self._go(REVIEW)
        doc = self.doc
        # the rows land on the next turn of the event loop: showing the review page for the first
        # time and filling a table of thousands of rows were one stall of 60-80 ms, now two halves
        QTimer.singleShot(0, lambda: self._fill_review(doc, rows))

    def _fill_review(self, doc: dict[str, Any], rows: Any) -> None:
        if doc is not self.doc:  # another plan (or none) came meanwhile
            return
        self.model.set_rows(doc["actions"], rows)
        self._update_accepted()
        self.planned.emit(doc)

    def _idle_plan_page(self) -> None:
        self.plan_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.plan_progress.setRange(0, 1)
        self.plan_progress.setValue(1)

    def _failed(self, exc: BaseException) -> None:
        self.task = None
        self._idle_plan_page()
        self.plan_progress.setValue(0)
        self.plan_status.setText("Stopped.")
        self.error.show_error(gs.failure(exc))
        if self.pages.currentIndex() == APPLY:
            self._go(REVIEW)

    # ------------------------------------------------------------------ review
    def _bulk(self, change: Any) -> None:
        change()
        self._update_accepted()

    def _filter(self, **what: str) -> None:
        self.proxy.set_filter(**what)
        self._update_accepted()

    def _show_detail(self, current: Any) -> None:
        if not current.isValid():
            self.review.detail.setPlainText("")
            return
        row = self.proxy.mapToSource(current).row()
        self.review.detail.setPlainText(self.model.rows[row].details)

    def _update_accepted(self) -> None:
        n = self.model.accepted_count()
        self.review.show_counts(n, self.proxy.rowCount(), self.model.rowCount())
        self.apply_button.setEnabled(n > 0)

    # ------------------------------------------------------------------ export
    def _save_path(self, title: str, suggested: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self, title, suggested, "CSV files (*.csv)")
        return path

    def _export(self, name: str, write: Any) -> None:
        path = str(write.path)
        self.runner.submit(
            name,
            lambda task: write(),
            lambda n: self._exported(path, n),
            lambda exc: self.error.show_error(gs.failure(exc)),
        )

    def _exported(self, path: str, n: int) -> None:
        self.review.accepted_label.setToolTip(f"Exported {n:,} rows to {path}")
        self.exported.emit(path, n)

    def export_review(self, path: str | None = None) -> None:
        """Save the review (every action, its decision and reasons) as CSV; asks where unless given."""
        if self.doc is None:
            return
        path = path or self._save_path("Export the review", f"{self.profile}-baseline-review.csv")
        if path:
            doc = {"actions": [dict(a) for a in self.doc["actions"]]}  # a copy: the person may tick on
            self._export("export review", _Write(path, lambda: baseline_review.export_review(doc, path)))

    def export_report(self, path: str | None = None) -> None:
        """Save the load's report (planned and written per system and object) as CSV."""
        if self.last_report is None or self.doc is None:
            return
        path = path or self._save_path("Export the report", f"{self.profile}-baseline-report.csv")
        if path:
            report, doc = self.last_report, self.doc
            self._export("export report", _Write(path, lambda: baseline_report.export_report(report, doc, path)))

    # ------------------------------------------------------------------ apply
    def start_apply(self) -> None:
        """Show what the apply will write where; the load starts when the person confirms."""
        if self.doc is None or self.task is not None:
            return
        summary = baseline_review.confirmation(self.doc)
        dialog = ConfirmApply(summary, self.profile, self)
        dialog.accepted.connect(self.apply_confirmed)
        dialog.finished.connect(lambda _: dialog.deleteLater())
        self.confirm_dialog = dialog
        dialog.open()

    def apply_confirmed(self) -> None:
        if self.doc is None or self.task is not None:
            return
        self.confirm_dialog = None
        self.error.clear()
        self.apply_page.start(baseline_review.accepted_totals(self.doc))
        self._go(APPLY)
        profile, doc, worker, source = self.session, self.doc, self.worker, self.plan_path

        def work(task: Task) -> dict[str, Any]:
            return baseline_report.apply_reviewed(
                profile,
                doc,
                progress=lambda entity, done, total: self.runner.progress(task, (entity, done, total)),
                should_stop=task.should_stop,
                worker=worker,
                source=source or None,
            )

        task = self.runner.submit(
            "apply",
            work,
            lambda report: self._applied(report) if self._current(task) else None,
            lambda exc: self._failed(exc) if self._current(task) else None,
            lambda value: self.apply_page.show_progress(*value) if self._current(task) else None,
        )
        self.task = task

    def _applied(self, report: dict[str, Any]) -> None:
        self.task = None
        self.reports.append(report)
        self.last_report = baseline_report.combined(self.reports)
        ok = report.get("status") == "ok"
        assert self.doc is not None
        self.report_page.title.setText(
            "The baseline is applied: the live sync is ready."
            if ok
            else "The baseline load was stopped: apply again to continue."
            if report.get("status") == "interrupted"
            else "The baseline load failed before it finished."
        )
        interval = getattr(self.worker, "interval", None)
        self.report.setPlainText(baseline_report.report_text(self.last_report, self.doc, interval=interval))
        self.report_page.apply_again.setVisible(not ok)
        if not ok and report.get("error") and report.get("status") != "interrupted":
            self.error.show_error(report["error"])
        self._go(REPORT)
        self.applied.emit(report)


class _Write:
    """A file export to run off the GUI thread: the path (for the message) and the writer."""

    def __init__(self, path: str, write: Any) -> None:
        self.path, self._write = path, write

    def __call__(self) -> int:
        return int(self._write())
