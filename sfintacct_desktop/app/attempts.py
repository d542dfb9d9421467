"""The last sync attempt that failed before it became a run, kept where ``status`` can find it.

Why: an attempt that cannot reach a system (or sign in) fails before the engine records a run, so
the run history's newest row still reads "ok" and ``sfintacct status`` said all was fine while
every sync failed. The worker's process writes the failure to ``<profile>.attempt.json`` beside
the state store (its text is the presenter's: redacted, no secret); the next good run removes it.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config.paths import app_paths
from ..config.private import write_atomic
from ..engine.events import RunSummary

log = logging.getLogger(__name__)


def attempt_path(profile: str) -> Path:
    return app_paths().state_db(profile).parent / f"{profile}.attempt.json"


def note_failed(profile: str, summary: RunSummary) -> None:
    """Record an attempt that failed before it was a run (never fails the caller)."""
    error = summary.error
    if error is None:
        return
    body = {
        "at": summary.finished_at.isoformat(timespec="seconds"),
        "title": error.title,
        "message": error.message,
        "hint": error.hint,
        "kind": str(error.kind),
    }
    try:
        write_atomic(attempt_path(profile), json.dumps(body, sort_keys=True))
    except OSError as exc:
        log.warning("could not record the failed attempt of profile %s: %s", profile, exc)


def clear(profile: str) -> None:
    """A run finished: the failed attempt before it is history (never fails the caller)."""
    try:
        attempt_path(profile).unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not clear the failed attempt of profile %s: %s", profile, exc)


def last_failed(profile: str, runs: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The recorded failed attempt, when it is newer than the newest run in ``runs`` (status rows)."""
    try:
        body = json.loads(attempt_path(profile).read_text(encoding="utf-8"))
        at = datetime.fromisoformat(str(body["at"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    for run in runs:
        try:
            started = datetime.fromisoformat(str(run.get("started_at") or ""))
        except ValueError:
            continue
        if _aware(started) >= _aware(at):
            return None
    return body


def _aware(moment: datetime) -> datetime:
    """The store writes UTC; a moment without a zone is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
