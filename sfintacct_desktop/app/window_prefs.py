"""The window's own preferences (not a profile's): a small JSON file beside the profiles.

Why not QSettings: Qt would write to the user's desktop settings folder, outside ``SFINTACCT_HOME``,
so a test or a second installation would share it; and the app layer stays free of Qt. Read and
written off the GUI thread (the window uses its task runner); a missing or unreadable file means
the defaults, never a failure.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from ..config.paths import app_paths
from ..config.private import ensure_dir, write_atomic

log = logging.getLogger(__name__)

FILE_NAME = "window.json"


@dataclass(frozen=True)
class WindowPrefs:
    keep_in_tray: bool = False  # closing the window hides it and the sync goes on in the tray


def prefs_path() -> Path:
    return app_paths().config_dir / FILE_NAME


def load_prefs() -> WindowPrefs:
    try:
        raw = json.loads(prefs_path().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return WindowPrefs()
    except (OSError, ValueError):
        log.warning("The window preferences could not be read; using the defaults", exc_info=True)
        return WindowPrefs()
    known = {f.name for f in fields(WindowPrefs)}
    values = {k: bool(v) for k, v in raw.items() if k in known} if isinstance(raw, dict) else {}
    return WindowPrefs(**values)


def save_prefs(prefs: WindowPrefs) -> Path:
    path = prefs_path()
    ensure_dir(path.parent)
    return write_atomic(path, json.dumps(asdict(prefs), indent=2) + "\n")


def log_folder() -> Path:
    """Where the rotating log file is written (the same one the CLI writes)."""
    return app_paths().log_dir
