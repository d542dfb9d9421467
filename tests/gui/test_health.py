"""The window's health against the real emulators: failing when Intacct is down, back to up to date
when it returns, needs attention with counts, paused, needs a baseline; and a close that does not
wait on a hung request. Each state is also rendered at 1280x800 and 1024x640."""

from __future__ import annotations

import time
from pathlib import Path

import requests

from sfintacct_desktop.app import health as hl
from sfintacct_desktop.gui.main_window import FINISHING, MainWindow
from sfintacct_desktop.wire.intacct import create
from sfintacct_sandbox.httpserver import EmulatorServer
from sfintacct_sandbox.runner import Sandbox
from tests.gui.helpers import apply_baseline, sync_once
from tests.support.sync_env import ia_connector

SIZES = ((1280, 800), (1024, 640))


def shoot(win: MainWindow, folder: Path, name: str) -> list[Path]:
    """The window at both sizes, with the Sync tab in front (saved for people to look at)."""
    folder.mkdir(parents=True, exist_ok=True)
    win.tabs.setCurrentWidget(win.sync_tab)
    paths = []
    for w, h in SIZES:
        win.resize(w, h)
        path = folder / f"health-{name}-{w}x{h}.png"
        assert win.grab().save(str(path))
        paths.append(path)
    return paths


def settled(win: MainWindow, state: str) -> bool:
    return win.health.health.state == state and not win.health._reading


def test_intacct_down_reads_failing_everywhere_and_up_to_date_once_it_is_back(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, sandbox: Sandbox, tmp_path: Path
) -> None:
    apply_baseline()
    assert sync_once(qtbot, window).summary.status == "ok"
    qtbot.waitUntil(lambda: settled(window, hl.UP_TO_DATE), timeout=30_000)
    assert window.sync_tab.state.text() == "Up to date" and window.sync_tab.state.tone == "ok"
    assert window.windowTitle() == "sfintacct — sandbox: up to date"
    assert "Last good sync: 20" in window.schedule.text()  # an ISO date, not "never"
    assert "Salesforce" in window.budget.text() and "Intacct" in window.budget.text()
    shoot(window, tmp_path, "up-to-date")

    port = sandbox.ia_server.port
    sandbox.ia_server.stop()
    failed = sync_once(qtbot, window)
    assert failed.summary.status == "failed" and failed.summary.error is not None
    qtbot.waitUntil(lambda: settled(window, hl.FAILING), timeout=30_000)
    title = failed.summary.error.title
    badge = window.sync_tab.state
    assert badge.text() == f"Failing: {title}" and badge.tone == "error"
    assert window.windowTitle() == "sfintacct — sandbox: failing"
    tip = window.tray.icon.toolTip()
    assert tip.startswith("sfintacct — sandbox: failing") and title in tip
    assert any("failing" in t and title in m for t, m in window.tray.messages)  # the desktop was told
    panel = window.sync_tab.state_reason
    assert not panel.isHidden() and panel.title.text() == title and failed.summary.error.message in panel.message.text()
    assert window.worker.state == "idle"  # the worker alone would have said "idle"
    shoot(window, tmp_path, "failing")

    sandbox.ia_server = EmulatorServer(sandbox.intacct, "127.0.0.1", port).start()
    assert sync_once(qtbot, window).summary.status == "ok"
    qtbot.waitUntil(lambda: settled(window, hl.UP_TO_DATE), timeout=30_000)
    assert window.windowTitle() == "sfintacct — sandbox: up to date" and badge.text() == "Up to date"
    assert "up to date" in window.tray.icon.toolTip()
    window.close()
    sandbox.ia_server.stop()  # the restarted server's thread ends with the test (the window's check)


