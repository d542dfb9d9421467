"""A change made in either system while a cycle runs is never lost.

The edits are made from inside the cycle, at its first "writing" progress event: after both systems
were read and before anything is written, the read-to-write window in which an engine that moved
its cursors to "now", or wrote whole records, would lose them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sfintacct_desktop.engine.events import Progress
from tests.support.sync_env import SyncEnv, ok


def _linked_pair(env: SyncEnv, name: str, customer_id: str) -> str:
    acc = env.create_account(Name=name, BillingCity="Oakland")
    ok(env)
    linked = env.account(acc)["Intacct_Customer_ID__c"]
    assert linked
    return acc


def _during_next_write(env: SyncEnv, edit: Callable[[], None]) -> None:
    """Run ``edit`` once, inside the next cycle, between its reads and its first write."""
    done: list[bool] = []
    inner = env.engine.emit

    def emit(event: Any) -> None:
        if isinstance(event, Progress) and event.phase == "writing" and not done:
            done.append(True)
            edit()
        inner(event)

    env.engine.emit = emit
    try:
        ok(env)
    finally:
        env.engine.emit = inner
    assert done, "the cycle wrote nothing: the window under test never opened"


def test_same_field_changed_on_both_sides_during_a_cycle_is_a_conflict_not_a_loss(env: SyncEnv) -> None:
    acc = _linked_pair(env, "Window Co", "")
    key = env.account(acc)["Intacct_Customer_ID__c"]
    other = env.create_account(Name="Busy Co")  # gives the next cycle something to write

    def edit() -> None:
        env.update_sf("Account", acc, BillingCity="Salesforce City")
        env.update_ia("CUSTOMER", {"CUSTOMERID": key, "DISPLAYCONTACT": {"MAILADDRESS": {"CITY": "Intacct City"}}})

    _during_next_write(env, edit)
    assert env.account(other)["Intacct_Customer_ID__c"]
    nxt = ok(env)  # the edits are newer than the cursors: read now, both sides changed the same field
    assert sum(s.conflicts for s in nxt.streams) == 1
    assert env.account(acc)["BillingCity"] == "Salesforce City"  # neither value overwritten
    assert env.customer(key).address.city == "Intacct City"
    with env.store.read() as r:
        open_conflicts = [c for c in r.conflicts.list_open() if c.field == "address.city"]
    assert [(c.sf_value, c.ia_value) for c in open_conflicts] == [("Salesforce City", "Intacct City")]


def test_a_field_edited_while_the_cycle_writes_that_record_survives(env: SyncEnv) -> None:
    acc = _linked_pair(env, "Racing Co", "")
    key = env.account(acc)["Intacct_Customer_ID__c"]
    env.update_ia("CUSTOMER", {"CUSTOMERID": key, "DISPLAYCONTACT": {"MAILADDRESS": {"CITY": "Reno"}}})

    # the cycle read City=Reno from Intacct and will write it to the Account; meanwhile someone
    # changes the Account's phone (another field) and Intacct's city again
    def edit() -> None:
        env.update_sf("Account", acc, Phone="+1 415 555 0100")
        env.update_ia("CUSTOMER", {"CUSTOMERID": key, "DISPLAYCONTACT": {"MAILADDRESS": {"CITY": "Tahoe"}}})

    _during_next_write(env, edit)
    ok(env)
    account = env.account(acc)
    assert account["Phone"] == "+1 415 555 0100"  # the write sent only the changed field
    assert account["BillingCity"] == "Tahoe"  # the later Intacct edit arrives on the next cycle
    assert env.customer(key).phone.replace(" ", "").endswith("4155550100")


def test_a_field_the_cycle_is_about_to_overwrite_keeps_the_later_edit(env: SyncEnv) -> None:
    """Intacct's city changed before the cycle; the Account's city changes after its read: the
    Account's later edit is not overwritten by the value merged from the older read."""
    acc = _linked_pair(env, "Last Word Co", "")
    key = env.account(acc)["Intacct_Customer_ID__c"]
    env.update_ia("CUSTOMER", {"CUSTOMERID": key, "DISPLAYCONTACT": {"MAILADDRESS": {"CITY": "Reno"}}})
    env.create_account(Name="Another Co")  # the cycle also has a create to write

    _during_next_write(env, lambda: env.update_sf("Account", acc, BillingCity="Fresno"))
    assert env.account(acc)["BillingCity"] == "Fresno"  # left alone: it changed after the read
    ok(env)  # the next cycle merges the edit made during the last one
    assert env.account(acc)["BillingCity"] == "Fresno"
    assert env.customer(key).address.city == "Fresno"
    assert ok(env).writes == 0
