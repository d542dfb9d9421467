"""The window attaches to the background service instead of running its own worker.

A real `sfintacct service run` subprocess syncs the sandbox; the window opened on the same profile
finds it, says "Run by the background service", shows the service's run progressing, and its Sync
now reaches the service (a run with trigger manual, written by the service's process). When the
service stops, the window says so and Take over runs the sync in the window.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from sfintacct_desktop.app import run_history
from sfintacct_desktop.app.remote_worker import RemoteWorker
from sfintacct_desktop.app.service_channel import ServiceRefused, ServiceUnavailable, ask
from sfintacct_desktop.engine.worker import SyncWorker
from sfintacct_desktop.gui.main_window import MainWindow
from sfintacct_desktop.gui.service_banner import RUN_BY_SERVICE, SERVICE_STOPPED
from tests.gui.helpers import apply_baseline
from tests.support.cli_env import REPO, cli_env
from tests.support.file_keyring import ENV_FILE

TIMEOUT = 120


def _service_ready() -> bool:
    try:
        row = ask("status", "sandbox")["profiles"][0]
    except (ServiceUnavailable, ServiceRefused):
        return False
    return row["state"] == "idle" and row["last_run"] is not None


def _wait(check: Any, proc: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not check():
        assert proc.poll() is None, f"the service exited: {proc.returncode}"
        assert time.monotonic() < deadline, f"{what} never happened"
        time.sleep(0.1)  # polling interval of a bounded wait


def test_window_attaches_to_the_service_and_takes_over_when_it_stops(
    qtbot: Any,
    sandbox: Any,
    home: Path,
) -> None:
    apply_baseline()  # the demo company holds records on both sides: linked once, before any sync
    env = cli_env(home, Path(os.environ[ENV_FILE]))
    service = subprocess.Popen(
        [sys.executable, "-m", "sfintacct_desktop.cli", "service", "run", "--interval", "3600"],
        env=env,
        cwd=str(REPO),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    win: MainWindow | None = None
    try:
        _wait(_service_ready, service, "the service's first cycle")
        win = MainWindow("sandbox")
        win.show()
        assert isinstance(win.worker, RemoteWorker)  # no worker of its own
        assert win.worker.service_pid == service.pid
        assert win.service_banner.isVisible()
        assert win.service_banner.label.text().startswith(RUN_BY_SERVICE)
        assert not win.service_banner.take_over_button.isVisible()
        qtbot.waitUntil(lambda: win.health.facts.state == "idle", timeout=30_000)
        assert win.sync_tab.sync_button.isEnabled()
        nxt = ask("status", "sandbox")["profiles"][0]["next_run"]
        assert nxt is not None  # the service's own schedule, not "on Sync now"
        qtbot.waitUntil(lambda: win.health.health.next_run is not None, timeout=10_000)
        assert abs((win.health.health.next_run - datetime.fromisoformat(nxt)).total_seconds()) < 1

        progress: list[Any] = []
        started: list[Any] = []
        finished: list[Any] = []
        win.bridge.progress.connect(progress.append)
        win.bridge.run_started.connect(started.append)
        win.bridge.run_finished.connect(finished.append)
        win.sync_tab.sync_button.click()
        qtbot.waitUntil(lambda: bool(started), timeout=60_000)
        run_id = started[0].run_id
        assert started[0].trigger == "manual"
        qtbot.waitUntil(lambda: any(f.summary.run_id == run_id for f in finished), timeout=60_000)
        assert [f.summary.status for f in finished if f.summary.run_id == run_id] == ["ok"]
        assert any(ev.run_id == run_id for ev in progress)  # the service's progress, shown live
        assert win.sync_tab.runs_box.live is None  # the run list drew it from start to end
        qtbot.waitUntil(lambda: win.sync_tab.summary.text().startswith(f"Last run {run_id}: ok"), timeout=10_000)
        rows = run_history.runs_page("sandbox")["runs"]
        mine = [r for r in rows if r["run_id"] == run_id]
        assert mine and mine[0]["trigger"] == "manual"

        # the service stops: the window says so and offers to take over
        service.send_signal(signal.SIGTERM)
        assert service.wait(TIMEOUT) == 0
        qtbot.waitUntil(lambda: win.service_banner.take_over_button.isVisible(), timeout=30_000)
        assert win.service_banner.label.text().startswith(SERVICE_STOPPED)
        qtbot.waitUntil(lambda: win.health.health.next_run_text == "none: the sync is stopped", timeout=10_000)
        assert "service runs this profile" not in win.sync_tab.summary.text()
        win.service_banner.take_over_button.click()
        assert isinstance(win.worker, SyncWorker) and not win.service_banner.isVisible()
        qtbot.waitUntil(lambda: win.health.facts.state == "idle", timeout=30_000)
        with qtbot.waitSignal(win.bridge.run_finished, timeout=60_000) as local:
            win.sync_tab.sync_button.click()
        assert local.args[0].summary.status == "ok"  # the window holds the profile's lock now
    finally:
        if win is not None:
            win.close()
        if service.poll() is None:
            service.kill()
            service.wait(TIMEOUT)
