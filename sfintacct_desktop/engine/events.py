"""Immutable events the engine publishes, and the commands it takes.

The worker thread puts events on a queue; the GUI drains it on a timer in its own thread, the CLI
prints them. Frozen dataclasses only: nothing mutable crosses a thread boundary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ..domain import ErrorInfo


@dataclass(frozen=True)
class StreamCounters:
    """What one stream did in one cycle. ``writes_*`` count records written to that system."""

    stream: str
    read: int = 0
    applied: int = 0
    skipped: int = 0
    conflicts: int = 0
    errors: int = 0
    writes_salesforce: int = 0
    writes_intacct: int = 0
    unchanged: int = 0  # of ``skipped``: left out before merging, modstamps as last seen (not in as_dict)
    failure: dict[str, str] | None = None  # the stream's own read failed (title, message, hint, ...)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "read": self.read,
            "applied": self.applied,
            "skipped": self.skipped,
            "conflicts": self.conflicts,
            "errors": self.errors,
            "writes_salesforce": self.writes_salesforce,
            "writes_intacct": self.writes_intacct,
        }
        if self.failure:
            out["failure"] = dict(self.failure)
        return out


@dataclass(frozen=True)
class RunSummary:
    run_id: int
    status: str  # ok | partial (some streams failed on their own) | failed | interrupted | paused
    started_at: datetime
    finished_at: datetime
    streams: tuple[StreamCounters, ...] = ()
    salesforce_api_calls: int = 0
    intacct_transactions: int = 0
    intacct_requests: int = 0
    error: ErrorInfo | None = None

    @property
    def writes(self) -> int:
        return sum(s.writes_salesforce + s.writes_intacct for s in self.streams)

    def as_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "status": self.status,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "streams": {s.stream: s.as_dict() for s in self.streams},
            "writes": self.writes,
            "api_calls": {
                "salesforce": self.salesforce_api_calls,
                "intacct_transactions": self.intacct_transactions,
                "intacct_requests": self.intacct_requests,
            },
            "error": self.error.as_dict() if self.error else None,
        }


# ------------------------------------------------------------------ events
@dataclass(frozen=True)
class Event:
    at: datetime


@dataclass(frozen=True)
class RunStarted(Event):
    run_id: int
    trigger: str


@dataclass(frozen=True)
class Progress(Event):
    run_id: int
    stream: str
    phase: str  # reading | merging | writing | committing
    done: int = 0
    total: int | None = None


@dataclass(frozen=True)
class RecordApplied(Event):
    entity: str
    operation: str  # create | update | deactivate | reactivate | link | overwrite_back
    target: str  # salesforce | intacct
    record_key: str
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class ErrorRaised(Event):
    error: ErrorInfo
    inbox_id: int | None = None


@dataclass(frozen=True)
class ConflictRaised(Event):
    conflict_id: int
    entity: str
    record_key: str
    field: str


@dataclass(frozen=True)
class RunFinished(Event):
    summary: RunSummary


@dataclass(frozen=True)
class EngineStateChanged(Event):
    state: str  # idle | running | paused | stopped
    reason: str = ""


# ---------------------------------------------------------------- commands
class CommandKind(StrEnum):
    SYNC_NOW = "sync_now"
    PAUSE = "pause"
    RESUME = "resume"
    RETRY = "retry"
    RESOLVE = "resolve"
    JOB = "job"  # run a callable on the worker's engine (baseline load, live invoice refresh)
    CANCEL = "cancel"  # end the running cycle after its batch; the worker stays on
    STOP = "stop"


@dataclass(frozen=True)
class Command:
    kind: CommandKind
    args: dict[str, Any] = field(default_factory=dict)
