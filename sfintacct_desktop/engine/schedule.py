"""Per-system poll intervals: Salesforce often (Closed Won reaches Intacct fast), Intacct less often.

Why two intervals: an idle Salesforce read is one API call out of a large daily allocation, while
every Intacct read is billed per transaction each month. A scheduled (``--watch``) cycle therefore
reads Intacct's streams only when their interval has passed; the order path still talks to
Intacct whenever a Closed Won opportunity needs it. Cursors of unread streams do not move.
Manual cycles (``sync --once``, the GUI's Sync now) always read both systems.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .projection import DAYS_PER_MONTH

LAST_READ_META = "schedule.intacct_last_read"
SCHEDULED_TRIGGERS = frozenset({"schedule"})
IDLE_INTACCT_READ = 5  # CUSTOMER, ITEM, ARINVOICE, ARPYMT and AUDITHISTORY queries in one request


@dataclass(frozen=True)
class Schedule:
    salesforce_interval: float = 60.0
    intacct_interval: float = 300.0

    def intacct_due(self, trigger: str, last_read: datetime | None, now: datetime) -> bool:
        """Read Intacct in this cycle? Always, except a scheduled cycle within its interval.

        A little slack (a tenth of the Salesforce interval) keeps a 300 s schedule polled by a
        60 s loop from slipping to 360 s because a cycle started a few milliseconds early.
        """
        if trigger not in SCHEDULED_TRIGGERS or last_read is None:
            return True
        slack = min(self.salesforce_interval / 10, 5.0)
        return (now - last_read).total_seconds() >= self.intacct_interval - slack

    def projection(self, report: dict[str, Any]) -> dict[str, Any]:
        """Projected monthly cost of this schedule, from the budget report's measured cycle costs."""
        per = report.get("per_cycle") or {}
        idle = (report.get("measured") or {}).get("idle") or {}
        sf_per_cycle = float(per.get("salesforce_calls") or 1.0)
        ia_per_read = max(float(idle.get("intacct_transactions") or 0.0), float(IDLE_INTACCT_READ))
        sf_cycles_day = 86_400 / self.salesforce_interval
        ia_reads_day = 86_400 / self.intacct_interval
        return {
            "salesforce_interval_seconds": self.salesforce_interval,
            "intacct_interval_seconds": self.intacct_interval,
            "salesforce_calls_per_day": round(sf_per_cycle * sf_cycles_day, 1),
            "intacct_transactions_per_month": round(ia_per_read * ia_reads_day * DAYS_PER_MONTH),
            "note": "Intacct cost of the reads alone; each sales order adds about 2 transactions.",
        }
