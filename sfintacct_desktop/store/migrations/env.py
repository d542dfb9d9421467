"""Alembic environment: always run online on the connection handed over by ``store.migrate``.

No alembic.ini is needed at run time; ``store.migrate.alembic_config`` builds the config in code
and passes the open connection in ``config.attributes["connection"]``.
"""

from __future__ import annotations

from alembic import context

from sfintacct_desktop.store.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only reachable from the alembic CLI without our helper
    raise RuntimeError("run migrations through sfintacct_desktop.store.migrate")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite ALTER goes through table copies
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
