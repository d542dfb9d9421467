"""Fixtures of the Intacct emulator's tests."""

from __future__ import annotations

from tests.support.emulators import ia_server  # noqa: F401  (a fixture)
