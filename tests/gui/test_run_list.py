"""The Sync tab's run list on real syncs: the running run at once with a bar per stream, then its
counts; one cycle per double click; buttons that need a selection; a run's detail; the history."""

from __future__ import annotations

from typing import Any

from sfintacct_desktop.app import run_history
from sfintacct_desktop.gui.main_window import MainWindow
from sfintacct_desktop.gui.run_detail import RunDetail
from sfintacct_desktop.wire.intacct import create
from sfintacct_sandbox.runner import Sandbox
from tests.gui.helpers import apply_baseline, sync_once
from tests.support.sync_env import ia_connector, sf_connector


def _accounts(sandbox: Sandbox, names: list[str]) -> list[str]:
    sf = sf_connector(sandbox)
    try:
        results = sf.client.create_many("Account", [{"Name": n} for n in names])
    finally:
        sf.client.close()
    assert all(r.success for r in results), results
    return [str(r.id) for r in results]


def _stored_runs() -> int:
    return int(run_history.runs_page("sandbox", limit=1)["total"])


def test_the_running_run_shows_at_once_with_a_bar_per_stream_then_its_counts(
    qtbot: Any, window: MainWindow, sandbox: Sandbox
) -> None:
    apply_baseline()
    _accounts(sandbox, ["Runlist Alpha", "Runlist Beta", "Runlist Gamma"])
    tab = window.sync_tab
    seen: dict[str, Any] = {"progress": []}

    def started(ev: Any) -> None:  # after the tab's own slot: what the operator sees at that moment
        top = tab.runs.row(0)
        seen["started"] = (top["run_id"] == ev.run_id, top["status"], tab.runs_view.currentIndex().row())
        seen["buttons"] = (tab.sync_button.isEnabled(), tab.cancel_button.isEnabled())
        seen["live"] = tab.runs_box.live_label.text()

    def drawn(events: list[Any]) -> None:  # the tab draws each burst of progress once, right after it
        names = [r["stream"] for r in tab.streams.rows]  # streams join the table in place, in order
        seen.setdefault("streams", set()).update(ev.stream for ev in events if "." in ev.stream)
        seen.setdefault("orders", []).append(names == sorted(names) and seen["streams"] <= set(names))
        for ev in events:
            if ev.phase != "writing" or "." not in ev.stream:
                continue
            shown = {r["stream"]: r for r in tab.streams.rows}.get(ev.stream, {})
            hidden = tab.streams_view.isColumnHidden([c.key for c in tab.streams.columns].index("progress"))
            seen["progress"].append((ev.stream, ev.done, ev.total, shown.get("done"), shown.get("total"), hidden))

    window.bridge.run_started.connect(started)
    tab.progress_shown.connect(drawn)
    finished = sync_once(qtbot, window).summary
    assert finished.status == "ok", finished.error
    assert seen["started"] == (True, "running", 0)
    assert seen["buttons"] == (False, True)  # no second cycle; the running one can be cancelled
    assert f"Run {finished.run_id}" in seen["live"] and "running for" in seen["live"]
    bars = [p for p in seen["progress"] if p[0] == "salesforce.customers"]
    assert bars and bars[-1][:3] == ("salesforce.customers", 3, 3)
    assert all(p[1:3] == p[3:5] and not p[5] for p in bars)  # the bar shows the event's numbers
    assert len(seen["streams"]) > 1 and all(seen["orders"]), seen["orders"]
    # the same row now holds the finished run's counts, before any re-read of the store
    top = tab.runs.row(0)
    assert top["run_id"] == finished.run_id and top["status"] == "ok"
    assert top["streams"]["salesforce.customers"]["applied"] == 3
    assert tab.streams_view.isColumnHidden([c.key for c in tab.streams.columns].index("progress"))
    assert "finished: ok" in tab.runs_box.live_label.text()
    assert tab.sync_button.isEnabled() and not tab.cancel_button.isEnabled()


