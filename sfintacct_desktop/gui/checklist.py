"""The setup checklist (what is missing in each system and what to do) and a compact test summary."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from ..app.setup_checklist import ACTION_DEPLOY, checklist
from .widgets import Badge, ErrorPanel, note


class ChecklistPanel(QGroupBox):
    """One row per thing to set up: a status badge (words and colour), what, and what to do.

    With ``can_deploy`` a "Deploy to Salesforce" button appears while Salesforce lacks fields; the
    tab that owns the panel runs the deploy (``deploy_requested``) and shows its outcome here.
    """

    deploy_requested = Signal()
    SHOWN_COMPONENTS = 12  # component lines listed under a deploy's summary (refusals first)

    def __init__(self, parent: QWidget | None = None, *, can_deploy: bool = False) -> None:
        super().__init__("Setup checklist", parent)
        self.setAccessibleName("Setup checklist")
        outer = QVBoxLayout(self)
        self.summary = note("Test the connection to see what each system still needs.")
        outer.addWidget(self.summary)
        self.body = QWidget()  # its natural height: the page around it scrolls, so no row is ever cut
        self.grid = QGridLayout(self.body)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setColumnStretch(1, 2)
        self.grid.setColumnStretch(2, 3)
        outer.addWidget(self.body)
        self.can_deploy = can_deploy
        actions = QHBoxLayout()
        self.deploy_button = QPushButton("Deploy to Salesforce")
        self.deploy_button.setAccessibleName("Deploy to Salesforce")
        self.deploy_button.setToolTip(
            "Check the custom fields, objects, layouts and permission sets against the org first (nothing "
            "changes), then deploy them after you confirm."
        )
        self.deploy_button.clicked.connect(self.deploy_requested.emit)
        actions.addWidget(self.deploy_button)
        actions.addStretch(1)
        outer.addLayout(actions)
        self.deploy_note = QLabel()
        self.deploy_note.setWordWrap(True)
        self.deploy_note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.deploy_note.setAccessibleName("Deploy result")
        outer.addWidget(self.deploy_note)
        self.items: list[dict[str, str]] = []
        self.body.hide()
        self.deploy_button.hide()
        self.deploy_note.hide()

    def _clear(self) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item is not None and item.widget() is not None:
                item.widget().deleteLater()

    def reset(self, text: str = "Test the connection to see what each system still needs.") -> None:
        self._clear()
        self.items = []
        self.summary.setText(text)
        self.body.hide()
        self.deploy_button.hide()

    def show_deploy_busy(self, text: str) -> None:
        self.deploy_button.setEnabled(False)
        self.deploy_note.setText(text)
        self.deploy_note.setStyleSheet("color: #475467;")
        self.deploy_note.show()

    def show_deploy(self, result: dict[str, Any] | None, error: dict[str, str] | None = None) -> None:
        """A deploy's (or check's) outcome: its summary and each component in plain words."""
        self.deploy_button.setEnabled(True)
        if error is not None:
            text = f"<b>{error.get('title', '')}</b><br>{error.get('message', '')}<br>{error.get('hint', '')}"
            self.deploy_note.setText(text)
            self.deploy_note.setStyleSheet("color: #b42318;")
        elif result is not None:
            lines = [str(c["text"]) for c in result.get("components") or []]
            more = len(lines) - self.SHOWN_COMPONENTS
            shown = lines[: self.SHOWN_COMPONENTS] + ([f"… and {more} more"] if more > 0 else [])
            self.deploy_note.setText("\n".join([str(result.get("summary", "")), *(f"  {x}" for x in shown)]))
            self.deploy_note.setStyleSheet("color: #067647;" if result.get("ok") else "color: #b42318;")
        self.deploy_note.show()

    def show_result(self, result: dict[str, Any]) -> None:
        """Fill from a connection test result; an empty list says so (only when both sides answered)."""
        self._clear()
        self.items = checklist(result)
        self.deploy_button.setVisible(self.can_deploy and any(i.get("action") == ACTION_DEPLOY for i in self.items))
        both_ok = all((result.get(k) or {}).get("ok") for k in ("salesforce", "intacct"))
        if not self.items:
            self.summary.setText(
                "Nothing to set up: both systems have every field the sync needs."
                if both_ok
                else "The test did not finish on both sides: see the results above."
            )
            self.body.hide()
            return
        blocking = sum(1 for i in self.items if i["tone"] == "error")
        self.summary.setText(
            f"{len(self.items)} to set up ({blocking} stop the sync, {len(self.items) - blocking} limit it)."
        )
        for row, item in enumerate(self.items):
            badge = Badge(f"{item['system']}: {item['status']}", item["tone"])
            what = QLabel(f"<b>{item['item']}</b>")
            what.setWordWrap(True)
            what.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            todo = QLabel(item["todo"])
            todo.setWordWrap(True)
            todo.setStyleSheet("color: #344054;")
            todo.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.grid.addWidget(badge, row, 0, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(what, row, 1, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(todo, row, 2, Qt.AlignmentFlag.AlignTop)
        self.body.show()


class TestSummary(QWidget):
    """Both sides of a connection test in one line each (badge and details), with their errors."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.badges: dict[str, Badge] = {}
        self.details: dict[str, QLabel] = {}
        self.errors: dict[str, ErrorPanel] = {}
        self.warnings: dict[str, QLabel] = {}
        for key, title in (("salesforce", "Salesforce"), ("intacct", "Sage Intacct")):
            row = QHBoxLayout()
            label = QLabel(f"<b>{title}</b>")
            label.setMinimumWidth(90)
            row.addWidget(label)
            self.badges[key] = Badge("Not tested", "idle")
            self.badges[key].setAccessibleName(f"{title} test result")
            row.addWidget(self.badges[key])
            self.details[key] = QLabel()
            self.details[key].setWordWrap(True)
            row.addWidget(self.details[key], 1)
            layout.addLayout(row)
            self.warnings[key] = note()
            self.warnings[key].setStyleSheet("color: #9a6700;")
            self.warnings[key].hide()
            layout.addWidget(self.warnings[key])
            self.errors[key] = ErrorPanel()
            layout.addWidget(self.errors[key])

    def show_busy(self) -> None:
        for key in self.badges:
            self.badges[key].set("Testing…", "idle")
            self.details[key].setText("")
            self.warnings[key].hide()
            self.errors[key].clear()

    def reset(self) -> None:
        for key in self.badges:
            self.badges[key].set("Not tested", "idle")
            self.details[key].setText("")
            self.warnings[key].hide()
            self.errors[key].clear()

    def show_result(self, result: dict[str, Any]) -> None:
        for key in self.badges:
            side = result.get(key) or {"ok": False}
            ok = bool(side.get("ok"))
            warned = ok and bool(side.get("warnings"))
            self.badges[key].set(
                "OK, with warnings" if warned else ("OK" if ok else "FAILED"),
                "warn" if warned else ("ok" if ok else "error"),
            )
            bits = [str(side[k]) for k in ("user", "instance_url", "company_id") if side.get(k)]
            self.details[key].setText(" · ".join(bits))
            warnings = list(side.get("warnings") or [])
            self.warnings[key].setText("\n".join(f"Warning: {w}" for w in warnings))
            self.warnings[key].setVisible(bool(warnings))
            self.errors[key].show_error(None if ok else side.get("error"))
