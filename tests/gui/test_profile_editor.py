"""Profiles from the window: add (a bad value refused at its field), test unsaved, save, edit, remove.

Everything runs over real HTTP against the sandbox fixture's emulators: the profile is a real
(non-sandbox) one whose addresses are the emulators' loopback URLs, its secrets in the test keyring.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication

from sfintacct_desktop.config import profiles as cfg
from sfintacct_desktop.gui.connections_tab import ConnectionsTab
from sfintacct_desktop.gui.main_window import MainWindow
from sfintacct_desktop.gui.profile_editor import ProfileEditor
from sfintacct_desktop.gui.task_runner import TaskRunner
from sfintacct_sandbox import credentials as cred
from sfintacct_sandbox.runner import Sandbox, SandboxOptions
from tests.gui.helpers import choose_profile

SHOTS = Path("/tmp/i12shots")
OMITTED_SF = ("Account.Intacct_Customer_ID__c", "Intacct_Payment__c")
OMITTED_IA = ("CUSTOMER.SFDC_ACCOUNT_ID",)


def _keyring(home: Path) -> dict:
    path = home.parent / "keyring.json"
    return json.loads(path.read_text()) if path.exists() else {}


def fill(editor: ProfileEditor, sandbox: Sandbox, name: str = "acme") -> None:
    """The form as an operator types it for a SOAP login to the emulated org."""
    values = {
        "name": name,
        "sf.auth_method": "soap",
        "sf.host_kind": "url",
        "sf.host_value": sandbox.salesforce_url,
        "sf.username": cred.SF_USERNAME,
        "salesforce.password": cred.SF_PASSWORD,
        "salesforce.security_token": cred.SF_SECURITY_TOKEN,
        "ia.endpoint": sandbox.intacct_url,
        "ia.sender_id": cred.INTACCT_SENDER_ID,
        "intacct.sender_password": cred.INTACCT_SENDER_PASSWORD,
        "ia.company_id": cred.INTACCT_COMPANY_ID,
        "ia.user_id": cred.INTACCT_USER_ID,
        "intacct.user_password": cred.INTACCT_USER_PASSWORD,
    }
    for key, value in values.items():
        editor.set_value(key, value)


def shoot(widget, name: str) -> None:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(exist_ok=True)
    for size in ((1280, 800), (1024, 640)):
        widget.resize(*size)
        QApplication.processEvents()  # the layout follows the new size before the picture is taken
        if isinstance(widget, ProfileEditor) and widget.last_test is not None:
            widget.show_result_in_sight()
        widget.grab().save(str(SHOTS / f"{name}-{size[0]}x{size[1]}.png"))


def test_add_test_edit_and_remove_a_profile_from_the_window(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, sandbox: Sandbox, home: Path
) -> None:
    tab = window.connections_tab
    assert window.kind_badge.text() == "Sandbox"
    tab.manage.add_button.click()
    editor = tab.editor
    assert isinstance(editor, ProfileEditor) and editor.isVisible()
    assert editor.value("sf.auth_method") == "web"  # Sign in with Salesforce is the default login
    qtbot.waitUntil(lambda: editor.keyring_badge.text() != "Checking…", timeout=10_000)
    assert editor.keyring_badge.text() == "Secure"
    shoot(editor, "editor-empty")
    fill(editor, sandbox)
    editor.set_value("sf.api_version", "sixty")  # a bad value: refused next to its field, nothing saved
    editor.save_button.click()
    qtbot.waitUntil(lambda: not editor.busy and editor.errors["sf.api_version"].isVisible(), timeout=10_000)
    assert "not an API version" in editor.errors["sf.api_version"].text()
    assert not any(editor.errors[k].isVisible() for k in editor.errors if k != "sf.api_version")
    assert "acme" not in cfg.list_profiles() and editor.isVisible()
    shoot(editor, "editor-field-error")
    editor.set_value("sf.api_version", "66.0")
    shoot(editor, "editor-filled")

    editor.test_button.click()  # the unsaved settings, against both emulators
    qtbot.waitUntil(lambda: not editor.busy and editor.summary.badges["intacct"].text() != "Testing…", timeout=60_000)
    assert editor.summary.badges["salesforce"].text().startswith("OK"), editor.summary.errors[
        "salesforce"
    ].message.text()
    assert editor.summary.badges["intacct"].text() == "OK"
    assert "Nothing to set up" in editor.checklist.summary.text()
    assert "acme" not in cfg.list_profiles()  # testing saved nothing
    qtbot.waitUntil(lambda: editor.scroll.verticalScrollBar().value() > 0, timeout=5_000)  # the result in sight
    shoot(editor, "editor-tested")

    editor.save_button.click()  # saved, and the window opens the new profile
    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=10_000)
    assert cfg.get_profile("acme")["salesforce"]["auth_method"] == "soap"
    assert _keyring(home)["sfintacct-desktop:acme"]["salesforce.password"] == cred.SF_PASSWORD
    qtbot.waitUntil(lambda: window.session.name == "acme" and window.switching is None, timeout=60_000)
    assert window.kind_badge.text() == "Production"
    shoot(window, "main-production")

    tab.manage.fill([{"name": n, "kind": k} for n, k in tab.manage.kinds.items()], keep="acme")
    tab.manage.edit_button.click()  # edit the profile in use: secrets stay, the window reopens it
    editor = tab.editor
    qtbot.waitUntil(lambda: not editor.busy and editor.value("name") == "acme", timeout=10_000)
    assert editor.value("sf.username") == cred.SF_USERNAME and editor.value("salesforce.password") == ""
    editor.set_value("ia.timezone", "America/New_York")
    editor.save_button.click()
    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=10_000)
    assert cfg.get_profile("acme")["intacct"]["timezone"] == "America/New_York"
    assert _keyring(home)["sfintacct-desktop:acme"]["salesforce.password"] == cred.SF_PASSWORD
    qtbot.waitUntil(lambda: window.session.name == "acme" and window.switching is None, timeout=60_000)
    assert window.session.profile.intacct.timezone == "America/New_York"

    tab.manage.remove_button.click()  # the profile in use cannot be removed
    assert "open in the window" in tab.manage.note.text() and tab.confirm is None
    choose_profile(qtbot, window, "sandbox")
    assert window.kind_badge.text() == "Sandbox"
    tab.manage.fill([{"name": n, "kind": k} for n, k in tab.manage.kinds.items()], keep="acme")
    tab.manage.remove_button.click()
    box = tab.confirm
    assert box is not None and "acme" in box.text()
    remove = next(b for b in box.buttons() if b.text() == "Remove")
    remove.click()
    qtbot.waitUntil(lambda: "acme" not in tab.manage.kinds, timeout=20_000)
    assert "acme" not in cfg.list_profiles() and not _keyring(home).get("sfintacct-desktop:acme")
    assert tab.profiles.findText("acme") < 0


def test_a_bad_name_and_a_missing_secret_are_refused_at_their_fields(
    qtbot, window: MainWindow, sandbox: Sandbox
) -> None:  # type: ignore[no-untyped-def]
    editor = window.connections_tab.open_editor(None)
    fill(editor, sandbox, name="sandbox")
    editor.set_value("intacct.user_password", "")
    editor.test_button.click()
    qtbot.waitUntil(lambda: not editor.busy and editor.errors["name"].isVisible(), timeout=10_000)
    assert "belongs to the demo sandbox" in editor.errors["name"].text()
    editor.set_value("name", "acme")
    editor.test_button.click()
    qtbot.waitUntil(lambda: not editor.busy and editor.errors["intacct.user_password"].isVisible(), timeout=10_000)
    assert not editor.errors["name"].isVisible()
    assert "Intacct user password is needed" in editor.errors["intacct.user_password"].text()
    editor.reject()


def test_profiles_added_and_removed_outside_the_window_appear_without_a_restart(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, sandbox: Sandbox
) -> None:
    tab = window.connections_tab
    info = sandbox.connection_info("cli-added")
    cfg.save_profile("cli-added", {"kind": "sandbox", "salesforce": info["salesforce"], "intacct": info["intacct"]})
    qtbot.waitUntil(lambda: tab.profiles.findText("cli-added") >= 0, timeout=10_000)
    assert "cli-added" in tab.manage.kinds and tab.profile == "sandbox"  # the window stays where it is
    cfg.remove_profile("cli-added")
    qtbot.waitUntil(lambda: tab.profiles.findText("cli-added") < 0, timeout=10_000)
    assert "cli-added" not in tab.manage.kinds


@pytest.fixture
def bare(home: Path) -> Iterator[str]:
    """An org and a company that lack some of the sync's fields, as a profile of the sandbox kind."""
    options = SandboxOptions(
        seed="empty", salesforce_options={"omit_fields": OMITTED_SF}, intacct_options={"omit_fields": OMITTED_IA}
    )
    with Sandbox(options) as running:
        info = running.connection_info("bare")
        cfg.save_profile("bare", {"kind": "sandbox", "salesforce": info["salesforce"], "intacct": info["intacct"]})
        yield "bare"


