"""Invoice lookup on the demo company: the cache after a sync, open only, a live refresh."""

from __future__ import annotations

from PySide6.QtCore import Qt

from sfintacct_desktop.gui.main_window import MainWindow
from tests.gui.helpers import apply_baseline, sync_once


def test_invoice_lookup_lists_the_demo_invoices(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    apply_baseline()
    sync_once(qtbot, window)
    tab = window.invoices_tab
    with qtbot.waitSignal(tab.loaded, timeout=30_000) as loaded:
        tab.search_button.click()
    invoices = loaded.args[0]["invoices"]
    assert invoices and tab.model.rowCount() == len(invoices)
    total_col = [c.key for c in tab.model.columns].index("total")
    idx = tab.model.index(0, total_col)
    assert tab.model.data(idx, Qt.ItemDataRole.TextAlignmentRole) & int(Qt.AlignmentFlag.AlignRight)
    big = next(r for r in invoices if float(r["total"]) >= 1000)
    shown = tab.model.data(tab.model.index(invoices.index(big), total_col))
    assert "," in shown and shown.endswith(big["total"][-3:])

    tab.open_only.setChecked(True)
    with qtbot.waitSignal(tab.loaded, timeout=30_000) as open_only:
        tab.search_button.click()
    rows = open_only.args[0]["invoices"]
    assert len(rows) < len(invoices) and all(float(r["due"]) > 0 for r in rows)

    customer = rows[0]["customer_id"]
    tab.customer.setText(customer)
    with qtbot.waitSignal(tab.loaded, timeout=60_000) as refreshed:
        tab.refresh_button.click()
    assert refreshed.args[0]["refreshed"] == customer
    assert all(r["customer_id"] == customer for r in tab.model.rows)


def test_refresh_without_a_customer_asks_which(window: MainWindow) -> None:
    window.invoices_tab.refresh_button.click()
    assert not window.invoices_tab.error.isHidden()
    assert window.invoices_tab.error.title.text() == "Which customer?"
