"""The window meets a damaged, locked or missing state store: a page with title, message and hint, no crash.

The hint names the page's buttons (never a command); Restore backup, Rebuild from both systems and
Try again fix the problem from the window, after which the main window opens.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import requests

from sfintacct_desktop.config.profiles import update_state_marker
from sfintacct_desktop.gui.app import Launcher
from sfintacct_desktop.gui.main_window import MainWindow
from sfintacct_desktop.gui.startup import StartupProblemWindow
from sfintacct_desktop.store import backups
from sfintacct_sandbox.runner import Sandbox
from tests.support.damage import garble_header, make_store, stale_lock


@pytest.fixture
def db(home: Path, sandbox: Sandbox) -> Path:
    update_state_marker("sandbox", synced_before="2025-01-02T03:04:05+00:00")
    return home / "data" / "state" / "sandbox.sqlite3"


def writes(sb: Sandbox) -> tuple[int, int]:
    return tuple(  # type: ignore[return-value]
        int(requests.get(f"{u}/__sandbox__/stats", timeout=10).json()["writes"])
        for u in (sb.sf_server.url, sb.ia_server.url)
    )


def close_all(qtbot, launcher: Launcher, before: set[int | None]) -> None:  # type: ignore[no-untyped-def]
    if launcher.window is not None:
        launcher.window.close()
        assert not launcher.window.worker.is_alive()
    if launcher.page is not None:
        launcher.page.close()
    qtbot.waitUntil(lambda: {t.ident for t in threading.enumerate()} <= before, timeout=20_000)


def test_a_damaged_store_shows_the_problem_and_restore_backup_fixes_it(qtbot, db: Path) -> None:  # type: ignore[no-untyped-def]
    before = {t.ident for t in threading.enumerate()}
    make_store(db)
    good = backups.take_backup(db, backups.DAILY)
    garble_header(db)
    launcher = Launcher("sandbox")
    page = launcher.start()
    qtbot.addWidget(page)
    try:
        assert isinstance(page, StartupProblemWindow) and page.isVisible() and launcher.window is None
        assert page.error.title.text() == "The sync state of profile sandbox is damaged"
        message, hint = page.error.message.text(), page.error.hint.text()
        assert str(db) in message and "not a SQLite database" in message
        assert "Restore backup" in hint and good.name in hint and "Rebuild from both systems" in hint
        assert "sfintacct" not in hint and "`" not in hint  # the window names buttons, never commands
        assert page.restore_button.isVisible() and page.rebuild_button.isVisible()
        page.restore_button.click()
        qtbot.waitUntil(lambda: launcher.window is not None, timeout=30_000)
        assert isinstance(launcher.window, MainWindow) and launcher.window.isVisible()
        assert not page.isVisible()
        assert [p for p in db.parent.iterdir() if ".damaged-" in p.name]  # kept, not deleted
    finally:
        close_all(qtbot, launcher, before)


def test_a_locked_store_offers_try_again(qtbot, db: Path) -> None:  # type: ignore[no-untyped-def]
    before = {t.ident for t in threading.enumerate()}
    make_store(db)
    launcher = Launcher("sandbox")
    with stale_lock(db):
        page = launcher.start()
        qtbot.addWidget(page)
    try:
        assert isinstance(page, StartupProblemWindow)
        assert page.error.title.text() == "The sync state of profile sandbox is locked"
        assert "Try again" in page.error.hint.text() and "`" not in page.error.hint.text()
        assert not page.restore_button.isVisible() and not page.rebuild_button.isVisible()
        page.retry_button.click()  # the stopped process is gone now
        qtbot.waitUntil(lambda: launcher.window is not None, timeout=30_000)
    finally:
        close_all(qtbot, launcher, before)


def test_a_missing_store_is_rebuilt_from_both_systems_without_a_write(qtbot, db: Path, sandbox: Sandbox) -> None:  # type: ignore[no-untyped-def]
    before_threads = {t.ident for t in threading.enumerate()}
    launcher = Launcher("sandbox")
    page = launcher.start()
    qtbot.addWidget(page)
    try:
        assert isinstance(page, StartupProblemWindow) and not db.exists()
        assert page.error.title.text() == "The sync state of profile sandbox is missing"
        assert "No backup" in page.error.hint.text() and not page.restore_button.isVisible()
        before = writes(sandbox)
        page.rebuild_button.click()
        qtbot.waitUntil(lambda: launcher.window is not None, timeout=60_000)
        assert writes(sandbox) == before
        assert db.exists() and db.stat().st_mode & 0o777 == 0o600
    finally:
        close_all(qtbot, launcher, before_threads)


def test_a_new_store_facing_already_linked_systems_offers_rebuild(qtbot, home: Path, sandbox: Sandbox) -> None:  # type: ignore[no-untyped-def]
    """No marker, no store, but an earlier installation left cross-references: refused before any sync."""
    from tests.support.sync_env import ia_connector, sf_connector

    sf, ia = sf_connector(sandbox), ia_connector(sandbox)
    account = sf.client.query_all("SELECT Id FROM Account ORDER BY Name LIMIT 1")[0]["Id"]
    customer = next(c for page in ia.read_customers() for c in page)
    assert sf.client.update_many("Account", [{"Id": account, "Intacct_Customer_ID__c": customer.key}])[0].success
    before_threads = {t.ident for t in threading.enumerate()}
    launcher = Launcher("sandbox")
    page = launcher.start()
    qtbot.addWidget(page)
    try:
        assert isinstance(page, StartupProblemWindow)
        assert page.error.title.text() == "Salesforce and Intacct are already linked"
        assert account in page.error.message.text() and customer.key in page.error.message.text()
        assert "Rebuild from both systems" in page.error.hint.text() and page.rebuild_button.isVisible()
        page.rebuild_button.click()
        qtbot.waitUntil(lambda: launcher.window is not None, timeout=60_000)
        assert isinstance(launcher.window, MainWindow)
    finally:
        sf.client.close()
        close_all(qtbot, launcher, before_threads)
