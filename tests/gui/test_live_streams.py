"""A running run's streams table: a stream reached later joins in its sorted place without a reset
of the table, only the rows whose counts changed are redrawn, and the counts keep room to grow."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sfintacct_desktop.engine.events import Progress, RunStarted
from sfintacct_desktop.gui.runs_view import PROGRESS_COL, RunsView


def _progress(stream: str, done: int, total: int) -> Progress:
    return Progress(at=datetime.now(UTC), run_id=7, stream=stream, phase="writing", done=done, total=total)


def test_a_new_stream_joins_in_place_and_only_changed_rows_are_redrawn(qtbot: Any) -> None:
    view = RunsView()
    qtbot.addWidget(view)
    view.resize(1000, 500)
    view.show()
    view.run_started(RunStarted(at=datetime.now(UTC), run_id=7, trigger="manual"))
    view.progress(_progress("salesforce.products", 0, 40), _progress("salesforce.customers", 0, 2000))
    qtbot.wait(20)  # the live fit runs after the burst
    resets, inserted, changed = [], [], []
    view.streams.modelReset.connect(lambda: resets.append(1))
    view.streams.rowsInserted.connect(lambda _p, first, last: inserted.append((first, last)))
    view.streams.dataChanged.connect(lambda tl, br, *_: changed.append((tl.row(), br.row())))

    view.progress(_progress("salesforce.customers", 500, 2000))  # one stream at work
    assert changed == [(0, 0)] and not inserted and not resets

    view.progress(_progress("intacct.customers", 0, 1500))  # a stream reached later, sorted first
    assert [r["stream"] for r in view.streams.rows] == [
        "intacct.customers", "salesforce.customers", "salesforce.products"]  # fmt: skip
    assert inserted == [(0, 0)] and not resets
    qtbot.wait(20)
    header, metrics = view.streams_view.horizontalHeader(), view.streams_view.fontMetrics()
    assert not view.streams_view.isColumnHidden(PROGRESS_COL)
    read = [c.key for c in view.streams.columns].index("read")
    assert header.sectionSize(read) > metrics.horizontalAdvance("12345")  # five digits fit, and the totals
    stream_width = header.sectionSize(0)
    assert stream_width > metrics.horizontalAdvance("salesforce.customers")

    view.progress(_progress("intacct.customers", 1500, 1500))
    assert header.sectionSize(0) == stream_width  # no re-fit, no repaint of every row, for counts
    assert view.streams.rows[0]["done"] == 1500 and not resets

    view.progress(_progress("salesforce.pricebooks", 0, 2_500_000))  # a count never passes its total
    qtbot.wait(20)
    assert header.sectionSize(read) > metrics.horizontalAdvance("2500000")
