"""What is wrong with a SQLite state file, in words a person can act on.

Why look at the bytes before SQLite does: SQLite treats a zero-byte file as a new, empty database
and reads a truncated one until it trips over a missing page, so both would pass as "fine" or
fail late with "malformed". The 100-byte header says what a healthy file must look like (the
magic string, a page size that is a power of two, the page count); the rest is left to SQLite's
own errors and ``PRAGMA integrity_check``, translated here into :class:`StoreOpenError` codes.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from pathlib import Path

from .errors import StoreOpenError

SQLITE_MAGIC = b"SQLite format 3\x00"
HEADER_SIZE = 100


def _pages(n: int) -> str:
    return f"{n:,} page" + ("" if n == 1 else "s")


_HELD: dict[tuple[int, int], int] = {}  # (device, inode) -> a descriptor kept open for the process's life
_HELD_LOCK = threading.Lock()


def _read_header(path: Path) -> bytes:
    """The file's first bytes, read through a descriptor this process keeps open.

    Why never closed: closing any descriptor of a file drops every POSIX lock the process holds on it
    (fcntl semantics), SQLite's locks of another thread's open connection included. A second store
    opened in a process that syncs (the service's jobs, the window's reads beside its worker) then
    made the sync fail with "disk I/O error", and another process could have written beside it. One
    descriptor per file (device and inode) for the process's life costs nothing.
    """
    st = path.stat()
    with _HELD_LOCK:
        fd = _HELD.get((st.st_dev, st.st_ino))
        if fd is None:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
            held = os.fstat(fd)
            _HELD[(held.st_dev, held.st_ino)] = fd
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, HEADER_SIZE)


def inspect_file(path: Path) -> StoreOpenError | None:
    """A problem visible in the file's size or header, or None (which is not yet a clean bill)."""
    try:
        size = path.stat().st_size
        header = _read_header(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return StoreOpenError(str(path), "unreadable", f"it cannot be read ({exc.strerror or type(exc).__name__})")
    if size == 0:
        return StoreOpenError(str(path), "empty", "the file is empty (0 bytes): its contents were lost")
    if len(header) < HEADER_SIZE or not header.startswith(SQLITE_MAGIC):
        return StoreOpenError(
            str(path), "not_a_database", f"it is not a SQLite database (the first bytes of its {size:,} are wrong)"
        )
    raw = int.from_bytes(header[16:18], "big")
    page_size = 65536 if raw == 1 else raw
    if page_size < 512 or page_size & (page_size - 1):
        return StoreOpenError(str(path), "not_a_database", f"its header is garbled (page size {raw})")
    if size % page_size:
        return StoreOpenError(
            str(path), "truncated", f"it is cut short: {size:,} bytes is not a whole number of {page_size}-byte pages"
        )
    counted = int.from_bytes(header[28:32], "big")
    header_valid = header[24:28] == header[92:96]  # "in-header database size" is only valid then
    wal = Path(f"{path}-wal")
    wal_pending = wal.exists() and wal.stat().st_size > 0  # a checkpoint may be half done: the WAL completes it
    if header_valid and counted and not wal_pending and counted * page_size > size:
        return StoreOpenError(
            str(path),
            "truncated",
            f"it is cut short: its header counts {_pages(counted)}, the file holds {_pages(size // page_size)}",
        )
    return None


def classify(path: Path | str, exc: BaseException) -> StoreOpenError | None:
    """SQLite's own error (through SQLAlchemy or not) as a StoreOpenError; None when it is not one."""
    inner = getattr(exc, "orig", None) or exc
    if not isinstance(inner, sqlite3.Error):
        return _classify_server(str(path), exc)
    text = str(inner).lower()
    path = str(path)
    if "locked" in text or "busy" in text:
        return StoreOpenError(path, "locked", "another process holds a lock on it and did not let go")
    if "not a database" in text or "file is encrypted" in text:
        return StoreOpenError(path, "not_a_database", "it is not a SQLite database (its header is garbled)")
    if "malformed" in text or "corrupt" in text:
        return StoreOpenError(path, "malformed", "SQLite reports the database disk image is malformed")
    if "unable to open" in text or "readonly" in text or "read-only" in text or "disk i/o" in text:
        return StoreOpenError(path, "unreadable", f"it cannot be opened for reading and writing ({inner})")
    if isinstance(inner, sqlite3.DatabaseError) and not isinstance(inner, sqlite3.OperationalError):
        return StoreOpenError(path, "malformed", f"SQLite cannot read it ({inner})")
    return None


def _classify_server(where: str, exc: BaseException) -> StoreOpenError | None:
    """A database server's connection or login failure (PostgreSQL): "unreachable", with the driver's
    reason (host, port, user; libpq never puts the password in it). Anything else is not ours to name."""
    inner = getattr(exc, "orig", None) or exc
    if type(inner).__module__.split(".")[0] != "psycopg":
        return None
    from psycopg import OperationalError

    if not isinstance(inner, OperationalError):
        return None
    reason = (str(inner).strip().splitlines() or [type(inner).__name__])[0]
    detail = f"the database server cannot be reached or refused the login ({reason})"
    return StoreOpenError(where, "unreachable", detail)


def check_copy(path: Path) -> list[str]:
    """Problems of a database file that nobody has open (a backup): header, then integrity check."""
    problem = inspect_file(path)
    if problem is not None:
        return [problem.detail]
    if not path.exists():
        return ["the file does not exist"]
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        return [str(exc)]
    try:
        rows = [str(r[0]) for r in conn.execute("PRAGMA integrity_check")]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except sqlite3.Error as exc:
        return [str(exc)]
    finally:
        conn.close()
    if rows != ["ok"]:
        return rows
    if "alembic_version" not in tables:
        return ["it holds no sync state (no schema version)"]
    return []
