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
    REMOTE,
    SHARE,
    BudgetWait,
    WaitBook,
    allocation_free,
    budget_error,
    next_day,
    next_month,
)
from .ia_probe import PROBE_COST_META
from .projection import DEFAULT_SAFETY_NET, Measured, project

WINDOW = 50  # recent runs measured for the projection
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
        safety_net_seconds: float = DEFAULT_SAFETY_NET,
    ) -> None:
        self.store, self.sf, self.daily_share, self.monthly_ia = store, sf, daily_share, monthly_ia
        self.safety_net = safety_net_seconds
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
        if wait is None:  # refused remotely (REQUEST_LIMIT_EXCEEDED) although our counts looked fine
            system = info.system or System.SALESFORCE
            cause = ALLOCATION if system is System.SALESFORCE else REMOTE  # REMOTE: simply try again later
            wait = self.waits.make(system, cause, info.message.rstrip(".") + ".", None)
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

    def report(self, interval_seconds: float | None = None, intacct_interval: float | None = None) -> dict[str, Any]:
        """Usage against the shares, and the projected cost of a schedule from *measured* cycles.

        Why measured, and idle and busy apart: see ``projection``. ``intacct_interval`` is how
        often a scheduled cycle reads Intacct (at most once per cycle); default: every cycle.
        """
        sf_calls, ia_tx = self.usage()
        org_used, daily = self.allocation()
        with self.store.read() as r:
            runs = r.runs.recent(WINDOW + 1)
            probe_cost = r.meta.get(PROBE_COST_META)
        first_in_window = len(runs) <= WINDOW  # the window reaches back to the profile's first cycle
        measured = Measured.of(runs[:WINDOW], first_in_window, float(probe_cost) if probe_cost else None)
        share = measured.busy_share or 0.0
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
            "measured": measured.as_dict(),
            "per_cycle": {
                "salesforce_calls": round(measured.idle_sf + share * measured.extra_sf, 2),
                "intacct_transactions": round(measured.idle_ia_read + share * measured.extra_ia, 2),
            },
            "basis": measured.basis(),
        }
        if interval_seconds:
            ia_every = intacct_interval or interval_seconds
            out["projection"] = project(
                measured, interval_seconds, ia_every, share_calls, self.monthly_ia, self.safety_net
            )
        return out
