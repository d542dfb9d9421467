"""The customer's name on each cached invoice, so the invoice lookup finds customers by name locally.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("invoice_cache") as batch:
        batch.add_column(sa.Column("customer_name", sa.String(100), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("invoice_cache") as batch:
        batch.drop_column("customer_name")
