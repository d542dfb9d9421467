"""The baseline wizard: plan (extract + match, with progress and cancel) → review → apply → report.

Why a wizard: the first import is where duplicates are made or avoided. Nothing is written until a
person has seen every proposed action with its reason and accepted it; the reviewed plan is saved
as a file before it is applied, so the decision is on record.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QDate, QSortFilterProxyModel, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..app import gui_support as gs
from .models.plan import PlanModel
from .task_runner import Task, TaskRunner
from .widgets import ErrorPanel, fit_columns, heading, note, table

PLAN, REVIEW, APPLY, REPORT = range(4)


def counts_text(counts: dict[str, Any]) -> str:
    lines = []
    for entity in ("customer", "product"):
        e = counts[entity]
        lines.append(
            f"<b>{entity.capitalize()}s:</b> {e['links_auto']} links proposed, {e['links_review']} to review, "
            f"{e['already_linked']} already linked; create {e['create_in_intacct']} in Intacct "
            f"({e['creates_review']} to review) and {e['create_in_salesforce']} in Salesforce "
            f"({e.get('creates_with_partner', 0)} with a plausible partner on the other side); "
            f"{e['left_out']} left out"
        )
    h = counts["historical"]
    lines.append(
        f"<b>Historical opportunities:</b> {h['opportunities']} ({h['linked_to_orders']} matched to sales orders)"
    )
    w = counts["writes"]
    lines.append(f"<b>Writes if everything is accepted:</b> Salesforce {w['salesforce']}, Intacct {w['intacct']}")
    return "<br>".join(lines)


class _ReviewFilter(QSortFilterProxyModel):
    only_review = False

    def filterAcceptsRow(self, row: int, parent: Any) -> bool:
        if not self.only_review:
            return True
        a = self.sourceModel().rows[row]
        return a["action"] == "review" or a.get("status") == "review"


class BaselineTab(QWidget):
    planned = Signal(dict)
    applied = Signal(dict)

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
        self.task: Task | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Baseline: the first import"))
        self.step = QLabel()
        self.step.setStyleSheet("color: #344054; font-weight: 600;")
        layout.addWidget(self.step)
        self.error = ErrorPanel()
        layout.addWidget(self.error)
        self.pages = QStackedWidget()
        self.pages.addWidget(self._plan_page())
        self.pages.addWidget(self._review_page())
        self.pages.addWidget(self._apply_page())
        self.pages.addWidget(self._report_page())
        layout.addWidget(self.pages, 1)
        self._go(PLAN)

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
        self.doc, self.plan_path = None, ""
        self.model.set_rows([])
        self.counts.setText("")
        self.report.setText("")
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
        row.addWidget(QLabel("Cut-over date:"))
        self.cutover = QDateEdit(QDate.currentDate())
        self.cutover.setCalendarPopup(True)
        self.cutover.setToolTip("Closed Won opportunities before this date are history: they never become orders.")
        row.addWidget(self.cutover)
        self.plan_button = QPushButton("Plan")
        self.plan_button.clicked.connect(self.start_plan)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.plan_button)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        lay.addLayout(row)
        self.plan_progress = QProgressBar()
        self.plan_progress.setRange(0, 1)
        self.plan_progress.setValue(0)
        self.plan_status = note("Ready.")
        lay.addWidget(self.plan_progress)
        lay.addWidget(self.plan_status)
        lay.addStretch(1)
        return page

    def _review_page(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        self.counts = QLabel()
        self.counts.setWordWrap(True)
        lay.addWidget(self.counts)
        bar = QHBoxLayout()
        self.accept_all = QPushButton("Accept all suggestions")
        self.accept_all.setToolTip("Tick every proposed action that does not need a person's review.")
        self.reject_all = QPushButton("Reject all")
        self.only_review = QCheckBox("Show only those needing review")
        self.accept_all.clicked.connect(lambda: self._set_all(True))
        self.reject_all.clicked.connect(lambda: self._set_all(False))
        self.only_review.toggled.connect(self._filter)
        self.accepted_label = QLabel()
        for w in (self.accept_all, self.reject_all, self.only_review):
            bar.addWidget(w)
        bar.addStretch(1)
        bar.addWidget(self.accepted_label)
        self.back_button = QPushButton("Back")
        self.apply_button = QPushButton("Apply accepted actions")
        self.apply_button.setToolTip("Save the reviewed plan and apply the accepted actions to both systems.")
        self.back_button.clicked.connect(lambda: self._go(PLAN))
        self.apply_button.clicked.connect(self.start_apply)
        bar.addWidget(self.back_button)
        bar.addWidget(self.apply_button)
        lay.addLayout(bar)
        self.model = PlanModel(self)
        self.model.dataChanged.connect(lambda *a: self._update_accepted())
        self.proxy = _ReviewFilter(self)
        self.proxy.setSourceModel(self.model)
        self.view = table(self.model, stretch="reason")
        self.view.setModel(self.proxy)
        lay.addWidget(self.view, 1)
        return page

    def _apply_page(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        self.apply_status = note("Applying the accepted actions…")
        self.apply_progress = QProgressBar()
        self.apply_progress.setRange(0, 0)  # busy: the load reports when it is done
        self.apply_cancel = QPushButton("Stop after the current batch")
        self.apply_cancel.clicked.connect(self.cancel)
        lay.addWidget(self.apply_status)
        lay.addWidget(self.apply_progress)
        lay.addWidget(self.apply_cancel)
        lay.addStretch(1)
        return page

    def _report_page(self) -> QWidget:
        page = QWidget()
        lay = QVBoxLayout(page)
        self.report = QLabel()
        self.report.setWordWrap(True)
        lay.addWidget(self.report)
        again = QPushButton("Plan again")
        again.clicked.connect(lambda: self._go(PLAN))
        lay.addWidget(again)
        lay.addStretch(1)
        return page

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
        profile, cutover = self.session, self.cutover.date().toPython()

        def work(task: Task) -> tuple[dict[str, Any], Any]:
            return gs.plan_baseline(
                profile,
                cutover=cutover,  # type: ignore[arg-type]
                progress=lambda stream, n: self.runner.progress(task, (stream, n)),
                should_stop=task.should_stop,
            )

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
            self.apply_status.setText("Stopping after the current batch…")

    def _planned(self, result: tuple[dict[str, Any], Any]) -> None:
        self.doc, path = result
        self.plan_path = str(path)
        self.task = None
        self._idle_plan_page()
        self.plan_status.setText(f"Plan written: {path}")
        self.counts.setText(counts_text(self.doc["counts"]) + f"<br><i>Plan file: {path}</i>")
        self.model.set_rows(self.doc["actions"])
        fit_columns(self.view, 220)
        self._update_accepted()
        self._go(REVIEW)
        self.planned.emit(self.doc)

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
    def _set_all(self, accepted: bool) -> None:
        self.model.set_all(accepted)
        self._update_accepted()

    def _filter(self, only: bool) -> None:
        self.proxy.only_review = only
        self.proxy.invalidate()

    def _update_accepted(self) -> None:
        n = self.model.accepted_count()
        self.accepted_label.setText(f"{n:,} action(s) accepted")
        self.apply_button.setEnabled(n > 0)

    # ------------------------------------------------------------------ apply
    def start_apply(self) -> None:
        if self.doc is None:
            return
        self.error.clear()
        self._go(APPLY)
        profile, doc, worker = self.session, self.doc, self.worker
        self.task = self.runner.submit(
            "apply",
            lambda task: gs.apply_reviewed_plan(profile, doc, should_stop=task.should_stop, worker=worker),
            self._applied,
            self._failed,
        )

    def _applied(self, report: dict[str, Any]) -> None:
        self.task = None
        ok = report.get("status") == "ok"
        links = report.get("links") or {}
        lines = [
            f"<b>Baseline load: {'done' if ok else report.get('status')}</b>",
            f"Actions applied: {report.get('accepted_actions', 0)}; not applied: {report.get('not_applied', 0)}",
            f"Links now: customers {links.get('customer', 0)}, products {links.get('product', 0)}",
            f"Historical opportunities marked: {report.get('historical_marked', 0)}",
            f"Writes: {report.get('writes')}; API calls: {report.get('api_calls')}",
        ]
        lines += [f"Problem with action {p['id']}: {p['message']}" for p in report.get("problems") or []]
        if ok:
            lines.append(f"Cut-over date {report.get('cutover_date')}: the live sync is ready (Sync tab).")
        self.report.setText("<br>".join(lines))
        if not ok and report.get("error"):
            self.error.show_error(report["error"])
        self._go(REPORT)
        self.applied.emit(report)
