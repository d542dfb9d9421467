"""Does switching profile in the window stall the GUI thread while the old profile's worker is busy?

Run:  .venv/bin/python benchmarks/bench_gui_switch.py [N]   (N new Salesforce accounts, default 2000)

Two sandbox companies on loopback, each with its profile. The window opens on the first, whose
Salesforce org holds N accounts Intacct has never seen; Sync now starts the big first cycle (N
customer creates in Intacct, N cross-references back), and while it writes, the operator chooses
the second profile. A 10 ms QTimer heartbeat on the GUI thread records every gap; the report gives
the longest gap and the share of beats later than 50 ms, with how long the switch took (the old
worker stops after its current batch, off the GUI thread) and where that time went.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

HOME = Path(tempfile.mkdtemp(prefix="bench-switch-"))
os.environ["SFINTACCT_HOME"] = str(HOME / "home")
os.environ["SFINTACCT_TEST_KEYRING_FILE"] = str(HOME / "keyring.json")

import keyring  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from sfintacct_desktop.config.profiles import save_profile, save_sandbox_profile  # noqa: E402
from sfintacct_desktop.gui.main_window import MainWindow  # noqa: E402
from sfintacct_sandbox.runner import Sandbox, SandboxOptions  # noqa: E402
from tests.support.file_keyring import FileKeyring  # noqa: E402
from tests.support.sync_env import sf_connector  # noqa: E402


def wait(app: QApplication, cond, timeout: float) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    while not cond():
        if time.perf_counter() - start > timeout:
            raise TimeoutError("gave up waiting")
        app.processEvents()
        time.sleep(0.002)
    return time.perf_counter() - start


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    keyring.set_keyring(FileKeyring())
    first = Sandbox(SandboxOptions(seed="empty")).start()
    second = Sandbox(SandboxOptions(seed="demo")).start()
    try:
        save_sandbox_profile(first.connection_info("sandbox"))
        info = second.connection_info("second")
        save_profile("second", {"kind": "sandbox", "salesforce": dict(info["salesforce"]),
                                "intacct": dict(info["intacct"])})  # fmt: skip
        sf = sf_connector(first)
        records = [{"Name": f"Bench Account {i:05d}", "BillingCity": "Lyon"} for i in range(n)]
        for i in range(0, n, 200):
            assert all(r.success for r in sf.client.create_many("Account", records[i : i + 200]))
        sf.client.close()

        app = QApplication.instance() or QApplication([])
        win = MainWindow("sandbox", interval=0)
        win.resize(1280, 800)
        win.show()
        gaps: list[float] = []
        clock = QElapsedTimer()
        clock.start()
        last = [clock.elapsed()]

        def beat() -> None:
            now = clock.elapsed()
            gaps.append(now - last[0])
            last[0] = now

        timer = QTimer()
        timer.setInterval(10)
        timer.timeout.connect(beat)
        wait(app, lambda: win.worker.state == "idle", 60)
        timer.start()
        win.sync_tab.sync_button.click()
        wait(app, lambda: win.worker.state == "running", 30)
        wait(app, lambda: " — " in win.sync_tab.summary.text(), 60)  # a progress event: batches are going out
        t0 = time.perf_counter()
        tab = win.connections_tab
        win.tabs.setCurrentWidget(tab)
        tab.profiles.setCurrentText("second")
        took = wait(app, lambda: win.session.name == "second" and win.switching is None, 120)
        ready = wait(app, lambda: win.worker.state == "idle", 60) + took
        timer.stop()
        beats = gaps[1:]
        late = sum(1 for g in beats if g > 50)
        print(f"accounts in the first company: {n}")
        print(f"switch chosen -> every tab on the new profile: {took:.2f} s; new worker idle: {ready:.2f} s")
        print(f"GUI heartbeat (10 ms): {len(beats)} beats, longest gap {max(beats):.0f} ms, "
              f"{late} later than 50 ms ({100 * late / max(1, len(beats)):.1f}%)")  # fmt: skip
        print(f"time from click to switch: {time.perf_counter() - t0:.2f} s (the old worker finishing its batch)")
        win.close()
        app.processEvents()
        return 0
    finally:
        first.stop()
        second.stop()


if __name__ == "__main__":
    raise SystemExit(main())
