"""API budgets, checked before any work: a share of Salesforce's daily allocation, Intacct per month.

Why counters of our own: ``Sforce-Limit-Info`` is org-wide (other integrations spend it too), so
the engine counts the calls its client made per UTC day and the Intacct transactions per calendar
month in the state store, and stops a run (fatal BUDGET error) once a share is spent.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..connectors import SalesforceConnector
from ..domain import ErrorInfo, ErrorKind, SyncError, System
from ..store import StateStore

DAYS_PER_MONTH = 30.4
DEFAULT_DAILY_ALLOCATION = 15_000  # used until Salesforce has told us its allocation


class Budget:
    def __init__(self, store: StateStore, sf: SalesforceConnector, daily_share: float, monthly_ia: int) -> None:
        self.store, self.sf, self.daily_share, self.monthly_ia = store, sf, daily_share, monthly_ia

    @staticmethod
    def _keys(now: datetime | None = None) -> tuple[str, str]:
        now = now or datetime.now(UTC)
        return f"budget.sf_calls.{now:%Y-%m-%d}", f"budget.ia_transactions.{now:%Y-%m}"

    def usage(self) -> tuple[int, int]:
        sf_key, ia_key = self._keys()
        with self.store.read() as r:
            return int(r.meta.get(sf_key, 0)), int(r.meta.get(ia_key, 0))

    def allocation(self) -> tuple[int | None, int]:
        usage = self.sf.client.api_usage
        return (usage[0], usage[1]) if usage else (None, DEFAULT_DAILY_ALLOCATION)

    def check(self) -> None:
        sf_calls, ia_tx = self.usage()
        org_used, daily = self.allocation()
        if sf_calls >= self.daily_share * daily or (org_used is not None and org_used >= daily):
            raise _error(
                f"The sync used {sf_calls} Salesforce API calls today; its share is {self.daily_share:.0%} of {daily}.",
                System.SALESFORCE,
            )
        if ia_tx >= self.monthly_ia:
            raise _error(
                f"The sync used {ia_tx} Intacct transactions this month; the budget is {self.monthly_ia}.",
                System.INTACCT,
            )

    def record(self, sf_calls: int, ia_transactions: int) -> None:
        sf_key, ia_key = self._keys()
        with self.store.write() as tx:
            tx.meta.set(sf_key, int(tx.meta.get(sf_key, 0)) + sf_calls)
            tx.meta.set(ia_key, int(tx.meta.get(ia_key, 0)) + ia_transactions)

    def report(self, interval_seconds: float | None = None) -> dict[str, Any]:
        """Usage against the shares, and the projected monthly cost of a schedule from recent runs."""
        sf_calls, ia_tx = self.usage()
        org_used, daily = self.allocation()
        with self.store.read() as r:
            runs = [x for x in r.runs.recent(20) if x.finished_at is not None and x.trigger != "retry"]
        per_sf = sum(x.sf_api_calls for x in runs) / len(runs) if runs else 1.0
        per_ia = sum(x.ia_transactions for x in runs) / len(runs) if runs else 3.0
        out: dict[str, Any] = {
            "salesforce": {
                "calls_today": sf_calls,
                "daily_share": self.daily_share,
                "daily_allocation": daily,
                "share_calls": int(self.daily_share * daily),
                "org_used": org_used,
            },
            "intacct": {"transactions_this_month": ia_tx, "monthly_budget": self.monthly_ia},
            "per_cycle": {"salesforce_calls": per_sf, "intacct_transactions": per_ia},
        }
        if interval_seconds:
            cycles_per_day = 86_400 / interval_seconds
            out["projection"] = {
                "interval_seconds": interval_seconds,
                "salesforce_calls_per_day": round(per_sf * cycles_per_day, 1),
                "salesforce_share_used": round(per_sf * cycles_per_day / max(1, self.daily_share * daily), 4),
                "intacct_transactions_per_month": round(per_ia * cycles_per_day * DAYS_PER_MONTH, 1),
                "intacct_budget_used": round(per_ia * cycles_per_day * DAYS_PER_MONTH / max(1, self.monthly_ia), 4),
            }
        return out


def _error(message: str, system: System) -> SyncError:
    return SyncError(
        ErrorInfo(
            ErrorKind.BUDGET,
            "API budget reached",
            message,
            "Syncing resumes when the budget window rolls over (a new day or month); raise the share in the "
            "profile if this is expected.",
            system,
        )
    )
