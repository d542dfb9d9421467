"""Per-system poll intervals: Salesforce every minute, Intacct every minute by default too.

Why two intervals: an idle Salesforce read is one API call out of a large daily allocation, while
every Intacct read is billed per transaction each month. An idle Intacct poll is one transaction
(the audit trail probe, ``ia_probe``), which keeps a one-minute poll inside the default monthly
budget (``docs/sync.md``); a company with a smaller budget sets a longer Intacct interval, and a
scheduled (``--watch``) cycle then reads Intacct only when that interval has passed; the order path still talks to
Intacct whenever a Closed Won opportunity needs it. Cursors of unread streams do not move.
Manual cycles (``sync --once``, the GUI's Sync now) always read both systems.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .projection import DEFAULT_SAFETY_NET, DESIGN_IDLE_INTACCT_READ, intacct_idle_month

LAST_READ_META = "schedule.intacct_last_read"
SCHEDULED_TRIGGERS = frozenset({"schedule"})


@dataclass(frozen=True)
class Schedule:
    salesforce_interval: float = 60.0
    intacct_interval: float = 60.0
    safety_net: float = DEFAULT_SAFETY_NET

    def intacct_due(self, trigger: str, last_read: datetime | None, now: datetime) -> bool:
        """Read Intacct in this cycle? Always, except a scheduled cycle within its interval.

        A little slack (a tenth of the Salesforce interval) keeps a 120 s schedule polled by a
        60 s loop from slipping to 180 s because a cycle started a few milliseconds early.
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
        probe = float(idle.get("intacct_transactions") or DESIGN_IDLE_INTACCT_READ)
        ia = intacct_idle_month(probe, max(self.intacct_interval, self.salesforce_interval), self.safety_net)
        sf_cycles_day = 86_400 / self.salesforce_interval
        return {
            "salesforce_interval_seconds": self.salesforce_interval,
            "intacct_interval_seconds": self.intacct_interval,
            "salesforce_calls_per_day": round(sf_per_cycle * sf_cycles_day, 1),
            "intacct_transactions_per_month": round(ia["probes"] + ia["safety_net"]),
            "intacct_probe_transactions_per_month": round(ia["probes"]),
            "intacct_safety_net_transactions_per_month": round(ia["safety_net"]),
            "note": (
                "Intacct cost of the reads alone (a probe per poll, every stream read in full every "
                f"{self.safety_net / 60:g} minutes); changed streams and each sales order add more."
            ),
        }
