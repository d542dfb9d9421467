"""The Customers tab: find a customer as it is typed, then its page (both records side by side, deals,
invoices, payments, balance and aging), from the local copy; one button refreshes it live.

Every read and the refresh run on the task runner, never on the GUI thread. A differing field is
marked in words ("Differs") as well as in colour.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ..app import customer_service
from ..app import gui_support as gs
from .models.rows import Column, RowsModel, money, order_column
from .task_runner import TaskRunner
from .widgets import ErrorPanel, QuietTabs, fit_columns, heading, note, set_tab_text, table

TYPING_PAUSE_MS = 300  # suggestions follow the typing once it pauses this long
OWNERS = {"salesforce": "Salesforce owns", "intacct": "Intacct owns", "both": "Both (merged)"}


def _lines(value: Any) -> str:
    return "" if value in (None, "") else str(value).replace("\n", " / ")


FIELD_COLUMNS = [
    Column("name", "Field", tooltip=lambda r: f"Salesforce {r['salesforce_field']} / Intacct {r['intacct_field']}"),
    Column("salesforce", "Salesforce", fmt=lambda r: _lines(r.get("salesforce"))),
    Column("intacct", "Intacct", fmt=lambda r: _lines(r.get("intacct"))),
    Column(
        "differs",
        "Compared",
        fmt=lambda r: "Differs" if r["differs"] else "Same",
        tone=lambda r: "error" if r["differs"] else "ok",
    ),
    Column("owner", "Owner", fmt=lambda r: OWNERS.get(r["owner"], r["owner"])),
    Column("note", "Note"),
]
DEAL_COLUMNS = [
    Column("name", "Deal", tooltip=lambda r: r.get("url") or r["opportunity_id"]),
    Column("status", "Status", fmt=lambda r: "Won" if r["status"] == "won" else "Open"),
    Column("stage", "Stage"),
    Column("close_date", "Close date"),
    Column("amount", "Amount", fmt=lambda r: money(r.get("amount")), right=True),
    order_column(),
    Column(
        "sync_status",
        "Order status",
        tone=lambda r: "ok" if r["sync_status"] == "Synced" else "error" if "Blocked" in r["sync_status"] else "",
    ),
    Column("invoices", "Invoices", fmt=lambda r: ", ".join(r.get("invoices") or ())),
]


def _inv_status(r: dict[str, Any]) -> str:
    return f"overdue {r['days_overdue']} days" if r["status"] == "overdue" else r["status"]


INVOICE_COLUMNS = [
    Column("number", "Invoice"),
    Column("status", "Status", fmt=_inv_status, tone=lambda r: {"overdue": "error", "paid": "ok"}.get(r["status"], "")),
    Column("invoice_date", "Date"),
    Column("due_date", "Due date"),
    Column("total", "Total", fmt=lambda r: money(r["total"]), right=True),
    Column("paid", "Paid", fmt=lambda r: money(r["paid"]), right=True),
    Column("due", "Amount due", fmt=lambda r: money(r["due"]), right=True),
    order_column(),
]


def _applied(r: dict[str, Any]) -> str:
    parts = [f"{a['invoice_number'] or 'record ' + a['invoice_record_no']}: {money(a['amount'])}" for a in r["applied"]]
    if r.get("unapplied", "0.00") != "0.00":
        parts.append(f"unapplied: {money(r['unapplied'])}")
    return "; ".join(parts) or "not applied"


PAYMENT_COLUMNS = [
    Column("record_no", "Payment"),
    Column("payment_date", "Date"),
    Column("amount", "Amount", fmt=lambda r: money(r["amount"]), right=True),
    Column("currency", "Currency"),
    Column("method", "Method"),
    Column("applied", "Applied to", fmt=_applied),
]


class CustomerTab(QWidget):
    loaded = Signal(dict)  # a page shown (its JSON form)
    suggested = Signal(list)  # candidates listed

    def __init__(
        self, runner: TaskRunner, profile: str | gs.Session, parent: QWidget | None = None, *, worker: Any = None
    ) -> None:
        super().__init__(parent)
        self.runner = runner
        self.profile = profile.name if isinstance(profile, gs.Session) else profile
        self.worker = worker  # the window's sync worker: a refresh runs as its job
        self.page: dict[str, Any] | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(heading("Customers"))
        layout.addWidget(
            note(
                "One customer's Salesforce Account and Intacct customer side by side, with its deals, invoices, "
                "payments and aging, from the local copy (free and instant)."
            )
        )
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Find:"))
        self.search = QLineEdit()
        self.search.setPlaceholderText("Name, customer ID, invoice number or deal name")
        self.search.setAccessibleName("Find a customer")
        self.search.setMinimumWidth(260)
        self.search.textEdited.connect(self._typed)
        self.search.returnPressed.connect(self.find)
        bar.addWidget(self.search, 1)
        self.find_field = self.search  # where the window's Find (Ctrl+F) goes
        self.find_button = QPushButton("Open")
        self.find_button.setAccessibleName("Open the customer")
        self.find_button.clicked.connect(self.find)
        bar.addWidget(self.find_button)
        self.refresh_button = QPushButton(customer_service.refresh_label())
        self.refresh_button.setAccessibleName("Refresh this customer live")
        self.refresh_button.setToolTip("Re-read this one customer from Salesforce and Intacct now (billed calls).")
        self.refresh_button.setEnabled(False)
        self.refresh_button.clicked.connect(self.refresh)
        bar.addWidget(self.refresh_button)
        layout.addLayout(bar)
        self.suggestions = QListWidget()
        self.suggestions.setAccessibleName("Matching customers")
        self.suggestions.setMaximumHeight(110)
        self.suggestions.itemActivated.connect(self._picked)
        self.suggestions.itemClicked.connect(self._picked)
        self.suggestions.hide()
        layout.addWidget(self.suggestions)
        self.error = ErrorPanel()
        layout.addWidget(self.error)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setOpenExternalLinks(True)
        self.summary.setAccessibleName("Customer summary")
        layout.addWidget(self.summary)
        self.balance = note()
        self.balance.setAccessibleName("Open balance and aging")
        layout.addWidget(self.balance)
        self.sections = QuietTabs()
        self.sections.setAccessibleName("Customer sections")
        self.models: dict[str, RowsModel] = {}
        self.views: dict[str, QTableView] = {}
        for key, title, columns, stretch in (
            ("fields", "Fields", FIELD_COLUMNS, "note"),
            ("deals", "Deals", DEAL_COLUMNS, "invoices"),
            ("invoices", "Invoices", INVOICE_COLUMNS, "sales_order_id"),
            ("payments", "Payments", PAYMENT_COLUMNS, "applied"),
        ):
            model = RowsModel(columns, self)
            view = table(model, stretch=stretch)
            view.setAccessibleName(f"Customer {title.lower()}")
            self.models[key], self.views[key] = model, view
            self.sections.addTab(view, title)
        self.views["deals"].doubleClicked.connect(self._open_deal)
        layout.addWidget(self.sections, 1)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(TYPING_PAUSE_MS)
        self._timer.timeout.connect(self._suggest)
        self._show_empty()

    # ------------------------------------------------------------------ session
    def set_session(self, session: gs.Session, worker: Any) -> None:
        """The window switched profile: the old profile's customer goes."""
        self.profile, self.worker = session.name, worker
        self.search.clear()
        self._show_empty()

    def _show_empty(self) -> None:
        self.page = None
        for model in self.models.values():
            model.set_rows([])
        self.suggestions.clear()
        self.suggestions.hide()
        self.error.clear()
        self.summary.setText("Type a customer's name, ID, an invoice number or a deal name, then press Open.")
        self.balance.setText("")
        for i, title in enumerate(("Fields", "Deals", "Invoices", "Payments")):
            set_tab_text(self.sections, i, title)
        self.refresh_button.setEnabled(False)

    # ------------------------------------------------------------------- finding
    def _typed(self, _text: str) -> None:
        self._timer.start()

    def _suggest(self) -> None:
        text, profile = self.search.text().strip(), self.profile
        if len(text) < 2:
            self.suggestions.hide()
            return
        self.runner.submit(
            "customer suggestions",
            lambda task: [m.customer.as_dict() | {"why": m.why} for m in customer_service.candidates(profile, text)],
            lambda found: self._list(found) if profile == self.profile and text == self.search.text().strip() else None,
            lambda exc: None,  # suggestions are a help only: Open reports a real problem
        )

    def _list(self, found: list[dict[str, Any]]) -> None:
        self.suggestions.clear()
        for c in found[:8]:
            also = f" (Salesforce: {c['account_name']})" if c["account_name"] and c["account_name"] != c["name"] else ""
            item = QListWidgetItem(
                f"{c['customer_id']}  {c['name'] or c['account_name']}{also}  - matched by {c['why']}"
            )
            item.setData(256, c["customer_id"])  # Qt.UserRole
            self.suggestions.addItem(item)
        self.suggestions.setVisible(bool(found))
        self.suggested.emit(found)

    def _picked(self, item: QListWidgetItem) -> None:
        self.open_customer(str(item.data(256)))

    def find(self) -> None:
        text = self.search.text().strip()
        if not text:
            self.error.show_error(
                {
                    "title": "Which customer?",
                    "message": "Nothing was typed.",
                    "hint": "Type a name, ID, invoice number or deal name.",
                }
            )
            return
        self._timer.stop()
        profile = self.profile
        self._run("customer", lambda task: customer_service.open_page(profile, text).as_dict(), profile)

    def open_customer(self, customer_id: str) -> None:
        profile = self.profile
        self._run("customer", lambda task: customer_service.page_of(profile, customer_id).as_dict(), profile)

    def refresh(self) -> None:
        if self.page is None:
            return
        profile, worker, cid = self.profile, self.worker, self.page["customer_id"]

        def work(task: Any) -> dict[str, Any]:
            cost = customer_service.refresh_customer(profile, cid, worker=worker)
            return customer_service.page_of(profile, cid, cost=cost).as_dict()

        self.summary.setText(f"Reading {cid} from Salesforce and Intacct…")
        self._run("customer refresh", work, profile)

    def _run(self, name: str, work: Any, profile: str) -> None:
        self.error.clear()
        self.find_button.setEnabled(False)
        self.refresh_button.setEnabled(False)
        self.runner.submit(
            name,
            work,
            lambda page: self._show(page) if profile == self.profile else None,  # else: a profile left
            lambda exc: self._failed(exc, refreshing=name == "customer refresh") if profile == self.profile else None,
        )

    # ------------------------------------------------------------------- showing
    def _show(self, page: dict[str, Any]) -> None:
        self.page = page
        self.find_button.setEnabled(True)
        self.refresh_button.setEnabled(True)
        self.suggestions.hide()
        self.summary.setText(summary_html(page))
        self.summary.setToolTip(page["intacct_link_note"])
        aging = "  ".join(f"{k}: {money(v)}" for k, v in page["aging"].items())
        cost = page.get("refresh_cost") or {}
        spent = (
            f"  Refreshed live: {cost['salesforce_calls']} Salesforce call(s), {cost['intacct_transactions']}"
            " Intacct transaction(s)."
            if cost
            else ""
        )
        self.balance.setText(
            f"Open balance {money(page['open_balance'])} {page['currency']}, overdue {money(page['overdue'])}"
            f" (as of {page['today']}).  Aging by days past due: {aging}.{spent}"
        )
        for key in self.models:
            self.models[key].set_rows(page[key])
            fit_columns(self.views[key])
        differs = len(page["differing"])
        set_tab_text(self.sections, 0, f"Fields ({differs} differ)" if differs else "Fields (all same)")
        set_tab_text(self.sections, 1, f"Deals ({len(page['deals'])})")
        set_tab_text(self.sections, 2, f"Invoices ({len(page['invoices'])})")
        set_tab_text(self.sections, 3, f"Payments ({len(page['payments'])})")
        self.loaded.emit(page)

    def _failed(self, exc: BaseException, *, refreshing: bool = False) -> None:
        """A refresh that failed leaves the page as it was read before (its heading back); a search
        that found no one, or several, takes the last customer's page away: it is not the answer."""
        self.find_button.setEnabled(True)
        if refreshing and self.page is not None:
            self.summary.setText(summary_html(self.page))
        elif not refreshing:
            self._show_empty()
        self.refresh_button.setEnabled(self.page is not None)
        candidates = getattr(exc, "candidates", None)
        self.error.show_error(gs.failure(exc))
        if candidates:  # several match: listed to pick from, never guessed
            self._list([{**c, "why": c.get("matched", "")} for c in candidates])

    def _open_deal(self, index: Any) -> None:
        url = self.models["deals"].row(index.row()).get("url")
        if url:
            QDesktopServices.openUrl(QUrl(url))


def summary_html(page: dict[str, Any]) -> str:
    """Who the customer is on each side, with the Salesforce link (Intacct has no stable one)."""
    from html import escape

    account = escape(page["account_name"] or page["account_id"] or "not linked")
    sf = f'<a href="{escape(page["account_url"])}">{account}</a>' if page["account_url"] else account
    fields = (
        f"Fields as of the {escape(page['fields_as_of'])}"
        if page["fields_as_of"] == "last sync"
        else (f"Fields {escape(page['fields_as_of'])}")
    )
    return (
        f"<b>{escape(page['customer_id'])} {escape(page['name'])}</b><br>"
        f"Salesforce Account: {sf} &nbsp;·&nbsp; Intacct customer: {escape(page['intacct_record'])}"
        f" (find it in Intacct by this ID)<br><span style='color:#475467'>{fields}.</span>"
    )
