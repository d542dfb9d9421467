"""The emulators' record store: rollback, persistence and indexes are what both rely on."""

from __future__ import annotations

import pytest

from sfintacct_sandbox.storage import RecordStore, table_counts


def test_rows_survive_reopen(tmp_path):
    path = tmp_path / "s.sqlite3"
    store = RecordStore(path)
    store.put("Account", "001A", {"Name": "Acme"})
    store.set_meta("seed", "demo")
    store.close()
    again = RecordStore(path)
    assert again.get("Account", "001A") == {"Name": "Acme"}
    assert again.meta("seed") == "demo"


def test_atomic_rolls_back_every_write_of_the_block(tmp_path):
    store = RecordStore(tmp_path / "s.sqlite3")
    store.put("T", "a", {"v": 1})
    with pytest.raises(RuntimeError), store.atomic():
        store.put("T", "a", {"v": 2})
        store.put("T", "b", {"v": 3})
        store.delete("T", "a")
        raise RuntimeError("boom")
    assert store.get("T", "a") == {"v": 1}
    assert store.get("T", "b") is None
    store.close()
    assert RecordStore(tmp_path / "s.sqlite3").rows("T") == {"a": {"v": 1}}


def test_nested_savepoint_keeps_outer_writes():
    store = RecordStore()
    with store.atomic():
        store.put("T", "outer", {"v": 1})
        with pytest.raises(ValueError), store.atomic():
            store.put("T", "inner", {"v": 2})
            raise ValueError
        assert store.get("T", "inner") is None
    assert store.get("T", "outer") == {"v": 1}


def test_outer_failure_undoes_committed_inner_block():
    store = RecordStore()
    with pytest.raises(KeyError), store.atomic():
        with store.atomic():
            store.put("T", "inner", {"v": 2})
        raise KeyError
    assert store.get("T", "inner") is None


def test_index_follows_puts_deletes_and_rollbacks():
    store = RecordStore()
    store.put("C", "1", {"ID": "Acme"})
    assert store.find("C", "ID", "acme", casefold=True) == ["1"]
    store.put("C", "1", {"ID": "Other"})
    assert store.find("C", "ID", "Acme") == []
    assert store.find("C", "ID", "Other") == ["1"]
    with pytest.raises(RuntimeError), store.atomic():
        store.delete("C", "1")
        raise RuntimeError
    assert store.find("C", "ID", "Other") == ["1"]
    store.delete("C", "1")
    assert store.find("C", "ID", "Other") == []


def test_sequences_persist_and_are_not_rolled_back(tmp_path):
    store = RecordStore(tmp_path / "s.sqlite3")
    with pytest.raises(RuntimeError), store.atomic():
        assert store.next_sequence("rec") == 1
        raise RuntimeError
    assert store.next_sequence("rec") == 2
    store.close()
    assert RecordStore(tmp_path / "s.sqlite3").next_sequence("rec") == 3


def test_clear_and_counts(tmp_path):
    store = RecordStore(tmp_path / "s.sqlite3")
    store.bulk_load("A", {str(i): {"i": i} for i in range(5)})
    store.set_meta("x", 1)
    assert table_counts(store) == {"A": 5}
    store.clear()
    assert store.is_empty()
    store.close()
    assert RecordStore(tmp_path / "s.sqlite3").is_empty()
