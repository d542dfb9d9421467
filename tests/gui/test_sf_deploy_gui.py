"""Deploy to Salesforce from the setup checklist: check-only first, the result shown, a confirmation,
the deploy, then the connection tested again. Real HTTP against an org that lacks fields.
(scripts/screenshot_gui.py renders the same path: connections-deploy-check, connections-deployed.)"""

from __future__ import annotations

import threading

from sfintacct_desktop.gui.connections_tab import ConnectionsTab
from sfintacct_desktop.gui.task_runner import TaskRunner
from tests.gui.test_profile_editor import bare  # noqa: F401  (the fixture: an org and a company lacking fields)


def test_deploy_from_the_checklist_checks_asks_deploys_and_tests_again(qtbot, bare: str) -> None:  # noqa: F811  # type: ignore[no-untyped-def]
    before = {t.ident for t in threading.enumerate()}
    runner = TaskRunner()
    tab = ConnectionsTab(runner, bare)
    qtbot.addWidget(tab)
    tab.show()
    tab.test_button.click()
    qtbot.waitUntil(lambda: bool(tab.checklist.items), timeout=60_000)
    button = tab.checklist.deploy_button
    assert button.isVisible() and button.accessibleName() == "Deploy to Salesforce"
    todo = next(i["todo"] for i in tab.checklist.items if i["item"].startswith("Account.Intacct_Customer_ID__c"))
    assert "Press Deploy to Salesforce below" in todo
    intacct = next(i for i in tab.checklist.items if i["system"] == "Intacct")
    assert "type Text, length 18, label Salesforce Account ID, field ID SFDC_ACCOUNT_ID" in intacct["todo"]

    button.click()  # the check: nothing changes yet
    qtbot.waitUntil(lambda: tab.confirm is not None, timeout=60_000)
    note = tab.checklist.deploy_note.text()
    assert note.startswith("Check passed: all ") and "nothing was changed" in note
    assert "Would create field Account.Intacct_Customer_ID__c" in note
    box = tab.confirm
    assert box is not None and "Deploy these" in box.text()
    next(b for b in box.buttons() if b.text() == "Deploy").click()

    qtbot.waitUntil(lambda: tab.checklist.deploy_note.text().startswith("Deployed all "), timeout=60_000)
    qtbot.waitUntil(lambda: runner.idle and tab.test_button.isEnabled(), timeout=60_000)  # tested again
    assert [i["system"] for i in tab.checklist.items] == ["Intacct"]  # Salesforce has everything now
    assert not tab.checklist.deploy_button.isVisible()
    assert tab.panels["salesforce"].badge.text() == "OK"
    runner.shutdown()
    tab.close()
    qtbot.waitUntil(lambda: {t.ident for t in threading.enumerate()} <= before, timeout=20_000)
