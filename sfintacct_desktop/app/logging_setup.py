"""Logging for the CLI and the app: a rotating file under the log directory, and stderr.

Why the redaction filter goes on last: ``install_redaction`` attaches the one RedactingFilter to
the root logger *and its handlers as they are at that moment*; a handler added later would log
unredacted text. So handlers are added first and redaction installed right after.
"""

from __future__ import annotations

import logging
import os
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

from ..config.paths import app_paths
from ..config.private import ensure_dir, open_private_text, repair_roots
from ..secrets import install_redaction

LOG_FILE_NAME = "sfintacct.log"
LOG_LEVEL_ENV = "SFINTACCT_LOG_LEVEL"  # level of the log file (default INFO); DEBUG for diagnosis
MAX_BYTES = 5 * 1024 * 1024
BACKUP_COUNT = 5
_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"
_MARK = "_sfintacct_handler"


class PrivateRotatingFileHandler(RotatingFileHandler):
    """A rotating log file created 0600 (and its rotated copies too): logs name customers."""

    def _open(self):  # type: ignore[no-untyped-def]
        return open_private_text(Path(self.baseFilename), "a" if "a" in self.mode else "w", self.encoding or "utf-8")


class ConsoleFormatter(logging.Formatter):
    """One line per record: tracebacks go to the log file only, never to the person's terminal."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        try:
            text = super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved
        return text + (" (details in the log file)" if saved[0] or saved[1] else "")


def _level(name: str | None, default: int) -> int:
    value = logging.getLevelName((name or "").upper())
    return value if isinstance(value, int) else default


def setup_logging(verbose: int = 0, *, stderr: bool = True, log_file: bool = True) -> Path | None:
    """Configure the root logger; returns the log file path (or None). Safe to call again.

    stderr shows WARNING, INFO with ``-v``, DEBUG with ``-vv``. The file records at
    ``SFINTACCT_LOG_LEVEL`` (default INFO), or lower when ``-v`` asks for more on stderr.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(handler)
        handler.close()
    console_level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    file_level = min(_level(os.environ.get(LOG_LEVEL_ENV), logging.INFO), console_level)
    path: Path | None = None
    levels = []
    if log_file:
        log_dir = app_paths().log_dir
        ensure_dir(log_dir)
        path = log_dir / LOG_FILE_NAME
        file_handler = PrivateRotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8")
        file_handler.setLevel(file_level)
        file_handler.setFormatter(logging.Formatter(_FORMAT))
        setattr(file_handler, _MARK, True)
        root.addHandler(file_handler)
        levels.append(file_level)
    if stderr:
        console = logging.StreamHandler(sys.stderr)
        console.setLevel(console_level)
        console.setFormatter(ConsoleFormatter("%(levelname)s %(name)s: %(message)s"))
        setattr(console, _MARK, True)
        root.addHandler(console)
        levels.append(console_level)
    root.setLevel(min(levels, default=logging.WARNING))
    logging.captureWarnings(True)
    install_redaction(root)
    return path


def secure_product_files() -> list[Path]:
    """Make the product's folders 0700 and files 0600 again, with a warning for each that was not.

    Called at every start (CLI and window): files written by an older version, or copied in by
    hand, may be readable by other users of the machine; they hold customers' data.
    """
    try:
        fixed = repair_roots(app_paths().roots)
    except OSError as exc:
        logging.getLogger(__name__).warning("could not check the permissions of the product's files: %s", exc)
        return []
    for path in fixed:
        logging.getLogger(__name__).warning("%s was readable by other users; it is private now", path)
    return fixed
