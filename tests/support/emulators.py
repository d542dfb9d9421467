"""Emulator fixtures shared by the product's integration tests and the emulators' own tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sfintacct_sandbox.httpserver import EmulatorServer
from sfintacct_sandbox.intacct.app import IntacctEmulator


@pytest.fixture(scope="module")
def ia_server() -> Iterator[EmulatorServer]:
    """One Intacct emulator on loopback per test module (each test resets what it needs)."""
    srv = EmulatorServer(IntacctEmulator(None)).start()
    yield srv
    srv.stop()
