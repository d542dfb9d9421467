"""Render every page and state of the window offscreen on the demo sandbox, at 1280x800 and 1024x640.

Usage: ``QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshot_gui.py [folder]`` (default
``docs/screenshots``). Uses the sandbox in process and a throw-away SFINTACCT_HOME (and, run as a
script, a throw-away keyring), and walks the operator's path: welcome, connections with the setup
checklist (all set, and fields missing, deploying the Salesforce metadata), the profile editor,
the baseline (plan, review, confirmation, applying, report), the sync (up to date, syncing, failing,
needs attention, error inbox, conflicts, paused), a run's detail, the invoices, a customer's page (its
fields after a live refresh, its invoices), the pipeline, the backups to restore from, the move of the
sync state to PostgreSQL, and the window attached to a background service (and that service stopped).
Files are named
``<nn>-<page>-<state>-<w>x<h>.png``. Dialogs are drawn over the window at their place, as the
operator sees them.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SIZES = ((1280, 800), (1024, 640))
OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"


def _wait(app: Any, done: Callable[[], bool], timeout: float = 90.0) -> None:
    end = time.monotonic() + timeout
    while not done():
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.02)


def _settle(app: Any, seconds: float = 0.3) -> None:
    """Let layouts, timers and queued signals run (a resize re-lays out lazily)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


