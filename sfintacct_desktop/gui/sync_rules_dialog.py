"""Connections > Sync rules…: which fields sync, which system owns each, who wins a conflict.

Why a dialog over the profile's rules file: finance usually owns prices and sales the phone number,
and that differs per company. The operator sets it here instead of editing TOML; the dialog edits
the same file the engine, the CLI and the background service read (``app.sync_rules``), checked by
the engine's own parser before it is written, its comments kept. A running sync uses the saved
rules from its next run, so nothing stops or restarts.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..app import gui_support as gs
from ..app import sync_rules as sr
from .accessibility import install as install_naming
from .task_runner import TaskRunner
from .widgets import ErrorPanel, note

OWNER_TEXT = {"both": "Both systems", "salesforce": "Salesforce", "intacct": "Intacct"}
OWNER_TIPS = {
    "both": "A change on either side is copied to the other; when both change it, the conflict rule decides.",
    "salesforce": "Salesforce's value counts: a change made in Intacct is put back.",
    "intacct": "Intacct's value counts: a change made in Salesforce is put back.",
}
POLICY_TEXT = {
    "review": "Ask me (the conflict inbox on the Sync tab)",
    "salesforce": "Salesforce's value wins",
    "intacct": "Intacct's value wins",
}
ENTITY_TEXT = {  # tab title, the objects paired, the ID rule's tick box
    "customer": ("Customers", "Account ↔ CUSTOMER", "Use the Account Number as the ID when it is valid and free"),
    "product": ("Products", "Product2 ↔ ITEM", "Use the Product Code as the ID when it is valid and free"),
}
COLUMNS = ("Field", "Salesforce", "Intacct", "Syncs", "Owned by")
EXPLAIN = (
    "These rules decide which fields travel between Salesforce and Intacct and whose change counts. "
    "A running sync uses them from its next run. Name and Active always sync: a record is created "
    "with its name, and a delete becomes an inactive flag through Active."
)


def owner_combo(value: str, name: str) -> QComboBox:
    combo = QComboBox()
    for key in sr.OWNERS:
        combo.addItem(OWNER_TEXT[key], key)
        combo.setItemData(combo.count() - 1, OWNER_TIPS[key], Qt.ItemDataRole.ToolTipRole)
    combo.setCurrentIndex(sr.OWNERS.index(value))
    combo.setAccessibleName(name)
    combo.setToolTip(OWNER_TIPS[value])
    combo.currentIndexChanged.connect(lambda _i: combo.setToolTip(OWNER_TIPS[str(combo.currentData())]))
    return combo


class EntityPage(QWidget):
    """One record type's rules: its field pairs, its conflict rule and how new Intacct IDs are made."""

    def __init__(self, entity: str) -> None:
        super().__init__()
        self.entity = entity
        title, _pair, flag_text = ENTITY_TEXT[entity]
        lay = QVBoxLayout(self)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName(f"{title}: fields and their owners")
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        for col in range(len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.table, 1)
        self.fields_error = self._error_label()
        lay.addWidget(self.fields_error)
        form = QFormLayout()
        self.policy = QComboBox()
        for key in sr.POLICIES:
            self.policy.addItem(POLICY_TEXT[key], key)
        self.policy.setAccessibleName(f"{title}: when both systems change a field")
        policy_label = QLabel("When &both change a field:")
        policy_label.setBuddy(self.policy)
        form.addRow(policy_label, self.policy)
        self.use_number = QCheckBox(flag_text)
        self.use_number.setAccessibleName(f"{title}: {flag_text}")
        form.addRow("New Intacct IDs:", self.use_number)
        self.pattern = QLineEdit()
        self.pattern.setAccessibleName(f"{title}: pattern of new Intacct IDs")
        self.pattern.setToolTip('Letters, digits, "-", "_" or "." around one {seq} placeholder, e.g. SF-{seq:06d}.')
        pattern_label = QLabel("&Otherwise, IDs like:")
        pattern_label.setBuddy(self.pattern)
        form.addRow(pattern_label, self.pattern)
        self.pattern_error = self._error_label()
        form.addRow("", self.pattern_error)
        self.price_owner = owner_combo("intacct", "Price book entries: price owned by")
        self.book_active_owner = owner_combo("both", "Price book entries: active flag owned by")
        if entity == "product":
            form.addRow("Price book prices owned by:", self.price_owner)
            form.addRow("Price book active flags owned by:", self.book_active_owner)
        lay.addLayout(form)
        self.rows: list[sr.FieldRule] = []
        self.owners: list[QComboBox] = []

    @staticmethod
    def _error_label() -> QLabel:
        label = note()
        label.setStyleSheet("color: #b42318;")
        label.hide()
        return label

    def fill(self, rules: sr.SyncRules) -> None:
        er = rules.entity(self.entity)
        self.rows = list(er.fields)
        self.owners = []
        self.table.setRowCount(len(self.rows))
        for row, rule in enumerate(self.rows):
            cells = (rule.label, ", ".join(rule.salesforce), ", ".join(rule.intacct))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
            tick = QTableWidgetItem("always" if rule.required else "")
            checkable = Qt.ItemFlag.NoItemFlags if rule.required else Qt.ItemFlag.ItemIsUserCheckable
            tick.setFlags(Qt.ItemFlag.ItemIsEnabled | checkable)
            tick.setCheckState(Qt.CheckState.Checked if rule.synced else Qt.CheckState.Unchecked)
            tick.setToolTip(
                f"{rule.label} always syncs." if rule.required else f"Untick to stop syncing {rule.label.lower()}."
            )
            self.table.setItem(row, 3, tick)
            combo = owner_combo(rule.owner, f"{ENTITY_TEXT[self.entity][0]}: owner of {rule.label}")
            self.table.setCellWidget(row, 4, combo)
            self.owners.append(combo)
        self.policy.setCurrentIndex(sr.POLICIES.index(er.conflict_policy))
        self.use_number.setChecked(er.use_source_number)
        self.pattern.setText(er.id_pattern)
        self.price_owner.setCurrentIndex(sr.OWNERS.index(rules.price_owner))
        self.book_active_owner.setCurrentIndex(sr.OWNERS.index(rules.pricebook_active_owner))

    def read(self) -> sr.EntityRules:
        fields = []
        for row, rule in enumerate(self.rows):
            synced = self.table.item(row, 3).checkState() == Qt.CheckState.Checked
            owner = str(self.owners[row].currentData())
            fields.append(sr.FieldRule(rule.name, rule.salesforce, rule.intacct, owner, rule.transform, synced))
        policy = str(self.policy.currentData())
        return sr.EntityRules(self.entity, policy, self.use_number.isChecked(), self.pattern.text().strip(), fields)

    def show_errors(self, errors: dict[str, str]) -> bool:
        shown = False
        labels = {"fields": self.fields_error, "id_pattern": self.pattern_error}
        for part, label in labels.items():
            key = f"{self.entity}.{part}"
            text = errors.get(key, "")
            label.setText(text)
            label.setVisible(bool(text))
            shown = shown or bool(text)
        return shown


