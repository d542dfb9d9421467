"""Connections: pick a profile, test both logins and the schema, see exactly what is wrong and what to do."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QFileSystemWatcher, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..app import gui_support as gs
from ..app import profile_editing as pe
from .checklist import ChecklistPanel
from .profile_editor import ProfileEditor
from .signin_panel import SignInPanel
from .sync_rules_dialog import SyncRulesDialog, changes_text
from .task_runner import TaskRunner
from .widgets import Badge, ErrorPanel, answer_box, heading, note

SIDES = (("salesforce", "Salesforce"), ("intacct", "Sage Intacct"))


class SidePanel(QGroupBox):
    """One system's result: a badge (OK / FAILED / WARNINGS), the details, the error panel."""

    def __init__(self, title: str) -> None:
        super().__init__(title)
        layout = QVBoxLayout(self)
        self.badge = Badge("Not tested", "idle")
        row = QHBoxLayout()
        row.addWidget(self.badge)
        row.addStretch(1)
        layout.addLayout(row)
        self.details = QLabel()
        self.details.setWordWrap(True)
        layout.addWidget(self.details)
        self.warnings = note()
        self.warnings.setStyleSheet("color: #9a6700;")
        self.warnings.hide()
        layout.addWidget(self.warnings)
        self.error = ErrorPanel()
        layout.addWidget(self.error)
        layout.addStretch(1)

    def show_result(self, result: dict[str, Any]) -> None:
        ok = bool(result.get("ok"))
        warnings = list(result.get("warnings") or [])
        if ok and warnings:
            self.badge.set("OK, with warnings", "warn")
        else:
            self.badge.set("OK" if ok else "FAILED", "ok" if ok else "error")
        labels = {
            "user": "User",
            "instance_url": "Instance",
            "login_method_label": "Login",
            "api_version": "API version",
            "api_versions_offered": "Versions the org offers",
            "company_id": "Company",
            "endpoint": "Endpoint",
        }
        lines = [f"<b>{label}:</b> {result[key]}" for key, label in labels.items() if result.get(key)]
        usage = result.get("api_usage")
        if usage:
            lines.append(f"<b>API calls used today:</b> {usage['used']:,} of {usage['limit']:,}")
        self.details.setText("<br>".join(lines))
        self.warnings.setText("\n".join(f"Warning: {w}" for w in warnings))
        self.warnings.setVisible(bool(warnings))
        schema = bool(result.get("missing") or result.get("problems"))
        self.error.show_error(None if schema else result.get("error"))
        if schema:
            lines = [*(f"Warning: {w}" for w in warnings), "Missing sync fields: see the setup checklist below."]
            self.warnings.setText("\n".join(lines))
            self.warnings.show()

    def show_busy(self) -> None:
        self.badge.set("Testing…", "idle")
        self.error.clear()
        self.warnings.hide()


class ProfilesPanel(QGroupBox):
    """Every profile, with Add, Edit and Remove; the list follows the profiles file (the CLI may change it)."""

    def __init__(self) -> None:
        super().__init__("Profiles")
        layout = QVBoxLayout(self)
        self.list = QListWidget()
        self.list.setAccessibleName("Connection profiles")
        layout.addWidget(self.list, 1)
        self.add_button = QPushButton("Add profile…")
        self.edit_button = QPushButton("Edit…")
        self.rules_button = QPushButton("Sync rules…")
        self.remove_button = QPushButton("Remove…")
        row = QHBoxLayout()
        for button in (self.edit_button, self.remove_button):
            button.setAccessibleName(f"{button.text().rstrip('…')} the selected profile")
            row.addWidget(button)
        self.rules_button.setAccessibleName("Sync rules of the selected profile")
        self.rules_button.setToolTip("Which fields sync, which system owns each, who wins a conflict.")
        self.add_button.setAccessibleName("Add a connection profile")
        layout.addWidget(self.add_button)
        layout.addLayout(row)
        layout.addWidget(self.rules_button)  # a row of its own: the panel is narrow at 1024x640
        self.note = note()
        self.note.hide()
        layout.addWidget(self.note)
        self.kinds: dict[str, str] = {}
        self.list.currentItemChanged.connect(lambda *_: self._selection_changed())
        self._selection_changed()

    @property
    def selected(self) -> str:
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ""

    def fill(self, rows: list[dict[str, str]], keep: str = "") -> None:
        keep = keep or self.selected
        self.kinds = {r["name"]: r["kind"] for r in rows}
        self.list.clear()
        for row in rows:
            kind = "sandbox" if row["kind"] == "sandbox" else "production"
            item = QListWidgetItem(f"{row['name']}  ({kind})")
            item.setData(Qt.ItemDataRole.UserRole, row["name"])
            self.list.addItem(item)
            if row["name"] == keep:
                self.list.setCurrentItem(item)
        self._selection_changed()

    def _selection_changed(self) -> None:
        name = self.selected
        sandbox = self.kinds.get(name) == "sandbox"
        self.edit_button.setEnabled(bool(name) and not sandbox)
        self.edit_button.setToolTip("The sandbox profile is written by the sandbox itself." if sandbox else "")
        self.remove_button.setEnabled(bool(name))
        self.rules_button.setEnabled(bool(name))

    def say(self, text: str, tone: str = "") -> None:
        self.note.setStyleSheet("color: #9a6700;" if tone == "warn" else "color: #475467;")
        self.note.setText(text)
        self.note.setVisible(bool(text))


