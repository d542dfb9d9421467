"""``--screenshot PATH``: save the first window the app paints as a PNG, then quit.

Why: a packaged build must be checked to open its window on a machine without a display (CI runs
it with ``QT_QPA_PLATFORM=offscreen``), and its start-up time measured up to the first paint. The
file is written once the top-level window has painted (welcome, start-up problem or main window:
whichever this start shows), so it is also the moment the benchmark waits for.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QWidget

log = logging.getLogger(__name__)


class FirstPaint(QObject):
    """Watches every top-level window for its first paint; grabs it and quits the app."""

    def __init__(self, path: Path, app: QApplication) -> None:
        super().__init__(app)
        self.path = path
        self.app = app
        self.done = False
        app.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            not self.done
            and event.type() == QEvent.Type.Paint
            and isinstance(watched, QWidget)
            and watched.isWindow()
            and watched.isVisible()
        ):
            self.done = True
            QTimer.singleShot(0, lambda: self._save(watched))  # after this paint has finished
        return False

    def _save(self, window: QWidget) -> None:
        self.app.removeEventFilter(self)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".part")
        if not window.grab().save(str(tmp), "PNG"):
            log.error("the screenshot could not be written to %s", self.path)
        else:
            tmp.replace(self.path)  # whole or absent: a reader polling for the file never sees half of it
        self.app.quit()
