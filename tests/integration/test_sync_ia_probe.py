"""The Intacct probe over real HTTP: an idle poll is one transaction, and no change is lost.

One AUDITHISTORY query per cycle names the streams that changed; only those are read. Each test
changes Intacct as a user would, between cycles or during one, and checks the next cycle finds
it; the emulators' stats count what each cycle cost.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sfintacct_desktop.engine.cycle import EngineSettings, SyncEngine
from sfintacct_desktop.engine.events import Progress
from sfintacct_desktop.engine.ia_probe import COVERAGE_META, PROBE_META
from sfintacct_desktop.engine.mapping import load_mapping
from tests.support.orders_env import invoice_order, invoice_record, make_deal, orders_for, pay, sf_invoices, sf_payments
from tests.support.sync_env import SyncEnv, ia_connector, make_env, ok, sf_connector


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[SyncEnv]:
    yield from make_env(tmp_path)


def _stats(env: SyncEnv) -> tuple[int, int, int]:
    sf, ia = env.stats("salesforce"), env.stats("intacct")
    return int(sf["api_calls"]), int(ia["transactions"]), int(ia["requests"])


def _cost(env: SyncEnv) -> tuple[int, int, int]:
    """One cycle (it must succeed): Salesforce calls, Intacct transactions and requests, from the emulators."""
    before = _stats(env)
    ok(env)
    return tuple(b - a for a, b in zip(before, _stats(env), strict=True))  # type: ignore[return-value]


def _settle(env: SyncEnv) -> None:
    """Cycles until one costs a single Intacct transaction: the probe alone, nothing left to read."""
    for _ in range(4):
        if _cost(env)[1] == 1:
            return
    raise AssertionError("no idle cycle")


def _account(env: SyncEnv, customer_id: str) -> dict[str, Any]:
    acc = next(a for a in env.accounts() if a["Intacct_Customer_ID__c"] == customer_id)
    return env.account(acc["Id"])


def _audit(env: SyncEnv, **body: Any) -> dict[str, Any]:
    got = env._admin("intacct", "audit", body)
    assert "error" not in got, got
    return got


def _populated(env: SyncEnv) -> None:
    env.create_customer("C-P1", "Probe One Co")
    env.create_customer("C-P2", "Probe Two Co")
    env.create_item("I-P1", "Probe Item")
    ok(env)
    _settle(env)


def test_an_idle_cycle_costs_one_transaction_and_one_call(env: SyncEnv) -> None:
    _populated(env)
    for _ in range(3):
        assert _cost(env) == (1, 1, 1)
    with env.store.read() as r:
        coverage = r.meta.get(COVERAGE_META)["types"]
        assert r.meta.get(PROBE_META)["high"]  # the newest ACCESSTIME seen, as Intacct wrote it
    assert coverage["customer"]["state"] == "covered" and coverage["item"]["state"] == "covered"
    assert coverage["arinvoice"]["state"] == "unverified"  # no invoice yet: probed, checked again later


def test_master_data_changes_and_deletions_are_found_by_the_probe(env: SyncEnv) -> None:
    _populated(env)
    env.update_ia("CUSTOMER", {"CUSTOMERID": "C-P1", "NAME": "Renamed By Probe Co"})
    sf, ia, requests = _cost(env)
    assert (sf, requests) >= (1, 2) and ia == 2  # the probe, then the customers alone
    assert _account(env, "C-P1")["Name"] == "Renamed By Probe Co"
    _settle(env)

    env.update_ia("ITEM", {"ITEMID": "I-P1", "NAME": "Changed Item"})
    ok(env)
    assert any(p.name == "Changed Item" for page in env.user_sf.read_products() for p in page)
    _settle(env)

    acc = _account(env, "C-P2")["Id"]
    env.delete_ia("CUSTOMER", env.customer("C-P2").record_no)
    ok(env)
    assert env.account(acc)["Intacct_Inactive__c"] is True
    _settle(env)
    assert _cost(env)[1] == 1


def test_an_invoice_and_its_payment_are_found_by_the_probe(env: SyncEnv) -> None:
    deal = make_deal(env, "PRB", [("100.00", 1, None)], stage="Closed Won")
    ok(env)
    _settle(env)
    docid = orders_for(env, deal.opp_id)[0]["DOCID"]
    inv_doc = invoice_order(env, docid, [("PRB-P1", "1")], "PRB-A", date(2026, 3, 20))
    ok(env)
    assert [i["Sales_Order_ID__c"] for i in sf_invoices(env)] == [docid]
    _settle(env)
    pay(env, "PRB-A", invoice_record(env, inv_doc)["RECORDNO"], "40.00")
    ok(env)
    assert [float(p["Amount__c"]) for p in sf_payments(env)] == [40.0]
    _settle(env)


def test_a_change_made_during_a_cycle_is_found_by_the_next(env: SyncEnv) -> None:
    """Renamed after this cycle's probe and read (at its first progress event): the next cycle's probe
    has not seen that audit row, so it reads the customers again."""
    _populated(env)
    done: list[bool] = []

    def rename_once(event: object) -> None:
        if isinstance(event, Progress) and not done:
            done.append(True)
            env.update_ia("CUSTOMER", {"CUSTOMERID": "C-P1", "NAME": "Renamed Mid Cycle Co"})

    env.store.close()
    from sfintacct_desktop.store import StateStore

    env.store = StateStore.open(env.db_path)
    env.engine = SyncEngine(
        env.store,
        sf_connector(env.sandbox),
        ia_connector(env.sandbox),
        load_mapping(),
        EngineSettings(profile="test", allow_without_baseline=True),
        emit=rename_once,
    )
    ok(env)
    assert done and _account(env, "C-P1")["Name"] == "Probe One Co"  # this cycle had read before it
    ok(env)
    assert _account(env, "C-P1")["Name"] == "Renamed Mid Cycle Co"


def test_a_stream_the_audit_trail_does_not_cover_is_read_every_cycle(env: SyncEnv) -> None:
    assert _audit(env, untracked=["customer"])["untracked"] == ["customer"]
    env.create_customer("C-U1", "Untracked Co")
    env.create_item("I-U1", "Tracked Item")
    ok(env)  # the coverage check: the newest customer left no audit row
    with env.store.read() as r:
        coverage = r.meta.get(COVERAGE_META)["types"]
    assert coverage["customer"]["state"] == "not_covered" and coverage["item"]["state"] == "covered"
    for _ in range(2):
        ok(env)
    sf, ia, requests = _cost(env)
    assert (sf, ia, requests) == (1, 2, 1)  # the probe and the customers, in one request
    env.update_ia("CUSTOMER", {"CUSTOMERID": "C-U1", "NAME": "Untracked Renamed Co"})  # no audit row
    ok(env)
    assert _account(env, "C-U1")["Name"] == "Untracked Renamed Co"


def test_the_safety_net_reads_every_stream_after_30_minutes(env: SyncEnv) -> None:
    """A change the audit trail never recorded (left out after the coverage check) is found by the
    full read the safety net makes at least every 30 minutes, and only then."""
    now = [datetime.now(UTC)]
    env.store.close()
    from sfintacct_desktop.store import StateStore

    env.store = StateStore.open(env.db_path)
    env.engine = SyncEngine(
        env.store,
        sf_connector(env.sandbox),
        ia_connector(env.sandbox),
        load_mapping(),
        EngineSettings(profile="test", allow_without_baseline=True),
        clock=lambda: now[0],
    )
    _populated(env)
    _audit(env, untracked=["customer"])  # from now on a customer change leaves no row
    env.update_ia("CUSTOMER", {"CUSTOMERID": "C-P1", "NAME": "Silent Rename Co"})
    assert _cost(env)[1] == 1  # the probe sees nothing
    assert _account(env, "C-P1")["Name"] == "Probe One Co"
    now[0] += timedelta(minutes=29)
    env.clock("intacct", 29 * 60)
    assert _cost(env)[1] == 1
    now[0] += timedelta(minutes=2)
    env.clock("intacct", 31 * 60)
    _, ia, requests = _cost(env)
    assert ia == 4 and requests == 1  # customers, items, invoices and the audit trail in one request
    assert _account(env, "C-P1")["Name"] == "Silent Rename Co"
    _audit(env, untracked=[])
    _settle(env)


def test_an_audit_trail_refused_from_the_start_fails_its_stream_visibly(env: SyncEnv) -> None:
    """Refused (not merely empty) at the coverage check: the stream is read every cycle and reported as
    failing (its deletions cannot be read), never synced quietly without them."""
    env.sandbox.intacct.refuse_reads["AUDITHISTORY:customer"] = "permission"
    env.create_customer("C-F1", "Refused From Start Co")
    first = env.sync()
    assert first.status == "partial" and first.error is not None and "intacct.customers" in first.error.title
    with env.store.read() as r:
        assert r.meta.get(COVERAGE_META)["types"]["customer"]["state"] == "not_covered"
    env.update_ia("CUSTOMER", {"CUSTOMERID": "C-F1", "NAME": "Refused Renamed Co"})
    again = env.sync()
    assert again.status == "partial" and "intacct.customers" in again.error.title
    assert _account(env, "C-F1")["Name"] == "Refused Renamed Co"  # read in full although not probed
    env.sandbox.intacct.refuse_reads.clear()
    ok(env)


def test_after_a_burst_a_quiet_cycle_reads_one_page_and_loses_no_late_row(env: SyncEnv) -> None:
    """More audit rows in the probe's 2-minute margin than a page holds (a burst): the probe reads
    the newest page only, since its counts show every row further on is one it has seen. A change
    whose row lands past that page (committed late: an older ACCESSTIME) is still read."""
    _populated(env)
    env.engine.ia.page_size = 3  # a burst of 8 customers fills several pages of the margin
    for i in range(8):
        env.create_customer(f"C-B{i}", f"Burst {i} Co")
    ok(env)
    _settle(env)
    with env.store.read() as r:
        state = r.meta.get(PROBE_META)
    assert state["exact"] and sum(state["seen"].values()) > 3 * 2  # the window holds more than two pages
    for _ in range(2):
        assert _cost(env) == (1, 1, 1)  # one page of the probe: one request, one transaction

    env.clock("intacct", -60)  # this change's audit row is older than the burst's newest rows
    env.update_ia("CUSTOMER", {"CUSTOMERID": "C-B0", "NAME": "Late Row Co"})
    env.clock("intacct", 0)
    _, ia, requests = _cost(env)
    assert ia >= 3 and requests >= 3  # the probe's pages until the new row, then the customers
    assert _account(env, "C-B0")["Name"] == "Late Row Co"
    _settle(env)
    assert _cost(env) == (1, 1, 1)
