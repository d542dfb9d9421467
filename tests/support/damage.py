"""Real damage to real state stores: the ways a SQLite file goes bad on a user's machine.

Each helper takes a healthy store written by the product and breaks it as a disk, a crash, a sync
tool or a hung process would: a garbled header, a file cut short, a corrupted index page (only
``PRAGMA integrity_check`` finds it), zero bytes, and a lock held by a process that stopped.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sfintacct_desktop.store import StateStore

SF = "001000000000{:03d}AAA"


def make_store(path: Path, links: int = 300) -> Path:
    """A real store with enough rows to span many pages, checkpointed into the main file."""
    with StateStore.open(path) as store, store.write() as tx:
        for i in range(links):
            tx.links.create("customer", SF.format(i), f"C-{i:04d}", sf_base={"name": "x" * 120}, ia_base={"name": "y"})
        tx.cursors.set("salesforce.customers", "2024-05-01T00:00:00+00:00")
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return path


def _page_size(data: bytes) -> int:
    raw = int.from_bytes(data[16:18], "big")
    return 65536 if raw == 1 else raw


def garble_header(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(b"\x00garbled-header!" + data[16:])


def truncate(path: Path) -> None:
    """Cut the file in the middle of a page (as a full disk or an interrupted copy does)."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 + 123])


def truncate_at_page(path: Path) -> None:
    """Cut the file at a page boundary: only the header's page count tells."""
    data = path.read_bytes()
    size = _page_size(data)
    path.write_bytes(data[: size * 5])


def corrupt_index_page(path: Path) -> None:
    """Flip one byte of a key inside a leaf page of an index: reads work, the integrity check fails."""
    conn = sqlite3.connect(path)
    try:
        page = conn.execute(
            "SELECT pageno FROM dbstat WHERE name LIKE 'sqlite_autoindex_links_%' AND pagetype = 'leaf' LIMIT 1"
        ).fetchone()[0]
    finally:
        conn.close()
    data = bytearray(path.read_bytes())
    size = _page_size(bytes(data))
    start = size * (page - 1)
    where = bytes(data[start : start + size]).rfind(b"customer")
    assert where > 0, "no index key found to corrupt"
    data[start + where + len("customer") + 4] ^= 0x01  # a character of the key (an Id or a customer ID)
    path.write_bytes(bytes(data))


def zero_bytes(path: Path) -> None:
    path.write_bytes(b"")


DAMAGE: dict[str, Callable[[Path], None]] = {
    "garbled_header": garble_header,
    "truncated": truncate,
    "truncated_at_page": truncate_at_page,
    "integrity": corrupt_index_page,
    "zero_bytes": zero_bytes,
}

_HOLDER = textwrap.dedent(
    """
    import os, signal, sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("PRAGMA locking_mode=EXCLUSIVE")
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    print("locked", flush=True)
    os.kill(os.getpid(), signal.SIGSTOP)  # hung with the lock held, as a crashed process that never exited
    """
)


@contextmanager
def stale_lock(path: Path) -> Iterator[subprocess.Popen[str]]:
    """A process that took an exclusive lock on the store and then stopped (never let go)."""
    proc = subprocess.Popen([sys.executable, "-c", _HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        yield proc
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
