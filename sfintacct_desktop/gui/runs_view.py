"""The run history on the Sync tab: the running run at the top with a bar per stream, then every
earlier run, filtered by outcome, searched and paged; the selected run's streams below.

Why the running run comes from the worker's events and not from the store: the store sees a run
only at its checkpoints, an operator wants to see it the moment it starts and every batch after.
The store's page is merged with it when it arrives (the store's row of a running run has no progress).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStyle,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from .models.rows import RowsModel
from .run_columns import RUN_COLUMNS, STREAM_COLUMNS, progress_text, took
from .widgets import ToneDelegate, fit_columns, heading, status_line, table

OUTCOMES = [
    ("All outcomes", ""),
    ("OK", "ok"),
    ("Partial", "partial"),
    ("Failed", "failed"),
    ("Interrupted", "interrupted"),
    ("Running", "running"),
]
PAGE = 50
PROGRESS_COL = [c.key for c in STREAM_COLUMNS].index("progress")


class ProgressDelegate(ToneDelegate):
    """Draws a stream's progress as a bar with its words ('40 of 120 done') inside."""

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        model = index.model()
        row = model.row(index.row()) if isinstance(model, RowsModel) else {}
        of = row.get("total")
        if of is None:
            super().paint(painter, option, index)
            return
        bar = QStyleOptionProgressBar()
        bar.rect = QRect(option.rect.adjusted(2, 3, -2, -3))  # type: ignore[attr-defined]
        bar.minimum, bar.maximum = 0, max(1, int(of))
        bar.progress = min(int(row.get("done") or 0), bar.maximum) if of else bar.maximum
        bar.text = progress_text(row)
        bar.textVisible = True
        bar.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal
        QApplication.style().drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter)


