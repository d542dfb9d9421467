"""The badge that says, always in sight, whether the window works on the sandbox or on real systems."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLabel

SANDBOX_STYLE = "color: #175cd3; background: #eff8ff; border: 1px solid #175cd3;"
PRODUCTION_STYLE = "color: #ffffff; background: #b42318; border: 1px solid #7a271a;"


class KindBadge(QLabel):
    """ "Sandbox" (blue) or "Production" (red), in words and colour.

    Why production is the default: a profile that cannot be read is treated as real, so the window
    never calls something harmless that may not be.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setAccessibleName("Systems in use")
        self.show_kind(False)

    def show_kind(self, sandbox: bool) -> None:
        self.sandbox = sandbox
        self.setText("Sandbox" if sandbox else "Production")
        self.setToolTip(
            "The demo company in the local emulators: nothing here reaches a real system."
            if sandbox
            else "Real Salesforce and Sage Intacct: changes reach your company's systems."
        )
        style = SANDBOX_STYLE if sandbox else PRODUCTION_STYLE
        self.setStyleSheet(f"{style} border-radius: 4px; padding: 1px 10px; font-weight: 700;")

    def show_session(self, session: Any) -> None:
        try:
            sandbox = bool(session.profile.is_sandbox)
        except Exception:  # an unreadable profile is shown as real (see the class docstring)
            sandbox = False
        self.show_kind(sandbox)
