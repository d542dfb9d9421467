"""Connections: pick a profile, test both logins and the schema, see exactly what is wrong and what to do."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..app import gui_support as gs
from .signin_panel import SignInPanel
from .task_runner import TaskRunner
from .widgets import Badge, ErrorPanel, heading, note

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
        self.error.show_error(result.get("error"))

    def show_busy(self) -> None:
        self.badge.set("Testing…", "idle")
        self.error.clear()
        self.warnings.hide()


class ConnectionsTab(QWidget):
    """The profile chooser (choosing one switches the whole window) and the connection test."""

    profile_chosen = Signal(str)  # the operator picked another profile: the window switches to it

    def __init__(self, runner: TaskRunner, profile: str | gs.Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.session: gs.Session | None = profile if isinstance(profile, gs.Session) else None
        self._quiet = False  # True while the list is filled or set by the program, not the operator
        layout = QVBoxLayout(self)
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
        layout.addLayout(sides, 1)
        self.switch_note = note()
        self.switch_note.setStyleSheet("color: #9a6700;")
        self.switch_note.hide()
        layout.insertWidget(layout.indexOf(self.problem), self.switch_note)
        self.profiles.currentTextChanged.connect(self._chosen)
        name = profile.name if isinstance(profile, gs.Session) else profile
        self.reload_profiles(name)
        self.signin.set_profile(self.session if self.session is not None else self.profile)

    @property
    def profile(self) -> str:
        return self.profiles.currentText()

    def reload_profiles(self, select: str | None = None) -> None:
        names = gs.profile_names()
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
                {"title": "No profile", "message": "There is no connection profile yet.", "hint": "Add one first."}
            )
            return
        self.test_button.setEnabled(False)
        self.problem.clear()
        for panel in self.panels.values():
            panel.show_busy()
        self.runner.submit("connections", lambda task: gs.check_connections(profile), self._done, self._failed)

    def _done(self, result: dict[str, Any]) -> None:
        self.test_button.setEnabled(True)
        for key, panel in self.panels.items():
            panel.show_result(result.get(key) or {"ok": False})

    def _failed(self, exc: BaseException) -> None:
        self.test_button.setEnabled(True)
        for panel in self.panels.values():
            panel.badge.set("Not tested", "idle")
        self.problem.show_error(gs.failure(exc))
