"""One session for the whole window: choosing another profile switches every tab, the title and the status.

Two profiles on two separate emulator pairs: ``sandbox`` (the demo company, synced here first) and
``acme`` (a real-kind profile with its secrets in the keyring, never synced). Everything runs over
real HTTP against the emulators; only the keyring is a test double that counts its reads.
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from sfintacct_desktop.app import profiles as app_profiles
from sfintacct_desktop.app.inbox import SyncState
from sfintacct_desktop.gui.baseline_tab import PLAN, REVIEW
from sfintacct_desktop.gui.main_window import MainWindow
from sfintacct_sandbox import credentials as cred
from sfintacct_sandbox.runner import Sandbox, SandboxOptions
from tests.gui.helpers import apply_baseline, choose_profile, sync_once
from tests.support.file_keyring import FileKeyring

ACME_SECRETS = {
    "salesforce.password": cred.SF_PASSWORD,
    "salesforce.security_token": cred.SF_SECURITY_TOKEN,
    "intacct.sender_password": cred.INTACCT_SENDER_PASSWORD,
    "intacct.user_password": cred.INTACCT_USER_PASSWORD,
}


class CountingKeyring(FileKeyring):
    """The test keyring file, counting each read by key (never the machine's keyring)."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: Counter[str] = Counter()

    def get_password(self, service: str, username: str) -> str | None:
        self.reads[f"{service}/{username}"] += 1
        return super().get_password(service, username)


@pytest.fixture
def counting(home: Path) -> Iterator[CountingKeyring]:
    backend = CountingKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def acme(sandbox: Sandbox, counting: CountingKeyring) -> Iterator[str]:
    """A second company on emulators of its own, as a real profile (password login, secrets in the keyring)."""
    other = Sandbox(SandboxOptions(seed="demo")).start()
    try:
        settings = {
            "salesforce": {"auth_method": "soap", "login_host": other.salesforce_url, "username": cred.SF_USERNAME,
                           "consumer_key": cred.SF_CONSUMER_KEY},
            "intacct": {"endpoint": other.intacct_url, "sender_id": cred.INTACCT_SENDER_ID,
                        "company_id": cred.INTACCT_COMPANY_ID, "user_id": cred.INTACCT_USER_ID},
        }  # fmt: skip
        app_profiles.add_profile("acme", settings, lambda spec: ACME_SECRETS.get(spec.key))
        counting.reads.clear()
        yield "acme"
    finally:
        other.stop()


def _acme_reads(backend: CountingKeyring) -> dict[str, int]:
    """Reads of acme's secrets, by key (the refresh token of a browser sign-in is not one of them)."""
    return {key: n for key, n in backend.reads.items() if key.startswith("sfintacct-desktop:acme/")}


def _run_count(profile: str) -> int:
    with SyncState.open(profile) as state:
        return len(state.status(50)["runs"])


def test_choosing_a_profile_switches_every_tab_the_title_and_the_status(  # type: ignore[no-untyped-def]
    qtbot, sandbox: Sandbox, acme: str, tmp_path: Path
) -> None:
    before = {t.ident for t in threading.enumerate()}
    win = MainWindow("sandbox")
    win.resize(1280, 800)
    win.show()
    try:
        qtbot.waitUntil(lambda: win.health.facts.state == "idle", timeout=20_000)  # the worker is ready
        # The first profile has data in every tab: a sync, invoices, a baseline plan under review.
        apply_baseline()
        sync_once(qtbot, win)
        qtbot.waitUntil(lambda: win.sync_tab.runs.rowCount() > 0, timeout=20_000)
        with qtbot.waitSignal(win.invoices_tab.loaded, timeout=30_000):
            win.invoices_tab.search_button.click()
        assert win.invoices_tab.model.rowCount() > 0
        with qtbot.waitSignal(win.baseline_tab.planned, timeout=120_000):
            win.baseline_tab.plan_button.click()
        assert win.baseline_tab.pages.currentIndex() == REVIEW and win.baseline_tab.model.rowCount() > 0
        sandbox_runs = _run_count("sandbox")
        old_worker = win.worker

        choose_profile(qtbot, win, "acme")

        assert not old_worker.is_alive()  # the first profile's worker stopped and was joined
        assert win.worker is not old_worker and win.worker.is_alive()
        assert win.windowTitle().startswith("sfintacct — acme") and "sandbox" not in win.windowTitle()
        assert win.status.text() == "Profile: acme"
        assert win.session.name == "acme"
        tabs = (win.connections_tab, win.baseline_tab, win.sync_tab, win.invoices_tab)
        assert all(tab.session is win.session for tab in tabs)
        assert win.connections_tab.profile == "acme" and win.connections_tab.switch_note.isHidden()
        assert win.baseline_tab.pages.currentIndex() == PLAN and win.baseline_tab.model.rowCount() == 0
        assert win.baseline_tab.doc is None and win.baseline_tab.worker is win.worker
        assert win.sync_tab.title.text() == "Sync — profile acme" and win.sync_tab.worker is win.worker
        assert win.invoices_tab.model.rowCount() == 0 and win.invoices_tab.worker is win.worker
        qtbot.waitUntil(lambda: win.sync_tab.runs.rowCount() == 0 and not win.sync_tab._refreshing, timeout=20_000)

        # The Sync tab's buttons now drive acme's worker: the run lands in acme's state, not sandbox's.
        sync_once(qtbot, win)
        assert _run_count("acme") == 1 and _run_count("sandbox") == sandbox_runs
        qtbot.waitUntil(lambda: win.sync_tab.runs.rowCount() == 1, timeout=20_000)
        # acme's first run is refused (both sides hold data, no baseline yet): the window says what to
        # press, never what to type
        panel = win.sync_tab.state_reason
        qtbot.waitUntil(lambda: "Baseline" in panel.title.text(), timeout=20_000)
        assert "Baseline tab" in panel.hint.text() and "sfintacct " not in panel.hint.text()
        with qtbot.waitSignal(win.invoices_tab.loaded, timeout=30_000) as loaded:
            win.invoices_tab.search_button.click()
        assert loaded.args[0]["invoices"] == [] and win.invoices_tab.model.rowCount() == 0

        shots = Path(os.environ.get("SFINTACCT_SHOTS_DIR") or tmp_path)  # set it to keep the pictures
        for tab in (win.connections_tab, win.sync_tab):
            win.tabs.setCurrentWidget(tab)
            name = win.tabs.tabText(win.tabs.currentIndex()).lower()
            assert win.grab().save(str(shots / f"after-switch-{name}.png"))
    finally:
        win.close()
    assert not win.worker.is_alive()
    qtbot.waitUntil(lambda: {t.ident for t in threading.enumerate()} <= before, timeout=20_000)


def test_a_session_reads_its_secrets_once_across_a_start_and_a_switch_back(  # type: ignore[no-untyped-def]
    qtbot, acme: str, counting: CountingKeyring
) -> None:
    win = MainWindow("acme")
    win.show()
    try:
        qtbot.waitUntil(lambda: win.worker.state == "idle", timeout=20_000)
        assert _acme_reads(counting) == {}  # opening the window learns the settings without the keyring
        # The first session connects three ways: a connection test, the worker's engine, a sign-in status.
        tab = win.connections_tab
        tab.test_button.click()
        qtbot.waitUntil(lambda: tab.test_button.isEnabled() and tab.panels["salesforce"].badge.text() != "Testing…",
                        timeout=30_000)  # fmt: skip
        assert tab.panels["salesforce"].badge.text().startswith("OK"), tab.panels["salesforce"].error.message.text()
        sync_once(qtbot, win)
        first = _acme_reads(counting)
        assert {f"sfintacct-desktop:acme/{key}" for key in ACME_SECRETS} <= set(first), first
        assert all(n == 1 for n in first.values()), first

        choose_profile(qtbot, win, "sandbox")
        assert _acme_reads(counting) == first  # leaving the profile reads nothing more
        choose_profile(qtbot, win, "acme")
        tab.test_button.click()
        qtbot.waitUntil(lambda: tab.test_button.isEnabled() and tab.panels["salesforce"].badge.text() != "Testing…",
                        timeout=30_000)  # fmt: skip
        sync_once(qtbot, win)
        # The session opened by the switch back read each secret once more, and only once.
        assert all(n == 2 for n in _acme_reads(counting).values()), _acme_reads(counting)
    finally:
        win.close()


def test_a_switch_is_refused_while_a_baseline_load_runs_and_works_after(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, acme: str
) -> None:
    tab = window.baseline_tab
    with qtbot.waitSignal(tab.planned, timeout=120_000):
        tab.plan_button.click()
    tab.accept_all.click()
    chooser = window.connections_tab
    chooser.reload_profiles(chooser.profile)
    with qtbot.waitSignal(tab.applied, timeout=120_000):
        tab.apply_button.click()  # what will be written where, then the load starts on the worker
        tab.confirm_dialog.accept()
        assert tab.applying
        chooser.profiles.setCurrentText("acme")  # the operator picks another profile meanwhile
        assert window.session.name == "sandbox" and window.switching is None
        assert chooser.profile == "sandbox"  # the chooser went back to the profile in use
        text = chooser.switch_note.text()
        assert not chooser.switch_note.isHidden() and "baseline load" in text and "Baseline tab" in text
        assert "sfintacct " not in text  # buttons and tabs, never a command
    assert window.worker.is_alive() and tab.pages.currentIndex() == 3  # the load finished: its report shows
    choose_profile(qtbot, window, "acme")  # now the switch goes through
    assert window.windowTitle().startswith("sfintacct — acme") and chooser.switch_note.isHidden()
