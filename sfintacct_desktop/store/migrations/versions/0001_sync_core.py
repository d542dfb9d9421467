"""Sync core: links, cursors, runs, intents, error inbox, conflicts, audit log, meta.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sfintacct_desktop.store.types import UTCDateTime

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

OPEN_INBOX = sa.text("status IN ('open', 'retrying')")
OPEN_CONFLICT = sa.text("status = 'open'")
SYSTEMS = "('salesforce', 'intacct')"


def _ts(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        _ts("started_at"),
        _ts("finished_at", nullable=True),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("trigger", sa.String(40), nullable=False),
        sa.Column("counters", sa.JSON(), nullable=False),
        sa.Column("sf_api_calls", sa.Integer(), nullable=False),
        sa.Column("ia_transactions", sa.Integer(), nullable=False),
        sa.Column("error", sa.JSON(none_as_null=True), nullable=True),
        sa.CheckConstraint("status IN ('running', 'ok', 'failed', 'interrupted')", name=op.f("ck_runs_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
    )
    op.create_index(op.f("ix_runs_status"), "runs", ["status"])

    op.create_table(
        "links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("sf_id", sa.String(18), nullable=False),
        sa.Column("ia_key", sa.String(60), nullable=False),
        sa.Column("ia_record_no", sa.String(40), nullable=True),
        sa.Column("sf_base", sa.JSON(), nullable=False),
        sa.Column("ia_base", sa.JSON(), nullable=False),
        sa.Column("sf_seen", sa.String(40), nullable=True),
        sa.Column("ia_seen", sa.String(40), nullable=True),
        _ts("sf_deleted_at", nullable=True),
        _ts("ia_deleted_at", nullable=True),
        sa.Column("state", sa.String(12), nullable=False),
        _ts("created_at"),
        _ts("updated_at"),
        sa.CheckConstraint("entity IN ('customer', 'product')", name=op.f("ck_links_entity")),
        sa.CheckConstraint("state IN ('active', 'tombstoned')", name=op.f("ck_links_state")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_links")),
        sa.UniqueConstraint("entity", "ia_key", name="uq_links_entity_ia_key"),
        sa.UniqueConstraint("entity", "sf_id", name="uq_links_entity_sf_id"),
    )

    op.create_table(
        "cursors",
        sa.Column("stream", sa.String(80), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("stream", name=op.f("pk_cursors")),
    )

    op.create_table(
        "meta",
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        _ts("updated_at"),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_meta")),
    )

    op.create_table(
        "intents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("target", sa.String(12), nullable=False),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("run_id", sa.Integer(), nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        sa.CheckConstraint(
            "state IN ('PLANNED', 'SENT', 'CONFIRMED', 'UNKNOWN', 'QUARANTINED')", name=op.f("ck_intents_state")
        ),
        sa.CheckConstraint(f"target IN {SYSTEMS}", name=op.f("ck_intents_target")),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_intents_run_id_runs"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intents")),
        sa.UniqueConstraint("key", name=op.f("uq_intents_key")),
    )
    op.create_index(op.f("ix_intents_state"), "intents", ["state"])

    op.create_table(
        "error_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("source", sa.String(12), nullable=False),
        sa.Column("target", sa.String(12), nullable=False),
        sa.Column("record_key", sa.String(200), nullable=False),
        sa.Column("operation", sa.String(40), nullable=False),
        sa.Column("code", sa.String(120), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("hint", sa.Text(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _ts("first_seen"),
        _ts("last_seen"),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(f"source IN {SYSTEMS}", name=op.f("ck_error_inbox_source")),
        sa.CheckConstraint("status IN ('open', 'retrying', 'resolved')", name=op.f("ck_error_inbox_status")),
        sa.CheckConstraint(f"target IN {SYSTEMS}", name=op.f("ck_error_inbox_target")),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_error_inbox_run_id_runs"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_error_inbox")),
    )
    op.create_index(op.f("ix_error_inbox_status"), "error_inbox", ["status"])
    op.create_index(
        "uq_error_inbox_open_key",
        "error_inbox",
        ["entity", "target", "record_key", "operation"],
        unique=True,
        sqlite_where=OPEN_INBOX,
        postgresql_where=OPEN_INBOX,
    )

    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(20), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(80), nullable=False),
        sa.Column("base_value", sa.JSON(), nullable=False),
        sa.Column("sf_value", sa.JSON(), nullable=False),
        sa.Column("ia_value", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("resolution", sa.String(12), nullable=True),
        sa.Column("resolved_value", sa.JSON(), nullable=True),
        _ts("resolved_at", nullable=True),
        _ts("created_at"),
        _ts("updated_at"),
        sa.CheckConstraint(
            "resolution IS NULL OR resolution IN ('salesforce', 'intacct', 'value')", name=op.f("ck_conflicts_res")
        ),
        sa.CheckConstraint("status IN ('open', 'resolved')", name=op.f("ck_conflicts_status")),
        sa.ForeignKeyConstraint(["link_id"], ["links.id"], name=op.f("fk_conflicts_link_id_links"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conflicts")),
    )
    op.create_index(op.f("ix_conflicts_link_id"), "conflicts", ["link_id"])
    op.create_index(op.f("ix_conflicts_status"), "conflicts", ["status"])
    op.create_index(
        "uq_conflicts_open_field",
        "conflicts",
        ["link_id", "field"],
        unique=True,
        sqlite_where=OPEN_CONFLICT,
        postgresql_where=OPEN_CONFLICT,
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        _ts("at"),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("link_id", sa.Integer(), nullable=True),
        sa.Column("target", sa.String(12), nullable=True),
        sa.Column("operation", sa.String(20), nullable=False),
        sa.Column("record_key", sa.String(200), nullable=False),
        sa.Column("before", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("after", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "operation IN ('create', 'update', 'deactivate', 'reactivate', 'link', 'conflict', 'overwrite_back',"
            " 'skip')",
            name=op.f("ck_audit_log_operation"),
        ),
        sa.ForeignKeyConstraint(
            ["link_id"], ["links.id"], name=op.f("fk_audit_log_link_id_links"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_audit_log_run_id_runs"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_index(op.f("ix_audit_log_link_id"), "audit_log", ["link_id"])
    op.create_index(op.f("ix_audit_log_run_id"), "audit_log", ["run_id"])


def downgrade() -> None:
    for table in ("audit_log", "conflicts", "error_inbox", "intents", "meta", "cursors", "links", "runs"):
        op.drop_table(table)
