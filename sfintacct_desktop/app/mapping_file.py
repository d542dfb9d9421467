"""Where a profile's field mapping comes from: its own file when the user has one, else the default.

Why a module of its own: the session loads the mapping once, and the sync service builds engines
with it; both need the same rule without importing each other.
"""

from __future__ import annotations

from pathlib import Path

from ..config.paths import app_paths
from ..domain import ErrorInfo, ErrorKind, SyncError
from ..engine.mapping import Mapping, MappingError, load_mapping
from .profiles import ResolvedProfile


def mapping_path(profile: ResolvedProfile) -> Path | None:
    """The profile's own mapping file when the user has one, else None (the shipped default)."""
    named = profile.settings.get("mapping_file")
    if named:
        return Path(str(named)).expanduser()
    own = app_paths().config_dir / "mappings" / f"{profile.name}.toml"
    return own if own.exists() else None


def load_profile_mapping(profile: ResolvedProfile) -> Mapping:
    """The mapping, or a SyncError with the file's line and what to fix."""
    try:
        return load_mapping(mapping_path(profile))
    except MappingError as exc:
        where = f" ({exc.path})" if getattr(exc, "path", "") else ""
        raise SyncError(ErrorInfo(ErrorKind.SCHEMA, exc.title, exc.message + where, exc.hint)) from None


__all__ = ["load_profile_mapping", "mapping_path"]
