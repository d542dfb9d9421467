"""The confirmation before a baseline load: what will be written where, in counts per system and
object, computed by the app layer from the reviewed plan.

Why a dialog: the load writes to two live systems; the person confirms the numbers, not a button.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from .accessibility import install as install_naming


class ConfirmApply(QDialog):
    def __init__(self, summary: dict[str, Any], plan_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        install_naming(self)  # named when shown, whatever it was opened from
        self.setWindowTitle("Apply the baseline?")
        self.setAccessibleName("Confirm the baseline load")
        self.setModal(True)
        lay = QVBoxLayout(self)
        kept = f"; {summary['left_out']:,} kept out of the live sync" if summary["left_out"] else ""
        intro = QLabel(
            f"Applying the {summary['accepted']:,} accepted action(s) of profile {plan_name} "
            f"({summary['records']:,} records to link, create or mark historical{kept}) writes to both live systems:"
        )
        intro.setWordWrap(True)
        lay.addWidget(intro)
        self.lines = QLabel("\n".join(f"• {line}" for line in summary["lines"]))
        self.lines.setAccessibleName("What will be written")
        self.lines.setWordWrap(True)
        self.lines.setStyleSheet("font-weight: 600;")
        lay.addWidget(self.lines)
        more = [
            "Existing Intacct invoices and payments are then copied onto their Salesforce Accounts.",
            f"{summary['not_applied']:,} action(s) not accepted: their records are left alone by the live sync "
            "until a later plan accepts them."
            if summary["not_applied"]
            else "",
            "The load runs in batches and can be stopped after any batch; applying again continues.",
        ]
        rest = QLabel("\n".join(m for m in more if m))
        rest.setWordWrap(True)
        lay.addWidget(rest)
        self.buttons = QDialogButtonBox()
        self.apply = self.buttons.addButton("Apply to both systems", QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply.setAccessibleName("Apply to both systems")
        cancel = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAccessibleName("Cancel the apply")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        self.resize(620, self.sizeHint().height())

    def text(self) -> str:
        return self.lines.text()
