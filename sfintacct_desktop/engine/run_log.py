"""One run's log lines, kept in a file of their own so the window can show them with the run.

Why a handler scoped to the worker's thread: the log file mixes every thread and every run; an
operator looking at run 42 wants the lines of run 42 only. The worker starts a :class:`RunLog`
around each engine call; it keeps the worker thread's log records (INFO and above) and the run's
own events, redacted, and writes them to ``<dir>/run-<id>.log`` (0600) once the run id is known.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from pathlib import Path

from ..config.private import open_private_text
from ..secrets import redact
from .events import (
    ConflictRaised,
    ErrorRaised,
    Event,
    Progress,
    RecordApplied,
    RunFinished,
    RunStarted,
)

MAX_LINES = 5000  # a run's file stays readable; the main log file has everything


def run_log_path(folder: Path, run_id: int) -> Path:
    return Path(folder) / f"run-{int(run_id)}.log"


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def describe_event(ev: Event) -> str:
    """The event as one line for people, or "" for events not worth a line (every batch's progress)."""
    if isinstance(ev, RunStarted):
        return f"Run {ev.run_id} started ({ev.trigger})"
    if isinstance(ev, Progress):
        if ev.phase == "reading":
            return f"{ev.stream}: read {ev.done} record(s)"
        return ""
    if isinstance(ev, RecordApplied):
        fields = f" ({', '.join(ev.fields)})" if ev.fields else ""
        return f"{ev.entity} {ev.record_key}: {ev.operation} in {ev.target}{fields}"
    if isinstance(ev, ConflictRaised):
        return f"{ev.entity} {ev.record_key}: conflict on {ev.field} (conflict #{ev.conflict_id})"
    if isinstance(ev, ErrorRaised):
        return f"Error: {ev.error.title}: {ev.error.message}"
    if isinstance(ev, RunFinished):
        s = ev.summary
        return f"Run {s.run_id} finished: {s.status}, {s.writes} write(s)"
    return ""


class RunLog(logging.Handler):
    """Collects one run's lines (the worker thread's log records and its events)."""

    def __init__(self, folder: Path) -> None:
        super().__init__(logging.INFO)
        self.folder = Path(folder)
        self.lines: list[str] = []
        self.run_id = 0
        self._thread = threading.get_ident()
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    # ------------------------------------------------------------------ collecting
    def start(self) -> RunLog:
        """Start collecting the calling thread's log records."""
        self._thread = threading.get_ident()
        logging.getLogger().addHandler(self)
        return self

    def finish(self) -> Path | None:
        """Stop collecting and keep the lines; returns the run's file (None: nothing kept)."""
        logging.getLogger().removeHandler(self)
        self.close()
        return self.write()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self._thread:
            return
        try:
            text = self.format(record)
        except Exception:  # a bad record must never break the run
            return
        self._add(datetime.fromtimestamp(record.created, UTC), text)

    def event(self, ev: Event) -> None:
        if isinstance(ev, RunStarted) and not self.run_id:
            self.run_id = ev.run_id
        elif isinstance(ev, RunFinished) and not self.run_id:
            self.run_id = ev.summary.run_id
        text = describe_event(ev)
        if text:
            self._add(ev.at, text)

    def _add(self, at: datetime, text: str) -> None:
        if len(self.lines) < MAX_LINES:
            self.lines.append(redact(f"{_stamp(at)} {text}"))
        elif len(self.lines) == MAX_LINES:
            self.lines.append(f"… more lines in the main log file ({_stamp(at)})")

    # ------------------------------------------------------------------ keeping
    def write(self) -> Path | None:
        """Write the lines to the run's file (nothing without a run id: no run was recorded)."""
        if not self.run_id or not self.lines:
            return None
        path = run_log_path(self.folder, self.run_id)
        try:
            with open_private_text(path, "a") as f:
                f.write("\n".join(self.lines) + "\n")
        except OSError:
            logging.getLogger(__name__).warning("Could not keep the lines of run %s", self.run_id, exc_info=True)
            return None
        return path


def read_run_log(folder: Path, run_id: int) -> list[str]:
    """The kept lines of a run ([] when none were kept)."""
    path = run_log_path(folder, run_id)
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