def test_sync_now_is_off_while_a_cycle_runs_and_a_double_click_runs_one_cycle(
    qtbot: Any, window: MainWindow
) -> None:
    apply_baseline()
    tab = window.sync_tab
    qtbot.waitUntil(lambda: tab.sync_button.isEnabled(), timeout=20_000)
    before = _stored_runs()
    with qtbot.waitSignal(window.bridge.run_finished, timeout=60_000):
        tab.sync_button.click()
        assert not tab.sync_button.isEnabled()
        tab.sync_button.click()  # the double click
        window.worker.sync_now()  # and a request behind the button's back: coalesced by the worker
    qtbot.waitUntil(lambda: window.worker.state == "idle" and window.worker.commands.empty(), timeout=30_000)
    qtbot.waitUntil(lambda: tab.sync_button.isEnabled(), timeout=10_000)
    assert _stored_runs() == before + 1


def test_retry_and_take_need_a_selection(qtbot: Any, window: MainWindow, sandbox: Sandbox) -> None:
    apply_baseline()
    tab = window.sync_tab
    assert not tab.retry_button.isEnabled() and not tab.take_sf.isEnabled() and not tab.take_ia.isEnabled()
    user = ia_connector(sandbox)
    body = {"CUSTOMERID": "C-RL1", "NAME": "Long City RL", "DISPLAYCONTACT": {"MAILADDRESS": {"CITY": "Z" * 60}}}
    assert user.client.call([create("CUSTOMER", body)])[0].ok
    sync_once(qtbot, window)
    qtbot.waitUntil(lambda: any("C-RL1" in str(r["record"]) for r in tab.errors.rows), timeout=30_000)
    assert tab.parts.tabText(1).startswith("Error inbox (")
    assert not tab.retry_button.isEnabled() and tab.retry_all_button.isEnabled()
    tab.errors_view.selectRow(0)
    assert tab.retry_button.isEnabled()
    tab.errors_view.clearSelection()
    assert not tab.retry_button.isEnabled()


def test_take_buttons_follow_the_conflict_selection(qtbot: Any, window: MainWindow, sandbox: Sandbox) -> None:
    from tests.gui.test_sync_conflicts import _make_conflict

    _make_conflict(qtbot, window, sandbox, "RLCF1")
    tab = window.sync_tab
    qtbot.waitUntil(lambda: any(r["record"] == "RLCF1" for r in tab.conflicts.rows), timeout=30_000)
    assert not tab.take_sf.isEnabled() and not tab.take_ia.isEnabled()
    tab.conflicts_view.selectRow(0)
    assert tab.take_sf.isEnabled() and tab.take_ia.isEnabled()


def test_run_detail_lists_the_records_created_and_updated_with_their_names(
    qtbot: Any, window: MainWindow, sandbox: Sandbox
) -> None:
    apply_baseline()
    ids = _accounts(sandbox, ["Detail Created Co"])
    tab = window.sync_tab
    first = sync_once(qtbot, window).summary
    sf = sf_connector(sandbox)
    try:
        assert sf.client.update_many("Account", [{"Id": ids[0], "Name": "Detail Renamed Co"}])[0].success
    finally:
        sf.client.close()
    second = sync_once(qtbot, window).summary
    assert (first.status, second.status) == ("ok", "ok"), (first.error, second.error)

    qtbot.waitUntil(lambda: any(r["run_id"] == second.run_id for r in tab.runs.rows), timeout=30_000)
    created = _detail(qtbot, tab, first.run_id)
    rows = created.changes.rows
    assert any(r["operation"] == "create" and r["name"] == "Detail Created Co" for r in rows), rows
    assert "customer → Intacct</b>: 1 created" in created.sums.text()
    log = created.log.toPlainText()
    assert f"Run {first.run_id} started" in log and "create in intacct" in log
    updated = _detail(qtbot, tab, second.run_id)
    rows = updated.changes.rows
    assert any(r["operation"] == "update" and r["name"] == "Detail Renamed Co" for r in rows), rows
    assert any("name" in r["fields"] for r in rows if r["operation"] == "update")
    updated.close()


