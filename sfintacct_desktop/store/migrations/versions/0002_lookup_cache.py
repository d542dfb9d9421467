"""Invoice and payment cache for the invoice lookup.

Created with the sync core so the invoice streams need no later migration.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sfintacct_desktop.store.types import Money, UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "invoice_cache",
        sa.Column("invoice_number", sa.String(60), nullable=False),
        sa.Column("customer_id", sa.String(60), nullable=False),
        sa.Column("account_id", sa.String(18), nullable=True),
        sa.Column("record_no", sa.String(40), nullable=True),
        sa.Column("status", sa.String(40), nullable=False),
        sa.Column("invoice_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("paid_date", sa.Date(), nullable=True),
        sa.Column("total", Money(), nullable=False),
        sa.Column("paid", Money(), nullable=False),
        sa.Column("due", Money(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("sales_order_id", sa.String(60), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("modified_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("invoice_number", name=op.f("pk_invoice_cache")),
    )
    op.create_index(op.f("ix_invoice_cache_account_id"), "invoice_cache", ["account_id"])
    op.create_index(op.f("ix_invoice_cache_customer_id"), "invoice_cache", ["customer_id"])

    op.create_table(
        "payment_cache",
        sa.Column("record_no", sa.String(40), nullable=False),
        sa.Column("customer_id", sa.String(60), nullable=False),
        sa.Column("amount", Money(), nullable=False),
        sa.Column("payment_date", sa.Date(), nullable=True),
        sa.Column("method", sa.String(40), nullable=False),
        sa.Column("state", sa.String(40), nullable=False),
        sa.Column("applications", sa.JSON(), nullable=False),
        sa.Column("modified_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("record_no", name=op.f("pk_payment_cache")),
    )
    op.create_index(op.f("ix_payment_cache_customer_id"), "payment_cache", ["customer_id"])


def downgrade() -> None:
    op.drop_table("payment_cache")
    op.drop_table("invoice_cache")
