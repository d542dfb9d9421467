"""State store units of work: all-or-nothing writes, savepoints, WAL readers beside the writer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sfintacct_desktop.domain import ErrorInfo, ErrorKind
from sfintacct_desktop.store import DuplicateError, NestedWriteError, StateStore

SF1, SF2 = "001000000000001AAA", "001000000000002AAA"
DUP = ErrorInfo(ErrorKind.DUPLICATE, "Already linked", "CUSTOMERID C-1 is linked to another Account", "Merge them")


@pytest.fixture
def store(state_target: str | Path) -> Iterator[StateStore]:
    """Each test runs on both backends: a SQLite file and a PostgreSQL database."""
    with StateStore.open(state_target) as s:
        yield s


def test_failed_write_leaves_nothing_behind(store: StateStore) -> None:
    with store.write() as tx:
        tx.cursors.set("sf.account", "old")
    with pytest.raises(RuntimeError, match="boom"), store.write() as tx:
        link = tx.links.create("customer", SF1, "C-1", sf_base={"Name": "Acme"})
        tx.audit.add("customer", "create", target="intacct", record_key="C-1", link_id=link.id)
        tx.cursors.set("sf.account", "new")
        raise RuntimeError("boom")
    with store.read() as r:
        assert r.links.count() == 0
        assert r.audit.count() == 0
        assert r.cursors.value("sf.account") == "old"


def test_links_bases_audit_and_cursor_commit_together(store: StateStore) -> None:
    with store.write() as tx:
        link = tx.links.create("customer", SF1, "C-1", sf_base={"Name": "Acme"}, ia_base={"NAME": "Acme"})
        tx.audit.add("customer", "link", record_key="C-1", link_id=link.id)
        tx.cursors.set("sf.account", "t1")
    with store.read() as r:
        assert r.links.by_sf_id("customer", SF1).ia_base == {"NAME": "Acme"}
        assert r.audit.count() == 1 and r.cursors.value("sf.account") == "t1"


def test_savepoint_isolates_one_record_of_a_batch(store: StateStore) -> None:
    with store.write() as tx:
        tx.links.create("customer", SF1, "C-1")
        for sf_id, key in ((SF2, "C-1"), (SF2, "C-2")):  # the first clashes, the second is fine
            try:
                with tx.savepoint():
                    tx.links.create("customer", sf_id, key)
                    tx.audit.add("customer", "link", record_key=key)
            except DuplicateError:
                tx.inbox.record("customer", "salesforce", "intacct", sf_id, "link", DUP, {"key": key})
        tx.cursors.set("sf.account", "t2")
    with store.read() as r:
        assert sorted(link.ia_key for link in r.links.list()) == ["C-1", "C-2"]
        assert r.audit.count() == 1 and r.inbox.count_open() == 1 and r.cursors.value("sf.account") == "t2"


def test_savepoint_rolls_back_only_its_block(store: StateStore) -> None:
    with store.write() as tx:
        tx.cursors.set("a", "kept")
        with pytest.raises(RuntimeError), tx.savepoint():
            tx.cursors.set("b", "dropped")
            raise RuntimeError
    with store.read() as r:
        assert r.cursors.value("a") == "kept" and r.cursors.value("b") is None


def test_nested_write_on_one_thread_is_refused(store: StateStore) -> None:
    with store.write(), pytest.raises(NestedWriteError), store.write():
        pass
    with store.write() as tx:  # the flag is cleared afterwards
        tx.cursors.set("a", "1")


def test_read_session_never_commits(store: StateStore) -> None:
    with store.read() as r:
        r.cursors.set("a", "sneaky")
    with store.read() as r:
        assert r.cursors.value("a") is None


def test_reader_thread_sees_committed_data_while_writer_holds_a_transaction(store: StateStore) -> None:
    with store.write() as tx:
        tx.links.create("customer", SF1, "C-1")
    seen: dict[str, object] = {}

    def reader() -> None:
        try:
            with store.read() as r:
                seen["keys"] = [link.ia_key for link in r.links.list()]
        except Exception as exc:  # reported to the main thread
            seen["error"] = exc

    with store.write() as tx:
        tx.links.create("customer", SF2, "C-2")
        tx.flush()  # uncommitted row on disk in the WAL writer's transaction
        thread = threading.Thread(target=reader)
        thread.start()
        thread.join(timeout=30)
        assert not thread.is_alive()
    assert "error" not in seen, seen.get("error")
    assert seen["keys"] == ["C-1"]  # committed data visible, the open transaction's row not
    with store.read() as r:
        assert r.links.count() == 2
