"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.emulators import ia_server  # noqa: F401  (a fixture)
from tests.support.sync_env import SyncEnv, make_env


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[SyncEnv]:
    """Both emulators (seed ``empty``), a state store on disk and an engine; a file may override it."""
    yield from make_env(tmp_path)
