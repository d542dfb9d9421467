"""Files and folders only their owner can open: the product keeps customer data in them.

Why explicit modes: the state store, plans, logs and backups hold customers' names, addresses,
phone numbers and invoice amounts. The process umask (often 022) would make them world-readable,
so every folder the product creates is chmod-ed to 0700 and every file is created with 0600
(``os.open(..., 0o600)`` then ``chmod``, which no umask can widen). SQLite creates its ``-wal`` and
``-shm`` (and ``-journal``) files itself; on POSIX it gives them the mode of the main database file,
so a private main file is enough (``tighten_sqlite`` repairs older ones anyway).

Windows has no mode bits: a folder the product creates gets an ACL that grants only the current
user (``icacls /inheritance:r /grant:r USER:(OI)(CI)F``) and files inherit it. This is best effort:
when ``icacls`` is missing or refuses, the folder keeps the ACL of the user profile it lives in
(which on a default installation already excludes other users), and a debug line is logged.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO

DIR_MODE = 0o700
FILE_MODE = 0o600
_LOOSE = 0o077  # any bit for group or others
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")
IS_WINDOWS = sys.platform == "win32"

log = logging.getLogger(__name__)


def _restrict_windows(path: Path) -> None:  # pragma: no cover - exercised on Windows only
    user = os.environ.get("USERNAME") or ""
    domain = os.environ.get("USERDOMAIN") or ""
    if not user:
        return
    who = f"{domain}\\{user}" if domain else user
    grant = f"{who}:(OI)(CI)F" if path.is_dir() else f"{who}:F"
    icacls = os.path.join(os.environ.get("SYSTEMROOT", r"C:\Windows"), "System32", "icacls.exe")
    try:
        subprocess.run(  # noqa: S603 - a fixed system tool; the arguments are our own path and user name
            [icacls, str(path), "/inheritance:r", "/grant:r", grant],
            capture_output=True,
            check=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log.debug("could not restrict %s to the current user: %s", path, type(exc).__name__)


def is_private(path: Path) -> bool:
    """True when no group or other permission bit is set (always True on Windows: see module doc)."""
    if IS_WINDOWS:  # pragma: no cover
        return True
    return not (path.lstat().st_mode & _LOOSE)


def ensure_dir(path: Path) -> Path:
    """Create ``path`` (and missing parents) as private folders; existing folders are left as they are.

    Only the folders this call creates are changed: a parent such as ``~/.config`` keeps its mode.
    """
    path = Path(path)
    missing: list[Path] = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            folder.mkdir(mode=DIR_MODE)
        make_private(folder)
    return path


def make_private(path: Path) -> bool:
    """Give ``path`` the private mode (0700 folder, 0600 file); returns True when it was looser."""
    path = Path(path)
    if IS_WINDOWS:  # pragma: no cover
        if path.is_dir():
            _restrict_windows(path)
        return False
    st = path.lstat()
    if stat.S_ISLNK(st.st_mode):
        return False  # never follow a link out of the product's folders
    want = DIR_MODE if stat.S_ISDIR(st.st_mode) else FILE_MODE
    if stat.S_IMODE(st.st_mode) & _LOOSE or (stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) != want):
        loose = bool(stat.S_IMODE(st.st_mode) & _LOOSE)
        os.chmod(path, want)
        return loose
    return False


def create_file(path: Path) -> Path:
    """Create an empty private file if none exists (e.g. before SQLite opens it); never truncates."""
    path = Path(path)
    ensure_dir(path.parent)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), FILE_MODE)
    except FileExistsError:
        return path
    os.close(fd)
    make_private(path)
    return path


def open_private(path: Path, mode: str = "a+b") -> IO[bytes]:
    """Open (creating it private if needed) a binary file: ``a+b`` or ``r+b`` or ``wb``."""
    path = Path(path)
    ensure_dir(path.parent)
    flags = {
        "a+b": os.O_RDWR | os.O_CREAT | os.O_APPEND,
        "r+b": os.O_RDWR,
        "wb": os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
    }[mode]
    fd = os.open(path, flags | getattr(os, "O_BINARY", 0), FILE_MODE)
    if not IS_WINDOWS:
        os.fchmod(fd, FILE_MODE)
    return os.fdopen(fd, mode)


def open_private_text(path: Path, mode: str = "a", encoding: str = "utf-8") -> IO[str]:
    """The text twin of :func:`open_private` (``a`` or ``w``): log files."""
    path = Path(path)
    ensure_dir(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    if not IS_WINDOWS:
        os.fchmod(fd, FILE_MODE)
    return os.fdopen(fd, mode, encoding=encoding, newline="" if mode == "w" else None)


def write_atomic(path: Path, data: str | bytes, *, encoding: str = "utf-8") -> Path:
    """Write a private file through a temporary file and a rename: a crash never leaves half of it."""
    path = Path(path)
    ensure_dir(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=str(path.parent))  # mode 0600
    try:
        if not IS_WINDOWS:
            os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode(encoding) if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def tighten_sqlite(db: Path) -> list[Path]:
    """Make a database file and its side files private; returns those that were looser."""
    fixed = []
    for p in [Path(db), *(Path(f"{db}{s}") for s in SQLITE_SIDE_FILES)]:
        with contextlib.suppress(FileNotFoundError):
            if make_private(p):
                fixed.append(p)
    return fixed


def repair_tree(root: Path) -> list[Path]:
    """Make ``root`` and everything below it private; returns what was readable by others.

    Symbolic links are neither followed nor changed. On Windows this is a no-op: the ACL set when a
    folder is created is inherited by everything in it, and re-applying it at every start would cost
    one ``icacls`` run per folder.
    """
    root = Path(root)
    if IS_WINDOWS or not root.exists():  # pragma: no branch
        return []
    fixed: list[Path] = []

    def fix(p: Path) -> None:
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if make_private(p):
                fixed.append(p)

    fix(root)
    for folder, dirs, files in os.walk(root):
        for name in (*dirs, *files):
            fix(Path(folder) / name)
    return fixed


def repair_roots(roots: Iterable[Path]) -> list[Path]:
    """:func:`repair_tree` over several roots (each once, even when nested)."""
    seen: set[Path] = set()
    fixed: list[Path] = []
    for root in sorted({Path(r) for r in roots}, key=lambda p: len(p.parts)):
        if any(root.is_relative_to(s) for s in seen):
            continue
        seen.add(root)
        fixed += repair_tree(root)
    return fixed


__all__ = [
    "DIR_MODE",
    "FILE_MODE",
    "create_file",
    "ensure_dir",
    "is_private",
    "make_private",
    "open_private",
    "open_private_text",
    "repair_roots",
    "repair_tree",
    "tighten_sqlite",
    "write_atomic",
]
