"""Links of price books (custom Pricebook2 <-> SOPRICELIST) and their entries.

The links table gains two entity values; nothing else changes (a price book link keeps the list's
NAME as its Intacct key, an entry link the entry's RECORDNO).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

OLD = "entity IN ('customer', 'product')"
NEW = "entity IN ('customer', 'product', 'pricebook', 'price_entry')"


def upgrade() -> None:
    with op.batch_alter_table("links") as batch:
        batch.drop_constraint(op.f("ck_links_entity"), type_="check")
        batch.create_check_constraint("entity", NEW)


def downgrade() -> None:
    op.execute("DELETE FROM links WHERE entity IN ('pricebook', 'price_entry')")
    with op.batch_alter_table("links") as batch:
        batch.drop_constraint(op.f("ck_links_entity"), type_="check")
        batch.create_check_constraint("entity", OLD)
