"""One running sandbox per data folder: an OS lock on ``<data>/sandbox.lock``.

Why: two sandboxes on one folder each keep their records in memory and flush them to the same
SQLite files, hand out the same ids and overwrite each other's records, and the second one points
the profile away from the first. The kernel drops an ``flock`` (POSIX) / ``msvcrt.locking``
(Windows) lock with its process, so a crashed sandbox never blocks the next start. The running one
writes where it listens into ``sandbox.holder.json`` so that the refusal can say where it is.
``_try_lock`` is a copy of the product's profile lock: the sandbox imports nothing of the product.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import IO, Any

from .files import private_file, write_private

LOCK_NAME = "sandbox.lock"
HOLDER_NAME = "sandbox.holder.json"


class SandboxBusy(RuntimeError):
    """Another sandbox serves this data folder; ``holder`` is what it recorded ({} if nothing yet)."""

    def __init__(self, data_dir: Path, holder: dict[str, Any]) -> None:
        self.data_dir, self.holder = data_dir, holder
        where = ""
        if holder.get("salesforce") or holder.get("intacct"):
            where = f" (Salesforce {holder.get('salesforce', '?')}, Intacct {holder.get('intacct', '?')})"
        pid = f"process {holder['pid']}" if holder.get("pid") else "another process"
        super().__init__(f"A sandbox already serves the data in {data_dir}: {pid}{where}.")


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


class DataLock:
    """Held from before the emulators open their stores until the sandbox stops."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self._fh: IO[bytes] | None = None

    def acquire(self) -> DataLock:
        fh = open(private_file(self.data_dir / LOCK_NAME), "r+b")  # noqa: SIM115 - held for the sandbox's life
        if not _try_lock(fh):
            fh.close()
            raise SandboxBusy(self.data_dir, self.holder())
        self._fh = fh
        self._write_holder()
        return self

    def record(self, salesforce: str, intacct: str) -> None:
        """Where this sandbox listens, for the message a second start shows."""
        self._write_holder(salesforce=salesforce, intacct=intacct)

    def _write_holder(self, **where: str) -> None:
        write_private(self.data_dir / HOLDER_NAME, json.dumps({"pid": os.getpid(), **where}))

    def holder(self) -> dict[str, Any]:
        try:
            data = json.loads((self.data_dir / HOLDER_NAME).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def release(self) -> None:
        fh, self._fh = self._fh, None
        if fh is None:
            return
        (self.data_dir / HOLDER_NAME).unlink(missing_ok=True)
        fh.close()  # closing the file drops the lock