class ConnectionsTab(QWidget):
    """The profile chooser (choosing one switches the whole window), the profiles and the connection test."""

    profile_chosen = Signal(str)  # the operator picked another profile: the window switches to it
    profile_edited = Signal(str)  # the profile in use was edited: the window opens it anew

    def __init__(self, runner: TaskRunner, profile: str | gs.Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.session: gs.Session | None = profile if isinstance(profile, gs.Session) else None
        self._quiet = False  # True while the list is filled or set by the program, not the operator
        self.editor: ProfileEditor | None = None
        self.rules_dialog: SyncRulesDialog | None = None
        self.rules_box: QMessageBox | None = None
        self.confirm: QMessageBox | None = None
        root = QHBoxLayout(self)
        self.manage = ProfilesPanel()
        self.manage.setFixedWidth(220)
        root.addWidget(self.manage)
        self.page = QScrollArea()  # at a small window size the page scrolls instead of squeezing the results
        self.page.setWidgetResizable(True)
        self.page.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(0, 0, 0, 0)
        self.page.setWidget(body)
        root.addWidget(self.page, 1)
        layout.addWidget(heading("Connections"))
        layout.addWidget(
            note(
                "Logs in to Salesforce and Sage Intacct with the chosen profile and checks that the sync "
                "fields exist. Nothing is written. Secrets stay in the operating system's keyring."
            )
        )
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Profile:"))
        self.profiles = QComboBox()
        self.profiles.setAccessibleName("Profile in use")
        self.profiles.setMinimumWidth(220)
        bar.addWidget(self.profiles)
        self.test_button = QPushButton("Test connection")
        self.test_button.setToolTip("Log in to both systems and check the schema (a few API calls).")
        self.test_button.clicked.connect(self.test)
        bar.addWidget(self.test_button)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.problem = ErrorPanel()
        layout.addWidget(self.problem)
        self.signin = SignInPanel(runner)
        layout.addWidget(self.signin)
        sides = QHBoxLayout()
        self.panels = {key: SidePanel(title) for key, title in SIDES}
        for panel in self.panels.values():
            sides.addWidget(panel, 1)
        layout.addLayout(sides)
        self.checklist = ChecklistPanel(can_deploy=True)
        self.checklist.deploy_requested.connect(self.deploy_check)
        layout.addWidget(self.checklist)
        layout.addStretch(1)
        self.switch_note = note()
        self.switch_note.setStyleSheet("color: #9a6700;")
        self.switch_note.hide()
        layout.insertWidget(layout.indexOf(self.problem), self.switch_note)
        self.profiles.currentTextChanged.connect(self._chosen)
        name = profile.name if isinstance(profile, gs.Session) else profile
        self.reload_profiles(name)
        self.signin.set_profile(self.session if self.session is not None else self.profile)
        self.manage.add_button.clicked.connect(lambda: self.open_editor(None))
        self.manage.edit_button.clicked.connect(lambda: self.open_editor(self.manage.selected))
        self.manage.remove_button.clicked.connect(self.ask_remove)
        self.manage.rules_button.clicked.connect(lambda: self.open_rules(self.manage.selected))
        self.manage.list.itemDoubleClicked.connect(lambda item: self.manage.edit_button.click())
        self._watch_profiles()

    @property
    def profile(self) -> str:
        return self.profiles.currentText()

    def reload_profiles(self, select: str | None = None, rows: list[dict[str, str]] | None = None) -> None:
        """Fill the chooser and the profiles list (``rows`` as read off the GUI thread, else read now)."""
        rows = pe.profile_rows() if rows is None else rows
        names = [r["name"] for r in rows]
        self.manage.fill(rows, keep=self.manage.selected or (select or ""))
        if select and select not in names:
            names.append(select)
        self._quiet = True
        try:
            self.profiles.clear()
            self.profiles.addItems(names)
            if select:
                self.profiles.setCurrentText(select)
        finally:
            self._quiet = False

    # ------------------------------------------------------------------ following the profiles file
    def _watch_profiles(self) -> None:
        """Watch the profiles file and its folder: the CLI may add or remove profiles meanwhile.

        The folder too, because the file is replaced atomically (a new file each write) and may not
        exist yet. A burst of changes is read once, off the GUI thread.
        """
        self.watcher = QFileSystemWatcher(self)
        self._reread = QTimer(self)
        self._reread.setSingleShot(True)
        self._reread.setInterval(200)
        self._reread.timeout.connect(self._read_profiles)
        self.watcher.fileChanged.connect(lambda _: self._reread.start())
        self.watcher.directoryChanged.connect(lambda _: self._reread.start())
        self._rewatch()

    def _rewatch(self) -> None:
        path = pe.profiles_path()
        for target in (path.parent, path):
            if str(target) not in self.watcher.files() + self.watcher.directories() and target.exists():
                self.watcher.addPath(str(target))

    def _read_profiles(self) -> None:
        self.runner.submit("profiles-list", lambda task: pe.profile_rows(), self._profiles_read, lambda exc: None)

    def _profiles_read(self, rows: list[dict[str, str]]) -> None:
        self._rewatch()
        names = [r["name"] for r in rows]
        current = self.session.name if self.session is not None else self.profile
        if names == [self.profiles.itemText(i) for i in range(self.profiles.count())] and rows == [
            {"name": n, "kind": k} for n, k in self.manage.kinds.items()
        ]:
            return
        self.reload_profiles(current, rows)

    # ------------------------------------------------------------------ add, edit, remove
    def open_editor(self, name: str | None) -> ProfileEditor:
        """The profile editor for ``name`` (None: a new profile), over this tab."""
        self.manage.say("")
        editor = ProfileEditor(
            self.runner, name or None, open_profile=self.session.name if self.session is not None else "", parent=self
        )
        editor.saved.connect(self._profile_saved)
        self.editor = editor
        editor.open()
        return editor

    def open_rules(self, name: str) -> SyncRulesDialog:
        """The sync rules of ``name`` (which fields sync, their owners), over this tab."""
        self.manage.say("")
        dialog = self.rules_dialog = SyncRulesDialog(self.runner, name, parent=self)
        dialog.saved.connect(self._rules_saved)
        dialog.open()
        return dialog

    def _rules_saved(self, result: dict[str, Any]) -> None:
        self.manage.say(f"Sync rules of {result['profile']} saved.")
        self.rules_box = answer_box(self, QMessageBox.Icon.Information, "Sync rules saved", changes_text(result))

    def _profile_saved(self, name: str, renamed_from: str) -> None:
        created = self.editor is not None and self.editor.original is None
        self.reload_profiles(self.session.name if self.session is not None else name)
        self.manage.fill([{"name": n, "kind": k} for n, k in self.manage.kinds.items()], keep=name)
        if self.session is not None and name == self.session.name:
            self.manage.say(f"Profile {name} saved: it is opened again with the new settings.")
            self.profile_edited.emit(name)
        elif created and self.session is not None:
            self.manage.say(f"Profile {name} saved and opened.")
            self.profile_chosen.emit(name)
        else:
            was = f" (was {renamed_from})" if renamed_from else ""
            self.manage.say(f"Profile {name}{was} saved.")

    def ask_remove(self) -> None:
        name = self.manage.selected
        if not name:
            return
        if self.session is not None and name == self.session.name:
            self.manage.say(
                f"Profile {name} is open in the window: choose another profile under Profile first, then remove it.",
                "warn",
            )
            return
        box = QMessageBox(QMessageBox.Icon.Question, "Remove profile", f"Remove profile {name}?", parent=self)
        box.setInformativeText(
            "Its settings and the secrets in the keyring are deleted, and its Salesforce sign-in is revoked. "
            "Its sync state stays on disk. Nothing changes in Salesforce or Intacct data."
        )
        remove = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda _: self._remove_answered(name, box.clickedButton() is remove))
        self.confirm = box
        box.open()

    def _remove_answered(self, name: str, confirmed: bool) -> None:
        self.confirm = None
        if not confirmed:
            return
        self.manage.say(f"Removing profile {name}…")
        self.runner.submit("profile-remove", lambda task: pe.remove(name), self._removed, self._remove_failed)

    def _removed(self, result: dict[str, Any]) -> None:
        warnings = " ".join(result.get("warnings") or [])
        self.manage.say(f"Profile {result['profile']} removed. {warnings}".strip(), "warn" if warnings else "")
        self.reload_profiles(self.session.name if self.session is not None else None)

    def _remove_failed(self, exc: BaseException) -> None:
        problem = gs.failure(exc)
        self.manage.say(f"{problem['title']}: {problem['message']} {problem['hint']}", "warn")

    def _chosen(self, name: str) -> None:
        """The operator picked a profile: ask the window to switch (it answers with ``set_session``)."""
        if self._quiet or not name:
            return
        if self.session is None:  # a tab on its own (no window session): it only tests that profile
            self.signin.set_profile(name)
            return
        if name != self.session.name:
            self.profile_chosen.emit(name)

    def select(self, name: str) -> None:
        """Show ``name`` as the chosen profile without asking for a switch."""
        self._quiet = True
        try:
            if self.profiles.findText(name) < 0:
                self.profiles.addItem(name)
            self.profiles.setCurrentText(name)
        finally:
            self._quiet = False

    def set_session(self, session: gs.Session, worker: Any = None) -> None:
        """The window switched profile: choose it, forget the old results, show its sign-in."""
        self.session = session
        self.reload_profiles(session.name)
        self.switch_note.hide()
        self.problem.clear()
        for panel in self.panels.values():
            panel.badge.set("Not tested", "idle")
            panel.details.setText("")
            panel.warnings.hide()
            panel.error.clear()
        self.checklist.reset()
        self.signin.set_profile(session)

    def refuse_switch(self, name: str, reason: str) -> None:
        """A switch that cannot happen now: the chooser goes back, and the reason is shown under it."""
        if self.session is not None:
            self.select(self.session.name)
        self.switch_note.setText(f"Profile {name} was not opened: {reason}")
        self.switch_note.show()

    def show_switching(self, name: str) -> None:
        self.switch_note.setText(f"Opening profile {name}: the sync of the current profile stops after its batch…")
        self.switch_note.show()

    def test(self) -> None:
        profile: str | gs.Session = self.profile
        if self.session is not None and profile == self.session.name:
            profile = self.session  # its secrets are already read: no second keyring read
        if not profile:
            self.problem.show_error(
                {"title": "No profile", "message": "There is no connection profile yet.", "hint": "Press Add profile…."}
            )
            return
        self.test_button.setEnabled(False)
        self.problem.clear()
        for panel in self.panels.values():
            panel.show_busy()
        self.checklist.reset("Testing…")
        self.runner.submit("connections", lambda task: gs.check_connections(profile), self._done, self._failed)

    def _done(self, result: dict[str, Any]) -> None:
        self.test_button.setEnabled(True)
        for key, panel in self.panels.items():
            panel.show_result(result.get(key) or {"ok": False})
        self.checklist.show_result(result)

    # ------------------------------------------------------------------ Deploy to Salesforce
    def _profile_ref(self) -> str | gs.Session:
        if self.session is not None and self.profile == self.session.name:
            return self.session
        return self.profile

    def deploy_check(self) -> None:
        """Check-only first: Salesforce runs every check and changes nothing; the result is shown."""
        profile = self._profile_ref()
        self.checklist.show_deploy_busy("Checking the metadata against Salesforce (nothing changes)…")
        self.runner.submit(
            "sf-deploy-check",
            lambda task: gs.deploy_salesforce(profile, check_only=True),
            self._checked,
            lambda exc: self._show_deploy(None, gs.failure(exc)),
        )

    def _show_deploy(self, result: dict[str, Any] | None, error: dict[str, str] | None = None) -> None:
        """The outcome under the button, scrolled into sight (at a small size the page scrolls)."""
        self.checklist.show_deploy(result, error)
        QTimer.singleShot(0, lambda: self.page.ensureWidgetVisible(self.checklist.deploy_note, 0, 40))

    def _checked(self, result: dict[str, Any]) -> None:
        self._show_deploy(result)
        if not result.get("ok"):
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Deploy to Salesforce",
            f"Deploy these {result.get('total', 0)} components to Salesforce now?",
            parent=self,
        )
        box.setInformativeText(
            "The check passed. Fields and objects are only added or updated, never deleted; if Salesforce "
            "refuses any component, nothing is deployed. The connection is tested again afterwards."
        )
        deploy = box.addButton("Deploy", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda _: self._deploy_answered(box.clickedButton() is deploy))
        self.confirm = box
        box.open()

    def _deploy_answered(self, confirmed: bool) -> None:
        self.confirm = None
        if not confirmed:
            self.checklist.show_deploy_busy("Nothing was deployed.")
            self.checklist.deploy_button.setEnabled(True)
            return
        profile = self._profile_ref()
        self.checklist.show_deploy_busy("Deploying to Salesforce…")
        self.runner.submit(
            "sf-deploy",
            lambda task: gs.deploy_salesforce(profile, check_only=False),
            self._deployed,
            lambda exc: self._show_deploy(None, gs.failure(exc)),
        )

    def _deployed(self, result: dict[str, Any]) -> None:
        self.test()  # the checklist is rebuilt from a fresh connection test
        self._show_deploy(result)

    def _failed(self, exc: BaseException) -> None:
        self.test_button.setEnabled(True)
        for panel in self.panels.values():
            panel.badge.set("Not tested", "idle")
        self.checklist.reset()
        self.problem.show_error(gs.failure(exc))
