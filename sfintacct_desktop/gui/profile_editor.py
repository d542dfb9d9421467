"""Add or edit a connection profile in the window: both systems' settings, secrets to the keyring.

Why Test before Save: a profile that cannot log in is worse than none, so the unsaved settings can
be tried against both systems first (off the GUI thread, nothing written). Every check runs in the
app layer (``app.profile_editing``) with the CLI's rules, and each problem comes back under the
field it belongs to. Secrets are never read back into the form: a stored one shows as "stored",
and an empty field keeps it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..app import gui_support as gs
from ..app import profile_editing as pe
from .accessibility import install as install_naming
from .checklist import ChecklistPanel, TestSummary
from .task_runner import TaskRunner
from .widgets import Badge, ErrorPanel, heading, note

SF_FIELDS: tuple[tuple[str, str, str], ...] = (  # key, label, placeholder
    ("sf.host_value", "My Domain / address", ""),
    ("sf.username", "Username", "name@company.com"),
    ("sf.consumer_key", "Consumer key", "the External Client App's consumer key"),
    ("sf.private_key_file", "Private key file", "PEM file of the app's certificate"),
    ("salesforce.password", "Password", ""),
    ("salesforce.security_token", "Security token", "optional"),
    ("salesforce.consumer_secret", "Consumer secret", "if the app has one"),
    ("sf.callback_ports", "Callback ports", "1717,1718,1719"),
    ("sf.api_version", "API version", ""),
)
IA_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("ia.endpoint", "Endpoint", "https://api.intacct.com/ia/xml/xmlgw.phtml"),
    ("ia.sender_id", "Sender ID", "Web Services sender ID"),
    ("intacct.sender_password", "Sender password", ""),
    ("ia.company_id", "Company ID", ""),
    ("ia.user_id", "User ID", "Web Services user"),
    ("intacct.user_password", "User password", ""),
    ("ia.location_id", "Entity ID", "optional: a multi-entity company's entity"),
    ("ia.timezone", "Time zone", "America/Los_Angeles"),
)
SECRET_FIELDS = {s.key for s in pe.app_profiles.SECRETS}
ALWAYS_SHOWN = {"sf.api_version", "sf.host_value"}


class ProfileEditor(QDialog):
    """The editor of one profile (``original``) or of a new one (``original`` None)."""

    saved = Signal(str, str)  # the profile's name, the name it had before (empty unless renamed)

    def __init__(
        self, runner: TaskRunner, original: str | None = None, *, open_profile: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        install_naming(self)  # named when shown, whatever it was opened from
        self.runner = runner
        self.original = original
        self.open_profile = open_profile
        self.busy = False
        self.last_test: dict[str, Any] | None = None
        self.setWindowTitle(f"Edit profile {original}" if original else "Add a connection profile")
        self.resize(1000, 680)
        self.fields: dict[str, QLineEdit | QComboBox] = {}
        self.errors: dict[str, QLabel] = {}
        self.rows: dict[str, QWidget] = {}
        self.forms: dict[str, QFormLayout] = {}

        outer = QVBoxLayout(self)
        self.scroll = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(heading(self.windowTitle()))
        layout.addWidget(
            note(
                "Settings are saved in the profiles file; passwords, tokens and secrets go to the keyring only. "
                "Test tries these settings against both systems without saving anything."
            )
        )
        top = QFormLayout()
        self._line(top, "name", "Profile name", "for example acme")
        self.fields["name"].setMaximumWidth(360)
        layout.addLayout(top)
        sides = QHBoxLayout()
        sf_box, ia_box = QGroupBox("Salesforce"), QGroupBox("Sage Intacct")
        sf_form, ia_form = QFormLayout(sf_box), QFormLayout(ia_box)
        self._combo(sf_form, "sf.auth_method", "Login", pe.LOGIN_CHOICES)
        self._combo(sf_form, "sf.host_kind", "Login host", pe.HOST_CHOICES)
        for key, label, hint in SF_FIELDS:
            self._line(sf_form, key, label, hint)
        for key, label, hint in IA_FIELDS:
            self._line(ia_form, key, label, hint)
        browse = QPushButton("Browse…")
        browse.setAccessibleName("Choose the private key file")
        browse.clicked.connect(self._browse_key)
        self.rows["sf.private_key_file"].layout().itemAt(0).layout().addWidget(browse)  # type: ignore[union-attr]
        sides.addWidget(sf_box, 1)
        sides.addWidget(ia_box, 1)
        layout.addLayout(sides)
        self.legacy = note()
        self.legacy.setStyleSheet("color: #9a6700;")
        layout.addWidget(self.legacy)

        store_box = QGroupBox("Credential store")
        store_form = QFormLayout(store_box)
        self._combo(store_form, "credential_backend", "Secrets kept in", pe.BACKEND_CHOICES)
        keyring_row = QHBoxLayout()
        self.keyring_badge = Badge("Checking…", "idle")
        self.keyring_badge.setAccessibleName("Keyring status")
        keyring_row.addWidget(self.keyring_badge, 0, Qt.AlignmentFlag.AlignTop)
        self.keyring_text = QLabel()
        self.keyring_text.setWordWrap(True)
        keyring_row.addWidget(self.keyring_text, 1)
        store_form.addRow("Keyring", keyring_row)
        layout.addWidget(store_box)

        self.problem = ErrorPanel()
        layout.addWidget(self.problem)
        self.result_box = result_box = QGroupBox("Test result")
        result_layout = QVBoxLayout(result_box)
        self.summary = TestSummary()
        result_layout.addWidget(self.summary)
        self.checklist = ChecklistPanel()
        result_layout.addWidget(self.checklist)
        layout.addWidget(result_box)
        layout.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll, 1)

        buttons = QHBoxLayout()
        self.status = note()
        buttons.addWidget(self.status, 1)
        self.test_button = QPushButton("Test")
        self.test_button.setToolTip("Log in to both systems with these settings; nothing is saved.")
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        for button in (self.test_button, self.save_button, self.cancel_button):
            button.setAccessibleName(button.text())
            buttons.addWidget(button)
        outer.addLayout(buttons)
        self.test_button.clicked.connect(self.test)
        self.save_button.clicked.connect(self.save)
        self.cancel_button.clicked.connect(self.reject)
        self.fields["sf.auth_method"].currentIndexChanged.connect(self._method_changed)  # type: ignore[union-attr]
        self.fields["sf.host_kind"].currentIndexChanged.connect(self._method_changed)  # type: ignore[union-attr]
        self.fields["credential_backend"].currentIndexChanged.connect(self._check_keyring)  # type: ignore[union-attr]
        self.set_value("sf.api_version", pe.DEFAULT_API_VERSION)
        self.set_value("ia.timezone", pe.cfg.DEFAULT_TIMEZONE)
        self._method_changed()
        self._check_keyring()
        if original:
            self._set_busy("Reading the profile…")
            self.runner.submit(
                "profile-read",
                lambda task: (pe.form_of(original), pe.stored_secrets(original)),
                self._loaded,
                self._failed,
            )

    # ------------------------------------------------------------------ building
    def _row(self, form: QFormLayout, key: str, label: str, widget: QWidget) -> None:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        line = QHBoxLayout()
        line.addWidget(widget, 1, Qt.AlignmentFlag.AlignLeft if key == "name" else Qt.AlignmentFlag(0))
        column.addLayout(line)
        error = QLabel()
        error.setWordWrap(True)
        error.setStyleSheet("color: #b42318;")
        error.setAccessibleName(f"{label} problem")
        error.hide()
        column.addWidget(error)
        caption = QLabel(f"{label}:")
        caption.setBuddy(widget)
        widget.setAccessibleName(label)
        form.addRow(caption, box)
        self.fields[key] = widget  # type: ignore[assignment]
        self.errors[key] = error
        self.rows[key] = box
        self.forms.setdefault(key, form)

    def _line(self, form: QFormLayout, key: str, label: str, placeholder: str) -> None:
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        if key in SECRET_FIELDS:
            edit.setEchoMode(QLineEdit.EchoMode.Password)
        self._row(form, key, label, edit)

    def _combo(self, form: QFormLayout, key: str, label: str, choices: tuple[tuple[str, str], ...]) -> None:
        combo = QComboBox()
        for value, text in choices:
            combo.addItem(text, value)
        self._row(form, key, label, combo)

    # ------------------------------------------------------------------ values
    def value(self, key: str) -> str:
        widget = self.fields[key]
        if isinstance(widget, QComboBox):
            return str(widget.currentData() or "")
        return widget.text()

    def set_value(self, key: str, value: str) -> None:
        widget = self.fields[key]
        if isinstance(widget, QComboBox):
            index = widget.findData(value)
            widget.setCurrentIndex(max(index, 0))
        else:
            widget.setText(value)

    def form(self) -> dict[str, str]:
        return {k: self.value(k) for k in self.fields if k not in SECRET_FIELDS}

    def secrets(self) -> dict[str, str]:
        """The secrets typed in the visible fields (a hidden one belongs to another login method)."""
        return {k: self.value(k) for k in SECRET_FIELDS if self.value(k) and not self.rows[k].isHidden()}

    def _visible(self, key: str, shown: bool) -> None:
        self.rows[key].setHidden(not shown)
        self.forms[key].setRowVisible(self.rows[key], shown)

    def _method_changed(self) -> None:
        method = self.value("sf.auth_method")
        used = set(pe.METHOD_FIELDS.get(method, ()))
        for key, _label, _hint in SF_FIELDS:
            if key not in ALWAYS_SHOWN:
                self._visible(key, key in used)
        host = self.value("sf.host_kind")
        self._visible("sf.host_value", host in ("mydomain", "url"))
        edit = self.fields["sf.host_value"]
        assert isinstance(edit, QLineEdit)
        edit.setPlaceholderText(
            "your-company (the part before .my.salesforce.com)" if host == "mydomain" else "https://…"
        )
        legacy = method in ("soap", "oauth_password")
        if legacy:
            text = (
                "This login method is legacy: Salesforce is retiring it. Sign in with Salesforce (browser) is the "
                "way Salesforce asks integrations to sign in."
            )
        elif method == "web":
            text = (
                "After Save, press Sign in with Salesforce on the Connections tab: Salesforce's own page opens in "
                "your browser, and only a refresh token is kept, in the keyring."
            )
        else:
            text = ""
        self.legacy.setStyleSheet("color: #9a6700;" if legacy else "color: #475467;")
        self.legacy.setText(text)
        self.legacy.setVisible(bool(text))

    def _browse_key(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Private key file", "", "PEM files (*.pem *.key);;All files (*)")
        if path:
            self.set_value("sf.private_key_file", path)

    # ------------------------------------------------------------------ errors
    def show_errors(self, errors: dict[str, str]) -> None:
        """Each problem under its field (the form's own problem above the buttons); focus the first."""
        first = None
        for key, label in self.errors.items():
            text = errors.get(key, "")
            label.setText(text)
            label.setVisible(bool(text))
            if text and first is None and not self.rows[key].isHidden():
                first = self.fields[key]
        form_problem = errors.get(pe.FORM)
        self.problem.show_error(
            {"title": "The profile cannot be saved", "message": form_problem, "hint": ""} if form_problem else None
        )
        if first is not None:
            first.setFocus()
            self.scroll.ensureWidgetVisible(first)
        if errors:
            self.status.setText("Correct the fields marked in red.")

    # ------------------------------------------------------------------ background work
    def _set_busy(self, text: str) -> None:
        self.busy = bool(text)
        for button in (self.test_button, self.save_button):
            button.setEnabled(not self.busy)
        self.status.setText(text)

    def _check_keyring(self) -> None:
        backend = self.value("credential_backend")
        self.keyring_badge.set("Checking…", "idle")
        self.runner.submit("keyring-status", lambda task: pe.keyring_status(backend), self._keyring_shown, self._failed)

    def _keyring_shown(self, status: dict[str, Any]) -> None:
        if status["secure"]:
            self.keyring_badge.set("Secure", "ok")
            self.keyring_text.setText(f"Secrets go to {status['backend']}.")
        else:
            self.keyring_badge.set("Not secure", "error")
            self.keyring_text.setText(f"{status['reason']} (backend {status['backend']})\nWhat to do: {status['hint']}")

    def _loaded(self, loaded: tuple[dict[str, str], dict[str, str]]) -> None:
        form, stored = loaded
        for key, value in form.items():
            if key in self.fields:
                self.set_value(key, value)
        for key in SECRET_FIELDS:
            edit = self.fields[key]
            assert isinstance(edit, QLineEdit)
            if stored.get(key) == "stored":
                edit.setPlaceholderText("stored in the keyring: leave empty to keep it")
        self._set_busy("")
        self._method_changed()

    def test(self) -> None:
        if self.busy:
            return
        form, secrets = self.form(), self.secrets()
        self.show_errors({})
        self.summary.show_busy()
        self.checklist.reset("Testing…")
        self._set_busy("Testing both systems with these settings (nothing is saved)…")
        self.runner.submit(
            "profile-test",
            lambda task: pe.try_form(form, secrets, original=self.original, open_profile=self.open_profile),
            self._tested,
            self._failed,
        )

    def _tested(self, result: dict[str, Any]) -> None:
        self._set_busy("")
        if result["errors"]:
            self.summary.reset()
            self.checklist.reset()
            self.show_errors(result["errors"])
            return
        self.last_test = result
        self.summary.show_result(result)
        self.checklist.show_result(result)
        QTimer.singleShot(0, self.show_result_in_sight)  # once the result is laid out
        ok = all(result[k].get("ok") for k in ("salesforce", "intacct"))
        self.status.setText("Both systems answered: save the profile." if ok else "See the test result below.")

    def show_result_in_sight(self) -> None:
        """The test result's top at the top of the page, so it is read without scrolling."""
        self.scroll.verticalScrollBar().setValue(self.result_box.y())

    def save(self) -> None:
        if self.busy:
            return
        form, secrets = self.form(), self.secrets()
        self.show_errors({})
        self._set_busy("Saving…")
        self.runner.submit(
            "profile-save",
            lambda task: pe.save_form(form, secrets, original=self.original, open_profile=self.open_profile),
            self._saved,
            self._failed,
        )

    def _saved(self, result: dict[str, Any]) -> None:
        self._set_busy("")
        if result["errors"]:
            self.show_errors(result["errors"])
            return
        self.saved.emit(result["profile"], result.get("renamed_from") or "")
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._set_busy("")
        self.problem.show_error(gs.failure(exc))
