"""API budgets, checked before any work: a share of Salesforce's daily allocation, Intacct per month.

Why counters of our own: ``Sforce-Limit-Info`` is org-wide (other integrations spend it too), so
the engine counts the calls its client made per UTC day and the Intacct transactions per calendar
month in the state store, and stops a run (fatal BUDGET error) once a share is spent. A watching
sync then waits and checks again cheaply (``budget_wait``) instead of giving up.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..connectors import SalesforceConnector
from ..domain import ErrorInfo, SyncError, System
from ..store import StateStore
from .budget_wait import (
    ALLOCATION,
    MONTHLY,
    SHARE,
    BudgetWait,
    WaitBook,
    allocation_free,
    budget_error,
    next_day,
    next_month,
)

DAYS_PER_MONTH = 30.4
DEFAULT_DAILY_ALLOCATION = 15_000  # used until Salesforce has told us its allocation
DEFAULT_CHECK_SECONDS = 900.0  # while a budget is spent, check again this often (at a low cost)


class Budget:
    def __init__(
        self,
        store: StateStore,
        sf: SalesforceConnector,
        daily_share: float,
        monthly_ia: int,
        *,
        clock: Callable[[], datetime] | None = None,
        check_seconds: float = DEFAULT_CHECK_SECONDS,
    ) -> None:
        self.store, self.sf, self.daily_share, self.monthly_ia = store, sf, daily_share, monthly_ia
        self.clock = clock or (lambda: datetime.now(UTC))
        self.waits = WaitBook(store, self.clock, check_seconds)

    def _keys(self, now: datetime | None = None) -> tuple[str, str]:
        now = now or self.clock()
        return f"budget.sf_calls.{now:%Y-%m-%d}", f"budget.ia_transactions.{now:%Y-%m}"

    def usage(self) -> tuple[int, int]:
        sf_key, ia_key = self._keys()
        with self.store.read() as r:
            return int(r.meta.get(sf_key, 0)), int(r.meta.get(ia_key, 0))

    def allocation(self) -> tuple[int | None, int]:
        usage = self.sf.client.api_usage
        return (usage[0], usage[1]) if usage else (None, DEFAULT_DAILY_ALLOCATION)

    def spent(self) -> BudgetWait | None:
        """The budget that is spent now, from local counts and the last usage header (no call)."""
        now = self.clock()
        sf_calls, ia_tx = self.usage()
        org_used, daily = self.allocation()
        if org_used is not None and org_used >= daily:
            message = f"Salesforce reports {org_used:,} of {daily:,} API calls used in the last 24 hours."
            return self.waits.make(System.SALESFORCE, ALLOCATION, message, None)
        share = self.daily_share * daily
        if sf_calls >= share:
            message = (
                f"The sync used {sf_calls:,} Salesforce API calls today (UTC); its share is "
                f"{self.daily_share:.0%} of the {daily:,}-call allocation ({share:,.0f} calls)."
            )
            return self.waits.make(System.SALESFORCE, SHARE, message, next_day(now))
        if ia_tx >= self.monthly_ia:
            message = f"The sync used {ia_tx:,} Intacct transactions this month; the budget is {self.monthly_ia:,}."
            return self.waits.make(System.INTACCT, MONTHLY, message, next_month(now))
        return None

    def check(self) -> None:
        wait = self.spent()
        if wait is not None:
            raise budget_error(wait)

    def after_failure(self, info: ErrorInfo) -> BudgetWait:
        """Record what a run that ended with a BUDGET error waits for (no call)."""
        wait = self.spent()
        if wait is None:  # refused by Salesforce (REQUEST_LIMIT_EXCEEDED) although our counts looked fine
            wait = self.waits.make(info.system or System.SALESFORCE, ALLOCATION, info.message.rstrip(".") + ".", None)
        return self.waits.record(wait)

    def probe(self) -> BudgetWait | None:
        """Check again at a low cost; None (and the wait cleared) when a cycle may run.

        Local budgets (the daily share, the Intacct month) need no call: their windows are dates.
        The org allocation costs one ``limits/`` call, refused while it is still spent.
        """
        wait = self.spent()
        recorded = self.waits.current()
        if wait is None and recorded is not None and recorded.cause == ALLOCATION:
            wait = recorded
        if wait is not None and wait.cause == ALLOCATION:
            wait = self._ask_allocation() or self.spent()  # the call refreshed the usage header too
        if wait is None:
            self.waits.clear()
            return None
        return self.waits.record(wait)

    def _ask_allocation(self) -> BudgetWait | None:
        try:
            used, total = self.sf.daily_api_requests()
        except SyncError as exc:  # still spent (a refused call is not counted), or unreachable: check later
            message = exc.info.message.rstrip(".") + "."
            return self.waits.make(System.SALESFORCE, ALLOCATION, message, None)
        self.record(1, 0)  # the check itself is one call of the sync's share
        if allocation_free(used, total):
            return None
        message = f"Salesforce reports {used:,} of {total:,} API calls used in the last 24 hours."
        return self.waits.make(System.SALESFORCE, ALLOCATION, message, None)

    def current_wait(self) -> BudgetWait | None:
        return self.waits.current()

    def record(self, sf_calls: int, ia_transactions: int) -> None:
        sf_key, ia_key = self._keys()
        with self.store.write() as tx:
            tx.meta.set(sf_key, int(tx.meta.get(sf_key, 0)) + sf_calls)
            tx.meta.set(ia_key, int(tx.meta.get(ia_key, 0)) + ia_transactions)

    def report(self, interval_seconds: float | None = None) -> dict[str, Any]:
        """Usage against the shares, and the projected cost of a schedule from *measured* cycles.

        Why measured: a cycle's cost depends on the org (one Salesforce call idle, more when
        records move). The recent finished cycles are split into idle (nothing written) and busy
        ones; the projection weighs their average costs by the share of busy cycles seen, and also
        gives the worst case (every cycle busy), so an operator sees whether the schedule fits.
        """
        sf_calls, ia_tx = self.usage()
        org_used, daily = self.allocation()
        with self.store.read() as r:
            runs = [x for x in r.runs.recent(50) if x.finished_at is not None and x.trigger not in _ONE_OFF]
        idle = [x for x in runs if not _busy(x)]
        busy = [x for x in runs if _busy(x)]
        idle_cost = _mean(idle, (1.0, 3.0))
        busy_cost = _mean(busy, idle_cost)
        busy_share = len(busy) / len(runs) if runs else 0.0
        per_sf = idle_cost[0] * (1 - busy_share) + busy_cost[0] * busy_share
        per_ia = idle_cost[1] * (1 - busy_share) + busy_cost[1] * busy_share
        share_calls = self.daily_share * daily
        out: dict[str, Any] = {
            "salesforce": {
                "calls_today": sf_calls,
                "daily_share": self.daily_share,
                "daily_allocation": daily,
                "share_calls": int(share_calls),
                "org_used": org_used,
            },
            "intacct": {"transactions_this_month": ia_tx, "monthly_budget": self.monthly_ia},
            "measured": {
                "idle_cycles": len(idle),
                "busy_cycles": len(busy),
                "idle": {"salesforce_calls": idle_cost[0], "intacct_transactions": idle_cost[1]},
                "busy": {"salesforce_calls": busy_cost[0], "intacct_transactions": busy_cost[1]},
                "busy_share": round(busy_share, 4),
            },
            "per_cycle": {"salesforce_calls": round(per_sf, 2), "intacct_transactions": round(per_ia, 2)},
        }
        if interval_seconds:
            cycles_per_day = 86_400 / interval_seconds
            sf_day = per_sf * cycles_per_day
            ia_month = per_ia * cycles_per_day * DAYS_PER_MONTH
            sf_day_worst = busy_cost[0] * cycles_per_day
            ia_month_worst = busy_cost[1] * cycles_per_day * DAYS_PER_MONTH
            sf_used = sf_day / max(1.0, share_calls)
            ia_used = ia_month / max(1, self.monthly_ia)
            fits = sf_used <= 1 and ia_used <= 1
            out["projection"] = {
                "interval_seconds": interval_seconds,
                "cycles_per_day": round(cycles_per_day, 1),
                "salesforce_calls_per_day": round(sf_day, 1),
                "salesforce_share_used": round(sf_used, 4),
                "intacct_transactions_per_month": round(ia_month, 1),
                "intacct_budget_used": round(ia_used, 4),
                "worst_case": {
                    "salesforce_calls_per_day": round(sf_day_worst, 1),
                    "intacct_transactions_per_month": round(ia_month_worst, 1),
                },
                "fits": fits,
                "verdict": _verdict(interval_seconds, sf_day, share_calls, ia_month, self.monthly_ia, fits),
            }
        return out


_ONE_OFF = {"retry", "resolve"}  # operator actions, not part of the schedule


def _busy(run: Any) -> bool:
    counters = run.counters or {}
    return any(
        int(c.get("writes_salesforce", 0) or 0) + int(c.get("writes_intacct", 0) or 0) > 0
        for c in counters.values()
        if isinstance(c, dict)
    )


def _mean(runs: list[Any], default: tuple[float, float]) -> tuple[float, float]:
    if not runs:
        return default
    return (
        round(sum(x.sf_api_calls for x in runs) / len(runs), 2),
        round(sum(x.ia_transactions for x in runs) / len(runs), 2),
    )


def _verdict(interval: float, sf_day: float, share: float, ia_month: float, budget: int, fits: bool) -> str:
    every = f"{interval / 60:g} minutes" if interval >= 60 else f"{interval:g} seconds"
    text = (
        f"Syncing every {every} costs about {sf_day:,.0f} Salesforce calls a day "
        f"({sf_day / max(1.0, share):.0%} of the sync's share of {share:,.0f}) and about {ia_month:,.0f} "
        f"Intacct transactions a month ({ia_month / max(1, budget):.0%} of the budget of {budget:,})."
    )
    if fits:
        return text + " The schedule fits both budgets."
    return text + " The schedule does NOT fit: sync less often, or raise the share or the budget."
