"""The emulators' record store: in-memory tables, written through to SQLite, with nested rollback.

Why this shape: both emulators need all-or-nothing groups of writes (Salesforce ``allOrNone``,
Intacct ``transaction="true"``) and per-record savepoints inside them, fast scans over tens of
thousands of rows for query pages, and state that survives a restart of the sandbox. Keeping the
rows as JSON-native dicts in memory makes scans cheap; a journal per ``atomic()`` block makes
rollback exact; the outermost block flushes the touched rows to SQLite in one transaction.

Rules for callers:
- Hold ``store.lock`` (an RLock) for the whole request; ``atomic()`` takes it too.
- Never mutate a dict returned by ``get``/``rows``: build a new dict and ``put`` it.
- Values must be JSON-native (str, int, float, bool, None, lists/dicts of those).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .files import private_file

Record = dict[str, Any]
_META = "__meta__"


class RecordStore:
    """Tables of JSON records keyed by string, with unique/non-unique lookups by field value."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.lock = threading.RLock()
        self._tables: dict[str, dict[str, Record]] = {}
        self._journal: list[list[tuple[str, str, Record | None]]] = []
        self._dirty: set[tuple[str, str]] = set()
        # (table, field, casefold) -> value -> set(keys); built lazily, maintained on put/delete
        self._indexes: dict[tuple[str, str, bool], dict[Any, set[str]]] = {}
        self._db: sqlite3.Connection | None = None
        if path is not None:
            path = private_file(Path(path))  # 0600 before SQLite opens it (its -wal/-shm copy the mode)
            self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS records (tbl TEXT NOT NULL, key TEXT NOT NULL, "
                "body TEXT NOT NULL, PRIMARY KEY (tbl, key))"
            )
            for tbl, key, body in self._db.execute("SELECT tbl, key, body FROM records"):
                self._tables.setdefault(tbl, {})[key] = json.loads(body)

    # ----------------------------------------------------------------- reads
    def is_empty(self) -> bool:
        with self.lock:
            return not any(t for name, t in self._tables.items() if name != _META)

    def get(self, table: str, key: str) -> Record | None:
        return self._tables.get(table, {}).get(key)

    def rows(self, table: str) -> dict[str, Record]:
        """The live table (insertion ordered). Read-only for callers."""
        return self._tables.setdefault(table, {})

    def count(self, table: str) -> int:
        return len(self._tables.get(table, {}))

    def find(self, table: str, field: str, value: Any, *, casefold: bool = False) -> list[str]:
        """Keys of rows whose ``field`` equals ``value`` (optionally case-insensitively)."""
        idx = self._index(table, field, casefold)
        probe = value.casefold() if casefold and isinstance(value, str) else value
        try:
            return sorted(idx.get(probe, ()))
        except TypeError:  # unhashable probe
            return []

    def _index(self, table: str, field: str, casefold: bool) -> dict[Any, set[str]]:
        ikey = (table, field, casefold)
        idx = self._indexes.get(ikey)
        if idx is None:
            idx = {}
            for key, rec in self.rows(table).items():
                self._index_add(idx, rec.get(field), key, casefold)
            self._indexes[ikey] = idx
        return idx

    @staticmethod
    def _index_add(idx: dict[Any, set[str]], value: Any, key: str, casefold: bool) -> None:
        if value is None or isinstance(value, (dict, list)):
            return
        if casefold and isinstance(value, str):
            value = value.casefold()
        idx.setdefault(value, set()).add(key)

    @staticmethod
    def _index_remove(idx: dict[Any, set[str]], value: Any, key: str, casefold: bool) -> None:
        if value is None or isinstance(value, (dict, list)):
            return
        if casefold and isinstance(value, str):
            value = value.casefold()
        keys = idx.get(value)
        if keys is not None:
            keys.discard(key)
            if not keys:
                del idx[value]

    # ---------------------------------------------------------------- writes
    def put(self, table: str, key: str, record: Record) -> None:
        with self.lock:
            tbl = self._tables.setdefault(table, {})
            old = tbl.get(key)
            self._log(table, key, old)
            self._reindex(table, key, old, record)
            tbl[key] = record
            self._dirty.add((table, key))
            if not self._journal:
                self._flush()

    def delete(self, table: str, key: str) -> None:
        with self.lock:
            tbl = self._tables.setdefault(table, {})
            if key not in tbl:
                return
            old = tbl.pop(key)
            self._log(table, key, old)
            self._reindex(table, key, old, None)
            self._dirty.add((table, key))
            if not self._journal:
                self._flush()

    def _reindex(self, table: str, key: str, old: Record | None, new: Record | None) -> None:
        for (tbl, field, casefold), idx in self._indexes.items():
            if tbl != table:
                continue
            if old is not None:
                self._index_remove(idx, old.get(field), key, casefold)
            if new is not None:
                self._index_add(idx, new.get(field), key, casefold)

    def _log(self, table: str, key: str, old: Record | None) -> None:
        if self._journal:
            self._journal[-1].append((table, key, old))

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """All writes inside either all stay or all vanish (on an exception). Nestable."""
        with self.lock:
            self._journal.append([])
            try:
                yield
            except BaseException:
                entries = self._journal.pop()
                for table, key, old in reversed(entries):
                    tbl = self._tables.setdefault(table, {})
                    current = tbl.get(key)
                    self._reindex(table, key, current, old)
                    if old is None:
                        tbl.pop(key, None)
                    else:
                        tbl[key] = old
                    self._dirty.add((table, key))
                if not self._journal:
                    self._flush()
                raise
            entries = self._journal.pop()
            if self._journal:
                self._journal[-1].extend(entries)
            else:
                self._flush()

    # ------------------------------------------------------------------ meta
    def meta(self, name: str, default: Any = None) -> Any:
        rec = self.get(_META, name)
        return default if rec is None else rec.get("value")

    def set_meta(self, name: str, value: Any) -> None:
        self.put(_META, name, {"value": value})

    def next_sequence(self, name: str, start: int = 1) -> int:
        """A persistent counter (ids, RECORDNOs, document numbers). Not rolled back on purpose."""
        with self.lock:
            value = int(self.meta(f"seq:{name}", start - 1)) + 1
            tbl = self._tables.setdefault(_META, {})
            tbl[f"seq:{name}"] = {"value": value}
            self._dirty.add((_META, f"seq:{name}"))
            if not self._journal:
                self._flush()
            return value

    # ------------------------------------------------------------ lifecycle
    def clear(self) -> None:
        """Drop every table (used by /__sandbox__/reset)."""
        with self.lock:
            self._tables.clear()
            self._indexes.clear()
            self._dirty.clear()
            if self._db is not None:
                self._db.execute("DELETE FROM records")

    def bulk_load(self, table: str, records: dict[str, Record]) -> None:
        """Fast path for seeds: insert many rows in one flush."""
        with self.lock:
            tbl = self._tables.setdefault(table, {})
            for key, rec in records.items():
                old = tbl.get(key)
                self._log(table, key, old)
                self._reindex(table, key, old, rec)
                tbl[key] = rec
                self._dirty.add((table, key))
            if not self._journal:
                self._flush()

    def _flush(self) -> None:
        if not self._dirty:
            return
        dirty, self._dirty = self._dirty, set()
        if self._db is None:
            return
        upserts = []
        deletes = []
        for table, key in dirty:
            rec = self._tables.get(table, {}).get(key)
            if rec is None:
                deletes.append((table, key))
            else:
                upserts.append((table, key, json.dumps(rec, separators=(",", ":"))))
        db = self._db
        db.execute("BEGIN")
        try:
            if upserts:
                db.executemany("INSERT OR REPLACE INTO records (tbl, key, body) VALUES (?, ?, ?)", upserts)
            if deletes:
                db.executemany("DELETE FROM records WHERE tbl = ? AND key = ?", deletes)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        with self.lock:
            self._flush()
            if self._db is not None:
                self._db.close()
                self._db = None


def table_counts(store: RecordStore) -> dict[str, int]:
    """Row counts per table, without internal tables (named with a leading underscore)."""
    with store.lock:
        return {name: len(rows) for name, rows in store._tables.items() if not name.startswith("_")}
