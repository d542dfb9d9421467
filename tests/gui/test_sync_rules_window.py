"""Connections > Sync rules…: an operator changes who owns a field and what syncs, and the running
sync follows from its next run (real window offscreen, real sync against the sandbox emulators)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox

from sfintacct_desktop.engine.mapping import Owner, load_mapping
from sfintacct_desktop.gui.main_window import MainWindow
from sfintacct_desktop.gui.sync_rules_dialog import SyncRulesDialog
from sfintacct_desktop.wire.intacct import update
from sfintacct_sandbox.runner import Sandbox
from tests.gui.helpers import apply_baseline, sync_once
from tests.support.sync_env import ia_connector, sf_connector


def _ok(qtbot: Any, win: MainWindow) -> Any:
    summary = sync_once(qtbot, win).summary
    assert summary.status == "ok", summary.error
    return summary


def _open(qtbot: Any, win: MainWindow) -> SyncRulesDialog:
    tab = win.connections_tab
    win.tabs.setCurrentWidget(tab)
    items = [tab.manage.list.item(i) for i in range(tab.manage.list.count())]
    tab.manage.list.setCurrentItem(next(i for i in items if i.data(Qt.ItemDataRole.UserRole) == "sandbox"))
    assert tab.manage.rules_button.isEnabled()
    tab.manage.rules_button.click()
    dialog = tab.rules_dialog
    assert isinstance(dialog, SyncRulesDialog) and dialog.isVisible()
    qtbot.waitUntil(lambda: dialog.rules is not None and not dialog.busy, timeout=10_000)
    assert dialog.save_button.isEnabled() and dialog.reset_button.isEnabled()
    return dialog


def _row(dialog: SyncRulesDialog, entity: str, label: str) -> int:
    page = dialog.pages[entity]
    return next(r for r in range(page.table.rowCount()) if page.table.item(r, 0).text() == label)


def _set_owner(dialog: SyncRulesDialog, entity: str, label: str, owner: str) -> None:
    combo: QComboBox = dialog.pages[entity].owners[_row(dialog, entity, label)]
    combo.setCurrentIndex(combo.findData(owner))


def test_an_owner_and_a_field_changed_in_the_window_apply_to_the_next_run(
    qtbot: Any, window: MainWindow, sandbox: Sandbox, home: Path
) -> None:
    apply_baseline()
    sf, ia = sf_connector(sandbox), ia_connector(sandbox)
    acc = sf.client.create_many(
        "Account",
        [{"Name": "Rules Co", "AccountNumber": "RULES1", "Phone": "+1 415 555 0101", "Website": "https://one.example"}],
    )[0]
    assert acc.success, acc
    _ok(qtbot, window)  # linked, with the phone and website copied to Intacct
    cust = ia.customers_by_ids(["RULES1"])[0]
    assert cust.phone.endswith("0101") and "one.example" in cust.website

    dialog = _open(qtbot, window)
    assert "uses the shipped rules" in dialog.where.text()
    page = dialog.pages["customer"]
    name_tick = page.table.item(_row(dialog, "customer", "Name"), 3)
    assert not name_tick.flags() & Qt.ItemFlag.ItemIsUserCheckable  # the name always syncs
    _set_owner(dialog, "customer", "Phone", "intacct")
    page.table.item(_row(dialog, "customer", "Website"), 3).setCheckState(Qt.CheckState.Unchecked)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=10_000)
    box = window.connections_tab.rules_box
    assert box is not None and box.isVisible()
    assert "Phone is now owned by Intacct" in box.text() and "Website no longer syncs" in box.text()
    path = home / "config" / "mappings" / "sandbox.toml"
    assert str(path) in box.text() or path.exists()
    mapping = load_mapping(next(home.rglob("mappings/sandbox.toml")))
    assert mapping.customer.field("phone").owner is Owner.INTACCT and "website" not in mapping.customer.names

    # Sales edits both fields; the worker's engine was built before the save and must follow the file.
    sf.client.update_many("Account", [{"Id": acc.id, "Phone": "+1 415 555 0202", "Website": "https://two.example"}])
    _ok(qtbot, window)
    cust = ia.customers_by_ids(["RULES1"])[0]
    assert cust.phone.endswith("0101"), "Intacct owns the phone now: a Salesforce change is not copied"
    assert "one.example" in cust.website, "the website no longer syncs"
    account = sf.client.query_all(f"SELECT Phone, Website FROM Account WHERE Id = '{acc.id}'")[0]
    assert account["Phone"].endswith("0101"), "the non-owner side's change is put back"
    assert "two.example" in account["Website"]

    # Finance changes the phone in Intacct: it still travels to Salesforce.
    assert ia.client.call(
        [update("CUSTOMER", {"CUSTOMERID": "RULES1", "DISPLAYCONTACT": {"PHONE1": "+1 415 555 0303"}})]
    )[0].ok
    _ok(qtbot, window)
    account = sf.client.query_all(f"SELECT Phone FROM Account WHERE Id = '{acc.id}'")[0]
    assert account["Phone"].endswith("0303")


def test_a_bad_id_pattern_is_marked_and_nothing_is_saved(qtbot: Any, window: MainWindow, home: Path) -> None:
    dialog = _open(qtbot, window)
    dialog.tabs.setCurrentIndex(0)
    dialog.pages["product"].pattern.setText("ITEM {seq}")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: not dialog.busy and dialog.pages["product"].pattern_error.isVisible(), timeout=10_000)
    assert "The pattern 'ITEM {seq}': it gives 'ITEM 1'" in dialog.pages["product"].pattern_error.text()
    assert dialog.tabs.currentWidget() is dialog.pages["product"] and dialog.isVisible()
    assert "Nothing was saved" in dialog.status.text()
    assert not list(home.rglob("mappings/sandbox.toml"))
    dialog.reject()
