"""One page per customer for sales: both records side by side, its deals, invoices, payments, aging.

Why from the state store: a salesperson opens a customer far more often than it changes, and every
Intacct read is billed. Everything here comes from what the sync (or the page's own refresh,
``engine.customer_refresh``) stored:

- the fields: the link's merge bases (each side's values as of the last sync), an open conflict's
  two values, or the values the last refresh read, whichever is newer; owners from the mapping;
- deals: the Opportunities the last refresh read, and the order ledger (each sales order's intent
  keeps its Opportunity's name, close date and the order's DOCID), with blocked orders;
- invoices and payments: the invoice cache; payments are read through :func:`payments_of` only;
- the open balance and its aging: computed here from the invoices' amounts due and due dates.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ..domain import Entity, IntentState
from ..engine.customer_refresh import INSTANCE_META, page_key
from ..engine.mapping import EntityMapping
from ..engine.orders.send import KIND as ORDER_KIND
from ..engine.orders.sync import BLOCKED_META, HISTORICAL_META
from .customer_search import Customer

AGING = ("current", "1-30", "31-60", "61-90", "90+")
INTACCT_LINK_NOTE = (
    "Intacct publishes no stable address for one record (only its sign-in page): "
    "find the customer in Intacct by the ID shown."
)


@dataclass(frozen=True)
class FieldRow:
    """One mapped field with both values; ``differs`` is decided by the field's transform."""

    name: str
    salesforce_field: str
    intacct_field: str
    salesforce: Any
    intacct: Any
    owner: str  # salesforce | intacct | both
    differs: bool
    note: str = ""  # e.g. "conflict open in the inbox"


@dataclass(frozen=True)
class Deal:
    opportunity_id: str
    name: str
    status: str  # won | open
    stage: str
    close_date: str | None
    amount: str | None
    sales_order_id: str
    sync_status: str  # Synced, Sending, Refused by Intacct, Blocked: ..., Not ordered yet
    invoices: tuple[str, ...]  # invoice numbers posted from its sales order
    url: str


@dataclass(frozen=True)
class InvoiceLine:
    number: str
    status: str  # open | overdue | paid
    invoice_date: str | None
    due_date: str | None
    total: str
    paid: str
    due: str
    days_overdue: int
    sales_order_id: str
    record_no: str


@dataclass(frozen=True)
class Applied:
    invoice_number: str  # "" when the invoice is not in the cache (then the record number tells it)
    invoice_record_no: str
    amount: str


@dataclass(frozen=True)
class PaymentLine:
    record_no: str
    payment_date: str | None
    amount: str
    method: str
    state: str
    applied: tuple[Applied, ...]


@dataclass(frozen=True)
class CustomerPage:
    customer_id: str
    name: str
    account_id: str
    account_name: str
    linked: bool
    account_url: str
    intacct_record: str  # "CUSTOMERID (record number N)": Intacct has no stable deep link
    intacct_link_note: str
    fields_as_of: str  # "last sync" or "refreshed <time>"
    fields: tuple[FieldRow, ...]
    deals: tuple[Deal, ...]
    invoices: tuple[InvoiceLine, ...]
    payments: tuple[PaymentLine, ...]
    open_balance: str
    overdue: str
    aging: dict[str, str]
    currency: str
    today: str
    refreshed_at: str | None  # the last live refresh of this customer, None: never
    refresh_cost: dict[str, int] = field(default_factory=dict)  # the refresh just run, when one was

    @property
    def differing(self) -> tuple[FieldRow, ...]:
        return tuple(f for f in self.fields if f.differs)

    def as_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["differing"] = [f.name for f in self.differing]
        return out


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def payments_of(reader: Any, customer_id: str) -> list[PaymentLine]:
    """The customer's payments and what each applied to: the ONE place payments are read from.

    Reads the payment cache (each payment's applications by invoice RECORDNO) and names each
    invoice by its number from the invoice cache (RECORDNO regenerates: numbers are what people see).
    """
    number_of = {i.record_no: i.number for i in reader.cache.invoices(include_deleted=True) if i.record_no}
    out = []
    for p in reader.cache.payments(customer_id=customer_id):
        applied = tuple(
            Applied(number_of.get(a.invoice_record_no, ""), a.invoice_record_no, _money(a.amount))
            for a in p.applications
        )
        out.append(PaymentLine(p.record_no, _iso(p.payment_date), _money(p.amount), p.method, p.state, applied))
    return sorted(out, key=lambda p: (p.payment_date or "", p.record_no), reverse=True)


