"""Currencies of cached receivables: each invoice's amount due in the company's base currency.

Why: an invoice's amounts are kept in its own (transaction) currency, so a customer's balance
summed over invoices in several currencies would add unlike amounts; the roll-up on the Account
sums the base-currency amount due instead. Payments gain their transaction currency.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sfintacct_desktop.store.types import Money

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("invoice_cache") as batch:
        batch.add_column(sa.Column("base_due", Money(), nullable=True))
        batch.add_column(sa.Column("base_currency", sa.String(3), nullable=False, server_default=""))
    with op.batch_alter_table("payment_cache") as batch:
        batch.add_column(sa.Column("currency", sa.String(3), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("payment_cache") as batch:
        batch.drop_column("currency")
    with op.batch_alter_table("invoice_cache") as batch:
        batch.drop_column("base_currency")
        batch.drop_column("base_due")
