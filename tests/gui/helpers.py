"""Shared steps of the GUI tests (the app layer directly, where the GUI is not what is tested)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests

from sfintacct_desktop.app import baseline_service


def apply_baseline() -> dict[str, Any]:
    """Plan and apply every suggestion on the sandbox profile, as `baseline apply --accept-suggested`."""
    baseline_service.plan_baseline("sandbox")
    report = baseline_service.apply_baseline("sandbox", accept_suggested=True)
    assert report["status"] == "ok", report
    return report


@contextmanager
def armed_fault(server: Any, **fault: Any) -> Iterator[None]:
    """A fault armed on an emulator's server (``sandbox.ia_server``) for the block, cleared after it."""
    faults = server.url + "/__sandbox__/faults"
    assert requests.post(faults, json=fault, timeout=5).ok
    try:
        yield
    finally:
        requests.delete(faults, timeout=5)


def sync_once(qtbot: Any, win: Any) -> Any:
    """Press Sync now and wait for the worker's RunFinished (through the event bridge)."""
    with qtbot.waitSignal(win.bridge.run_finished, timeout=60_000) as blocker:
        win.sync_tab.sync_button.click()
    return blocker.args[0]


def choose_profile(qtbot: Any, win: Any, name: str) -> None:
    """Pick ``name`` in the Connections tab's profile list, as the operator does, and wait until the
    whole window has switched to it (its new worker idle)."""
    tab = win.connections_tab
    win.tabs.setCurrentWidget(tab)
    tab.reload_profiles(tab.profile)  # the list as it is now (a profile added since the window opened)
    tab.profiles.setCurrentText(name)
    qtbot.waitUntil(lambda: win.session.name == name and win.switching is None, timeout=60_000)
    qtbot.waitUntil(lambda: win.worker.state == "idle", timeout=30_000)
