"""The pipeline for finance: open opportunities by stage and by close month, in one Salesforce API call.

Why a live read and not the sync's data: the sync copies closed deals, not the open pipeline, and
finance wants today's figures. One refresh is one ``composite`` request of aggregate queries
(``connectors.sf_pipeline``), so pressing Refresh costs one API call of the org's daily budget
however large the pipeline is; the login before it is not an API call. The CLI (``sfintacct
pipeline``) and the window's Pipeline tab both call :func:`refresh`.
"""

from __future__ import annotations

import contextlib
import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..connectors import SalesforceConnector, to_sync_error
from ..connectors.sf_pipeline import Bucket, PipelineRead, WaitingWin, read_pipeline
from ..domain import ErrorInfo, ErrorKind, SyncError, System
from ..engine.cutover import CUTOVER_DATE_META
from ..wire.salesforce import SalesforceClient
from ..wire.transport import WireError
from .connections import error_info
from .session import Session
from .sf_profile import salesforce_config, token_store

DEFAULT_CURRENCY = "USD"  # a single-currency org reports in its corporate currency; the profile may name it
REFRESH_COST = "1 Salesforce API call"


@dataclass(frozen=True)
class Pipeline:
    """One refresh: the tables, their totals and what the refresh cost."""

    as_of: str  # ISO moment of the read (UTC)
    currency: str
    read: PipelineRead
    api_calls: int

    @property
    def open_total(self) -> Bucket:
        rows = self.read.by_stage
        return Bucket(
            "total",
            sum(r.count for r in rows),
            sum((r.amount for r in rows), Decimal("0.00")),
            sum((r.weighted for r in rows), Decimal("0.00")),
        )

    def to_json(self) -> dict[str, Any]:
        def bucket(b: Bucket, name: str) -> dict[str, Any]:
            out: dict[str, Any] = {name: b.key, "count": b.count, "amount": str(b.amount), "weighted": str(b.weighted)}
            if b.probability is not None:
                out["probability"] = b.probability
            return out

        total = self.open_total
        won = self.read.won_this_month
        wait = self.read.waiting_total
        return {
            "as_of": self.as_of,
            "currency": self.currency,
            "api_calls": self.api_calls,
            "by_stage": [bucket(b, "stage") for b in self.read.by_stage],
            "by_month": [bucket(b, "month") for b in self.read.by_month],
            "open_total": {"count": total.count, "amount": str(total.amount), "weighted": str(total.weighted)},
            "won_this_month": {"count": won.count, "amount": str(won.amount)},
            "waiting_for_order": {
                "count": wait.count,
                "amount": str(wait.amount),
                "listed": [win_row(w) for w in self.read.waiting],
            },
        }


def win_row(w: WaitingWin) -> dict[str, Any]:
    return {
        "id": w.id,
        "name": w.name,
        "account": w.account,
        "close_date": w.close_date,
        "amount": str(w.amount),
        "status": w.status,
    }


def currency(session: Session) -> str:
    """The currency the amounts are in: the profile's ``salesforce.currency``, else USD."""
    sf = (session.profile.settings or {}).get("salesforce") or {}
    return str(sf.get("currency") or DEFAULT_CURRENCY).upper()


def _cutover(session: Session) -> date | None:
    """The cut-over day the sync recorded, if any: wins before it are history, never waiting for an order."""
    with contextlib.suppress(Exception):  # no state yet (or unreadable): every win without an order is listed
        with session.open_state() as store, store.read() as r:
            day = r.meta.get(CUTOVER_DATE_META)
        return date.fromisoformat(day) if day else None
    return None


def _connect(session: Session) -> SalesforceConnector:
    profile = session.resolved()
    settings, secrets = salesforce_config(profile)
    try:
        client = SalesforceClient.connect(settings, secrets, token_store=token_store(profile))
    except WireError as exc:
        raise to_sync_error(exc, System.SALESFORCE, profile=session.name) from None
    except Exception as exc:  # requests errors below the wire policy, bad settings
        raise SyncError(error_info(exc, System.SALESFORCE, profile=session.name)) from None
    return SalesforceConnector(client, profile=session.name)


def refresh(session: Session) -> Pipeline:
    """Read the pipeline now: one Salesforce API call (a composite request of five queries)."""
    cutover = _cutover(session)
    connector = _connect(session)
    try:
        before = connector.client.api_calls
        read = read_pipeline(connector, cutover)
        calls = connector.client.api_calls - before
    finally:
        connector.client.close()
    moment = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return Pipeline(moment, currency(session), read, calls)


def csv_text(p: Pipeline) -> str:
    """The tables as one CSV: a ``section`` column says which table a row belongs to."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["section", "key", "count", "amount", "weighted", "currency", "close_date", "account", "status"])
    cur = p.currency
    for b in p.read.by_stage:
        w.writerow(["stage", b.key, b.count, b.amount, b.weighted, cur, "", "", ""])
    for b in p.read.by_month:
        w.writerow(["close_month", b.key, b.count, b.amount, b.weighted, cur, "", "", ""])
    t = p.open_total
    w.writerow(["open_total", "", t.count, t.amount, t.weighted, cur, "", "", ""])
    won = p.read.won_this_month
    w.writerow(["won_this_month", "", won.count, won.amount, "", cur, "", "", ""])
    for x in p.read.waiting:
        w.writerow(["waiting_for_order", x.name, 1, x.amount, "", cur, x.close_date, x.account, x.status])
    return out.getvalue()


def _csv_error(target: Path, why: str) -> SyncError:
    return SyncError(
        ErrorInfo(
            ErrorKind.VALIDATION,
            "The CSV file could not be written",
            f"{target}: {why}",
            "Choose a folder you can write to.",
        )
    )


def check_csv_target(path: str | Path) -> Path:
    """Refuse a CSV path whose folder does not exist before the refresh spends its API call."""
    target = Path(path).expanduser()
    if target.is_dir() or not target.parent.is_dir():
        raise _csv_error(target, "is a folder" if target.is_dir() else "the folder does not exist")
    return target


def write_csv(p: Pipeline, path: str | Path) -> Path:
    """Write :func:`csv_text` to ``path`` (a bad path is a clear error)."""
    target = check_csv_target(path)
    try:
        target.write_text(csv_text(p), encoding="utf-8")
    except OSError as exc:
        raise _csv_error(target, exc.strerror or exc.__class__.__name__) from None
    return target
