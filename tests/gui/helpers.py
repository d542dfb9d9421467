"""Shared steps of the GUI tests (the app layer directly, where the GUI is not what is tested)."""

from __future__ import annotations

from typing import Any

from sfintacct_desktop.app import baseline_service


def apply_baseline() -> dict[str, Any]:
    """Plan and apply every suggestion on the sandbox profile, as `baseline apply --accept-suggested`."""
    baseline_service.plan_baseline("sandbox")
    report = baseline_service.apply_baseline("sandbox", accept_suggested=True)
    assert report["status"] == "ok", report
    return report


def sync_once(qtbot: Any, win: Any) -> Any:
    """Press Sync now and wait for the worker's RunFinished (through the event bridge)."""
    with qtbot.waitSignal(win.bridge.run_finished, timeout=60_000) as blocker:
        win.sync_tab.sync_button.click()
    return blocker.args[0]
