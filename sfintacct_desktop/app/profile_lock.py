"""One writer per profile: an OS-level exclusive lock on ``<state dir>/<profile>.lock``, or, when
the profile's state store is on PostgreSQL, an advisory lock held by the database server.

Why an OS lock and not a pid file: ``flock`` (POSIX) / ``msvcrt.locking`` (Windows) is released by
the kernel when the process dies, so a SIGKILLed sync never leaves a stale lock behind. The lock is
taken non-blocking: a second writer (the GUI and ``sync --watch``, two CLI runs, ``baseline apply``
during a sync) fails at once with a handled error naming the holder, never waits or corrupts state.

Within one process the lock is re-entrant (counted): the GUI's worker and its baseline wizard share
the process, and the in-process single writer is the worker's job, not the OS lock's. The holder's
pid and command line are written after byte 0 (the locked byte on Windows) so a loser can name it.

A file lock says nothing to another machine, so a profile whose store is a PostgreSQL database
(which several machines can reach) takes ``store.pg_lock.AdvisoryLock`` instead: the same BUSY
error, the same re-entrant counting, released by the server when the holder's connection ends.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy.engine import URL

from ..config.paths import app_paths
from ..config.private import open_private
from ..domain import ErrorInfo, ErrorKind, SyncError
from ..store import StoreOpenError
from ..store.pg_lock import AdvisoryLock
from .state_target import is_postgres, state_path, state_target, where

_HELD: dict[str, tuple[Any, int]] = {}  # lock key -> (open file or AdvisoryLock, holders in this process)
_GUARD = threading.Lock()


def lock_path(profile: str) -> Path:
    """The lock file of a profile, beside its state database."""
    db = app_paths().state_db(profile)
    return db.parent / f"{profile}.lock"


def _try_lock(fh: IO[bytes]) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        fh.seek(0)
        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except (BlockingIOError, PermissionError):
        return False
    return True


def _unlock(fh: IO[bytes]) -> None:
    if sys.platform == "win32":  # pragma: no cover
        import msvcrt

        fh.seek(0)
        msvcrt.locking(fh.fileno(), msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
    else:
        import fcntl

        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def read_holder(path: Path) -> dict[str, Any]:
    """What the holder recorded (pid, command, since); {} when unreadable or not written yet."""
    try:
        with path.open("rb") as fh:
            fh.seek(1)
            return dict(json.loads(fh.read().decode("utf-8") or "{}"))
    except (OSError, ValueError, TypeError):
        return {}


def busy_error(profile: str, holder: dict[str, Any]) -> SyncError:
    pid, command, host = holder.get("pid"), holder.get("command"), holder.get("host")
    who = "another process"
    if pid:
        who = f"process {pid}" + (f" ({command})" if command else "")
    if host:
        who += f" on {host}"
    return SyncError(
        ErrorInfo(
            ErrorKind.BUSY,
            f"Another sync is running for profile {profile}",
            f"The profile is locked by {who}; only one process may write to it at a time.",
            "Stop it first, or wait for it to finish.",
            code="PROFILE_LOCKED",
        )
    )


class ProfileLock:
    """The exclusive writer lock of one profile; ``acquire`` raises :class:`SyncError` (BUSY) when held."""

    def __init__(self, profile: str, path: Path | None = None, *, target: Path | URL | None = None) -> None:
        """``target``: lock that store of the profile instead of its configured one (``state migrate``
        locks both ends); a SQLite target's lock file sits beside it."""
        self.profile = profile
        if target is None and path is None:
            target = state_target(profile)
        self.database = target if target is not None and is_postgres(target) else None
        if path is None and isinstance(target, Path) and target != state_path(profile):
            path = target.parent / f"{profile}.lock"
        self.path = path or lock_path(profile)
        self._held = False

    def _key(self) -> str:
        if self.database is not None:
            return f"postgres:{where(self.database)}#{self.profile}"
        return str(self.path.resolve())

    @property
    def held(self) -> bool:
        return self._held

    def acquire(self) -> ProfileLock:
        if self._held:
            return self
        key = self._key()
        with _GUARD:
            if key in _HELD:
                fh, count = _HELD[key]
                _HELD[key] = (fh, count + 1)
                self._held = True
                return self
            if self.database is not None:
                _HELD[key] = (self._acquire_database(), 1)
                self._held = True
                return self
            fh = open_private(self.path, "a+b")  # kept open while the lock is held; 0600 like every file
            if not _try_lock(fh):
                fh.close()
                raise busy_error(self.profile, read_holder(self.path))
            info = {
                "pid": os.getpid(),
                "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]) if sys.argv else "",
                "since": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            fh.seek(0)
            fh.truncate()
            fh.write(b"\n" + json.dumps(info).encode("utf-8"))
            fh.flush()
            _HELD[key] = (fh, 1)
            self._held = True
            return self

    def _acquire_database(self) -> AdvisoryLock:
        assert self.database is not None
        lock = AdvisoryLock(self.database, self.profile)
        try:
            got = lock.acquire()
        except StoreOpenError as exc:
            raise SyncError(
                ErrorInfo(
                    ErrorKind.CONNECTION,
                    f"The sync state of profile {self.profile} cannot be reached",
                    f"{exc.path}: {exc.detail}.",
                    "Check that the PostgreSQL server is running and reachable from this computer, and that its"
                    " password is in the keyring, PGPASSWORD or ~/.pgpass.",
                    code="STATE_UNREACHABLE",
                )
            ) from None
        if not got:
            raise busy_error(self.profile, lock.holder())
        return lock

    def holder(self) -> dict[str, Any]:
        """Who holds this lock (pid, command, since; host on PostgreSQL); {} when nobody or unknown."""
        if self.database is not None:
            try:
                return AdvisoryLock(self.database, self.profile).holder()
            except StoreOpenError:
                return {}
        return read_holder(self.path)

    def ensure(self) -> None:
        """Before each run of a long-lived writer: a PostgreSQL lock whose connection was cut (a server
        restart, a network failure) is gone, so take it again, or fail BUSY when another writer has it."""
        if not self._held or self.database is None:
            return  # a file lock cannot be lost while the process lives
        key = self._key()
        with _GUARD:
            lock, count = _HELD[key]
            if lock.alive():
                return
            lock.release()
            fresh = AdvisoryLock(self.database, self.profile)
            try:
                got = fresh.acquire()
            except StoreOpenError:
                got = None  # the server is away: the run's own store access reports it
            if got is False:
                del _HELD[key]
                self._held = False
                raise busy_error(self.profile, fresh.holder())
            _HELD[key] = (fresh if got else lock, count)

    def release(self) -> None:
        if not self._held:
            return
        self._held = False
        key = self._key()
        with _GUARD:
            fh, count = _HELD[key]
            if count > 1:
                _HELD[key] = (fh, count - 1)
                return
            del _HELD[key]
            if isinstance(fh, AdvisoryLock):
                fh.release()
                return
            try:
                fh.seek(0)
                fh.truncate()  # no stale holder details once released
                fh.flush()
            except OSError:
                pass
            try:
                _unlock(fh)
            finally:
                fh.close()

    def __enter__(self) -> ProfileLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


__all__ = ["ProfileLock", "busy_error", "lock_path", "read_holder"]
