"""The sandbox's files are private (0600 in 0700 folders), like the product's: they hold demo customers.

Why a copy of the rule and not the product's module: the sandbox imports nothing of the product.
SQLite gives its ``-wal``/``-shm`` files the main file's mode, so creating that file private is enough.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

_POSIX = sys.platform != "win32"


def private_dir(path: Path) -> Path:
    """Create ``path`` and missing parents as 0700 folders (existing folders are left alone)."""
    missing = []
    probe = Path(path)
    while not probe.exists() and probe.parent != probe:
        missing.append(probe)
        probe = probe.parent
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
        if _POSIX:
            os.chmod(folder, 0o700)
    return Path(path)


def private_file(path: Path) -> Path:
    """Create an empty 0600 file unless it exists (then only its looser bits are removed)."""
    path = Path(path)
    private_dir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
    os.close(fd)
    if _POSIX and path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)
    return path


def write_private(path: Path, data: str | bytes) -> None:
    private_file(path)
    with open(path, "wb") as fh:  # an existing private file keeps its mode when truncated
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