class RunsView(QWidget):
    query_changed = Signal()  # the filter, search or page changed: the owner reads the page again
    detail_requested = Signal(int)  # a run number

    def __init__(self) -> None:
        super().__init__()
        self.offset, self.limit, self.total = 0, PAGE, 0
        self.live: dict[str, Any] | None = None  # the running run, from the worker's events
        self._streams_shown: tuple[Any, ...] = ()  # (run, its streams, running) the streams table shows
        self.notice = ""  # what the operator asked of the running run ("Pausing after this batch…")
        # A running run's new streams arrive a few at a time: their columns are fitted once the
        # events in hand are shown, not once per stream (each fit measures every cell in Python).
        self._fit_live = QTimer(self)
        self._fit_live.setSingleShot(True)
        self._fit_live.setInterval(0)
        self._fit_live.timeout.connect(self._fit_streams)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)

        bar = QHBoxLayout()
        self.outcome = QComboBox()
        for text, value in OUTCOMES:
            self.outcome.addItem(text, value)
        self.outcome.setAccessibleName("Show runs with outcome")
        outcome_label = QLabel("&Outcome:")
        outcome_label.setBuddy(self.outcome)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Run #, trigger or error words")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search runs")
        search_label = QLabel("&Search:")
        search_label.setBuddy(self.search)
        self.newer = QPushButton("◀ Newer")
        self.older = QPushButton("Older ▶")
        self.newer.setAccessibleName("Newer runs")
        self.older.setAccessibleName("Older runs")
        self.page_label = QLabel("")
        self.details = QPushButton("Details…")
        self.details.setAccessibleName("Open the selected run's details")
        self.details.setToolTip("What the selected run created, updated and flagged, and its log lines")
        for w in (outcome_label, self.outcome, search_label):
            bar.addWidget(w)
        bar.addWidget(self.search, 1)
        for w in (self.newer, self.page_label, self.older, self.details):
            bar.addWidget(w)
        layout.addLayout(bar)

        self.live_label = status_line()
        self.live_label.setAccessibleName("Running run")
        self.live_label.hide()
        layout.addWidget(self.live_label)

        self.model = RowsModel(RUN_COLUMNS, self)
        self.streams = RowsModel(STREAM_COLUMNS, self)
        self.view = table(self.model, stretch="error")
        self.view.setAccessibleName("Runs")
        self.streams_view = table(self.streams, stretch="failure")
        self.streams_view.setAccessibleName("Streams of the selected run")
        self.streams_view.setItemDelegateForColumn(PROGRESS_COL, ProgressDelegate(self.streams_view))
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.view)
        box = QWidget()
        bl = QVBoxLayout(box)
        bl.setContentsMargins(0, 0, 0, 0)
        self.streams_title = heading("Streams of the selected run")
        bl.addWidget(self.streams_title)
        bl.addWidget(self.streams_view, 1)
        split.addWidget(box)
        split.setSizes([3, 2])
        layout.addWidget(split, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(300)
        self._search_timer.timeout.connect(self._first_page)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.outcome.currentIndexChanged.connect(lambda _i: self._first_page())
        self.newer.clicked.connect(lambda: self._turn(-1))
        self.older.clicked.connect(lambda: self._turn(1))
        self.details.clicked.connect(self._ask_detail)
        self.view.doubleClicked.connect(lambda _i: self._ask_detail())
        self.view.selectionModel().currentRowChanged.connect(lambda cur, _p: self._show_streams(cur.row()))
        self.clock = QTimer(self)  # the running run's elapsed time ticks
        self.clock.setInterval(1000)
        self.clock.timeout.connect(self._tick)
        self._update_paging()

    # ------------------------------------------------------------------ the query
    def query(self) -> dict[str, Any]:
        return {
            "outcome": str(self.outcome.currentData() or "") or None,
            "search": self.search.text().strip(),
            "offset": self.offset,
            "limit": self.limit,
        }

    def _first_page(self) -> None:
        self.offset = 0
        self.query_changed.emit()

    def _turn(self, step: int) -> None:
        self.offset = max(0, self.offset + step * self.limit)
        self.query_changed.emit()

    def _update_paging(self) -> None:
        shown = len(self.model.rows)
        first = self.offset + 1 if shown else 0
        self.page_label.setText(f"{first}–{self.offset + shown} of {self.total}" if self.total else "no runs")
        self.newer.setEnabled(self.offset > 0)
        self.older.setEnabled(self.offset + self.limit < self.total)
        self.details.setEnabled(self._selected() is not None)

    def reset(self) -> None:
        """Another profile: no runs, no running run, first page, no filter."""
        self.live, self.notice, self.offset, self.total = None, "", 0, 0
        self.clock.stop()
        self.live_label.hide()
        self.model.set_rows([])
        self.streams.set_rows([])
        self._update_paging()

    # ------------------------------------------------------------------ a page from the store
    def show_page(self, page: dict[str, Any]) -> None:
        chosen = self._selected()
        rows = list(page.get("runs") or [])
        self.total = int(page.get("total") or 0)
        live = self.live
        if live is not None:
            at = next((i for i, r in enumerate(rows) if r.get("run_id") == live["run_id"]), None)
            if at is not None:
                if rows[at].get("status") == "running":
                    rows[at] = live
            elif self.offset == 0 and self._matches(live):
                rows.insert(0, live)
                self.total += 1
        shown = self.model.update_rows(rows, "run_id")
        if shown != "same":
            fit_columns(self.view)
        if shown == "reset":
            ids = [r.get("run_id") for r in rows]
            self._select(ids.index(chosen) if chosen in ids else 0)
        elif shown == "changed":  # the selected run's streams may have changed with it
            self._select(max(0, self.view.currentIndex().row()))
        self._update_paging()

    def _matches(self, run: dict[str, Any]) -> bool:
        q = self.query()
        if q["outcome"] not in (None, "running"):
            return False
        words = str(q["search"]).lower().lstrip("#")
        return not words or words in f"{run['run_id']} {run.get('trigger', '')}".lower()

    def _selected(self) -> int | None:
        row = self.view.currentIndex().row()
        return self.model.row(row).get("run_id") if 0 <= row < len(self.model.rows) else None

    def _select(self, row: int) -> None:
        if 0 <= row < len(self.model.rows):
            self.view.selectRow(row)
            self._show_streams(row)
        else:
            self.streams.set_rows([])
        self._update_paging()

    def _ask_detail(self) -> None:
        run_id = self._selected()
        if run_id:
            self.detail_requested.emit(int(run_id))

    # ------------------------------------------------------------------ the running run
    def run_started(self, ev: Any) -> None:
        self.live = {
            "run_id": ev.run_id,
            "trigger": ev.trigger,
            "status": "running",
            "started_at": ev.at.isoformat(),
            "finished_at": None,
            "streams": {},
            "api_calls": {},
            "error": None,
            "progress": {},
        }
        self.notice = ""
        if self.offset == 0 and self._matches(self.live):
            self.total += 1
            self.model.insert_row(0, self.live)
            self._select(0)
        self.clock.start()
        self._show_live()

    def progress(self, *events: Any) -> None:
        """The running run's progress, a burst of streams at once: one redraw for all of them."""
        live = self.live
        changed = False
        for ev in events:
            if live is None or ev.run_id != live["run_id"]:
                continue
            if "." not in ev.stream:  # the entity's batch marker ('customer'): the streams carry the counts
                continue
            live["progress"][ev.stream] = {"phase": ev.phase, "done": ev.done, "total": ev.total}
            if ev.phase == "reading":
                live["streams"].setdefault(ev.stream, {})["read"] = ev.done
            changed = True
        if changed:
            self._live_changed()

    def run_finished(self, ev: Any) -> None:
        s = ev.summary
        live = self.live
        if live is None or s.run_id != live["run_id"]:
            return
        done = {**s.as_dict(), "trigger": live["trigger"]}
        self.live, self.notice = None, ""
        self.clock.stop()
        self._replace(live, done)
        self.live_label.setText(f"Run {s.run_id} ({done['trigger']}) finished: {s.status} in {took(done)}.")

    def set_notice(self, text: str) -> None:
        """Show at once what the operator asked of the running run (it stops after its batch)."""
        self.notice = text
        self._show_live()

    def _tick(self) -> None:
        if self.live is None:
            self.clock.stop()
            return
        self._live_changed()

    def _live_changed(self) -> None:
        if self.live is not None:
            self._replace(self.live, self.live)
        self._show_live()

    def _replace(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        at = next((i for i, r in enumerate(self.model.rows) if r is old), None)
        if at is None:
            return
        self.model.replace_row(at, new)
        if self.view.currentIndex().row() == at:
            self._show_streams(at)

    def _show_live(self) -> None:
        live = self.live
        if live is None:
            return
        phases = live["progress"].values()
        writing = [p for p in phases if p["phase"] == "writing"]
        done, of = sum(int(p["done"] or 0) for p in writing), sum(int(p["total"] or 0) for p in writing)
        doing = f"{done} of {of} records processed" if writing else "reading both systems…"
        text = f"<b>Run {live['run_id']}</b> ({live['trigger']}) running for {took(live)} — {doing}"
        if self.notice:
            text += f" — <b>{self.notice}</b>"
        self.live_label.setText(text)
        self.live_label.show()

    # ------------------------------------------------------------------ the selected run's streams
    def _add_streams(self, rows: list[dict[str, Any]]) -> None:
        """Show ``rows`` (sorted by stream, a superset of those shown) by inserting the new ones and
        changing only the rows that changed: a reset repainted the whole table each time a stream
        began, and a change of every row at each batch."""
        for i, line in enumerate(rows):
            current = self.streams.rows[i] if i < len(self.streams.rows) else None
            if current is None or current.get("stream") != line["stream"]:
                self.streams.insert_row(i, line)
            elif current != line:
                self.streams.replace_row(i, line)

    def _fit_streams(self) -> None:
        """Fit the streams of the running run shown now: widths from the font, never narrower.

        Why not ``fit_columns``: it measures every cell through the delegate (a Python call each)
        and resizes every column, which repaints the table; a running run reaches a new stream
        every few batches. A count gets room for five digits or for its stream's total (a count
        never passes it), its bars a fixed width; the run, once finished, is fitted to what it
        shows."""
        view = self.streams_view
        if view.isColumnHidden(PROGRESS_COL):
            fit_columns(view)
            return
        metrics, header = view.fontMetrics(), view.horizontalHeader()
        pad = 2 * metrics.horizontalAdvance("0") + 8
        rows = self.streams.rows
        counts = max((metrics.horizontalAdvance(str(r.get("total") or "")) for r in rows), default=0)
        counts = max(counts, metrics.horizontalAdvance("00000"))
        for col, column in enumerate(STREAM_COLUMNS):
            if header.sectionResizeMode(col) == QHeaderView.ResizeMode.Stretch:
                continue
            if col == PROGRESS_COL:
                width = 170
            else:
                width = max((metrics.horizontalAdvance(column.text(r)) for r in rows), default=0)
                if column.key != "stream":
                    width = max(width, counts)
            width = max(width + pad, header.sectionSizeHint(col))
            if header.sectionSize(col) < width:
                header.resizeSection(col, width)

    def _show_streams(self, row: int) -> None:
        if not 0 <= row < len(self.model.rows):
            return
        run = self.model.row(row)
        counts = run.get("streams") or {}
        progress = run.get("progress") or {}
        running = run.get("status") == "running" and run is self.live
        names = sorted(set(counts) | set(progress))
        rows = []
        for name in names:
            line: dict[str, Any] = {"stream": name, **(counts.get(name) or {})}
            if running:
                line.update(progress.get(name) or {})
            rows.append(line)
        shown = (run.get("run_id"), tuple(names), running)
        if shown == self._streams_shown and len(rows) == len(self.streams.rows):
            # a running run's progress: the same streams, new counts in the one or two at work (only
            # a row that changed is repainted; every row of the table was, 10-20 ms each batch)
            self._add_streams(rows)
            return  # columns, title and paging are as they were: no re-measuring every batch
        before, self._streams_shown = self._streams_shown, shown
        had = [str(r.get("stream")) for r in self.streams.rows]
        if running and before[0::2] == (shown[0], True) and set(had) <= set(names):
            self._add_streams(rows)  # the running run reached new streams: their rows, in place
            self._fit_live.start()
            return
        self.streams.set_rows(rows)
        self.streams_view.setColumnHidden(PROGRESS_COL, not running)
        if running:
            self._fit_live.start()
        else:
            self._fit_live.stop()
            fit_columns(self.streams_view)
        self.streams_title.setText(f"Streams of run {run.get('run_id')}" + (" (running)" if running else ""))
        self._update_paging()
