"""The application's icon on every window, and its desktop identity.

Why both: X11 window managers and the Windows taskbar show the icon a window carries; Wayland
compositors show the icon of the ``.desktop`` entry named by the app id, so the app says which
entry it is (``io.github.sfintacct.SfintacctDesktop``, installed by the Linux archive).
The PNGs live in ``resources/icons/`` of the checkout and of the packaged app (its data folder,
``sys._MEIPASS``); an installation without them simply keeps Qt's default icon.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QGuiApplication, QIcon

DESKTOP_ID = "io.github.sfintacct.SfintacctDesktop"
SIZES = (16, 24, 32, 48, 64, 128, 256)


def icon_folder() -> Path | None:
    """``resources/icons`` of the packaged app, else of the checkout; None when neither has one."""
    base = Path(getattr(sys, "_MEIPASS", "") or Path(__file__).resolve().parents[2])
    folder = base / "resources" / "icons"
    return folder if folder.is_dir() else None


def app_icon() -> QIcon:
    icon = QIcon()
    folder = icon_folder()
    if folder is not None:
        for size in SIZES:
            path = folder / f"sfintacct-desktop-{size}.png"
            if path.exists():
                icon.addFile(str(path))
    return icon


def install(app: QGuiApplication) -> None:
    app.setDesktopFileName(DESKTOP_ID)
    icon = app_icon()
    if not icon.isNull():
        app.setWindowIcon(icon)
