"""Modstamps with whole seconds: several records changed inside one second, some of them after the
cycle's read in that same second, all arrive on the other side.

Real orgs stamp SystemModstamp to the second (Intacct's WHENMODIFIED too), so a change made right
after a read can carry the very stamp the read saw. The emulators' clocks are frozen through the
admin API so every write and read of a test falls in one chosen second, deterministically.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.support.sync_env import SyncEnv, ok


def _second(offset: int = 0) -> datetime:
    """An instant 400 ms into a whole second (the fraction must not show on the wire)."""
    base = datetime.now(UTC).replace(microsecond=400_000)
    return base + timedelta(seconds=offset)


def _stamp(env: SyncEnv, account_id: str) -> str:
    rows = env.sf.query_all(f"SELECT SystemModstamp FROM Account WHERE Id = '{account_id}'")
    return str(rows[0]["SystemModstamp"])


def _city(env: SyncEnv, account_id: str) -> str:
    return env.customer(env.account(account_id)["Intacct_Customer_ID__c"]).address.city


@pytest.mark.parametrize("overlap", [None, timedelta(0)], ids=["default-overlap", "no-overlap"])
def test_changes_inside_one_second_around_cycle_boundaries_all_arrive(env: SyncEnv, overlap: timedelta | None) -> None:
    """Also without any overlap: the cursor is inclusive (>=), so its own second is always re-read."""
    if overlap is not None:
        env.new_engine(overlap=overlap)
    t = _second()
    env.freeze("salesforce", t)
    accs = {n: env.create_account(Name=f"Tie {n}", AccountNumber=f"TIE{n}", BillingCity="Oakland") for n in "ABC"}
    stamp = _stamp(env, accs["A"])
    assert stamp == t.strftime("%Y-%m-%dT%H:%M:%S.000+0000")  # whole seconds on the wire
    ok(env)  # cycle 1 reads A, B, C (all stamped t) and creates their customers
    assert {_city(env, a) for a in accs.values()} == {"Oakland"}
    # Still the same second: changes after cycle 1's read, each followed by a cycle.
    env.update_sf("Account", accs["A"], BillingCity="Fresno")
    late = env.create_account(Name="Tie D", AccountNumber="TIED", BillingCity="Reno")
    assert _stamp(env, accs["A"]) == _stamp(env, late) == stamp  # the tie: same stamp as the read saw
    ok(env)
    assert _city(env, accs["A"]) == "Fresno" and _city(env, late) == "Reno"
    env.update_sf("Account", accs["B"], BillingCity="Sacramento")
    ok(env)
    assert _city(env, accs["B"]) == "Sacramento"
    quiet = ok(env)  # nothing new: the tie records merge again (never skipped) but find nothing to do
    assert quiet.writes == 0
    assert sum(s.unchanged for s in quiet.streams) == 0
    env.update_sf("Account", accs["C"], BillingCity="Modesto")
    env.update_sf("Account", accs["A"], BillingCity="Berkeley")  # a second change to one record, same second
    ok(env)
    assert [_city(env, accs[n]) for n in "ABC"] == ["Berkeley", "Sacramento", "Modesto"]
    assert _stamp(env, accs["C"]) == stamp
    assert ok(env).writes == 0


def test_a_record_settled_before_the_newest_second_and_ties_in_the_newest_second(env: SyncEnv) -> None:
    """Records older than the newest stamp of a read are marked seen and skipped while idle; records
    in the newest second are never marked, so edits after the read in that second still arrive."""
    t1 = _second()
    for side in ("salesforce", "intacct"):  # both sides: a pair is skipped only when both are settled
        env.freeze(side, t1)
    old = env.create_account(Name="Settled", AccountNumber="SET1", BillingCity="Oakland")
    ok(env)
    ok(env)
    for side in ("salesforce", "intacct"):
        env.freeze(side, t1 + timedelta(seconds=3))
    newest = [env.create_account(Name=f"Newest {i}", AccountNumber=f"NEW{i}", BillingCity="Oakland") for i in range(3)]
    ok(env)  # creates the newest customers in Intacct
    ok(env)  # `old` merges quietly; both its stamps are older than the newest of their reads: marked seen
    idle = ok(env)
    assert idle.writes == 0 and sum(s.unchanged for s in idle.streams) == 1  # `old` left out unmerged
    for i, acc in enumerate(newest):  # each edit in the newest second, after the previous cycle's read
        env.update_sf("Account", acc, BillingCity=f"City {i}")
        ok(env)
        assert _city(env, acc) == f"City {i}"
    env.update_sf("Account", old, BillingCity="Alameda")  # its stamp moves to the newest second
    ok(env)
    assert _city(env, old) == "Alameda"
    assert ok(env).writes == 0


def test_intacct_changes_inside_one_second_arrive_too(env: SyncEnv) -> None:
    env.freeze("intacct", _second())
    for n in "XYZ":
        env.create_customer(f"TIEIA{n}", f"Tie IA {n}")
    ok(env)
    accounts = {a["Intacct_Customer_ID__c"]: a["Id"] for a in env.accounts()}
    assert {"TIEIAX", "TIEIAY", "TIEIAZ"} <= set(accounts)
    stamps = {c.modified_at for c in env.customers()}
    assert len(stamps) == 1  # one WHENMODIFIED second for every write
    for n, city in zip("XYZ", ("Reno", "Tahoe", "Elko"), strict=True):
        env.update_ia("CUSTOMER", {"CUSTOMERID": f"TIEIA{n}", "DISPLAYCONTACT": {"MAILADDRESS": {"CITY": city}}})
        ok(env)
        assert env.account(accounts[f"TIEIA{n}"])["BillingCity"] == city
    assert {c.modified_at for c in env.customers()} == stamps
    assert ok(env).writes == 0


def test_rest_datetimes_have_whole_seconds(env: SyncEnv) -> None:
    env.freeze("salesforce", _second())
    acc = env.create_account(Name="Stamp")
    row = env.sf.query_all(
        f"SELECT CreatedDate, LastModifiedDate, SystemModstamp FROM Account WHERE Id = '{acc}'"
    )[0]
    for name in ("CreatedDate", "LastModifiedDate", "SystemModstamp"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000", str(row[name])), row[name]


def _both(env: SyncEnv, at: datetime) -> None:
    for side in ("salesforce", "intacct"):
        env.freeze(side, at)


def test_a_price_only_change_of_a_settled_product_is_not_skipped(env: SyncEnv) -> None:
    """A price lives on the PricebookEntry, whose change leaves the Product2 stamp alone: the product's
    stamp is the later of the two, so a settled product whose price changed is merged again."""
    t1 = _second()
    _both(env, t1)
    pid = env.create_product(Name="Stapler", ProductCode="ST-1", IsActive=True)
    ok(env)
    env.update_ia("ITEM", {"ITEMID": "ST-1", "BASEPRICE": "10.00"})
    ok(env)
    assert env.product(pid).price == Decimal("10.00")
    _both(env, t1 + timedelta(seconds=3))
    env.create_product(Name="Sentinel", ProductCode="SEN-1", IsActive=True)
    env.create_item("SENI", "Sentinel item")
    ok(env)
    ok(env)
    assert sum(s.unchanged for s in ok(env).streams) >= 1  # the stapler is settled and skipped while idle
    _both(env, t1 + timedelta(seconds=6))
    env.update_sf("PricebookEntry", env.product(pid).pricebook_entry_id, UnitPrice=99.0)
    ok(env)
    assert env.product(pid).price == Decimal("10.00")  # Intacct owns the price: put back, not skipped


@pytest.mark.parametrize("overlap", [None, timedelta(0)], ids=["default-overlap", "no-overlap"])
def test_a_price_re_read_after_the_composite_does_not_hide_an_edit_in_its_newest_second(
    env: SyncEnv, overlap: timedelta | None
) -> None:
    """Products whose price alone changed are re-read after the one composite call. If a price moves
    between the two reads, in a later second, the re-read product must not count as the newest stamp
    of the composite's read: a product edited right after the composite, in its newest second, would
    then be marked seen (or passed by the cursor) with the stamp its edit shares."""
    if overlap is not None:
        env.new_engine(overlap=overlap)
    t1 = _second()
    _both(env, t1 - timedelta(minutes=40))  # the price-only product, older than the overlap window
    old = env.create_product(price="5.00", Name="Old", ProductCode="OLD-1", IsActive=True)
    ok(env)
    env.update_ia("ITEM", {"ITEMID": "OLD-1", "BASEPRICE": "5.00"})
    ok(env)
    _both(env, t1)
    new = env.create_product(price="7.00", Name="New", ProductCode="NEW-1", IsActive=True)
    ok(env)
    env.update_ia("ITEM", {"ITEMID": "NEW-1", "BASEPRICE": "7.00"})
    env.freeze("intacct", t1 + timedelta(seconds=3))
    env.create_item("SENT-IA", "Newer item")  # so NEW-1's item is older than the newest Intacct stamp
    ok(env)
    ok(env)
    entry = env.product(old).pricebook_entry_id
    env.update_sf("PricebookEntry", entry, UnitPrice=6.0)  # OLD-1: a price-only change, re-read after the composite
    client = env.engine.sf.client
    composite = client.query_many

    def race(soqls: list[str], include_deleted: bool = False) -> list[list[dict[str, Any]]]:
        answers = composite(soqls, include_deleted)
        if any(") FROM Pricebook2" in q for q in soqls):  # the cycle's composite, just answered
            client.query_many = composite
            env.update_sf("Product2", new, Description="edited right after the read")  # still second t1
            env.freeze("salesforce", t1 + timedelta(seconds=2))
            env.update_sf("PricebookEntry", entry, UnitPrice=6.5)  # the re-read sees a later second
        return answers

    client.query_many = race  # type: ignore[method-assign]
    ok(env)
    assert client.query_many == composite  # the race ran
    ok(env)
    ok(env)
    assert env.item("NEW-1").description == "edited right after the read"
    assert env.product(old).price == Decimal("5.00")  # the stray price was put back too