class SyncRulesDialog(QDialog):
    """The rules of one profile, read and saved off the GUI thread."""

    saved = Signal(dict)  # save_rules' answer: profile, path, changes

    def __init__(self, runner: TaskRunner, profile: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        install_naming(self)
        self.runner, self.profile = runner, profile
        self.rules: sr.SyncRules | None = None
        self.busy = False
        self.setWindowTitle(f"Sync rules of {profile}")
        self.setAccessibleName("Sync rules")
        self.setModal(True)
        lay = QVBoxLayout(self)
        intro = QLabel(EXPLAIN)
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.where = note("Reading the rules…")
        self.where.setAccessibleName("Where the rules are kept")
        self.where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.where)
        self.problem = ErrorPanel()
        lay.addWidget(self.problem)
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Record types")
        self.pages = {name: EntityPage(name) for name in sr.ENTITIES}
        for name, page in self.pages.items():
            title, pair, _flag = ENTITY_TEXT[name]
            self.tabs.addTab(page, f"{title} ({pair})")
        lay.addWidget(self.tabs, 1)
        bottom = QHBoxLayout()
        self.status = note()
        bottom.addWidget(self.status, 1)
        self.buttons = QDialogButtonBox()
        self.reset_button = self.buttons.addButton("&Reset to the shipped rules", QDialogButtonBox.ButtonRole.ResetRole)
        self.reset_button.setAccessibleName("Reset to the shipped rules")
        self.save_button = self.buttons.addButton("&Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setAccessibleName("Save the sync rules")
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Close without saving")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.reset_button.clicked.connect(self.reset)
        bottom.addWidget(self.buttons)
        lay.addLayout(bottom)
        self._set_busy("Reading the rules…")
        self.runner.submit("rules-read", lambda _t: sr.read_rules(profile), self.show_rules, self._failed)
        self.resize(900, 680)  # every customer field in sight at 1280x800

    # ------------------------------------------------------------------ showing
    def show_rules(self, rules: sr.SyncRules) -> None:
        self.rules = rules
        self._set_busy("")
        for page in self.pages.values():
            page.fill(rules)
            page.show_errors({})
        own = "its own rules file" if rules.own_file else "the shipped rules; a save keeps them in its own file"
        self.where.setText(f"Profile {rules.profile} uses {own}: {rules.path}")
        if rules.problem:
            self.problem.show_error(
                {
                    **rules.problem,
                    "hint": f"{rules.problem['hint']} Saving replaces the file with the rules shown "
                    "here; the old one is kept beside it as .bad.",
                }
            )
        else:
            self.problem.show_error(None)

    def current(self) -> sr.SyncRules | None:
        """The rules as the dialog shows them now (None until they were read)."""
        if self.rules is None:
            return None
        product = self.pages["product"]
        return sr.SyncRules(
            self.rules.profile,
            self.pages["customer"].read(),
            product.read(),
            str(product.price_owner.currentData()),
            str(product.book_active_owner.currentData()),
            self.rules.path,
            self.rules.own_file,
            self.rules.text,
            self.rules.problem,
        )

    # ------------------------------------------------------------------ saving
    def reset(self) -> None:
        if self.busy:
            return
        self._set_busy("Reading the shipped rules…")
        self.runner.submit("rules-reset", lambda _t: sr.default_rules(self.profile), self._reset_read, self._failed)

    def _reset_read(self, rules: sr.SyncRules) -> None:
        problem = self.rules.problem if self.rules is not None else {}
        self.show_rules(rules)
        if self.rules is not None:
            self.rules.problem = problem  # a broken file is still kept aside by the save
        self.status.setText("The shipped rules are shown: Save to use them.")

    def save(self) -> None:
        rules = self.current()
        if self.busy or rules is None:
            return
        for page in self.pages.values():
            page.show_errors({})
        self._set_busy("Saving…")
        self.runner.submit("rules-save", lambda _t: sr.save_rules(rules), self._saved, self._failed)

    def _saved(self, result: dict[str, Any]) -> None:
        self._set_busy("")
        self.saved.emit(result)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy("")
        if isinstance(exc, sr.RulesError):
            first = None
            for page in self.pages.values():
                if page.show_errors(exc.errors) and first is None:
                    first = page
            if first is not None:
                self.tabs.setCurrentWidget(first)
                self.status.setText("Nothing was saved: correct what is marked in red.")
                return
            self.problem.show_error({"title": "The rules cannot be saved", "message": str(exc), "hint": ""})
            return
        self.problem.show_error(gs.failure(exc))

    def _set_busy(self, text: str) -> None:
        self.busy = bool(text)
        self.status.setText(text)
        for button in (self.save_button, self.reset_button):
            button.setEnabled(not self.busy and (self.rules is not None or button is self.reset_button))


def changes_text(result: dict[str, Any]) -> str:
    """The answer after a save: what changed, where it is kept, when it applies."""
    changes = result.get("changes") or []
    said = "\n".join(f"• {c}" for c in changes) if changes else "Nothing changed."
    return f"{said}\n\nSaved in {result['path']}. A running sync uses the rules from its next run."


__all__ = ["SyncRulesDialog", "changes_text"]
