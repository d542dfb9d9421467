"""ORM models of the state store (one SQLite database per profile, or PostgreSQL by URL).

Private to ``store``: repositories turn rows into the frozen values of ``domain.state``.
Enumerations are plain strings with CHECK constraints (portable, and readable with any SQLite
tool). "One open item per key" rules are partial unique indexes, which both SQLite and
PostgreSQL enforce, so even a buggy caller cannot create a second open conflict or inbox item.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .types import Money, UTCDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


ENTITIES = ("customer", "product", "pricebook", "price_entry")
SYSTEMS = ("salesforce", "intacct")
OPEN_INBOX = sa.text("status IN ('open', 'retrying')")
OPEN_CONFLICT = sa.text("status = 'open'")


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        datetime: UTCDateTime(),
        dict[str, Any]: sa.JSON(),
        Decimal: Money(),
    }


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class LinkRow(Timestamps, Base):
    __tablename__ = "links"
    __table_args__ = (
        sa.UniqueConstraint("entity", "sf_id", name="uq_links_entity_sf_id"),
        sa.UniqueConstraint("entity", "ia_key", name="uq_links_entity_ia_key"),
        sa.CheckConstraint(_in("entity", ENTITIES), name="entity"),
        sa.CheckConstraint(_in("state", ("active", "tombstoned")), name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(sa.String(20))
    sf_id: Mapped[str] = mapped_column(sa.String(18))
    ia_key: Mapped[str] = mapped_column(sa.String(60))
    ia_record_no: Mapped[str | None] = mapped_column(sa.String(40))
    sf_base: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    ia_base: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    sf_seen: Mapped[str | None] = mapped_column(sa.String(40))
    ia_seen: Mapped[str | None] = mapped_column(sa.String(40))
    sf_deleted_at: Mapped[datetime | None] = mapped_column()
    ia_deleted_at: Mapped[datetime | None] = mapped_column()
    state: Mapped[str] = mapped_column(sa.String(12), default="active")


class CursorRow(Base):
    __tablename__ = "cursors"

    stream: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    value: Mapped[str] = mapped_column(sa.Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RunRow(Base):
    __tablename__ = "runs"
    __table_args__ = (sa.CheckConstraint(_in("status", ("running", "ok", "failed", "interrupted")), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    status: Mapped[str] = mapped_column(sa.String(12), default="running", index=True)
    trigger: Mapped[str] = mapped_column(sa.String(40))
    counters: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    sf_api_calls: Mapped[int] = mapped_column(default=0)
    ia_transactions: Mapped[int] = mapped_column(default=0)
    error: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))


class IntentRow(Timestamps, Base):
    __tablename__ = "intents"
    __table_args__ = (
        sa.CheckConstraint(_in("state", ("PLANNED", "SENT", "CONFIRMED", "UNKNOWN", "QUARANTINED")), name="state"),
        sa.CheckConstraint(_in("target", SYSTEMS), name="target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    target: Mapped[str] = mapped_column(sa.String(12))
    state: Mapped[str] = mapped_column(sa.String(12), default="PLANNED", index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("runs.id", ondelete="SET NULL"))


class InboxRow(Base):
    __tablename__ = "error_inbox"
    __table_args__ = (
        sa.CheckConstraint(_in("status", ("open", "retrying", "resolved")), name="status"),
        sa.CheckConstraint(_in("source", SYSTEMS), name="source"),
        sa.CheckConstraint(_in("target", SYSTEMS), name="target"),
        sa.Index(
            "uq_error_inbox_open_key",
            "entity",
            "target",
            "record_key",
            "operation",
            unique=True,
            sqlite_where=OPEN_INBOX,
            postgresql_where=OPEN_INBOX,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(sa.String(40))
    source: Mapped[str] = mapped_column(sa.String(12))
    target: Mapped[str] = mapped_column(sa.String(12))
    record_key: Mapped[str] = mapped_column(sa.String(200))
    operation: Mapped[str] = mapped_column(sa.String(40))
    code: Mapped[str] = mapped_column(sa.String(120), default="")
    title: Mapped[str] = mapped_column(sa.Text, default="")
    message: Mapped[str] = mapped_column(sa.Text, default="")
    hint: Mapped[str] = mapped_column(sa.Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[str] = mapped_column(sa.String(12), default="open", index=True)
    attempts: Mapped[int] = mapped_column(default=1)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("runs.id", ondelete="SET NULL"))


class ConflictRow(Timestamps, Base):
    __tablename__ = "conflicts"
    __table_args__ = (
        sa.CheckConstraint(_in("status", ("open", "resolved")), name="status"),
        sa.CheckConstraint(
            f"resolution IS NULL OR {_in('resolution', ('salesforce', 'intacct', 'value'))}", name="res"
        ),
        sa.Index(
            "uq_conflicts_open_field",
            "link_id",
            "field",
            unique=True,
            sqlite_where=OPEN_CONFLICT,
            postgresql_where=OPEN_CONFLICT,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(sa.String(20))
    link_id: Mapped[int] = mapped_column(sa.ForeignKey("links.id", ondelete="CASCADE"), index=True)
    field: Mapped[str] = mapped_column(sa.String(80))
    base_value: Mapped[Any] = mapped_column(sa.JSON)
    sf_value: Mapped[Any] = mapped_column(sa.JSON)
    ia_value: Mapped[Any] = mapped_column(sa.JSON)
    status: Mapped[str] = mapped_column(sa.String(12), default="open", index=True)
    resolution: Mapped[str | None] = mapped_column(sa.String(12))
    resolved_value: Mapped[Any] = mapped_column(sa.JSON, nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column()


class AuditRow(Base):
    __tablename__ = "audit_log"
    __table_args__ = (
        sa.CheckConstraint(
            _in(
                "operation",
                ("create", "update", "deactivate", "reactivate", "link", "conflict", "overwrite_back", "skip"),
            ),
            name="operation",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("runs.id", ondelete="SET NULL"), index=True)
    entity: Mapped[str] = mapped_column(sa.String(40))
    link_id: Mapped[int | None] = mapped_column(sa.ForeignKey("links.id", ondelete="SET NULL"), index=True)
    target: Mapped[str | None] = mapped_column(sa.String(12))
    operation: Mapped[str] = mapped_column(sa.String(20))
    record_key: Mapped[str] = mapped_column(sa.String(200), default="")
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON(none_as_null=True))
    reason: Mapped[str] = mapped_column(sa.Text, default="")


class MetaRow(Base):
    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    value: Mapped[Any] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InvoiceCacheRow(Base):
    """ARINVOICE snapshot for the invoice lookup, keyed by invoice number (RECORDNO churns)."""

    __tablename__ = "invoice_cache"

    invoice_number: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    customer_id: Mapped[str] = mapped_column(sa.String(60), index=True)
    customer_name: Mapped[str] = mapped_column(sa.String(100), default="")  # for the lookup by name
    account_id: Mapped[str | None] = mapped_column(sa.String(18), index=True)
    record_no: Mapped[str | None] = mapped_column(sa.String(40))
    status: Mapped[str] = mapped_column(sa.String(40), default="")
    invoice_date: Mapped[date | None] = mapped_column(sa.Date)
    due_date: Mapped[date | None] = mapped_column(sa.Date)
    paid_date: Mapped[date | None] = mapped_column(sa.Date)
    total: Mapped[Decimal] = mapped_column(Money())
    paid: Mapped[Decimal] = mapped_column(Money())
    due: Mapped[Decimal] = mapped_column(Money())
    currency: Mapped[str] = mapped_column(sa.String(3), default="")  # of total, paid and due
    base_due: Mapped[Decimal | None] = mapped_column(Money(), nullable=True)  # due in base_currency
    base_currency: Mapped[str] = mapped_column(sa.String(3), default="")
    sales_order_id: Mapped[str] = mapped_column(sa.String(60), default="")
    deleted: Mapped[bool] = mapped_column(default=False)
    modified_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class PaymentCacheRow(Base):
    """ARPYMT snapshot for the invoice lookup."""

    __tablename__ = "payment_cache"

    record_no: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    customer_id: Mapped[str] = mapped_column(sa.String(60), index=True)
    amount: Mapped[Decimal] = mapped_column(Money())
    payment_date: Mapped[date | None] = mapped_column(sa.Date)
    method: Mapped[str] = mapped_column(sa.String(40), default="")
    state: Mapped[str] = mapped_column(sa.String(40), default="")
    currency: Mapped[str] = mapped_column(sa.String(3), default="")  # of amount and applications
    # [{"invoice_record_no", "invoice_number", "amount", "applied_date"}]: one per invoice paid
    applications: Mapped[Any] = mapped_column(sa.JSON, default=list)
    modified_at: Mapped[datetime | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
