"""The sales pipeline as finance reads it, from Salesforce in one API call.

Why aggregate SOQL in one ``composite`` request: Salesforce sums the opportunities itself (no
record leaves the org but the short list of wins waiting for an order), and one composite request
carrying up to five queries costs one API call against the org's daily budget, however many
opportunities there are. The weighted amount is Salesforce's own ``ExpectedRevenue`` (Amount x
Probability / 100, kept by the org on every opportunity).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from .salesforce import SalesforceConnector

WAITING_LIMIT = 200  # wins listed one by one; the count and total cover all of them
CENT = Decimal("0.01")

_OPEN = "FROM Opportunity WHERE IsClosed = false"
BY_STAGE = (
    "SELECT StageName, MIN(Probability) probability, COUNT(Id) n, SUM(Amount) amount, SUM(ExpectedRevenue) weighted "
    f"{_OPEN} GROUP BY StageName ORDER BY MIN(Probability), StageName"
)
BY_MONTH = (
    "SELECT CALENDAR_YEAR(CloseDate) y, CALENDAR_MONTH(CloseDate) m, COUNT(Id) n, SUM(Amount) amount, "
    f"SUM(ExpectedRevenue) weighted {_OPEN} GROUP BY CALENDAR_YEAR(CloseDate), CALENDAR_MONTH(CloseDate) "
    "ORDER BY CALENDAR_YEAR(CloseDate), CALENDAR_MONTH(CloseDate)"
)
WON_THIS_MONTH = "SELECT COUNT(Id) n, SUM(Amount) amount FROM Opportunity WHERE IsWon = true AND CloseDate = THIS_MONTH"


def _waiting_where(cutover: date | None) -> str:
    """Won, no Intacct sales order yet, not history (and, once known, closed on or after the cut-over)."""
    where = (
        "FROM Opportunity WHERE IsWon = true AND Intacct_Sales_Order_ID__c = null "
        "AND Intacct_Sync_Status__c != 'Historical'"
    )
    return where + (f" AND CloseDate >= {cutover.isoformat()}" if cutover else "")


def pipeline_queries(cutover: date | None) -> list[str]:
    """The five queries of one refresh (the most one composite request may carry)."""
    where = _waiting_where(cutover)
    return [
        BY_STAGE,
        BY_MONTH,
        WON_THIS_MONTH,
        "SELECT Id, Name, Account.Name, CloseDate, Amount, Intacct_Sync_Status__c "
        f"{where} ORDER BY CloseDate, Name LIMIT {WAITING_LIMIT}",
        f"SELECT COUNT(Id) n, SUM(Amount) amount {where}",
    ]


def _money(value: Any) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


@dataclass(frozen=True)
class Bucket:
    """One row of a table: a stage or a close month (``key``), its count and sums."""

    key: str
    count: int
    amount: Decimal
    weighted: Decimal = Decimal("0.00")
    probability: int | None = None


@dataclass(frozen=True)
class WaitingWin:
    """A Closed Won deal with no Intacct sales order yet, and what the sync last said about it."""

    id: str
    name: str
    account: str
    close_date: str
    amount: Decimal
    status: str


@dataclass(frozen=True)
class PipelineRead:
    by_stage: tuple[Bucket, ...]
    by_month: tuple[Bucket, ...]
    won_this_month: Bucket
    waiting: tuple[WaitingWin, ...]
    waiting_total: Bucket


def _bucket(key: str, row: dict[str, Any]) -> Bucket:
    prob = row.get("probability")
    return Bucket(
        key,
        int(row.get("n") or 0),
        _money(row.get("amount")),
        _money(row.get("weighted")),
        int(prob) if prob is not None else None,
    )


def read_pipeline(connector: SalesforceConnector, cutover: date | None = None) -> PipelineRead:
    """Open opportunities by stage and close month, this month's wins, wins waiting for an order."""
    with connector.errors():
        stage, month, won, waiting, waiting_sum = connector.client.query_many(pipeline_queries(cutover))
    by_month = tuple(
        _bucket(f"{int(r['y']):04d}-{int(r['m']):02d}" if r.get("y") else "(no close date)", r) for r in month
    )
    wins = tuple(
        WaitingWin(
            str(r.get("Id") or ""),
            str(r.get("Name") or ""),
            str((r.get("Account") or {}).get("Name") or ""),
            str(r.get("CloseDate") or ""),
            _money(r.get("Amount")),
            str(r.get("Intacct_Sync_Status__c") or ""),
        )
        for r in waiting
    )
    return PipelineRead(
        tuple(_bucket(str(r.get("StageName") or "(no stage)"), r) for r in stage),
        by_month,
        _bucket("won this month", won[0] if won else {}),
        wins,
        _bucket("waiting", waiting_sum[0] if waiting_sum else {}),
    )