def _detail(qtbot: Any, tab: Any, run_id: int) -> RunDetail:
    """Select the run in the list and press Details…, as the operator does."""
    row = [r["run_id"] for r in tab.runs.rows].index(run_id)
    tab.runs_view.selectRow(row)
    tab.runs_box.details.click()
    detail = tab.detail
    assert detail is not None and detail.run_id == run_id
    qtbot.waitUntil(lambda: detail.loaded, timeout=20_000)
    return detail


def test_the_history_filter_finds_a_run_older_than_the_last_ten(qtbot: Any, window: MainWindow) -> None:
    tab = window.sync_tab
    refused = sync_once(qtbot, window).summary  # no baseline yet: the cycle is refused, recorded as failed
    assert refused.status == "failed" and refused.run_id
    apply_baseline()
    qtbot.waitUntil(lambda: tab.resume_button.isEnabled(), timeout=20_000)
    with qtbot.waitSignal(window.bridge.run_finished, timeout=60_000) as resumed:  # the refusal paused the sync
        tab.resume_button.click()
    assert resumed.args[0].summary.status == "ok", resumed.args[0].summary.error
    for _ in range(10):
        assert sync_once(qtbot, window).summary.status == "ok"
    qtbot.waitUntil(lambda: not tab._refreshing, timeout=30_000)
    newest_ten = [r["run_id"] for r in tab.runs.rows[:10]]
    assert refused.run_id not in newest_ten
    with qtbot.waitSignal(tab.refreshed, timeout=30_000):
        tab.runs_box.outcome.setCurrentIndex(tab.runs_box.outcome.findData("failed"))
    assert [r["run_id"] for r in tab.runs.rows] == [refused.run_id]
    assert "1 of 1" in tab.runs_box.page_label.text()
    with qtbot.waitSignal(tab.refreshed, timeout=30_000):
        tab.runs_box.search.setText("baseline")
        tab.runs_box.outcome.setCurrentIndex(0)
    # the baseline load, and the refused run whose error asks for a baseline; none of the plain syncs
    assert sorted((r["trigger"], r["status"]) for r in tab.runs.rows) == [("baseline", "ok"), ("manual", "failed")]


def _press_during_the_run(qtbot: Any, window: MainWindow, button: Any) -> dict[str, Any]:
    """Press ``button`` as the run appears; what the window says at once, and how the run ends."""
    tab = window.sync_tab
    said: dict[str, Any] = {}

    def started(ev: Any) -> None:
        button.click()
        said["live"] = tab.runs_box.live_label.text()
        said["cancel_enabled"] = tab.cancel_button.isEnabled()

    window.bridge.run_started.connect(started)
    said["summary"] = sync_once(qtbot, window).summary
    window.bridge.run_started.disconnect(started)
    return said


def test_cancel_says_so_at_once_and_the_sync_goes_on(qtbot: Any, window: MainWindow) -> None:
    apply_baseline()
    tab = window.sync_tab
    said = _press_during_the_run(qtbot, window, tab.cancel_button)
    assert "Cancelling after this batch…" in said["live"] and not said["cancel_enabled"]
    assert said["summary"].status in ("interrupted", "ok")  # a short cycle may end before its next batch
    qtbot.waitUntil(lambda: window.worker.state == "idle" and tab.sync_button.isEnabled(), timeout=20_000)
    assert sync_once(qtbot, window).summary.status == "ok"  # not paused: the next cycle runs


def test_pause_says_so_at_once_then_holds_until_resume(qtbot: Any, window: MainWindow) -> None:
    apply_baseline()
    tab = window.sync_tab
    said = _press_during_the_run(qtbot, window, tab.pause_button)
    assert "Pausing after this batch…" in said["live"]
    qtbot.waitUntil(lambda: window.worker.state == "paused", timeout=20_000)
    assert tab.resume_button.isEnabled() and not tab.cancel_button.isEnabled()
    # paused: Resume is the button, as in the Sync menu; Sync now would only be refused
    qtbot.waitUntil(lambda: not tab.sync_button.isEnabled(), timeout=5_000)
    assert not window.menus.sync_now.isEnabled()
