"""Fixtures shared by the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sfintacct_desktop.sandbox.httpserver import EmulatorServer
from sfintacct_desktop.sandbox.intacct.app import IntacctEmulator
from tests.support.sync_env import SyncEnv, make_env


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[SyncEnv]:
    """Both emulators (seed ``empty``), a state store on disk and an engine; a file may override it."""
    yield from make_env(tmp_path)


@pytest.fixture(scope="module")
def ia_server() -> Iterator[EmulatorServer]:
    """One Intacct emulator on loopback per test module (each test resets what it needs)."""
    srv = EmulatorServer(IntacctEmulator(None)).start()
    yield srv
    srv.stop()
