"""Sales order lines and the approved price list (real HTTP against both emulators)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.support.orders_env import deal_day, go_live, order_lines, orders_for, win
from tests.support.sync_env import SyncEnv, ok


def priced_deal(env: SyncEnv, negotiated: list[float]) -> tuple[str, list[str]]:
    """Products W1..Wn at list 100 each in a custom book "Partners" (synced to Intacct), and a deal
    in that book whose lines carry the ``negotiated`` unit prices (quantity 2 each)."""
    go_live(env)
    acc = env.create_account(Name="Priced Corp", AccountNumber="PRC-A")
    pids = [
        env.create_product(price="120", Name=f"Priced {n}", ProductCode=f"PRC-{n}", IsActive=True)
        for n in range(1, len(negotiated) + 1)
    ]
    book = env.sf.create_many("Pricebook2", [{"Name": "Partners", "IsActive": True}])[0].id
    made = env.sf.create_many(
        "PricebookEntry",
        [{"Pricebook2Id": book, "Product2Id": p, "UnitPrice": 100.0, "IsActive": True} for p in pids],
    )
    assert all(m.success for m in made)
    ok(env)  # products, the book and its entries reach Intacct
    opp = env.sf.create_many(
        "Opportunity",
        [
            {
                "Name": "Priced deal",
                "AccountId": acc,
                "StageName": "Prospecting",
                "CloseDate": deal_day().isoformat(),
                "Pricebook2Id": book,
            }
        ],
    )[0].id
    items: list[dict[str, Any]] = [
        {"OpportunityId": opp, "PricebookEntryId": m.id, "Quantity": 2, "UnitPrice": price}
        for m, price in zip(made, negotiated, strict=True)
    ]
    assert all(r.success for r in env.sf.create_many("OpportunityLineItem", items))
    return str(opp), pids


def notes(env: SyncEnv) -> list[Any]:
    with env.store.read() as r:
        return [i for i in r.inbox.list() if i.operation == "price_review"]


def test_line_far_below_its_list_price_is_sent_as_negotiated_and_finance_is_told(env: SyncEnv) -> None:
    opp, _ = priced_deal(env, [70.0, 95.0])  # 30% and 5% below the list price of 100
    win(env, opp)
    ok(env)
    orders = orders_for(env, opp)
    assert len(orders) == 1
    assert [ln[2] for ln in order_lines(env, orders[0]["DOCID"])] == [Decimal("70.00"), Decimal("95.00")]
    found = notes(env)
    assert len(found) == 1 and found[0].record_key == opp and found[0].code == "PRICE_DEPARTURE"
    assert "line 1 (PRC-1) at 70" in found[0].message and "-30.0%" in found[0].message
    assert "line 2" not in found[0].message  # 5% is within the default 10% alert
    ok(env)
    assert len(notes(env)) == 1  # told once, not every cycle


def test_price_list_rule_sends_the_lists_prices(env: SyncEnv) -> None:
    env.new_engine(order_line_price="price_list")
    opp, _ = priced_deal(env, [70.0, 95.0])
    win(env, opp)
    ok(env)
    orders = orders_for(env, opp)
    assert [ln[2] for ln in order_lines(env, orders[0]["DOCID"])] == [Decimal("100.00"), Decimal("100.00")]
    assert notes(env) == []