def test_open_errors_need_attention_with_their_count(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, sandbox: Sandbox, tmp_path: Path
) -> None:
    apply_baseline()
    user = ia_connector(sandbox)
    for n in (1, 2):  # Salesforce's BillingCity holds 40 characters: Salesforce refuses both
        city = {"MAILADDRESS": {"CITY": "Y" * 60}}
        body = {"CUSTOMERID": f"C-HL{n}", "NAME": f"Long City {n}", "DISPLAYCONTACT": city}
        assert user.client.call([create("CUSTOMER", body)])[0].ok
    assert sync_once(qtbot, window).summary.status == "ok"  # the run itself went through
    qtbot.waitUntil(lambda: settled(window, hl.ATTENTION), timeout=30_000)
    errors = window.health.health.errors
    assert errors >= 2
    assert window.sync_tab.state.text().startswith(f"Needs attention: {errors} errors")
    assert window.windowTitle() == "sfintacct — sandbox: needs attention"
    sync_index = window.tabs.indexOf(window.sync_tab)
    assert window.tabs.tabText(sync_index) == f"Sync ({errors + window.health.health.conflicts})"
    assert any("new error" in t for t, _m in window.tray.messages)
    shoot(window, tmp_path, "needs-attention")


def test_pause_says_so_at_once_then_paused_by_you_and_resume(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    apply_baseline()
    assert sync_once(qtbot, window).summary.status == "ok"
    qtbot.waitUntil(lambda: settled(window, hl.UP_TO_DATE), timeout=30_000)
    menus = window.menus
    assert menus.sync_now.isEnabled() and menus.pause_resume.text() == "&Pause"
    menus.pause_resume.trigger()  # Ctrl+P
    assert window.sync_tab.state.text() == "Pausing after this batch…"  # before the worker answers
    qtbot.waitUntil(lambda: window.health.health.state == hl.PAUSED, timeout=10_000)
    assert window.sync_tab.state.text() == "Paused by you"
    assert window.windowTitle() == "sfintacct — sandbox: paused"
    assert menus.pause_resume.text() == "&Resume" and not menus.sync_now.isEnabled()
    assert "none while paused" in window.schedule.text()
    shoot(window, tmp_path, "paused")
    with qtbot.waitSignal(window.bridge.run_finished, timeout=60_000):
        menus.pause_resume.trigger()  # Resume runs a cycle
    qtbot.waitUntil(lambda: settled(window, hl.UP_TO_DATE), timeout=30_000)


def test_a_refused_first_sync_reads_needs_a_baseline(qtbot, window: MainWindow, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert window.health.health.state == hl.NOT_SYNCED and window.sync_tab.state.tone == "idle"
    sync_once(qtbot, window)
    qtbot.waitUntil(lambda: window.health.health.state == hl.BASELINE, timeout=30_000)
    assert window.windowTitle() == "sfintacct — sandbox: needs a baseline"
    assert "Baseline tab" in window.sync_tab.state.toolTip()
    shoot(window, tmp_path, "needs-baseline")


def test_closing_during_a_hung_request_returns_within_five_seconds(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, sandbox: Sandbox, tmp_path: Path
) -> None:
    faults = sandbox.ia_server.url + "/__sandbox__/faults"
    armed = requests.post(faults, json={"operation": "*", "mode": "timeout", "delay_seconds": 20}, timeout=5)
    assert armed.status_code == 200
    window.menus.sync_now.trigger()  # F5
    qtbot.waitUntil(lambda: window.health.health.state == hl.SYNCING, timeout=20_000)
    qtbot.waitUntil(lambda: requests.get(faults, timeout=5).json()["armed"] == [], timeout=20_000)  # it hangs now
    shoot(window, tmp_path, "syncing")
    window.resize(1280, 800)

    started = time.monotonic()
    window.close()
    took = time.monotonic() - started

    assert took < 5.0, f"the close took {took:.1f} s"
    assert window.worker.is_alive()  # the hung request was not waited for
    assert window.finishing.text() == FINISHING and not window.finishing.isHidden()
    assert window.grab().save(str(tmp_path / "health-closing-1280x800.png"))
    qtbot.waitUntil(lambda: not window.worker.is_alive(), timeout=60_000)  # it ends once the answer comes
