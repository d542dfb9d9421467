"""The engine's settings, read from the profile (a module of its own so every engine part can
take them without importing the cycle)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class EngineSettings:
    """From the profile."""

    profile: str
    company_timezone: str = "America/Los_Angeles"
    overlap: timedelta = timedelta(minutes=30)
    salesforce_daily_share: float = 0.20
    intacct_monthly_budget: int = 50_000
    batch_size: int = 200
    allow_without_baseline: bool = False  # first sync of two populated systems without a baseline
    order_transaction_type: str = "Sales Order"
    # Which price a sales order line carries: "opportunity" (what sales negotiated) or "price_list"
    # (its linked price list's); with "opportunity", a line departing from its list price by more
    # than this percentage puts a note for finance in the inbox (None: no note).
    order_line_price: str = "opportunity"
    order_price_alert_percent: float | None = 10.0
    salesforce_interval_seconds: float = 60.0
    intacct_interval_seconds: float = 60.0  # one audit trail probe per poll: see docs/sync.md for the arithmetic
    intacct_safety_net_seconds: float = 1800.0  # every stream read in full at least this often, whatever the probe says
    budget_check_seconds: float = 900.0  # while an API budget is spent: how often to check again (cheaply)
