"""Where a profile's field mapping comes from: its own file when the user has one, else the default.

Why a module of its own: the session loads the mapping once, and the sync service builds engines
with it; both need the same rule without importing each other.
"""

from __future__ import annotations

from collections.abc import Mapping as AnyMapping
from pathlib import Path
from typing import Any

from ..config.paths import app_paths
from ..domain import ErrorInfo, ErrorKind, SyncError
from ..engine.mapping import Mapping, MappingError, load_mapping
from .profiles import ResolvedProfile


def own_mapping_file(name: str, settings: AnyMapping[str, Any]) -> Path:
    """The file that holds the profile's own rules: the one its settings name, else one named after it."""
    named = settings.get("mapping_file")
    if named:
        return Path(str(named)).expanduser()
    return app_paths().mapping_file(name)


def mapping_path(profile: ResolvedProfile) -> Path | None:
    """The profile's own mapping file when the user has one, else None (the shipped default).

    A file the settings name is used even when missing, so that a wrong name is an error, not the default.
    """
    own = own_mapping_file(profile.name, profile.settings)
    return own if profile.settings.get("mapping_file") or own.exists() else None


def mapping_stamp(profile: ResolvedProfile) -> tuple[str, int, int, int] | None:
    """What changes when the rules are saved again (path, mtime, size, inode): cheap enough before every run."""
    path = mapping_path(profile)
    if path is None:
        return None
    try:
        st = path.stat()
    except OSError:
        return (str(path), 0, 0, 0)
    return (str(path), st.st_mtime_ns, st.st_size, st.st_ino)


def load_profile_mapping(profile: ResolvedProfile) -> Mapping:
    """The mapping, or a SyncError with the file's line and what to fix."""
    try:
        return load_mapping(mapping_path(profile))
    except MappingError as exc:
        where = f" ({exc.path})" if getattr(exc, "path", "") else ""
        window = (
            f"{exc.hint} Or open Connections > Sync rules… and press Save: the rules shown there replace "
            "the file, and the old one is kept beside it as .bad."
        ).strip()
        info = ErrorInfo(ErrorKind.SCHEMA, exc.title, exc.message + where, exc.hint, window_hint=window)
        raise SyncError(info) from None


__all__ = ["load_profile_mapping", "mapping_path", "mapping_stamp", "own_mapping_file"]
