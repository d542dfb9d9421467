"""Waiting for a spent API budget instead of giving up: when to check again, and how cheaply.

Why a wait and not a stop: a spent allocation is not an error anyone can fix; it frees up by itself
(Salesforce counts over a rolling 24 hours, this sync's own share per UTC day, the Intacct budget
per calendar month). A watching sync therefore records the wait in the state store (so
``sfintacct status`` and the GUI show "waiting for the API budget until ..."), checks again at a
low cost, and resumes by itself:

- Salesforce's org allocation: one ``limits/`` call (one API call, refused at no cost while spent);
- this sync's daily share and the Intacct monthly budget: the local counters only, no call at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..domain import ErrorInfo, ErrorKind, SyncError, System

WAIT_META = "budget_wait"
ALLOCATION, SHARE, MONTHLY, REMOTE = "allocation", "share", "monthly", "remote"
RESERVE_SHARE = 0.01  # resume once at least 1% of the org's allocation is free again (at least one call)


@dataclass(frozen=True)
class BudgetWait:
    """One spent budget: which, why, since when, until when (when known) and the next check."""

    system: System
    cause: str  # ALLOCATION (org, rolling 24 h), SHARE (daily share), MONTHLY (Intacct), REMOTE (try later)
    message: str
    since: datetime
    next_check: datetime
    until: datetime | None = None  # when the window rolls over; None for a rolling allocation
    check_in: float = 0.0  # seconds from ``since``'s check to ``next_check`` (the worker's timer)

    @property
    def text(self) -> str:
        if self.until is not None:
            when = f"until {self.until:%Y-%m-%d %H:%M} UTC"
        else:
            when = f"until it frees up (next check {self.next_check:%Y-%m-%d %H:%M} UTC)"
        return f"Waiting for the API budget {when}: {self.message} The sync resumes by itself."

    def as_dict(self) -> dict[str, Any]:
        return {
            "system": self.system.value,
            "cause": self.cause,
            "message": self.message,
            "since": self.since.isoformat(),
            "next_check": self.next_check.isoformat(),
            "until": self.until.isoformat(timespec="seconds") if self.until else None,
            "check_in": f"{self.check_in:.3f}",  # no floats in the state store
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> BudgetWait:
        until = raw.get("until")
        return cls(
            System(str(raw["system"])),
            str(raw["cause"]),
            str(raw.get("message", "")),
            datetime.fromisoformat(str(raw["since"])),
            datetime.fromisoformat(str(raw["next_check"])),
            datetime.fromisoformat(str(until)) if until else None,
            float(raw.get("check_in") or 0.0),
        )


def next_day(now: datetime) -> datetime:
    return datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)


def next_month(now: datetime) -> datetime:
    return datetime(now.year + now.month // 12, now.month % 12 + 1, 1, tzinfo=UTC)


def allocation_free(used: int, total: int) -> bool:
    """Enough of the org's allocation is free again to run a cycle."""
    return total > 0 and total - used >= max(1, int(total * RESERVE_SHARE))


def budget_error(wait: BudgetWait) -> SyncError:
    """The run's fatal BUDGET error for a wait found before any call."""
    hint = "A watching sync waits and checks again at a low cost, then resumes by itself" + (
        f" ({wait.until:%Y-%m-%d %H:%M} UTC, when the window rolls over)." if wait.until else "."
    )
    if wait.cause == SHARE:
        hint += " Raise the share in the profile if this is expected."
    elif wait.cause == MONTHLY:
        hint += " Raise the monthly budget in the profile if this is expected."
    title = "Salesforce API allocation is spent" if wait.cause == ALLOCATION else "API budget reached"
    return SyncError(ErrorInfo(ErrorKind.BUDGET, title, wait.message, hint, wait.system))


class WaitBook:
    """Reads and writes the recorded wait; the engine's Budget owns one."""

    def __init__(self, store: Any, clock: Callable[[], datetime], check_seconds: float) -> None:
        self.store, self.clock, self.check_seconds = store, clock, max(0.0, check_seconds)

    def current(self) -> BudgetWait | None:
        with self.store.read() as r:
            raw = r.meta.get(WAIT_META)
        try:
            return BudgetWait.from_dict(raw) if raw else None
        except (KeyError, ValueError):
            return None

    def make(
        self, system: System, cause: str, message: str, until: datetime | None, since: datetime | None = None
    ) -> BudgetWait:
        now = self.clock()
        check = now + timedelta(seconds=self.check_seconds)
        if until is not None:
            check = min(check, until)
        return BudgetWait(system, cause, message, since or now, check, until, (check - now).total_seconds())

    def record(self, wait: BudgetWait) -> BudgetWait:
        earlier = self.current()
        if earlier is not None and (earlier.system, earlier.cause) == (wait.system, wait.cause):
            wait = BudgetWait(
                wait.system, wait.cause, wait.message, earlier.since, wait.next_check, wait.until, wait.check_in
            )
        with self.store.write() as tx:
            tx.meta.set(WAIT_META, wait.as_dict())
        return wait

    def clear(self) -> None:
        with self.store.read() as r:
            present = r.meta.get(WAIT_META)
        if present:
            with self.store.write() as tx:
                tx.meta.set(WAIT_META, None)
