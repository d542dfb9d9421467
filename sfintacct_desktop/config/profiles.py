"""Named connection profiles: non-secret settings in one JSON file under the config directory.

Real secrets never land here (they go to the OS keyring, see ``secrets/``). The one exception
is the built-in ``sandbox`` profile, whose credentials are public constants of the emulators.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from .paths import app_paths

SANDBOX_PROFILE = "sandbox"


class ProfileError(Exception):
    """A profile that is missing or unreadable, with a hint for the person."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"version": 1, "profiles": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ProfileError(
            f"Cannot read the profiles file {path}: {exc.__class__.__name__}",
            "Fix or remove the file; it holds only non-secret settings.",
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("profiles"), dict):
        raise ProfileError(
            f"The profiles file {path} is not in the expected format.", "Remove it and add profiles again."
        )
    return data


def _write(path: Path, data: dict[str, Any]) -> None:
    """Atomic replace, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".profiles.", dir=str(path.parent))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, sort_keys=True)
            fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def list_profiles() -> dict[str, dict[str, Any]]:
    return dict(_read(app_paths().profiles_file)["profiles"])


def get_profile(name: str) -> dict[str, Any]:
    profiles = list_profiles()
    if name not in profiles:
        hint = (
            "Start the sandbox with `sfintacct sandbox serve` to create it."
            if name == SANDBOX_PROFILE
            else "Create it with `sfintacct profile add`."
        )
        raise ProfileError(f"No connection profile named {name!r}.", hint)
    return profiles[name]


def save_profile(name: str, settings: dict[str, Any]) -> None:
    path = app_paths().profiles_file
    data = _read(path)
    data["profiles"][name] = settings
    _write(path, data)


def save_sandbox_profile(connection_info: dict[str, Any]) -> None:
    """Point the ``sandbox`` profile at running emulators (public constants only)."""
    save_profile(
        SANDBOX_PROFILE,
        {
            "kind": "sandbox",
            "salesforce": dict(connection_info["salesforce"]),
            "intacct": dict(connection_info["intacct"]),
        },
    )
