"""The Sync tab's two inboxes: records a system refused (Retry) and conflicts (Take a side).

Why the buttons follow the selection: a Retry or a Take without a chosen row would either do
nothing or act on a row the operator did not mean; they are enabled only with a row selected,
and the selection survives a re-read of the inbox when its item is still there.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtWidgets import QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from .models.rows import RowsModel
from .run_columns import CONFLICT_COLUMNS, ERROR_COLUMNS
from .widgets import fit_columns, heading, note, table


class _InboxBox(QWidget):
    """A heading, its buttons, a table of inbox rows and what follows the selection."""

    def __init__(self, title: str, columns: list[Any], stretch: str, name: str) -> None:
        super().__init__()
        self.model = RowsModel(columns, self)
        self.view = table(self.model, stretch=stretch)
        self.view.setAccessibleName(name)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.bar = QHBoxLayout()
        self.title = heading(title)
        self.bar.addWidget(self.title)
        self.bar.addStretch(1)
        self.layout_.addLayout(self.bar)
        self.layout_.addWidget(self.view, 1)
        sel = self.view.selectionModel()
        sel.selectionChanged.connect(lambda _a, _b: self.selection_changed())
        sel.currentRowChanged.connect(lambda _a, _b: self.selection_changed())

    def button(self, text: str, tip: str, action: Callable[[], None]) -> QPushButton:
        b = QPushButton(text)
        b.setToolTip(tip)
        b.setAccessibleName(text)
        b.clicked.connect(action)
        self.bar.addWidget(b)
        return b

    def selected(self) -> dict[str, Any] | None:
        row = self.view.currentIndex().row()
        sel = self.view.selectionModel()
        if not 0 <= row < len(self.model.rows) or not sel.isRowSelected(row):
            return None
        return self.model.row(row)

    def set_rows(self, rows: list[dict[str, Any]]) -> None:
        """New rows; the item selected before stays selected if it is still there."""
        chosen = self.selected()
        shown = self.model.update_rows(rows, "id")
        if shown != "same":
            fit_columns(self.view)
        if shown == "reset":
            ids = [r.get("id") for r in rows]
            if chosen is not None and chosen.get("id") in ids:
                self.view.selectRow(ids.index(chosen.get("id")))
        self.selection_changed()

    def selection_changed(self) -> None:  # overridden
        pass


class ErrorsView(_InboxBox):
    def __init__(self, retry: Callable[[int | None], None]) -> None:
        super().__init__("Records a system refused", ERROR_COLUMNS, "hint", "Error inbox")
        self._retry = retry
        self.retry_button = self.button(
            "Retry selected", "Read the selected record on both sides again and send it once more.", self.retry_selected
        )
        self.retry_all_button = self.button(
            "Retry all", "Try every record of the error inbox again.", lambda: retry(None)
        )
        self.hint = note()
        self.hint.setStyleSheet("color: #344054; background: #f2f4f7; padding: 6px; border-radius: 4px;")
        self.hint.hide()
        self.layout_.addWidget(self.hint)
        self.selection_changed()

    def retry_selected(self) -> None:
        item = self.selected()
        if item is not None:
            self._retry(int(item["id"]))

    def selection_changed(self) -> None:
        item = self.selected()
        self.retry_button.setEnabled(item is not None)
        self.retry_all_button.setEnabled(bool(self.model.rows))
        if item is None:
            self.hint.hide()
            return
        self.hint.setText(
            f"<b>#{item['id']} {item.get('title', '')}</b><br>{item.get('message', '')}"
            f"<br><b>What to do:</b> {item.get('hint', '')}"
        )
        self.hint.show()


class ConflictsView(_InboxBox):
    def __init__(self, resolve: Callable[[int, str], None]) -> None:
        super().__init__("The same field changed on both sides", CONFLICT_COLUMNS, "intacct", "Conflicts")
        self._resolve = resolve
        self.take_sf = self.button(
            "Take Salesforce",
            "Keep the Salesforce value of the selected field and write it to Intacct.",
            lambda: self.take("salesforce"),
        )
        self.take_ia = self.button(
            "Take Intacct",
            "Keep the Intacct value of the selected field and write it to Salesforce.",
            lambda: self.take("intacct"),
        )
        self.selection_changed()

    def take(self, side: str) -> None:
        item = self.selected()
        if item is not None:
            self._resolve(int(item["id"]), side)

    def selection_changed(self) -> None:
        chosen = self.selected() is not None
        self.take_sf.setEnabled(chosen)
        self.take_ia.setEnabled(chosen)
