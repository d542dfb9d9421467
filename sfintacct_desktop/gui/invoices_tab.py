"""Invoice lookup for sales: from the local cache (no API cost), or refreshed live for one customer.

The customer box takes a name as a salesperson types it (the same search as ``sfintacct invoices``);
several plausible customers are listed in the error panel instead of guessed.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from ..app import gui_support as gs
from .models.rows import Column, RowsModel, money, order_column
from .task_runner import TaskRunner
from .widgets import ErrorPanel, fit_columns, heading, note, table


def _state_tone(r: dict[str, Any]) -> str:
    if r.get("overdue"):
        return "error"
    return "ok" if str(r.get("status", "")).lower() == "paid" else "warn"


def _state_text(r: dict[str, Any]) -> str:
    # "Overdue" first: a narrow window elides the end of the text, and this is the word that matters
    return f"Overdue: {r.get('status', '')}" if r.get("overdue") else str(r.get("status", ""))


COLUMNS = [
    Column("number", "Invoice"),
    Column("customer_id", "Customer", tooltip=lambda r: str(r.get("customer_id") or "")),
    Column("customer_name", "Name", tooltip=lambda r: str(r.get("customer_name") or "")),
    Column("status", "Status", fmt=_state_text, tone=_state_tone, tooltip=_state_text),
    Column("invoice_date", "Date"),
    Column("due_date", "Due date"),
    Column("total", "Total", fmt=lambda r: money(r.get("total")), right=True),
    Column("paid", "Paid", fmt=lambda r: money(r.get("paid")), right=True),
    Column("due", "Amount due", fmt=lambda r: money(r.get("due")), right=True, tone=_state_tone),
    Column("currency", "Currency"),
    order_column("Order"),
]


SALES_ORDER_ROOM = 72  # what the last (stretching) column keeps when the window is narrow ("SO00001")
# Who gives way first in a narrow window, and down to what width: the customer's name (also known
# by its ID beside it), then the ID, and only then the status ("Overdue: Partially paid" is read whole
# at 1024 px)
SQUEEZE = (("customer_name", 100), ("customer_id", 84), ("status", 130))


class InvoicesTab(QWidget):
    loaded = Signal(dict)

    def __init__(
        self, runner: TaskRunner, profile: str | gs.Session, parent: QWidget | None = None, *, worker: Any = None
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.session: str | gs.Session = profile  # the window's session (a name when the tab stands alone)
        self.profile = profile.name if isinstance(profile, gs.Session) else profile
        self.worker = worker  # the window's sync worker: a live refresh runs as its job
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Invoices"))
        layout.addWidget(
            note(
                "Invoices and payments as of the last sync, from the local copy (free and instant). "
                "'Refresh live' re-reads one customer from Intacct now (a few billed Intacct transactions)."
            )
        )
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Customer:"))
        self.customer = QLineEdit()
        self.customer.setPlaceholderText("Customer name or ID, as you know it (empty: all)")
        self.customer.setMinimumWidth(280)
        self.customer.returnPressed.connect(self.search)
        bar.addWidget(self.customer)
        self.open_only = QCheckBox("Open only")
        self.open_only.setToolTip("Only invoices with an amount still due.")
        bar.addWidget(self.open_only)
        self.search_button = QPushButton("Search")
        self.search_button.clicked.connect(self.search)
        self.refresh_button = QPushButton("Refresh live")
        self.refresh_button.setToolTip("Re-read this one customer's invoices and payments from Intacct now.")
        self.refresh_button.clicked.connect(lambda: self.search(refresh=True))
        bar.addWidget(self.search_button)
        bar.addWidget(self.refresh_button)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.error = ErrorPanel()
        layout.addWidget(self.error)
        self.totals = note()
        layout.addWidget(self.totals)
        self.model = RowsModel(COLUMNS, self)
        self.view = table(self.model, stretch="sales_order_id")
        self.view.setAccessibleName("Invoices found")
        layout.addWidget(self.view, 1)

    def set_session(self, session: gs.Session, worker: Any) -> None:
        """The window switched profile: the old profile's invoices go; a search reads the new one's."""
        self.session, self.profile, self.worker = session, session.name, worker
        self.model.set_rows([])
        self.error.clear()
        self.totals.setText(f"Profile {session.name}: press Search to list its invoices.")
        self._enable()

    def search(self, refresh: bool = False) -> None:
        customer = self.customer.text().strip() or None
        if refresh and not customer:
            self.error.show_error(
                {
                    "title": "Which customer?",
                    "message": "A live refresh reads one customer.",
                    "hint": "Type the customer's name or ID first.",
                }
            )
            return
        self.error.clear()
        self.search_button.setEnabled(False)
        self.refresh_button.setEnabled(False)
        self.totals.setText("Reading Intacct…" if refresh else "Searching…")
        session, open_only, worker = self.session, self.open_only.isChecked(), self.worker
        self.runner.submit(
            "invoices",
            lambda task: gs.invoice_lookup(session, customer, open_only=open_only, refresh=refresh, worker=worker),
            lambda result: self._show(result) if session is self.session else None,  # else: a profile left
            lambda exc: self._failed(exc, refresh) if session is self.session else None,
        )

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self.model.rowCount():
            fit_columns(self.view)
            self._squeeze()

    def _squeeze(self) -> None:
        """In a narrow window the long text columns give way, elided (the whole text in the cell's
        tooltip), so the amounts stay in sight instead of being scrolled away to the right."""
        header = self.view.horizontalHeader()
        keys = [c.key for c in COLUMNS]
        stretch = keys.index("sales_order_id")
        used = sum(header.sectionSize(i) for i in range(len(keys)) if i != stretch) + SALES_ORDER_ROOM
        excess = used - self.view.viewport().width()
        for key, least in SQUEEZE:
            if excess <= 0:
                return
            col = keys.index(key)
            size = header.sectionSize(col)
            smaller = max(least, size - excess)
            header.resizeSection(col, smaller)
            excess -= size - smaller

    def _enable(self) -> None:
        self.search_button.setEnabled(True)
        self.refresh_button.setEnabled(True)

    def _show(self, result: dict[str, Any]) -> None:
        self._enable()
        rows = result["invoices"]
        self.model.set_rows(rows)
        fit_columns(self.view)
        self._squeeze()
        due = sum(float(r.get("due") or 0) for r in rows)
        overdue = sum(1 for r in rows if r.get("overdue"))
        text = f"{len(rows)} invoice(s), {money(due)} due, {overdue} overdue."
        if result.get("refreshed"):
            text += f" Refreshed live from Intacct: {result['refreshed']}."
        if not rows:
            text = "No invoices match. The local copy fills with each sync; run a sync first if this is new."
        self.totals.setText(text)
        self.loaded.emit(result)

    def _failed(self, exc: BaseException, refresh: bool = False) -> None:
        """A failed search shows no table (the old one is not its answer); a failed live refresh keeps
        the local copy's rows and says that they are not refreshed."""
        self._enable()
        if refresh and self.model.rowCount():
            self.totals.setText("Not refreshed: the table shows the local copy as it was before.")
        else:
            self.model.set_rows([])
            self.totals.setText("")
        self.error.show_error(gs.failure(exc))
