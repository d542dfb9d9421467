"""Where the product keeps its files: SFINTACCT_HOME when set, else the platform's directories."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "sfintacct-desktop"


@dataclass(frozen=True)
class AppPaths:
    """All on-disk locations. With SFINTACCT_HOME everything lives under that one directory."""

    config_dir: Path
    data_dir: Path
    log_dir: Path
    home: Path | None = None  # SFINTACCT_HOME, when set: then the one root of everything

    @property
    def roots(self) -> tuple[Path, ...]:
        """The folders that belong to the product alone (their whole trees are kept private)."""
        return (self.home,) if self.home is not None else (self.config_dir, self.data_dir, self.log_dir)

    @property
    def profiles_file(self) -> Path:
        return self.config_dir / "profiles.json"

    @property
    def sandbox_dir(self) -> Path:
        return self.data_dir / "sandbox"

    @property
    def plans_dir(self) -> Path:
        return self.data_dir / "plans"

    @property
    def state_dir(self) -> Path:
        return self.data_dir / "state"

    def state_db(self, profile: str) -> Path:
        return self.state_dir / f"{profile}.sqlite3"

    def mapping_file(self, profile: str) -> Path:
        """The profile's own sync rules (field mapping), when its settings name no other file."""
        return self.config_dir / "mappings" / f"{profile}.toml"


def app_paths() -> AppPaths:
    """Resolve paths now (tests change SFINTACCT_HOME between cases, so never cache this)."""
    home = os.environ.get("SFINTACCT_HOME")
    if home:
        root = Path(home).expanduser()
        return AppPaths(root / "config", root / "data", root / "logs", root)
    return AppPaths(
        Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
    )