def test_the_setup_checklist_names_each_missing_field_and_what_to_do(qtbot, bare: str) -> None:  # type: ignore[no-untyped-def]
    before = {t.ident for t in threading.enumerate()}
    runner = TaskRunner()
    tab = ConnectionsTab(runner, bare)
    qtbot.addWidget(tab)
    tab.show()
    tab.test_button.click()
    qtbot.waitUntil(lambda: bool(tab.checklist.items), timeout=60_000)
    items = {i["item"].split(" ")[0]: i for i in tab.checklist.items}
    assert set(items) == {"Account.Intacct_Customer_ID__c", "Intacct_Payment__c", "CUSTOMER.SFDC_ACCOUNT_ID"}
    assert items["Intacct_Payment__c"]["status"] == "Missing object"
    assert "Intacct_Record_No__c" in items["Intacct_Payment__c"]["item"]
    assert "resources/salesforce" in items["Account.Intacct_Customer_ID__c"]["todo"]
    assert "add the custom field SFDC_ACCOUNT_ID to CUSTOMER" in items["CUSTOMER.SFDC_ACCOUNT_ID"]["todo"]
    assert all("sfintacct " not in i["todo"] and "`" not in i["todo"] for i in tab.checklist.items)
    assert tab.checklist.summary.text().startswith("3 to set up (2 stop the sync, 1 limit")
    sf = tab.panels["salesforce"]
    assert sf.badge.text() == "FAILED" and sf.error.isHidden()  # the checklist, not a command, says what to do
    assert "see the setup checklist below" in sf.warnings.text()
    shoot(tab, "checklist")
    runner.shutdown()
    tab.close()
    qtbot.waitUntil(lambda: {t.ident for t in threading.enumerate()} <= before, timeout=20_000)