class Camera:
    """Saves numbered pictures of a window (and a dialog over it) at each size."""

    def __init__(self, app: Any, out: Path) -> None:
        self.app, self.out, self.n = app, out, 0
        self.shots: list[Path] = []

    def shoot(self, win: Any, page: str, state: str, dialog: Any = None) -> None:
        from PySide6.QtCore import QPoint
        from PySide6.QtGui import QColor, QPainter

        self.n += 1
        if dialog is not None:
            natural = dialog.size().expandedTo(dialog.sizeHint())
        for w, h in SIZES:
            win.resize(w, h)
            if dialog is not None:  # its own size, but no larger than the screen it opens on
                dialog.resize(min(natural.width(), w - 40), min(natural.height(), h - 40))
            _settle(self.app)
            picture = win.grab()
            if dialog is not None:
                painter = QPainter(picture)
                painter.fillRect(picture.rect(), QColor(0, 0, 0, 90))
                over = dialog.grab()
                painter.drawPixmap(QPoint((w - over.width()) // 2, (h - over.height()) // 2), over)
                painter.end()
            path = self.out / f"{self.n:02d}-{page}-{state}-{w}x{h}.png"
            if not picture.save(str(path)):
                raise OSError(f"cannot write {path}")
            self.shots.append(path)


def _fault(server: Any, **fault: Any) -> None:
    import requests

    requests.post(server.url + "/__sandbox__/faults", json=fault, timeout=10).raise_for_status()


def _sync(app: Any, win: Any) -> Any:
    """Press Sync now once it can be pressed; the finished run's summary."""
    seen: list[Any] = []
    win.bridge.run_finished.connect(seen.append)
    _wait(app, win.sync_tab.sync_button.isEnabled)
    win.sync_tab.sync_button.click()
    _wait(app, lambda: bool(seen))
    win.bridge.run_finished.disconnect(seen.append)
    return seen[0].summary


def shoot(out: Path = OUT) -> list[Path]:
    from PySide6.QtWidgets import QApplication

    previous = os.environ.get("SFINTACCT_HOME")
    os.environ["SFINTACCT_HOME"] = tempfile.mkdtemp(prefix="sfintacct-shots-")
    app = QApplication.instance() or QApplication([])
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("[0-9][0-9]-*.png"):  # a state that is gone must not linger
        old.unlink()
    cam = Camera(app, out)
    try:
        _welcome(app, cam)
        _window(app, cam)
    finally:
        if previous is None:
            os.environ.pop("SFINTACCT_HOME", None)
        else:
            os.environ["SFINTACCT_HOME"] = previous
    return cam.shots


def _welcome(app: Any, cam: Camera) -> None:
    from sfintacct_desktop.gui.welcome import WelcomeWindow

    page = WelcomeWindow(lambda: None)  # never pressed here
    page.show()
    try:
        cam.shoot(page, "welcome", "first-run")
    finally:
        page.shutdown()
        page.close()


def _setup_needed(app: Any, cam: Camera) -> None:
    """The Connections tab on an org and a company that lack some of the sync's fields: the checklist
    names each one and what to do."""
    from sfintacct_desktop.config.profiles import save_profile
    from sfintacct_desktop.gui.main_window import MainWindow
    from sfintacct_sandbox.runner import Sandbox, SandboxOptions

    options = SandboxOptions(
        seed="empty",
        salesforce_options={"omit_fields": ("Account.Intacct_Customer_ID__c", "Intacct_Payment__c")},
        intacct_options={"omit_fields": ("CUSTOMER.SFDC_ACCOUNT_ID",)},
    )
    with Sandbox(options) as sb:
        info = sb.connection_info("acme-test")
        save_profile("acme-test", {"kind": "sandbox", "salesforce": info["salesforce"], "intacct": info["intacct"]})
        win = MainWindow("acme-test")
        win.show()
        try:
            _wait(app, lambda: win.health.facts.state == "idle")
            conn = win.connections_tab
            conn.test_button.click()
            _wait(app, lambda: bool(conn.checklist.items) and win.runner.idle)
            cam.shoot(win, "connections", "setup-needed")
            conn.checklist.deploy_button.click()  # Deploy to Salesforce: the check, then the question
            _wait(app, lambda: conn.confirm is not None)
            box = conn.confirm
            cam.shoot(win, "connections", "deploy-check", dialog=box)
            next(b for b in box.buttons() if b.text() == "Deploy").click()
            _wait(app, lambda: conn.checklist.deploy_note.text().startswith("Deployed") and win.runner.idle)
            _wait(app, conn.test_button.isEnabled)  # the connection tested again
            conn.page.ensureWidgetVisible(conn.checklist.deploy_note, 0, 40)
            cam.shoot(win, "connections", "deployed")
        finally:
            win.close()


def _window(app: Any, cam: Camera) -> None:
    from sfintacct_desktop.app import health as hl
    from sfintacct_desktop.config.profiles import save_sandbox_profile
    from sfintacct_desktop.gui.baseline_tab import APPLY, REPORT, REVIEW
    from sfintacct_desktop.gui.main_window import MainWindow
    from sfintacct_desktop.wire.intacct import create, update
    from sfintacct_sandbox.httpserver import EmulatorServer
    from sfintacct_sandbox.runner import Sandbox, SandboxOptions
    from tests.support.sync_env import ia_connector, sf_connector

    with Sandbox(SandboxOptions(seed="demo")) as sb:
        save_sandbox_profile(sb.connection_info("sandbox"))
        win = MainWindow("sandbox")
        win.show()
        try:
            settled = lambda state: win.health.health.state == state and not win.health._reading  # noqa: E731
            _wait(app, lambda: win.health.facts.state == "idle")
            conn = win.connections_tab
            win.tabs.setCurrentWidget(conn)
            conn.test_button.click()
            _wait(app, lambda: win.runner.idle and conn.test_button.isEnabled())
            cam.shoot(win, "connections", "checklist")
            _setup_needed(app, cam)

            editor = conn.open_editor(None)  # Add profile…: the sandbox profile itself is not edited
            _wait(app, lambda: editor.keyring_badge.text() != "Checking…" and not editor.busy)
            cam.shoot(win, "profile-editor", "new", dialog=editor)
            editor.reject()

            tab = win.baseline_tab
            win.tabs.setCurrentWidget(tab)
            cam.shoot(win, "baseline", "plan")
            tab.plan_button.click()
            _wait(app, lambda: tab.pages.currentIndex() == REVIEW and tab.model.rowCount() > 0)
            tab.accept_all.click()
            tab.view.selectRow(0)
            cam.shoot(win, "baseline", "review")
            tab.apply_button.click()
            dialog = tab.confirm_dialog
            assert dialog is not None
            cam.shoot(win, "baseline", "confirmation", dialog=dialog)
            dialog.apply.click()
            _wait(app, lambda: tab.pages.currentIndex() != APPLY or tab.apply_page.total.value() > 0, timeout=180)
            for server in (sb.sf_server, sb.ia_server):  # slow answers now, so the load is seen half done
                _fault(server, operation="*", mode="timeout", delay_seconds=3, count=1)
            cam.shoot(win, "baseline", "applying")
            _wait(app, lambda: tab.pages.currentIndex() == REPORT, timeout=180)
            cam.shoot(win, "baseline", "report")

            win.tabs.setCurrentWidget(win.sync_tab)
            _wait(app, lambda: win.worker.state == "idle")
            _sync(app, win)
            _wait(app, lambda: settled(hl.UP_TO_DATE))
            cam.shoot(win, "sync", "up-to-date")

            _fault(sb.ia_server, operation="*", mode="timeout", delay_seconds=6, count=1)
            win.sync_tab.sync_button.click()
            _wait(app, lambda: win.health.health.state == hl.SYNCING)
            _settle(app, 0.5)
            cam.shoot(win, "sync", "syncing")
            _wait(app, lambda: win.sync_tab.sync_button.isEnabled() and not settled(hl.SYNCING))

            port = sb.ia_server.port
            sb.ia_server.stop()
            _sync(app, win)
            _wait(app, lambda: settled(hl.FAILING))
            cam.shoot(win, "sync", "failing")
            sb.ia_server = EmulatorServer(sb.intacct, "127.0.0.1", port).start()

            sf, ia = sf_connector(sb), ia_connector(sb)
            made = sf.client.create_many("Account", [{"Name": "Northwind Traders", "AccountNumber": "SHOTCF"}])[0]
            created = _sync(app, win)
            assert sf.client.update_many("Account", [{"Id": made.id, "Name": "Northwind Traders Ltd"}])[0].success
            assert ia.client.call([update("CUSTOMER", {"CUSTOMERID": "SHOTCF", "NAME": "Northwind Trading"})])[0].ok
            city = {"MAILADDRESS": {"CITY": "Llanfairpwllgwyngyllgogerychwyrndrobwllllantysiliogogogoch"}}
            body = {"CUSTOMERID": "C-SHOT", "NAME": "Long City Co", "DISPLAYCONTACT": city}
            assert ia.client.call([create("CUSTOMER", body)])[0].ok
            sf.client.close()
            _sync(app, win)
            _wait(app, lambda: settled(hl.ATTENTION) and bool(win.sync_tab.errors.rows))
            _wait(app, lambda: bool(win.sync_tab.conflicts.rows))
            cam.shoot(win, "sync", "needs-attention")
            parts = win.sync_tab.parts
            parts.setCurrentWidget(win.sync_tab.errors_box)
            win.sync_tab.errors_view.selectRow(0)
            cam.shoot(win, "sync", "error-inbox")
            parts.setCurrentWidget(win.sync_tab.conflicts_box)
            win.sync_tab.conflicts_view.selectRow(0)
            cam.shoot(win, "sync", "conflicts")
            parts.setCurrentWidget(win.sync_tab.runs_box)

            win.menus.pause_resume.trigger()
            _wait(app, lambda: settled(hl.PAUSED))
            cam.shoot(win, "sync", "paused")

            win.sync_tab.open_detail(created.run_id)
            detail = win.sync_tab.detail
            _wait(app, lambda: detail.loaded)
            cam.shoot(win, "sync", "run-detail", dialog=detail)
            detail.close()

            inv = win.invoices_tab
            win.tabs.setCurrentWidget(inv)
            inv.search()
            _wait(app, lambda: win.runner.idle and inv.model.rowCount() > 0)
            cam.shoot(win, "invoices", "search")

            cust = win.customer_tab  # the customer of an overdue invoice, after finance moved it in Intacct
            late = next(r for r in inv.model.rows if r.get("overdue"))
            win.menus.pause_resume.trigger()  # resumed: the refresh is a job of the sync worker
            _wait(app, lambda: win.worker.state == "idle" and not win.health._reading, timeout=120)
            moved = {"MAILADDRESS": {"CITY": "Shelbyville"}}
            assert ia.client.call([update("CUSTOMER", {"CUSTOMERID": late["customer_id"], "DISPLAYCONTACT": moved})])
            win.tabs.setCurrentWidget(cust)
            cust.search.setText(late["number"])
            cust.find()
            _wait(app, lambda: win.runner.idle and cust.page is not None)
            cust.refresh_button.click()
            _wait(app, lambda: win.runner.idle and bool((cust.page or {}).get("refresh_cost")), timeout=120)
            cam.shoot(win, "customers", "fields")
            cust.sections.setCurrentIndex(2)
            cam.shoot(win, "customers", "invoices")
            pipe = win.pipeline_tab
            win.tabs.setCurrentWidget(pipe)
            pipe.refresh()
            _wait(app, lambda: win.runner.idle and pipe.pipeline is not None)
            cam.shoot(win, "pipeline", "refresh")
            _restore_choose(app, cam, win)
            _move_choose(app, cam, win)
            _rules_edit(app, cam, win)
        finally:
            win.close()
        _background_confirm(app, cam)
        _service(app, cam)


def _restore_choose(app: Any, cam: Camera, win: Any) -> None:
    """File > Restore the sync state from a backup…: the backups kept, each checked, one to choose."""
    from sfintacct_desktop.app import gui_support as gs

    gs.backup_state(win.session)
    _wait(app, lambda: win.runner.idle)
    dialog = win.ask_restore_state()
    _wait(app, lambda: dialog is not None and dialog.model.rowCount() > 0)
    cam.shoot(win, "state", "restore-choose", dialog=dialog)
    dialog.reject()


def _move_choose(app: Any, cam: Camera, win: Any) -> None:
    """File > Move the sync state to another database…: where it lives now, a PostgreSQL address typed."""
    dialog = win.ask_move_state()
    _wait(app, lambda: dialog is not None and dialog.now.text().startswith("Now:"))
    dialog.address.setText("postgresql://sync@db.example.com:5432/sfintacct")
    cam.shoot(win, "state", "move-choose", dialog=dialog)
    dialog.reject()


def _rules_edit(app: Any, cam: Camera, win: Any) -> None:
    """Connections > Sync rules…: the customers' fields and owners, the phone being handed to Intacct."""
    conn = win.connections_tab
    win.tabs.setCurrentWidget(conn)
    dialog = conn.open_rules("sandbox")
    _wait(app, lambda: dialog.rules is not None and not dialog.busy)
    phone = next(i for i, row in enumerate(dialog.pages["customer"].rows) if row.name == "phone")
    combo = dialog.pages["customer"].owners[phone]
    combo.setCurrentIndex(combo.findData("intacct"))
    cam.shoot(win, "connections", "sync-rules", dialog=dialog)
    dialog.reject()


def _background_confirm(app: Any, cam: Camera) -> None:
    """File > Sync in the background…: what the operator confirms before the service takes over."""
    from sfintacct_desktop.gui.main_window import MainWindow

    win = MainWindow("sandbox")
    win.show()
    try:
        _wait(app, lambda: win.health.facts.state == "idle" and not win.health._reading)
        box = win.ask_background_start()
        cam.shoot(win, "service", "confirm", dialog=box)
        if box is not None:
            box.reject()
    finally:
        win.close()


def _service(app: Any, cam: Camera) -> None:
    """A real background service holds the profile: the window shows its banner, then says when it stops."""
    import signal
    import subprocess

    from sfintacct_desktop.app.service_channel import ServiceRefused, ServiceUnavailable, ask
    from sfintacct_desktop.gui.main_window import MainWindow
    from tests.support.cli_env import REPO, cli_env
    from tests.support.file_keyring import ENV_FILE

    def ready() -> bool:
        try:
            row = ask("status", "sandbox")["profiles"][0]
        except (ServiceUnavailable, ServiceRefused):
            return False
        return bool(row["state"] == "idle" and row["last_run"] is not None)

    env = cli_env(Path(os.environ["SFINTACCT_HOME"]), Path(os.environ[ENV_FILE]))
    argv = [sys.executable, "-m", "sfintacct_desktop.cli", "service", "run", "--interval", "3600"]
    service = subprocess.Popen(  # noqa: S603 - our own interpreter and module, fixed arguments
        argv, env=env, cwd=str(REPO), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
    )
    win = None
    try:
        _wait(app, ready, timeout=180)
        win = MainWindow("sandbox")
        win.show()
        _wait(app, lambda: win.health.facts.state == "idle" and not win.health._reading)
        win.tabs.setCurrentWidget(win.sync_tab)
        cam.shoot(win, "service", "attached")
        service.send_signal(signal.SIGTERM)
        service.wait(120)
        _wait(app, win.service_banner.take_over_button.isVisible, timeout=60)
        _settle(app, 0.5)
        cam.shoot(win, "service", "stopped")
    finally:
        if win is not None:
            win.close()
        if service.poll() is None:
            service.kill()
            service.wait(120)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import keyring

    from tests.support.file_keyring import ENV_FILE, FileKeyring

    os.environ.setdefault(ENV_FILE, str(Path(tempfile.mkdtemp(prefix="sfintacct-keyring-")) / "keyring.json"))
    keyring.set_keyring(FileKeyring())  # the sandbox's passwords never reach this machine's keyring
    for p in shoot(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT):
        print(p)