def invoice_lines(invoices: list[Any], today: date) -> list[InvoiceLine]:
    out = []
    for inv in invoices:
        if inv.deleted:
            continue
        late = (today - inv.due_date).days if inv.due > 0 and inv.due_date is not None else 0
        status = "paid" if inv.due <= 0 else "overdue" if late > 0 else "open"
        out.append(
            InvoiceLine(
                inv.number,
                status,
                _iso(inv.invoice_date),
                _iso(inv.due_date),
                _money(inv.total),
                _money(inv.paid),
                _money(inv.due),
                max(late, 0),
                inv.sales_order_id,
                inv.record_no,
            )
        )
    return sorted(out, key=lambda i: (i.invoice_date or "", i.number), reverse=True)


def aging(lines: list[InvoiceLine]) -> dict[str, str]:
    """Amounts due by days past due: current (not yet due), 1-30, 31-60, 61-90, 90+."""
    buckets = dict.fromkeys(AGING, Decimal(0))
    for inv in lines:
        due = Decimal(inv.due)
        if due <= 0:
            continue
        days = inv.days_overdue
        bucket = "current" if days <= 0 else "1-30" if days <= 30 else "31-60" if days <= 60 else "61-90"
        buckets["90+" if days > 90 else bucket] += due
    return {k: _money(v) for k, v in buckets.items()}


def _as_utc(moment: Any) -> datetime | None:
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def field_rows(
    mapping: EntityMapping, link: Any, conflicts: dict[str, Any], live: dict[str, Any]
) -> tuple[list[FieldRow], str]:
    """Each mapped field with both sides' values, from the newer of the last sync and the last refresh."""
    base_time = _as_utc(link.updated_at) if link is not None else None
    live_time = _as_utc(live.get("as_of")) if live else None
    use_live = bool(live) and (base_time is None or (live_time is not None and live_time >= base_time))
    sf_values = (live.get("account") or {}) if use_live else (link.sf_base if link is not None else {})
    ia_values = (live.get("customer") or {}) if use_live else (link.ia_base if link is not None else {})
    rows = []
    for f in mapping.fields:
        sf_v, ia_v, note = sf_values.get(f.name), ia_values.get(f.name), ""
        conflict = conflicts.get(f.name)
        if conflict is not None:
            sf_v, ia_v, note = conflict.sf_value, conflict.ia_value, "conflict open in the inbox"
        same = f.transform.equal(sf_v, ia_v) if sf_v is not None and ia_v is not None else sf_v == ia_v
        if link is None and not (live and live.get("account_found")):
            same, note = True, "no linked Salesforce Account"  # nothing to compare with
        rows.append(
            FieldRow(
                f.name,
                ", ".join(f.salesforce),
                ", ".join(f.intacct),
                _plain(sf_v),
                _plain(ia_v),
                str(f.owner.value),
                not same,
                note,
            )
        )
    when = live_time.strftime("%Y-%m-%d %H:%M:%S UTC") if live_time is not None else ""
    as_of = f"refreshed {when}" if use_live else "last sync"
    return rows, as_of


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return "\n".join(str(v) for v in value)
    return value


