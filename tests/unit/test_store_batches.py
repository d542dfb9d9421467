"""The state store's batch operations: the same rules as their one-record forms, in one statement."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from sfintacct_desktop.domain import Entity, ErrorInfo, ErrorKind, InboxStatus, IntentState, System
from sfintacct_desktop.store import DuplicateError, InvalidTransitionError, NotFoundError, StateStore

SF = [f"001{i:012d}AAA" for i in range(1, 6)]


@pytest.fixture
def store(state_target: str | Path) -> Iterator[StateStore]:
    """Each test runs on both backends: a SQLite file and a PostgreSQL database."""
    with StateStore.open(state_target) as s:
        yield s


def test_create_many_links_in_order_and_refuses_any_second_link(store: StateStore) -> None:
    with store.write() as tx:
        made = tx.links.create_many(
            Entity.CUSTOMER,
            [{"sf_id": SF[i], "ia_key": f"C{i}", "sf_base": {"credit": Decimal("1.50")}} for i in range(3)],
        )
    assert [(link.sf_id, link.ia_key) for link in made] == [(SF[i], f"C{i}") for i in range(3)]
    assert len({link.id for link in made}) == 3
    with store.read() as r:
        assert r.links.get(made[1].id).sf_base == {"credit": "1.50"}
        # the links handed back are built from what was written: exactly as stored, stamps included
        assert [r.links.get(link.id) for link in made] == made
        assert r.links.ia_keys(Entity.CUSTOMER) == {"C0", "C1", "C2"}
    for bad in (
        [{"sf_id": SF[3], "ia_key": "C1"}],  # Intacct side already linked
        [{"sf_id": SF[0], "ia_key": "C9"}],  # Salesforce side already linked
        [{"sf_id": SF[3], "ia_key": "C8"}, {"sf_id": SF[4], "ia_key": "C8"}],  # twice in the batch
    ):
        with pytest.raises(DuplicateError), store.write() as tx:
            tx.links.create_many(Entity.CUSTOMER, bad)
    with store.read() as r:
        assert r.links.count(Entity.CUSTOMER) == 3  # a refused batch wrote nothing


def test_update_many_sets_only_what_is_given(store: StateStore) -> None:
    with store.write() as tx:
        a, b = tx.links.create_many(
            Entity.PRODUCT, [{"sf_id": SF[0], "ia_key": "I0", "sf_base": {"x": 1}}, {"sf_id": SF[1], "ia_key": "I1"}]
        )
    with store.write() as tx:
        n = tx.links.update_many(
            [
                {"id": a.id, "sf_seen": "2026-12-05T08:00:00+00:00", "ia_seen": None},
                {"id": b.id, "sf_base": {"name": "Widget"}, "ia_base": {"name": "Widget"}, "ia_record_no": "77"},
            ]
        )
    assert n == 2
    with store.read() as r:
        a2, b2 = r.links.get(a.id), r.links.get(b.id)
    assert (a2.sf_seen, a2.ia_seen, a2.sf_base) == ("2026-12-05T08:00:00+00:00", None, {"x": 1})
    assert (b2.sf_base, b2.ia_base, b2.ia_record_no) == ({"name": "Widget"}, {"name": "Widget"}, "77")
    assert a2.updated_at >= a.updated_at


def test_intents_planned_and_sent_in_bulk_then_confirmed(store: StateStore) -> None:
    with store.write() as tx:
        tx.intents.plan_sent_many(
            [(f"customer.create:{SF[i]}:1", "create_customer", System.INTACCT, {"n": i}) for i in range(3)]
        )
    with store.read() as r:
        got = r.intents.get_many([f"customer.create:{SF[i]}:1" for i in range(4)])
    assert sorted(got) == [f"customer.create:{SF[i]}:1" for i in range(3)]
    assert {(i.state, i.attempts) for i in got.values()} == {(IntentState.SENT, 1)}
    with pytest.raises(DuplicateError), store.write() as tx:
        tx.intents.plan_sent_many([(f"customer.create:{SF[0]}:1", "create_customer", System.INTACCT, {})])
    with store.write() as tx:
        tx.intents.confirm_many({f"customer.create:{SF[0]}:1": {"record_no": "9"}})
    with store.read() as r:
        done = r.intents.get(f"customer.create:{SF[0]}:1")
    assert done is not None and done.state is IntentState.CONFIRMED and done.result == {"record_no": "9"}
    with pytest.raises(InvalidTransitionError), store.write() as tx:  # confirmed cannot be confirmed again
        tx.intents.confirm_many({f"customer.create:{SF[0]}:1": {}})
    with pytest.raises(NotFoundError), store.write() as tx:
        tx.intents.confirm_many({"customer.create:nope:1": {}})


def test_resolve_many_closes_only_the_given_records_items(store: StateStore) -> None:
    err = ErrorInfo(ErrorKind.VALIDATION, "Refused", "Name too long", "Shorten it")
    with store.write() as tx:
        for key in ("A", "B"):
            tx.inbox.record("customer", System.SALESFORCE, System.INTACCT, key, "sync", err)
        tx.inbox.record("customer", System.SALESFORCE, System.INTACCT, "A", "order", err)
    with store.write() as tx:
        assert tx.inbox.resolve_many("customer", "sync", ["A", "C"]) == 1
    with store.read() as r:
        still = {(i.record_key, i.operation) for i in r.inbox.list(InboxStatus.OPEN)}
    assert still == {("B", "sync"), ("A", "order")}
