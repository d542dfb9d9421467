"""The pages of the baseline wizard after the plan: review, apply (progress), report.

Why separate from the tab: the tab runs the steps (tasks, the worker, the dialogs); these widgets
only lay out what a person sees and reads, so each stays small enough to read at once.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..app.baseline_review import DECISIONS, OBJECTS
from .models.plan import (
    ACCEPT,
    ACTION,
    ENTITY,
    IA_KEY,
    IA_NAME,
    ID,
    REASON,
    SCORE,
    SF_KEY,
    SF_NAME,
    STATUS,
    PlanModel,
    ReviewFilter,
)
from .review_delegate import ReviewDelegate
from .widgets import WrapLabel, light_selection, note

# Widths of the fixed columns; the two names and the reason share the rest (no sideways scrolling).
WIDTHS = {ACCEPT: 64, ID: 44, ENTITY: 82, ACTION: 128, STATUS: 98, SF_KEY: 114, IA_KEY: 84, SCORE: 58}
SHARED = {SF_NAME: 0.36, IA_NAME: 0.34, REASON: 0.30}  # of the width the fixed columns leave


class ReviewView(QTableView):
    """The review table: fixed columns keep their width, the names and the reason share the rest,
    so nothing scrolls sideways at 1024 px."""

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        free = self.viewport().width() - sum(WIDTHS.values())
        if free > 0:
            for col, share in SHARED.items():
                self.setColumnWidth(col, max(80, int(free * share)))


OBJECT_TITLES = {
    "customer": "Customers",
    "product": "Products",
    "pricebook": "Price books",
    "opportunity": "Historical opportunities",
}


def counts_text(counts: dict[str, Any]) -> str:
    """The plan's counts in three short lines (the table has the details)."""
    lines = []
    for entity in ("customer", "product"):
        e = counts[entity]
        lines.append(
            f"<b>{entity.capitalize()}s:</b> link {e['links_auto']} ({e['links_review']} to review, "
            f"{e['already_linked']} already linked) · create {e['create_in_intacct']} in Intacct, "
            f"{e['create_in_salesforce']} in Salesforce ({e['creates_review']} to review, "
            f"{e.get('creates_with_partner', 0)} with a plausible partner) · leave out {e['left_out']}"
        )
    b = counts.get("pricebook")
    if b and any(b.values()):
        lines.append(
            f"<b>Price books:</b> link {b['links_auto']} by name ({b['already_linked']} already linked) · "
            f"create {b['create_in_intacct']} in Intacct, {b['create_in_salesforce']} in Salesforce · "
            f"leave out {b['left_out']}"
        )
    h, w = counts["historical"], counts["writes"]
    lines.append(
        f"<b>Historical opportunities:</b> {h['opportunities']} ({h['linked_to_orders']} matched to sales orders) · "
        f"<b>writes if all is accepted:</b> Salesforce {w['salesforce']}, Intacct {w['intacct']}"
    )
    return "<br>".join(lines)


def _button(text: str, tip: str = "") -> QPushButton:
    b = QPushButton(text)
    b.setAccessibleName(text)
    if tip:
        b.setToolTip(tip)
    return b


class ReviewPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.counts = WrapLabel()
        self.counts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.counts)

        find = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Name, ID or reason")
        self.search.setAccessibleName("Find in the review")
        self.search.setClearButtonEnabled(True)
        self.decision = QComboBox()
        self.decision.setAccessibleName("Show proposed action")
        self.decision.addItem("Every action", "")
        for key, text in DECISIONS.items():
            self.decision.addItem(text, key)
        self.status = QComboBox()
        self.status.setAccessibleName("Show status")
        for text, key in (("Any status", ""), ("Needs review", "review"), ("Accepted", "accepted"),
                          ("Not accepted", "not_accepted")):  # fmt: skip
            self.status.addItem(text, key)
        self.shown = QLabel()
        for label, field in (("&Find:", self.search), ("&Show:", self.decision), ("S&tatus:", self.status)):
            text = QLabel(label)
            text.setBuddy(field)
            find.addWidget(text)
            find.addWidget(field, 2 if field is self.search else 0)
        find.addWidget(self.shown)
        lay.addLayout(find)

        bulk = QHBoxLayout()
        self.accept_all = _button("Accept all suggestions", "Tick every proposed action that does not need review.")
        self.reject_all = _button("Reject all", "Clear every tick.")
        self.threshold = QDoubleSpinBox()
        self.threshold.setRange(0.0, 1.0)
        self.threshold.setSingleStep(0.05)
        self.threshold.setDecimals(2)
        self.threshold.setValue(0.95)
        self.threshold.setAccessibleName("Lowest score to accept")
        score_label = QLabel("Score &at least:")
        score_label.setBuddy(self.threshold)
        self.accept_above = _button("Accept", "Tick every pair scored at least this much, review ones too.")
        self.accept_above.setAccessibleName("Accept pairs scored at least this")
        self.accepted_label = QLabel()
        for w in (self.accept_all, self.reject_all, score_label, self.threshold, self.accept_above):
            bulk.addWidget(w)
        bulk.addStretch(1)
        bulk.addWidget(self.accepted_label)
        lay.addLayout(bulk)

        self.model = PlanModel(self)
        self.proxy = ReviewFilter(self)
        self.proxy.setSourceModel(self.model)
        self.view = ReviewView()
        # the scroll bar stays whether the filter leaves 5 rows or 2,700: a bar that comes and goes
        # changes the viewport's width, which re-fits the columns and repaints the whole page
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.view.setAccessibleName("Proposed actions")
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(1, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        # one Python call per painted cell (Qt's own delegate asks the model seven times); the
        # status keeps its colour on a selected row, the IDs elide in the middle
        self.view.setItemDelegate(ReviewDelegate(self.proxy, self.view))
        light_selection(self.view)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(24)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for col, width in WIDTHS.items():
            self.view.setColumnWidth(col, width)
        self.detail = QPlainTextEdit()
        self.detail.setReadOnly(True)
        self.detail.setAccessibleName("Details of the selected action")
        self.detail.setPlaceholderText("Select a row: every reason, differing field and write is shown here.")
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.view)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        lay.addWidget(split, 1)

        nav = QHBoxLayout()
        self.export = _button("Export review as CSV…", "Every action with its decision and reasons, for a spreadsheet.")
        self.back = _button("Back")
        self.apply = _button("Apply accepted actions…", "Shows what will be written where, then applies.")
        nav.addWidget(self.export)
        nav.addStretch(1)
        nav.addWidget(self.back)
        nav.addWidget(self.apply)
        lay.addLayout(nav)

    def show_counts(self, accepted: int, shown: int, total: int) -> None:
        """The two counts beside the filters and the bulk buttons, in labels sized for this plan.

        Why sized: a label whose text grows or shrinks ("12 of 2,748" -> "2,748 of 2,748") moves
        its neighbours, and the relayout repaints the whole page (4-6 times the pixels of the table
        alone, 10-20 ms of the GUI thread per filter or bulk click on a large plan).
        """
        widest = f"{total:,}"
        for label, text, longest in (
            (self.accepted_label, f"{accepted:,} accepted", f"{widest} accepted"),
            (self.shown, f"{shown:,} of {total:,} shown", f"{widest} of {widest} shown"),
        ):
            metrics = label.fontMetrics()
            width = metrics.horizontalAdvance(longest) + 8
            if label.minimumWidth() != width or label.maximumWidth() != width:
                # a fixed size: Qt then takes a new text for one that cannot move anything (a
                # label of any other size asks the whole window to lay itself out again)
                label.setFixedSize(width, max(label.sizeHint().height(), metrics.height()))
                label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            label.setText(text)


class ApplyPage(QWidget):
    """Per-object determinate bars (records processed of those accepted) and the Stop button."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        self.status = note("Applying the accepted actions…")
        lay.addWidget(self.status)
        self.total = QProgressBar()
        self.total.setAccessibleName("Baseline load progress")
        self.total.setFormat("%v of %m records")
        lay.addWidget(self.total)
        form = QFormLayout()
        self.bars: dict[str, QProgressBar] = {}
        self.done: dict[str, int] = {}
        for entity in OBJECTS:
            bar = QProgressBar()
            bar.setAccessibleName(f"{OBJECT_TITLES[entity]} progress")
            bar.setFormat("%v of %m")
            self.bars[entity] = bar
            form.addRow(f"{OBJECT_TITLES[entity]}:", bar)
        lay.addLayout(form)
        self.stop = _button("Stop after the current batch", "Stops between batches; applying again continues.")
        row = QHBoxLayout()
        row.addWidget(self.stop)
        row.addStretch(1)
        lay.addLayout(row)
        lay.addStretch(1)

    def start(self, totals: dict[str, int]) -> None:
        self.done = {entity: 0 for entity in self.bars}
        self.status.setText("Applying the accepted actions… (waiting for the sync worker's current run, if any)")
        self.stop.setEnabled(True)
        for entity, bar in self.bars.items():
            bar.setRange(0, max(1, totals.get(entity, 0)))
            bar.setValue(0)
            bar.setFormat("%v of %m" if totals.get(entity) else "nothing accepted")
        self.total.setRange(0, max(1, sum(totals.values())))
        self.total.setValue(0)

    def show_progress(self, entity: str, done: int, total: int) -> None:
        bar = self.bars.get(entity)
        if bar is None:
            return
        self.done[entity] = done  # the totals first: the object's bar is the last thing to move
        self.total.setValue(sum(self.done.values()))
        # the counts are in the bars: the line above them changes only with the object, as a new
        # text relays the whole window out (a few ms each time, many times a second in a large load)
        doing = f"Applying: {OBJECT_TITLES[entity].lower()}…"
        if self.status.text() != doing:
            self.status.setText(doing)
        if bar.maximum() != max(1, total):
            bar.setRange(0, max(1, total))
        bar.setValue(done)


class ReportPage(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: 600; font-size: 14px;")
        lay.addWidget(self.title)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setAccessibleName("Baseline load report")
        lay.addWidget(self.text, 1)
        row = QHBoxLayout()
        self.export = _button("Export report as CSV…", "What was planned and written, per system and object.")
        self.export_review = _button("Export review as CSV…")
        self.apply_again = _button("Apply again (continue)…", "Continue the stopped load with the same plan.")
        self.plan_again = _button("Plan again")
        for w in (self.export, self.export_review):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.apply_again)
        row.addWidget(self.plan_again)
        lay.addLayout(row)