def deals_of(
    reader: Any, customer_id: str, account_id: str, live: dict[str, Any], invoices: list[InvoiceLine]
) -> list[Deal]:
    """Open and won deals: the last refresh's Opportunities and the order ledger, merged by Opportunity Id."""
    by_order: dict[str, list[str]] = {}
    for inv in invoices:
        if inv.sales_order_id:
            by_order.setdefault(inv.sales_order_id, []).append(inv.number)
    rows: dict[str, dict[str, Any]] = {}
    for d in live.get("deals") or []:
        if d.get("is_closed") and not d.get("is_won"):
            continue  # lost deals are left out
        rows[str(d["id"])] = {
            "name": d.get("name") or "",
            "status": "won" if d.get("is_won") else "open",
            "stage": d.get("stage") or "",
            "close_date": d.get("close_date"),
            "amount": d.get("amount"),
            "sales_order_id": d.get("sales_order_id") or "",
            "sync_status": d.get("sync_status") or ("" if d.get("is_won") else "Not ordered (open)"),
        }
    for intent in reader.intents.in_state(*IntentState, kind=ORDER_KIND):
        if str(intent.payload.get("customer_id") or "") != customer_id:
            continue
        opp = str(intent.payload.get("opp_id") or intent.payload.get("reference_no") or "")
        row = rows.setdefault(
            opp,
            {"name": "", "status": "won", "stage": "Closed Won", "amount": None, "sales_order_id": ""},
        )
        row["name"] = row["name"] or str(intent.payload.get("memo") or "")
        row["close_date"] = row.get("close_date") or intent.payload.get("order_date")
        doc = str((intent.result or {}).get("doc_id") or "")
        row["sales_order_id"] = doc or row["sales_order_id"]
        row["sync_status"] = {  # the ledger's word beats the Opportunity's field (written back later)
            IntentState.CONFIRMED: "Synced",
            IntentState.QUARANTINED: "Refused by Intacct",
        }.get(intent.state, "Being sent")
    for opp, doc in dict(reader.meta.get(HISTORICAL_META) or {}).items():
        if doc and doc in by_order:  # won before the cut-over: its order was made in Intacct, not by the sync
            row = rows.setdefault(
                opp, {"name": "", "status": "won", "stage": "Closed Won", "close_date": None, "amount": None}
            )
            row["sales_order_id"] = row.get("sales_order_id") or str(doc)
            row["sync_status"] = row.get("sync_status") or "Historical"
    for opp, entry in dict(reader.meta.get(BLOCKED_META) or {}).items():
        keys = set(entry.get("keys") or [])
        if customer_id in keys or (account_id and account_id in keys):
            row = rows.setdefault(
                opp,
                {"name": "", "status": "won", "stage": "Closed Won", "close_date": None, "amount": None},
            )
            row["sales_order_id"] = row.get("sales_order_id") or ""
            row["sync_status"] = f"Blocked: {entry.get('reason')}"
    return sorted(
        (
            Deal(
                opp,
                r["name"] or f"Opportunity {opp}",  # its name is known after a refresh
                r["status"],
                r["stage"],
                r.get("close_date"),
                r.get("amount"),
                r["sales_order_id"],
                r["sync_status"] or "Not ordered yet",
                tuple(by_order.get(r["sales_order_id"], ())) if r["sales_order_id"] else (),
                "",
            )
            for opp, r in rows.items()
        ),
        key=lambda d: (d.status != "open", d.close_date or "", d.opportunity_id),
        reverse=False,
    )


def build_page(
    reader: Any,
    who: Customer,
    mapping: EntityMapping,
    *,
    today: date,
    instance_url: str = "",
) -> CustomerPage:
    """The customer's page from the state store alone (no remote call)."""
    cid = who.customer_id
    link = reader.links.by_ia_key(Entity.CUSTOMER, cid)
    live = dict(reader.meta.get(page_key(cid)) or {})
    conflicts = reader.conflicts.open_for_link(link.id) if link is not None else {}
    rows, as_of = field_rows(mapping, link, conflicts, live)
    cached = reader.cache.invoices(customer_id=cid, include_deleted=True)
    invoices = invoice_lines(cached, today)
    account_id = (link.sf_id if link is not None else "") or str(live.get("account_id") or "") or who.account_id
    base = instance_url or str(reader.meta.get(INSTANCE_META) or "")
    deals = [
        dataclasses.replace(d, url=sf_record_url(base, "Opportunity", d.opportunity_id))
        for d in deals_of(reader, cid, account_id, live, invoices)
    ]
    open_due = sum((Decimal(i.due) for i in invoices if i.status != "paid"), Decimal(0))
    overdue = sum((Decimal(i.due) for i in invoices if i.status == "overdue"), Decimal(0))
    record_no = (link.ia_record_no if link is not None else "") or str(live.get("customer_record_no") or "")
    return CustomerPage(
        customer_id=cid,
        name=str(live.get("customer_name") or "") or who.name,
        account_id=account_id,
        account_name=str(live.get("account_name") or "") or who.account_name,
        linked=link is not None,
        account_url=sf_record_url(base, "Account", account_id),
        intacct_record=f"{cid} (record number {record_no})" if record_no else cid,
        intacct_link_note=INTACCT_LINK_NOTE,
        fields_as_of=as_of,
        fields=tuple(rows),
        deals=tuple(deals),
        invoices=tuple(invoices),
        payments=tuple(payments_of(reader, cid)),
        open_balance=_money(open_due),
        overdue=_money(overdue),
        aging=aging(invoices),
        currency=next((i.currency for i in cached if i.currency), ""),
        today=today.isoformat(),
        refreshed_at=live.get("as_of"),
    )


def sf_record_url(instance_url: str, sobject: str, record_id: str) -> str:
    """A Salesforce record's page in Lightning Experience: ``<instance>/lightning/r/<Object>/<Id>/view``."""
    if not instance_url or not record_id:
        return ""
    return f"{instance_url.rstrip('/')}/lightning/r/{sobject}/{record_id}/view"
