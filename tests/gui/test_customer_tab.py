"""The Customers tab on the demo company: found as typed, its page, a differing field, a live refresh."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from sfintacct_desktop.app.customer_search import AmbiguousCustomer, directory, normalize, resolve
from sfintacct_desktop.app.inbox import SyncState
from sfintacct_desktop.domain import SyncError
from sfintacct_desktop.gui.main_window import MainWindow
from sfintacct_desktop.gui.models.rows import BAD
from sfintacct_desktop.wire.intacct import update
from sfintacct_sandbox.runner import Sandbox
from tests.gui.helpers import apply_baseline, armed_fault, sync_once
from tests.support.sync_env import ia_connector


def _cell(tab: Any, section: str, row: int, key: str, role: Any = Qt.ItemDataRole.DisplayRole) -> Any:
    model = tab.models[section]
    return model.data(model.index(row, [c.key for c in model.columns].index(key)), role)


def test_customer_page_found_by_invoice_then_refreshed_live(qtbot, window: MainWindow, sandbox: Sandbox) -> None:  # type: ignore[no-untyped-def]
    apply_baseline()
    sync_once(qtbot, window)
    with SyncState.open("sandbox") as state, state.store.read() as r:
        linked = {link.ia_key for link in r.links.list("customer")}
        invoice = next(i for i in r.cache.invoices() if i.customer_id in linked and i.due > 0)
    tab = window.customer_tab
    window.tabs.setCurrentWidget(tab)
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Customers"

    # suggestions follow the typing (an invoice number, in lower case)
    with qtbot.waitSignal(tab.suggested, timeout=30_000) as suggested:
        qtbot.keyClicks(tab.search, invoice.number.lower())
    assert [c["customer_id"] for c in suggested.args[0]] == [invoice.customer_id]
    assert suggested.args[0][0]["why"] == "invoice"

    with qtbot.waitSignal(tab.loaded, timeout=30_000) as loaded:
        tab.find_button.click()
    page = loaded.args[0]
    assert page["customer_id"] == invoice.customer_id and page["linked"]
    assert tab.models["invoices"].rowCount() == len(page["invoices"]) >= 1
    assert invoice.number in [r["number"] for r in tab.models["invoices"].rows]
    # its deal, from the local copy alone: the baseline's historical order that the invoice was posted from
    [deal] = [d for d in page["deals"] if invoice.number in d["invoices"]]
    assert deal["sales_order_id"] == invoice.sales_order_id and deal["sync_status"] == "Historical"
    assert tab.refresh_button.isEnabled() and "Intacct transactions" in tab.refresh_button.text()
    assert "Open balance" in tab.balance.text() and "90+" in tab.balance.text()
    assert page["customer_id"] in tab.summary.text()

    # finance changes the city in Intacct; the live refresh shows it differing, in words and colour
    city = "Refreshville"
    ia = ia_connector(sandbox)
    body = {"CUSTOMERID": invoice.customer_id, "DISPLAYCONTACT": {"MAILADDRESS": {"CITY": city}}}
    assert ia.client.call([update("CUSTOMER", body)])[0].ok
    with qtbot.waitSignal(tab.loaded, timeout=60_000) as refreshed:
        tab.refresh_button.click()
    fresh = refreshed.args[0]
    assert fresh["refresh_cost"]["intacct_transactions"] <= 4 and fresh["refresh_cost"]["salesforce_calls"] == 1
    row = [r["name"] for r in tab.models["fields"].rows].index("address.city")
    assert _cell(tab, "fields", row, "intacct") == city
    assert _cell(tab, "fields", row, "differs") == "Differs"
    assert _cell(tab, "fields", row, "differs", Qt.ItemDataRole.ForegroundRole).color() == BAD
    assert "differ" in tab.sections.tabText(0) and "Refreshed live" in tab.balance.text()
    named = [d for d in fresh["deals"] if invoice.number in d["invoices"]]  # the refresh read its deals' names
    assert len(named) == 1 and not named[0]["name"].startswith("Opportunity ")

    # a refresh that fails keeps the page as read before, its heading back (not "Reading ...")
    with armed_fault(sandbox.ia_server, operation="*", mode="xxe", count=5):
        tab.refresh_button.click()
        qtbot.waitUntil(lambda: not tab.error.isHidden() and tab.find_button.isEnabled(), timeout=60_000)
    assert "Reading" not in tab.summary.text() and page["customer_id"] in tab.summary.text()
    assert tab.page is not None and tab.models["invoices"].rowCount() >= 1 and tab.refresh_button.isEnabled()

    # a search that finds no one takes the last customer's page away: it is not the answer
    tab.search.setText("zzz-no-such-customer")
    tab.find_button.click()
    qtbot.waitUntil(lambda: tab.page is None and not tab.error.isHidden(), timeout=30_000)
    assert tab.error.title.text() and page["customer_id"] not in tab.summary.text()
    assert all(m.rowCount() == 0 for m in tab.models.values()) and not tab.refresh_button.isEnabled()
    assert "Open balance" not in tab.balance.text() and tab.sections.tabText(2) == "Invoices"


def test_several_customers_are_listed_to_pick_from(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    apply_baseline()
    sync_once(qtbot, window)
    with SyncState.open("sandbox") as state, state.store.read() as r:
        known = directory(r)
    words = sorted({w for c in known.values() for w in normalize(c.name).split() if len(w) > 3})
    vague = next(w for w in words if _ambiguous(known, w))
    tab = window.customer_tab
    tab.search.setText(vague)
    tab.find_button.click()
    qtbot.waitUntil(lambda: not tab.error.isHidden(), timeout=30_000)
    assert tab.error.title.text() == "Several customers match" and tab.page is None
    assert tab.suggestions.count() > 1 and not tab.suggestions.isHidden()
    first = tab.suggestions.item(0)
    with qtbot.waitSignal(tab.loaded, timeout=30_000) as picked:
        tab.suggestions.itemClicked.emit(first)
    assert picked.args[0]["customer_id"] == first.data(256)


def _ambiguous(known: dict[str, Any], word: str) -> bool:
    try:
        resolve(known, word)
    except AmbiguousCustomer:
        return True
    except SyncError:
        return False
    return False
