"""Copying a whole state store SQLite -> PostgreSQL -> SQLite: every row, the same ids, nothing else.

Compared table by table through the ORM's own types (aware UTC datetimes, exact money, JSON), plus
the SQL NULL / JSON null distinction the typed values cannot show. After a copy to PostgreSQL the
id sequences continue past the copied ids.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from sfintacct_desktop.domain import ErrorInfo, ErrorKind, Invoice, Payment, PaymentApplication
from sfintacct_desktop.store import StateStore
from sfintacct_desktop.store.copy import CopyError, copy_state, row_counts, tables

SF = [f"001{i:012d}AAA" for i in range(1, 5)]


def fill(store: StateStore) -> None:
    err = ErrorInfo(ErrorKind.DUPLICATE, "Intacct refused the customer", "Duplicate name", "Rename it", code="BL1")
    with store.write() as tx:
        run = tx.runs.start("test")
        links = [
            tx.links.create("customer", SF[i], f"C-{i}", sf_base={"Name": f"Ä {i}", "N": None}, ia_base={"X": [1]})
            for i in range(3)
        ]
        tx.links.create("product", SF[3], "ITEM-1", sf_base={"Price": Decimal("10.50"), "Since": date(2024, 5, 1)})
        tx.links.mark_deleted(links[2].id, "salesforce")
        tx.intents.plan("order:006A", "sales_order", "intacct", {"lines": [{"qty": 2}]}, run_id=run.id)
        tx.intents.mark_sent("order:006A")
        tx.inbox.record("customer", "salesforce", "intacct", SF[0], "create", err, payload={"a": 1}, run_id=run.id)
        open_c = tx.conflicts.open(links[0].id, "Phone", base="1", sf_value="2", ia_value=None)
        done = tx.conflicts.open(links[1].id, "Phone", base=None, sf_value="2", ia_value="3")
        tx.conflicts.resolve(done.id, "salesforce")
        assert open_c.id != done.id
        tx.audit.add("customer", "create", target="intacct", record_key="C-0", link_id=links[0].id, after={"a": 1})
        tx.meta.set("cutover", "2024-05-01")
        tx.cursors.set("sf.account", "2024-05-01T10:00:00.000+0000")
        inv = Invoice(
            number="INV-1",
            customer_id="C-1",
            state="Partially Paid",
            invoice_date=date(2024, 5, 1),
            due_date=date(2024, 5, 31),
            total=Decimal("1234567890123456.78"),
            paid=Decimal("0.10"),
            due=Decimal("1234567890123456.68"),
            currency="USD",
        )
        tx.cache.put_invoice(inv, account_id=SF[0])
        applied = (PaymentApplication("12", Decimal("0.1")),)
        tx.cache.put_payment(Payment("77", "C-1", Decimal("0.10"), date(2024, 5, 3), "Check", "C", applied))
        tx.runs.finish(run.id, "ok", counters={"created": 3})


def dump(store: StateStore) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table as typed values, plus which JSON columns hold SQL NULL."""
    out: dict[str, list[dict[str, Any]]] = {}
    with store.engine.connect() as conn:
        for table in tables():
            pk = list(table.primary_key.columns)
            rows = [dict(r) for r in conn.execute(sa.select(table).order_by(*pk)).mappings()]
            for column in table.columns:
                if isinstance(column.type, sa.JSON):
                    nulls = set(conn.scalars(sa.select(pk[0]).where(column.is_(None))))
                    for row in rows:
                        row[f"{column.name} IS NULL"] = row[pk[0].name] in nulls
            out[table.name] = rows
    return out


def test_a_store_copied_to_postgres_and_back_is_the_same_row_for_row(tmp_path: Path, postgres_url: str) -> None:
    with StateStore.open(tmp_path / "a.sqlite3") as src:
        fill(src)
        original = dump(src)
        with StateStore.open(postgres_url) as pg:
            report = copy_state(src.engine, pg.engine)
            assert report.rows == row_counts(src.engine) and report.total >= 12
            assert dump(pg) == original
            with pg.write() as tx:  # the sequences continue past the copied ids
                link = tx.links.create("customer", "001000000000099AAA", "C-99")
            assert link.id == max(r["id"] for r in original["links"]) + 1
            with StateStore.open(tmp_path / "b.sqlite3") as back:
                copy_state(pg.engine, back.engine)
                again = dump(back)
    assert [r for r in again["links"] if r["ia_key"] != "C-99"] == original["links"]
    assert {k: v for k, v in again.items() if k != "links"} == {k: v for k, v in original.items() if k != "links"}


def test_a_target_with_state_is_refused_unless_replaced(tmp_path: Path, postgres_url: str) -> None:
    with StateStore.open(tmp_path / "a.sqlite3") as src, StateStore.open(postgres_url) as pg:
        fill(src)
        with pg.write() as tx:
            tx.meta.set("other", 1)
        with pytest.raises(CopyError, match="already holds sync state"):
            copy_state(src.engine, pg.engine)
        assert row_counts(pg.engine)["meta"] == 1  # untouched
        copy_state(src.engine, pg.engine, replace=True)
        assert dump(pg) == dump(src)
