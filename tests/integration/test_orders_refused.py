"""An order Intacct refuses after the pre-checks passed: blocked with its reason, retried when it changes.

The race is real: an item is made inactive in Intacct after the engine's pre-check read it as
active and before ``create_sotransaction`` arrives, so Intacct itself refuses the order (BL01001973).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sfintacct_desktop.connectors.ia_orders import IntacctOrders
from sfintacct_desktop.domain import IntentState
from sfintacct_desktop.engine.orders import intent_key
from tests.support.orders_env import make_deal, opportunity, orders_for, win
from tests.support.sync_env import SyncEnv, assert_quiet, ok


def _after_prechecks(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> list[int]:
    """Run ``action`` once, right after the engine's pre-check request returned (same thread)."""
    real = IntacctOrders.prechecks
    calls: list[int] = []

    def prechecks(self: IntacctOrders, *args: Any, **kwargs: Any) -> Any:
        got = real(self, *args, **kwargs)
        if not calls:
            action()
        calls.append(1)
        return got

    monkeypatch.setattr(IntacctOrders, "prechecks", prechecks)
    return calls


def _order_inbox(env: SyncEnv) -> list[Any]:
    with env.store.read() as r:
        return [i for i in r.inbox.list() if i.entity == "order"]


def _refuse_once(env: SyncEnv, monkeypatch: pytest.MonkeyPatch, tag: str) -> str:
    deal = make_deal(env, tag, [("10.00", 1, None), ("20.00", 2, None)])
    ok(env)  # account and products linked, both items active
    win(env, deal.opp_id)
    calls = _after_prechecks(monkeypatch, lambda: env.update_ia("ITEM", {"ITEMID": f"{tag}-P2", "STATUS": "inactive"}))
    ok(env)
    assert calls, "the pre-checks ran"
    monkeypatch.undo()
    assert orders_for(env, deal.opp_id) == []
    status = opportunity(env, deal.opp_id)["Intacct_Sync_Status__c"]
    assert f"Item '{tag}-P2' on line 2 is inactive" in status, status  # Intacct's own words, readable
    items = _order_inbox(env)
    assert len(items) == 1 and f"{tag}-P2" in items[0].message and items[0].hint, items
    with env.store.read() as r:
        intent = r.intents.get(intent_key(deal.opp_id))
    assert intent is not None and intent.state not in (IntentState.SENT, IntentState.UNKNOWN), intent
    return deal.opp_id


def test_refused_order_is_not_resent_while_nothing_changes(env: SyncEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    opp_id = _refuse_once(env, monkeypatch, "RFQ")
    with env.store.read() as r:
        assert r.intents.get(intent_key(opp_id)).state is IntentState.QUARANTINED  # type: ignore[union-attr]
    ok(env)  # the echo of our own status write
    assert_quiet(env)  # refused and unchanged: not resent, status not rewritten
    assert orders_for(env, opp_id) == []
    assert len(_order_inbox(env)) == 1


def test_refused_order_status_reads_blocked(env: SyncEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    opp_id = _refuse_once(env, monkeypatch, "RFB")
    assert opportunity(env, opp_id)["Intacct_Sync_Status__c"].startswith("Blocked: ")


def test_refused_order_is_sent_once_the_item_is_reactivated(env: SyncEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    opp_id = _refuse_once(env, monkeypatch, "RFI")
    ok(env)  # the echo of our own status write
    assert_quiet(env)  # refused and unchanged: not resent, status not rewritten
    assert orders_for(env, opp_id) == []
    env.update_ia("ITEM", {"ITEMID": "RFI-P2", "STATUS": "active"})
    ok(env)
    orders = orders_for(env, opp_id)
    assert len(orders) == 1, orders
    opp = opportunity(env, opp_id)
    assert opp["Intacct_Sync_Status__c"] == "Synced" and opp["Intacct_Sales_Order_ID__c"] == orders[0]["DOCID"]
    assert _order_inbox(env) == []
    with env.store.read() as r:
        assert r.intents.get(intent_key(opp_id)).state is IntentState.CONFIRMED  # type: ignore[union-attr]
    ok(env)
    assert len(orders_for(env, opp_id)) == 1


def test_refused_order_is_sent_once_the_deal_is_edited(env: SyncEnv, monkeypatch: pytest.MonkeyPatch) -> None:
    opp_id = _refuse_once(env, monkeypatch, "RFD")
    env.update_ia("ITEM", {"ITEMID": "RFD-P2", "STATUS": "active"})  # fixed in Intacct by someone ...
    env.update_sf("Opportunity", opp_id, Name="RFD deal (rev 2)")  # ... and the deal edited
    ok(env)
    orders = orders_for(env, opp_id)
    assert len(orders) == 1 and orders[0]["MESSAGE"] == "RFD deal (rev 2)", orders
    assert opportunity(env, opp_id)["Intacct_Sync_Status__c"] == "Synced"
    assert _order_inbox(env) == []
