"""Salesforce sign-in on the Connections tab: status, Sign in with Salesforce, Cancel, Sign out.

Why the system browser and not an embedded web view: the person types their Salesforce password
into Salesforce's own page in the browser they trust (with its password manager and MFA), and the
product never sees it (RFC 8252). The address is also shown here, selectable, for a machine where
no browser opens by itself. The sign-in runs on the task runner; Cancel stops the wait at once.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QPushButton, QVBoxLayout

from ..app import gui_support as gs
from .task_runner import Task, TaskRunner
from .widgets import Badge, ErrorPanel, note


class SignInPanel(QGroupBox):
    """One profile's Salesforce sign-in. ``set_profile`` follows the tab's profile choice."""

    def __init__(self, runner: TaskRunner) -> None:
        super().__init__("Salesforce sign-in")
        self.runner = runner
        self.profile = ""
        self.ref: str | gs.Session = ""
        self.task: Task | None = None
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.badge = Badge("Unknown", "idle")
        row.addWidget(self.badge)
        self.status = QLabel()
        self.status.setWordWrap(True)
        row.addWidget(self.status, 1)
        self.sign_in_button = QPushButton("Sign in with Salesforce")
        self.sign_in_button.setToolTip("Opens Salesforce's sign-in page in your web browser.")
        self.sign_in_button.clicked.connect(self.sign_in)
        row.addWidget(self.sign_in_button)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.hide()
        row.addWidget(self.cancel_button)
        self.sign_out_button = QPushButton("Sign out")
        self.sign_out_button.setToolTip("Revokes this computer's sign-in at Salesforce and forgets it.")
        self.sign_out_button.clicked.connect(self.sign_out)
        row.addWidget(self.sign_out_button)
        layout.addLayout(row)
        self.legacy = note()
        self.legacy.setStyleSheet("color: #9a6700;")
        self.legacy.hide()
        layout.addWidget(self.legacy)
        self.waiting = note()
        self.waiting.hide()
        layout.addWidget(self.waiting)
        self.url = QLabel()
        self.url.setWordWrap(True)
        self.url.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.url.hide()
        layout.addWidget(self.url)
        self.error = ErrorPanel()
        layout.addWidget(self.error)

    # ------------------------------------------------------------------ status
    def set_profile(self, profile: str | gs.Session) -> None:
        """Follow a profile: by name, or the window's session of it (whose secrets are already read)."""
        self.ref = ref = profile
        self.profile = profile.name if isinstance(profile, gs.Session) else profile
        self.error.clear()
        if not self.profile:
            self._show_status({"method": "", "signed_in": None})
            return
        self.runner.submit("signin-status", lambda task: gs.signin_status(ref), self._show_status, self._failed)

    def _show_status(self, status: dict[str, Any]) -> None:
        web = status.get("method") == "web"
        signed_in = status.get("signed_in")
        busy = self.task is not None
        self.sign_in_button.setVisible(web and not busy)
        self.sign_in_button.setEnabled(web and not busy)
        self.sign_out_button.setVisible(web and not busy)
        self.sign_out_button.setEnabled(bool(signed_in) and not busy)
        self.legacy.setVisible(bool(status.get("legacy")))
        future = status.get("future", "")
        self.legacy.setText(f"Warning: this profile's login is {future}" if status.get("legacy") else "")
        if not web:
            label = status.get("method_label")
            self.badge.set("No browser sign-in" if label else "No profile", "idle")
            self.status.setText(f"This profile logs in with {label}." if label else "")
            return
        who = status.get("username") or "the Salesforce user"
        where = f" at {status['instance_url']}" if status.get("instance_url") else ""
        if status.get("problem"):
            self.badge.set("Unknown", "warn")
            self.status.setText(f"The keyring could not be read ({status['problem']}).")
        elif signed_in:
            self.badge.set("Signed in", "ok")
            self.status.setText(f"Signed in as {who}{where}. Only a refresh token is kept, in the keyring.")
        elif status.get("sandbox"):
            self.badge.set("Signs in by itself", "ok")
            self.status.setText("The sandbox signs in through its own sign-in pages when it connects.")
        else:
            self.badge.set("Not signed in", "warn")
            self.status.setText("Sign in with Salesforce before testing or syncing.")

    # ----------------------------------------------------------------- actions
    def sign_in(self) -> None:
        profile = self.profile
        if not profile or self.task is not None:
            return
        self.error.clear()
        self._busy(True)
        self.badge.set("Signing in…", "idle")
        self.waiting.setText("Waiting for you to sign in in the browser…")

        def work(task: Task) -> dict[str, Any]:
            return gs.sign_in(profile, show_url=lambda url: self.runner.progress(task, url), cancelled=task.should_stop)

        self.task = self.runner.submit("signin", work, self._signed_in, self._sign_in_failed, self._show_url)

    def _show_url(self, url: Any) -> None:
        self.url.setText(f"If no browser opened, copy this address into one:\n{url}")
        self.url.show()

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self.waiting.setText("Cancelling…")

    def sign_out(self) -> None:
        profile = self.profile
        if not profile or self.task is not None:
            return
        self.error.clear()
        self._busy(True)
        self.waiting.setText("Signing out…")
        self.task = self.runner.submit(
            "signout", lambda task: gs.sign_out(profile), self._signed_out, self._sign_in_failed
        )

    def _signed_in(self, result: dict[str, Any]) -> None:
        self._busy(False)
        self.set_profile(self.ref)

    def _signed_out(self, result: dict[str, Any]) -> None:
        self._busy(False)
        self.set_profile(self.ref)
        if result.get("warning"):  # forgotten here, but Salesforce could not be told
            self.error.show_error({"title": "Signed out on this computer", "message": result["warning"], "hint": ""})

    def _sign_in_failed(self, exc: BaseException) -> None:
        self._busy(False)
        self.set_profile(self.ref)
        self.error.show_error(gs.failure(exc))

    def _failed(self, exc: BaseException) -> None:
        self.badge.set("Unknown", "warn")
        self.error.show_error(gs.failure(exc))

    def _busy(self, busy: bool) -> None:
        if not busy:
            self.task = None
        self.cancel_button.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        if busy:  # shown again by the status that follows
            self.sign_in_button.hide()
            self.sign_out_button.hide()
        self.waiting.setVisible(busy)
        if not busy:
            self.url.hide()
