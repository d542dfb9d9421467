"""Help -> Getting started: the guide from connect to live sync, shown in the window (F1).

Why a dialog that stays open beside the window (not modal): the user follows the steps in the window
while reading them.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from ..app.guide import GUIDE, GUIDE_TITLE
from .accessibility import install as install_naming


class GuideDialog(QDialog):
    """The getting-started guide as formatted text; links open in the user's browser."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        install_naming(self)  # named when shown, whatever it was opened from
        self.setWindowTitle(f"{GUIDE_TITLE} - sfintacct")
        self.setAccessibleName(GUIDE_TITLE)
        self.setModal(False)
        self.text = QTextBrowser(self)
        self.text.setOpenExternalLinks(True)
        self.text.setMarkdown(GUIDE)
        self.text.setAccessibleName("Getting started guide")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.buttons.rejected.connect(self.close)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setAccessibleName("Close the guide")
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.buttons)
        self.resize(720, 640)
