"""Copy a whole state store to another database (SQLite <-> PostgreSQL): every table, the same ids.

Why the same ids: intents, conflicts and audit rows point at links and runs by id, and the engine
compares nothing else, so a copy that renumbered would be a different state. Rows go through the
ORM tables' own column types (aware UTC datetimes, exact money, canonical JSON), so what the target
hands back equals what the source did. The copy is one transaction on the target: it is whole, or
the target is as it was. PostgreSQL's id sequences are then moved past the copied ids (SQLite's
integer keys continue from the largest id by themselves).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from .errors import StoreError
from .migrate import current_revision, head_revision
from .models import Base

CHUNK = 1000


class CopyError(StoreError):
    """The target is not empty, the schemas differ, or the copy did not count out."""


@dataclass
class CopyReport:
    revision: str | None
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows copied (verified on both sides)

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def tables() -> list[sa.Table]:
    """Every table of the state, parents before children (the order rows can be inserted in)."""
    return list(Base.metadata.sorted_tables)


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: int(conn.scalar(sa.select(sa.func.count()).select_from(t)) or 0) for t in tables()}


def _sql_null_json(table: sa.Table) -> list[sa.Column[Any]]:
    """Nullable JSON columns that store Python None as JSON 'null': SQL NULL must be restored apart."""
    return [
        c
        for c in table.columns
        if isinstance(c.type, sa.JSON) and c.nullable and not c.type.none_as_null and not c.primary_key
    ]


def _chunks(conn: sa.Connection, table: sa.Table) -> Iterator[list[dict[str, Any]]]:
    query = sa.select(table).order_by(*table.primary_key.columns)
    result = conn.execution_options(yield_per=CHUNK).execute(query)
    for part in result.mappings().partitions(CHUNK):
        yield [dict(row) for row in part]


def copy_state(source: Engine, target: Engine, *, replace: bool = False) -> CopyReport:
    """Copy every row of ``source`` into ``target`` (both at the schema head).

    A target that holds any row is refused unless ``replace`` (its rows are then deleted in the same
    transaction as the copy). The copy is verified by counting each table on both sides.
    """
    head = head_revision()
    revisions = current_revision(source), current_revision(target)
    if revisions != (head, head):
        raise CopyError(f"both stores must be at schema {head}; they are at {revisions[0]} and {revisions[1]}")
    before = row_counts(target)
    if any(before.values()) and not replace:
        held = ", ".join(f"{name} {n}" for name, n in before.items() if n)
        raise CopyError(f"the target already holds sync state ({held})")
    report = CopyReport(head)
    with source.connect() as src, target.begin() as dst:
        for table in reversed(tables()):
            dst.execute(table.delete())
        for table in tables():
            nulls = _sql_null_json(table)
            pk = next(iter(table.primary_key.columns))
            copied = 0
            for rows in _chunks(src, table):
                dst.execute(sa.insert(table), rows)
                copied += len(rows)
            keep = {c.name: c for c in table.columns if c.onupdate is not None}  # no fresh updated_at
            for column in nulls:  # SQL NULL on the source (not JSON null): the same on the target
                ids = list(src.scalars(sa.select(pk).where(column.is_(None))))
                for start in range(0, len(ids), CHUNK):
                    where = pk.in_(ids[start : start + CHUNK])
                    dst.execute(table.update().where(where).values({**keep, column.name: sa.null()}))
            report.rows[table.name] = copied
        if dst.dialect.name == "postgresql":
            _reset_sequences(dst)
    after = row_counts(target)
    if after != report.rows or row_counts(source) != report.rows:
        raise CopyError(f"the copy does not count out: copied {report.rows}, the target holds {after}")
    return report


def _reset_sequences(conn: sa.Connection) -> None:
    """Move each serial id sequence past the largest copied id (the next insert must not collide)."""
    for table in tables():
        pk = list(table.primary_key.columns)
        if len(pk) != 1 or not isinstance(pk[0].type, sa.Integer):
            continue
        name = pk[0].name
        conn.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence(:t, :c), COALESCE(MAX({name}), 1), MAX({name}) IS NOT NULL)"
                f" FROM {table.name}"
            ),
            {"t": table.name, "c": name},
        )


__all__ = ["CopyError", "CopyReport", "copy_state", "row_counts", "tables"]
