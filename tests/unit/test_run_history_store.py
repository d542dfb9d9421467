"""The run history's store side: pages filtered by outcome and searched, a run's inbox items, and
the run's own log lines kept in a file (redacted)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sfintacct_desktop.domain import ErrorInfo, ErrorKind
from sfintacct_desktop.engine.events import RecordApplied, RunFinished, RunStarted, RunSummary
from sfintacct_desktop.engine.run_log import RunLog, read_run_log, run_log_path
from sfintacct_desktop.secrets import MASK, clear_registered_secrets, register_secret
from sfintacct_desktop.store import StateStore


@pytest.fixture
def store(tmp_path: Path) -> Iterator[StateStore]:
    with StateStore.open(tmp_path / "state.sqlite3") as s:
        yield s


def _runs(store: StateStore) -> dict[str, int]:
    """Fourteen runs: ok ones, a partial one, a failed one with a searchable error, an interrupted one."""
    ids: dict[str, int] = {}
    with store.write() as tx:
        first = tx.runs.start("schedule")
        tx.runs.finish(first.id, "failed", error=ErrorInfo(ErrorKind.AUTH, "Salesforce login failed", "expired", ""))
        ids["failed"] = first.id
        partial = tx.runs.start("manual")
        tx.runs.finish(partial.id, "ok", counters={"intacct.customers": {"read": 0, "failure": {"title": "x"}}})
        ids["partial"] = partial.id
        stopped = tx.runs.start("manual")
        tx.runs.finish(stopped.id, "interrupted")
        ids["interrupted"] = stopped.id
        for _ in range(11):
            run = tx.runs.start("schedule")
            tx.runs.finish(run.id, "ok", counters={"salesforce.customers": {"read": 1}})
        ids["newest"] = run.id
    return ids


def test_page_filters_by_outcome_beyond_the_newest_ten(store: StateStore) -> None:
    ids = _runs(store)
    with store.read() as r:
        newest, total = r.runs.page(limit=10)
        assert total == 14 and newest[0].id == ids["newest"] and ids["failed"] not in [x.id for x in newest]
        failed, n = r.runs.page(outcome="failed")
        assert n == 1 and [x.id for x in failed] == [ids["failed"]]
        partial, _ = r.runs.page(outcome="partial")
        assert [x.id for x in partial] == [ids["partial"]]
        ok, n_ok = r.runs.page(outcome="ok")
        assert n_ok == 11 and ids["partial"] not in [x.id for x in ok]
        second, _ = r.runs.page(offset=10, limit=10)
        assert [x.id for x in second][-3:] == [ids["interrupted"], ids["partial"], ids["failed"]]
        assert len(second) == 4


def test_page_searches_number_trigger_and_error_words(store: StateStore) -> None:
    ids = _runs(store)
    with store.read() as r:
        assert [x.id for x in r.runs.page(search="LOGIN failed")[0]] == [ids["failed"]]
        assert [x.id for x in r.runs.page(search=f"#{ids['partial']}")[0]] == [ids["partial"]]
        assert r.runs.page(search="manual")[1] == 2
        assert r.runs.page(search="no such words")[1] == 0


def test_inbox_items_of_a_run(store: StateStore) -> None:
    err = ErrorInfo(ErrorKind.DUPLICATE, "Refused", "dup", "")
    with store.write() as tx:
        run = tx.runs.start("manual")
        tx.inbox.record("customer", "salesforce", "intacct", "001A", "sync", err, run_id=run.id)
        tx.inbox.record("customer", "salesforce", "intacct", "001B", "sync", err)
    with store.read() as r:
        assert [i.record_key for i in r.inbox.for_run(run.id)] == ["001A"]


def test_run_log_keeps_the_threads_lines_and_events_redacted(tmp_path: Path) -> None:
    register_secret("hunter2-secret-value")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.INFO)
    try:
        run_log = RunLog(tmp_path).start()
        now = datetime.now(UTC)
        run_log.event(RunStarted(now, 7, "manual"))
        logging.getLogger("sfintacct_desktop.test").info("logged in with hunter2-secret-value")
        t = threading.Thread(target=lambda: logging.getLogger("x").warning("another thread's line"))
        t.start()
        t.join()
        run_log.event(RecordApplied(now, "customer", "create", "intacct", "C-1"))
        run_log.event(RunFinished(now, RunSummary(7, "ok", now, now)))
        path = run_log.finish()
    finally:
        root.setLevel(level)
        clear_registered_secrets()
    assert path == run_log_path(tmp_path, 7) and path.stat().st_mode & 0o077 == 0
    lines = read_run_log(tmp_path, 7)
    text = "\n".join(lines)
    assert "Run 7 started (manual)" in lines[0] and "Run 7 finished: ok" in lines[-1]
    assert "customer C-1: create in intacct" in text
    assert "hunter2" not in text and MASK in text
    assert "another thread" not in text
    assert read_run_log(tmp_path, 8) == []
