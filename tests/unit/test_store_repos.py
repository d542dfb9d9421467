"""State store repositories: CRUD and the uniqueness and state rules of each table."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from sfintacct_desktop.domain import (
    AuditOperation,
    ConflictStatus,
    Entity,
    ErrorInfo,
    ErrorKind,
    InboxStatus,
    IntentState,
    Invoice,
    LinkState,
    Payment,
    PaymentApplication,
    Resolution,
    RunStatus,
    System,
)
from sfintacct_desktop.store import DuplicateError, InvalidTransitionError, NotFoundError, StateStore
from sfintacct_desktop.store.models import MetaRow

SF1, SF2, SF3 = "001000000000001AAA", "001000000000002AAA", "001000000000003AAA"


@pytest.fixture
def store(state_target: str | Path) -> Iterator[StateStore]:
    """Each test runs on both backends: a SQLite file and a PostgreSQL database."""
    with StateStore.open(state_target) as s:
        yield s


def _error(message: str = "Duplicate contact name", code: str = "BL34000061") -> ErrorInfo:
    return ErrorInfo(ErrorKind.DUPLICATE, "Intacct refused the customer", message, "Rename the contact", code=code)


# ---------------------------------------------------------------- links


def test_link_round_trips_bases_with_decimal_and_dates(store: StateStore) -> None:
    base = {"Name": "Acme", "Price": Decimal("10.50"), "Since": date(2024, 5, 1), "Lines": ("a", "b"), "X": None}
    with store.write() as tx:
        created = tx.links.create("product", SF1, "ITEM-1", ia_record_no="12", sf_base=base, ia_base=base, sf_seen="s")
    assert created.sf_base == {"Name": "Acme", "Price": "10.50", "Since": "2024-05-01", "Lines": ["a", "b"], "X": None}
    with store.read() as r:
        link = r.links.get(created.id)
    assert link == created
    assert link.entity is Entity.PRODUCT and link.state is LinkState.ACTIVE
    assert link.created_at.tzinfo is not None


def test_link_refuses_floats(store: StateStore) -> None:
    with pytest.raises(TypeError, match="float"), store.write() as tx:
        tx.links.create("product", SF1, "ITEM-1", ia_base={"Price": 10.5})


def test_link_is_unique_per_side(store: StateStore) -> None:
    with store.write() as tx:
        tx.links.create("customer", SF1, "C-1")
        with pytest.raises(DuplicateError):
            tx.links.create("customer", SF1, "C-2")
        with pytest.raises(DuplicateError):
            tx.links.create("customer", SF2, "C-1")
        tx.links.create("product", SF1, "C-1")  # another entity is another namespace
    with store.read() as r:
        assert r.links.count() == 2


def test_link_requires_18_character_id(store: StateStore) -> None:
    with pytest.raises(ValueError, match="18"), store.write() as tx:
        tx.links.create("customer", SF1[:15], "C-1")


def test_link_lookups_update_and_tombstones(store: StateStore) -> None:
    with store.write() as tx:
        a = tx.links.create("customer", SF1, "C-1")
        tx.links.create("customer", SF2, "C-2")
        tx.links.update(a.id, sf_base={"Name": "New"}, ia_seen="2024-05-01T10:00:00")
        assert tx.links.by_ia_key("customer", "C-1").sf_base == {"Name": "New"}
        assert set(tx.links.many_by_sf_id("customer", [SF1, SF2, SF3])) == {SF1, SF2}
        assert set(tx.links.many_by_ia_key(Entity.CUSTOMER, ["C-2"])) == {"C-2"}
        gone = tx.links.mark_deleted(a.id, System.SALESFORCE)
        assert gone.state is LinkState.TOMBSTONED and gone.sf_deleted_at is not None
        assert [link.id for link in tx.links.list("customer", state="tombstoned")] == [a.id]
        back = tx.links.mark_restored(a.id, "salesforce")
        assert back.state is LinkState.ACTIVE and back.sf_deleted_at is None
        assert tx.links.by_sf_id("customer", SF3) is None
        with pytest.raises(NotFoundError):
            tx.links.get(999)


# ---------------------------------------------------------------- cursors, meta, runs


def test_cursors_and_meta(store: StateStore) -> None:
    with store.write() as tx:
        tx.cursors.set("sf.account", "2024-05-01T10:00:00.000+0000")
        tx.cursors.set("sf.account", "2024-05-02T10:00:00.000+0000")
        tx.cursors.set("ia.customer", "05/02/2024 10:00:00")
        tx.meta.set("cutover", date(2024, 1, 1))
    with store.read() as r:
        assert r.cursors.value("sf.account") == "2024-05-02T10:00:00.000+0000"
        assert [c.stream for c in r.cursors.all()] == ["ia.customer", "sf.account"]
        assert r.cursors.get("nope") is None
        assert r.meta.get("cutover") == "2024-01-01"
        assert r.meta.get("missing", 7) == 7


def test_runs_lifecycle(store: StateStore) -> None:
    with store.write() as tx:
        run = tx.runs.start("manual")
        tx.runs.checkpoint(run.id, {"sf.account": {"read": 3}}, sf_api_calls=2, ia_transactions=1)
        done = tx.runs.finish(run.id, RunStatus.OK, sf_api_calls=3)
        assert done.status is RunStatus.OK and done.finished_at is not None
        assert done.counters == {"sf.account": {"read": 3}} and done.sf_api_calls == 3 and done.ia_transactions == 1
        with pytest.raises(InvalidTransitionError):
            tx.runs.finish(run.id, "failed")
        crashed = tx.runs.start("watch")
    with store.write() as tx:
        assert tx.runs.mark_interrupted() == [crashed.id]
        failed = tx.runs.start("manual")
        tx.runs.finish(failed.id, "failed", error=_error())
    with store.read() as r:
        assert [x.status for x in r.runs.recent()] == [RunStatus.FAILED, RunStatus.INTERRUPTED, RunStatus.OK]
        assert r.runs.last().error["code"] == "BL34000061"


# ---------------------------------------------------------------- intents


def test_intent_happy_path_and_unique_key(store: StateStore) -> None:
    with store.write() as tx:
        run = tx.runs.start("manual")
        tx.intents.plan("so:006000000000001AAA", "sales_order", "intacct", {"amount": Decimal("5.00")}, run_id=run.id)
        with pytest.raises(DuplicateError):
            tx.intents.plan("so:006000000000001AAA", "sales_order", "intacct")
        again, created = tx.intents.get_or_plan("so:006000000000001AAA", "sales_order", "intacct")
        assert not created and again.payload == {"amount": "5.00"}
    with store.write() as tx:
        sent = tx.intents.mark_sent("so:006000000000001AAA")
        assert sent.state is IntentState.SENT and sent.attempts == 1
        assert [i.key for i in tx.intents.unresolved()] == ["so:006000000000001AAA"]
        done = tx.intents.confirm("so:006000000000001AAA", {"DOCID": "Sales Order-SO0042"})
        assert done.state is IntentState.CONFIRMED and done.result == {"DOCID": "Sales Order-SO0042"}
        assert tx.intents.unresolved() == []


def test_intent_unknown_paths(store: StateStore) -> None:
    with store.write() as tx:
        for key in ("a", "b", "c"):
            tx.intents.plan(key, "customer_create", System.INTACCT)
            tx.intents.mark_sent(key)
            tx.intents.mark_unknown(key, _error("timed out"))
        assert tx.intents.confirm("a").state is IntentState.CONFIRMED
        assert tx.intents.quarantine("b").last_error["message"] == "timed out"
        resent = tx.intents.mark_sent("c")
        assert resent.state is IntentState.SENT and resent.attempts == 2
        assert [i.key for i in tx.intents.in_state(IntentState.QUARANTINED)] == ["b"]


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        ([], "confirm"),  # PLANNED -> CONFIRMED: never sent
        ([], "mark_unknown"),
        ([], "quarantine"),
        (["mark_sent"], "mark_sent"),  # SENT -> SENT: resend without resolving
        (["mark_sent"], "quarantine"),
        (["mark_sent", "confirm"], "mark_sent"),  # CONFIRMED is final
        (["mark_sent", "confirm"], "mark_unknown"),
        (["mark_sent", "mark_unknown", "quarantine"], "mark_sent"),  # QUARANTINED is final
        (["mark_sent", "mark_unknown", "quarantine"], "confirm"),
    ],
)
def test_intent_refuses_moves_outside_the_graph(store: StateStore, path: list[str], bad: str) -> None:
    with store.write() as tx:
        tx.intents.plan("k", "customer_create", "intacct")
        for step in path:
            getattr(tx.intents, step)("k")
        before = tx.intents.get("k")
        with pytest.raises(InvalidTransitionError):
            getattr(tx.intents, bad)("k")
        assert tx.intents.get("k").state is before.state


def test_intent_transition_of_missing_key(store: StateStore) -> None:
    with pytest.raises(NotFoundError), store.write() as tx:
        tx.intents.mark_sent("nope")


# ---------------------------------------------------------------- error inbox


def test_inbox_one_open_item_per_key_and_repeat_updates_it(store: StateStore) -> None:
    with store.write() as tx:
        first = tx.inbox.record("customer", "salesforce", "intacct", SF1, "create", _error("v1"), {"Name": "A"})
        second = tx.inbox.record("customer", "salesforce", "intacct", SF1, "create", _error("v2"), {"Name": "B"})
        other = tx.inbox.record("customer", "salesforce", "intacct", SF1, "update", _error())
    assert second.id == first.id and second.attempts == 2
    assert second.message == "v2" and second.payload == {"Name": "B"} and second.hint == "Rename the contact"
    assert second.first_seen == first.first_seen and second.last_seen >= first.last_seen
    assert other.id != first.id
    with store.read() as r:
        assert r.inbox.count_open() == 2


def test_inbox_retry_resolve_and_reopen(store: StateStore) -> None:
    with store.write() as tx:
        item = tx.inbox.record("product", "intacct", "salesforce", "ITEM-1", "update", _error())
        assert tx.inbox.mark_retrying(item.id).status is InboxStatus.RETRYING
        # still the one unresolved item while retrying
        again = tx.inbox.record("product", "intacct", "salesforce", "ITEM-1", "update", _error("still bad"))
        assert again.id == item.id and again.status is InboxStatus.OPEN
        assert tx.inbox.resolve_for("product", "salesforce", "ITEM-1", "update").status is InboxStatus.RESOLVED
        with pytest.raises(InvalidTransitionError):
            tx.inbox.mark_retrying(item.id)
        fresh = tx.inbox.record("product", "intacct", "salesforce", "ITEM-1", "update", _error())
        assert fresh.id != item.id and fresh.attempts == 1
        assert [i.id for i in tx.inbox.list(status=None)] == [item.id, fresh.id]
        assert tx.inbox.find_open("product", "salesforce", "ITEM-1", "update").id == fresh.id


def test_inbox_unique_index_backs_the_rule(store: StateStore) -> None:
    """Even bypassing the repository, the database refuses a second open item for the same key."""
    import sqlalchemy as sa

    row = (
        "INSERT INTO error_inbox (entity, source, target, record_key, operation, code, title, message, hint,"
        " payload, status, attempts, first_seen, last_seen) VALUES ('customer', 'salesforce', 'intacct', 'k',"
        " 'create', '', '', '', '', '{}', 'open', 1, '2024-01-01', '2024-01-01')"
    )
    with pytest.raises(sa.exc.IntegrityError), store.write() as tx:
        tx.session.execute(sa.text(row))
        tx.session.execute(sa.text(row))


# ---------------------------------------------------------------- conflicts


def test_conflict_one_open_per_link_and_field(store: StateStore) -> None:
    with store.write() as tx:
        link = tx.links.create("customer", SF1, "C-1")
        first = tx.conflicts.open(link.id, "Phone", base="1", sf_value="2", ia_value="3")
        second = tx.conflicts.open(link.id, "Phone", base="1", sf_value="2", ia_value="4")
        other = tx.conflicts.open(link.id, "Name", base="a", sf_value="b", ia_value="c")
        assert second.id == first.id and second.ia_value == "4"
        assert other.id != first.id
        assert set(tx.conflicts.open_for_link(link.id)) == {"Phone", "Name"}
        assert tx.conflicts.count_open() == 2
        assert first.entity is Entity.CUSTOMER


def test_conflict_resolutions(store: StateStore) -> None:
    with store.write() as tx:
        link = tx.links.create("customer", SF1, "C-1")
        a = tx.conflicts.open(link.id, "Phone", base="1", sf_value="2", ia_value="3")
        b = tx.conflicts.open(link.id, "Name", base="a", sf_value="b", ia_value="c")
        c = tx.conflicts.open(link.id, "City", base="x", sf_value="y", ia_value="z")
        assert tx.conflicts.resolve(a.id, Resolution.SALESFORCE).resolved_value == "2"
        assert tx.conflicts.resolve(b.id, "intacct").resolved_value == "c"
        done = tx.conflicts.resolve(c.id, "value", "Paris")
        assert done.resolved_value == "Paris" and done.status is ConflictStatus.RESOLVED and done.resolved_at
        with pytest.raises(InvalidTransitionError):
            tx.conflicts.resolve(c.id, "salesforce")
        reopened = tx.conflicts.open(link.id, "City", base="Paris", sf_value="Rome", ia_value="Oslo")
        assert reopened.id != c.id and tx.conflicts.list_open("customer") == [reopened]


def test_conflict_needs_an_existing_link(store: StateStore) -> None:
    with pytest.raises(NotFoundError), store.write() as tx:
        tx.conflicts.open(42, "Phone", base=None, sf_value="1", ia_value="2")


# ---------------------------------------------------------------- audit


def test_audit_entries(store: StateStore) -> None:
    with store.write() as tx:
        run = tx.runs.start("manual")
        link = tx.links.create("customer", SF1, "C-1")
        tx.audit.add("customer", "create", target="intacct", record_key="C-1", link_id=link.id, run_id=run.id,
                     after={"NAME": "Acme"})  # fmt: skip
        tx.audit.add("customer", AuditOperation.OVERWRITE_BACK, target=System.SALESFORCE, record_key=SF1,
                     link_id=link.id, run_id=run.id, before={"Phone": "1"}, after={"Phone": "2"},
                     reason="Phone is owned by intacct")  # fmt: skip
        tx.audit.add("customer", "skip", record_key=SF2, reason="historical")
    with store.read() as r:
        entries = r.audit.list(link_id=link.id)
        assert [e.operation for e in entries] == [AuditOperation.OVERWRITE_BACK, AuditOperation.CREATE]
        assert entries[0].before == {"Phone": "1"} and entries[0].target is System.SALESFORCE
        assert r.audit.count(run_id=run.id) == 2 and r.audit.count() == 3
        assert r.audit.list(operation="skip")[0].target is None


def test_audit_refuses_unknown_operation(store: StateStore) -> None:
    with pytest.raises(ValueError), store.write() as tx:
        tx.audit.add("customer", "delete")


# ---------------------------------------------------------------- invoice / payment cache


def test_invoice_and_payment_cache_keep_money_exact(store: StateStore) -> None:
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
        modified_at=datetime(2024, 5, 2, 8, 0, tzinfo=UTC),
    )
    paid = Invoice(**{**inv.__dict__, "number": "INV-2", "paid": inv.total, "due": Decimal("0")})
    pay = Payment(
        "77", "C-1", Decimal("0.10"), date(2024, 5, 3), "Check", "C", (PaymentApplication("12", Decimal("0.1")),)
    )
    with store.write() as tx:
        tx.cache.put_invoice(inv, account_id=SF1)
        tx.cache.put_invoice(paid)
        tx.cache.put_payment(pay)
    with store.read() as r:
        assert r.cache.invoice("INV-1") == inv
        assert [i.number for i in r.cache.invoices(customer_id="C-1", open_only=True)] == ["INV-1"]
        assert r.cache.payment("77").applications[0].amount == Decimal("0.1")
        assert r.cache.payments(customer_id="C-1", since=date(2024, 5, 1))[0].amount == Decimal("0.10")


def test_conflict_unique_index_backs_the_rule(store: StateStore) -> None:
    """Even bypassing the repository, the database refuses a second open conflict for a link field."""
    import sqlalchemy as sa

    with store.write() as tx:
        link = tx.links.create("customer", SF1, "C-1")
    row = (
        "INSERT INTO conflicts (entity, link_id, field, base_value, sf_value, ia_value, status, created_at, updated_at)"
        f" VALUES ('customer', {link.id}, 'Phone', 'null', '\"1\"', '\"2\"', 'open', '2024-01-01', '2024-01-01')"
    )
    with pytest.raises(sa.exc.IntegrityError), store.write() as tx:
        tx.session.execute(sa.text(row))
        tx.session.execute(sa.text(row))


def test_meta_set_writes_only_a_changed_value(store: StateStore) -> None:
    """An unchanged value is not written again (its row keeps its time); a changed one is."""
    with store.write() as tx:
        tx.meta.set("probe", {"seen": {"a": 1, "b": [True, "x"]}, "n": 2})
    with store.read() as r:
        first = r.session.get(MetaRow, "probe").updated_at
    with store.write() as tx:
        tx.meta.set("probe", {"n": 2, "seen": {"b": [True, "x"], "a": 1}})  # the same, keys in another order
    with store.read() as r:
        assert r.session.get(MetaRow, "probe").updated_at == first
    with store.write() as tx:
        tx.meta.set("probe", {"n": 2, "seen": {"a": 1, "b": [True, "y"]}})  # one value deep inside changed
    with store.read() as r:
        assert r.meta.get("probe") == {"n": 2, "seen": {"a": 1, "b": [True, "y"]}}
        assert r.session.get(MetaRow, "probe").updated_at > first


def test_link_mark_and_seen_marks_for_the_stamp_memo(store: StateStore) -> None:
    """The links' mark moves with every create and update; the seen marks come back as plain values."""
    with store.read() as r:
        assert r.links.mark(Entity.CUSTOMER) == (0, 0, None)
    with store.write() as tx:
        a = tx.links.create(Entity.CUSTOMER, SF1, "C-1", sf_seen="2026-12-01T10:00:00+00:00")
        tx.links.create(Entity.CUSTOMER, SF2, "C-2")
    with store.read() as r:
        first = r.links.mark(Entity.CUSTOMER)
        assert first[0] == 2 and first[1] > a.id and first[2] is not None and first[2].tzinfo is not None
        assert r.links.sf_seen_marks(Entity.CUSTOMER, [SF1, SF2, SF3]) == {
            SF1: ("2026-12-01T10:00:00+00:00", False, "C-1"),
            SF2: ("", False, "C-2"),
        }
    with store.write() as tx:
        tx.links.mark_deleted(a.id, System.SALESFORCE)
    with store.read() as r:
        second = r.links.mark(Entity.CUSTOMER)
        assert second[:2] == first[:2] and second[2] > first[2]
        assert r.links.sf_ids_updated_since(Entity.CUSTOMER, second[2]) == {SF1}
        assert r.links.sf_seen_marks(Entity.CUSTOMER, [SF1])[SF1][1] is True


def test_json_values_are_stored_canonical_and_floats_refused_at_any_depth(store: StateStore) -> None:
    value = {"b": [Decimal("1.50"), (1, "x")], "a": {"when": date(2026, 1, 2), "side": System.INTACCT}, 3: True}
    with store.write() as tx:
        tx.meta.set("k", value)
    with store.read() as r:
        assert r.meta.get("k") == {"a": {"side": "intacct", "when": "2026-01-02"}, "b": ["1.50", [1, "x"]], "3": True}
    for bad in ({"x": [1.5]}, [{"y": 2.0}]):
        with pytest.raises(TypeError, match="float"), store.write() as tx:
            tx.meta.set("bad", bad)
    with pytest.raises(Exception, match="float"), store.write() as tx:  # straight to the serializer too
        tx.session.add(MetaRow(key="raw", value={"z": [{"w": 0.5}]}))
