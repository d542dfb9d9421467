"""Render the main window offscreen on the demo sandbox, one PNG per tab, into a folder.

Usage: ``QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_gui.py /tmp/gui-shots``.
Uses a throw-away SFINTACCT_HOME; runs the connection test, a plan, a baseline, one sync (with an
error-inbox item) and an invoice search so that every tab shows real data.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def _wait(app, done, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.02)


def shoot(out: Path) -> list[Path]:
    from PySide6.QtWidgets import QApplication

    os.environ["SFINTACCT_HOME"] = tempfile.mkdtemp(prefix="sfintacct-shots-")
    from sfintacct_desktop.app import baseline_service
    from sfintacct_desktop.config.profiles import save_sandbox_profile
    from sfintacct_desktop.gui.main_window import MainWindow
    from sfintacct_desktop.wire.intacct import create
    from sfintacct_sandbox.runner import Sandbox, SandboxOptions
    from tests.support.sync_env import ia_connector

    app = QApplication.instance() or QApplication([])
    out.mkdir(parents=True, exist_ok=True)
    shots: list[Path] = []
    with Sandbox(SandboxOptions(seed="demo")) as sb:
        save_sandbox_profile(sb.connection_info("sandbox"))
        win = MainWindow("sandbox")
        win.show()
        try:
            win.connections_tab.test()
            _wait(app, lambda: win.runner.idle and win.connections_tab.test_button.isEnabled())
            win.baseline_tab.start_plan()
            _wait(app, lambda: win.baseline_tab.doc is not None)
            baseline_service.apply_baseline("sandbox", accept_suggested=True)
            body = {
                "CUSTOMERID": "C-SHOT",
                "NAME": "Long City Co",
                "DISPLAYCONTACT": {"MAILADDRESS": {"CITY": "Y" * 60}},
            }
            ia_connector(sb).client.call([create("CUSTOMER", body)])
            seen: list[object] = []
            win.bridge.run_finished.connect(seen.append)
            win.sync_tab.sync_now()
            _wait(app, lambda: bool(seen) and win.runner.idle and bool(win.sync_tab.errors.rows))
            win.invoices_tab.search()
            _wait(app, lambda: win.runner.idle and win.invoices_tab.model.rowCount() > 0)
            for i in range(win.tabs.count()):
                win.tabs.setCurrentIndex(i)
                app.processEvents()
                path = out / f"{i + 1}-{win.tabs.tabText(i).split(' (')[0].lower()}.png"  # "Sync (3)": its open items
                win.grab().save(str(path))
                shots.append(path)
        finally:
            win.close()
    return shots


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    for p in shoot(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/gui-shots")):  # noqa: S108
        print(p)
