"""The cut-over: the moment before which Closed Won deals are history and never become sales orders.

Why a snapshot and not only a date: CloseDate is a date a person types, not the moment the stage
changed, so "closed before the cut-over" is ambiguous on the cut-over day itself. The first live
sync without a baseline therefore records the moment it started and, from the opportunities its
first read returned (every opportunity: that read has no cursor), the deals that were Closed Won
already. The rule, for the live cut-over:

- CloseDate before the cut-over day (in the company's time zone): historical;
- otherwise historical only if the first cycle read it as Closed Won already;
- a deal that becomes Closed Won after that read, with a CloseDate on or after the cut-over day,
  becomes a sales order.

A baseline sets its own cut-over date (``cutover_date``) and marks its deals; only a baseline
changes a cut-over once it exists.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from ..domain import Opportunity

CUTOVER_DATE_META = "cutover_date"  # the day (YYYY-MM-DD): written by the baseline load or the first live sync
CUTOVER_AT_META = "cutover_at"  # the moment (ISO, UTC) of the first live sync without a baseline
APPLIED_META = "baseline_applied"  # {plan, applied_at, cutover_date}, written by the baseline load
HISTORICAL_META = "baseline_historical"  # {opportunity id: sales order DOCID or ""}: never pushed
LIVE_META = "live_sync_started"


def cutover_day(moment: datetime, timezone: str) -> date:
    """The calendar day of ``moment`` where the company keeps its books (CloseDate is such a day)."""
    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError):  # an unknown zone name: UTC rather than no cut-over at all
        return moment.date()
    return moment.astimezone(zone).date()


def won_at_cutover(opps: list[Opportunity], day: date) -> dict[str, str]:
    """Deals Closed Won in the first read whose CloseDate alone would not make them historical."""
    return {o.id: "" for o in opps if o.is_won and not o.deleted and o.close_date >= day}


def start_live_sync(tx: Any, opps: list[Opportunity], moment: datetime, timezone: str) -> None:
    """Record the cut-over of a first live sync (in the caller's write transaction).

    Never moves an existing cut-over: a baseline's, or an earlier live sync's.
    """
    moment_text = moment.isoformat(timespec="seconds")
    tx.meta.set(LIVE_META, moment_text)
    if tx.meta.get(CUTOVER_DATE_META) or tx.meta.get(CUTOVER_AT_META):
        return
    day = cutover_day(moment, timezone)
    tx.meta.set(CUTOVER_DATE_META, day.isoformat())
    tx.meta.set(CUTOVER_AT_META, moment_text)
    won = won_at_cutover(opps, day)
    if won:
        tx.meta.set(HISTORICAL_META, {**won, **(tx.meta.get(HISTORICAL_META) or {})})


def describe(meta: Any) -> dict[str, Any]:
    """The cut-over as ``status`` shows it: day, moment, who set it and the rule in words."""
    day = meta.get(CUTOVER_DATE_META)
    applied = meta.get(APPLIED_META) or {}
    at = meta.get(CUTOVER_AT_META)
    historical = len(meta.get(HISTORICAL_META) or {})
    if not day:
        return {
            "date": None,
            "at": None,
            "source": None,
            "historical_deals": historical,
            "text": "No cut-over yet: the first sync (or a baseline) sets it.",
        }
    if applied:
        source = "baseline"
        origin = f"set by the baseline applied {applied.get('applied_at', '')}".rstrip()
        rule = f"Closed Won deals with a CloseDate before {day} are historical and never become sales orders"
    else:
        source = "first_live_sync"
        origin = f"set by the first sync at {at}" if at else "set by the first sync"
        rule = (
            f"Closed Won deals with a CloseDate before {day}, or already Closed Won at that first sync, "
            "are historical and never become sales orders"
        )
    return {
        "date": day,
        "at": at,
        "source": source,
        "historical_deals": historical,
        "text": f"Cut-over {day} ({origin}): {rule}. Only a baseline changes it.",
    }