def test_renaming_a_profile_not_in_use_moves_its_secrets(
    qtbot, window: MainWindow, sandbox: Sandbox, home: Path
) -> None:  # type: ignore[no-untyped-def]
    editor = window.connections_tab.open_editor(None)
    fill(editor, sandbox, name="acme")
    editor.save_button.click()
    qtbot.waitUntil(lambda: window.session.name == "acme" and window.switching is None, timeout=60_000)
    choose_profile(qtbot, window, "sandbox")
    editor = window.connections_tab.open_editor("acme")
    qtbot.waitUntil(lambda: not editor.busy and editor.value("name") == "acme", timeout=10_000)
    editor.set_value("name", "acme-eu")
    editor.save_button.click()
    qtbot.waitUntil(lambda: not editor.isVisible(), timeout=10_000)
    assert "acme" not in cfg.list_profiles() and "acme-eu" in cfg.list_profiles()
    keys = _keyring(home)
    assert keys["sfintacct-desktop:acme-eu"]["intacct.user_password"] == cred.INTACCT_USER_PASSWORD
    assert not keys.get("sfintacct-desktop:acme")
    qtbot.waitUntil(lambda: window.connections_tab.profiles.findText("acme-eu") >= 0, timeout=10_000)
    assert window.session.name == "sandbox"  # renaming another profile leaves the window where it is
    cfg.update_state_marker("acme-eu", synced_before="2026-01-02T03:04:05+00:00")
    editor = window.connections_tab.open_editor("acme-eu")
    qtbot.waitUntil(lambda: not editor.busy and editor.value("name") == "acme-eu", timeout=10_000)
    editor.set_value("name", "acme-us")
    editor.save_button.click()  # a profile that synced keeps its name: its links live under it
    qtbot.waitUntil(lambda: not editor.busy and editor.errors["name"].isVisible(), timeout=10_000)
    assert "has a sync state" in editor.errors["name"].text() and "acme-us" not in cfg.list_profiles()
    editor.reject()


def test_an_insecure_keyring_is_refused_with_the_window_hint(qtbot, window: MainWindow, sandbox: Sandbox) -> None:  # type: ignore[no-untyped-def]
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())  # the home fixture puts the test keyring back afterwards
    editor = window.connections_tab.open_editor(None)
    qtbot.waitUntil(lambda: editor.keyring_badge.text() != "Checking…", timeout=10_000)
    assert editor.keyring_badge.text() == "Not secure" and editor.keyring_badge.tone == "error"
    assert "keyring.backends.fail.Keyring" in editor.keyring_text.text()
    fill(editor, sandbox)
    editor.save_button.click()
    error = editor.errors["credential_backend"]
    qtbot.waitUntil(lambda: not editor.busy and error.isVisible(), timeout=10_000)
    assert "Nothing was saved: No recommended keyring backend" in error.text()
    hint = editor.keyring_text.text()
    assert "What to do: Unlock or start the desktop's keyring" in hint and "'Encrypted file'" in hint
    assert "dbus-run-session" not in hint and "`" not in hint  # no command to type
    assert "acme" not in cfg.list_profiles()
    shoot(editor, "editor-insecure-keyring")
    editor.reject()
