"""The pure rules of price books: name keys, field ownership, plain Intacct entries, order line prices."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from sfintacct_desktop.connectors.ia_orders import OrderRequest
from sfintacct_desktop.connectors.ia_price_lists import price_entry_fields, price_entry_from_row
from sfintacct_desktop.domain import Opportunity, OpportunityLine, PriceEntry, System
from sfintacct_desktop.domain.pricebooks import book_name_key
from sfintacct_desktop.engine.mapping import MappingError, Owner, default_mapping_text, parse_mapping
from sfintacct_desktop.engine.orders.list_price import departures, with_list_prices
from sfintacct_desktop.engine.price_entries import decide
from sfintacct_desktop.wire.intacct.functions import SoLine

TZ = ZoneInfo("America/Los_Angeles")


def test_book_names_match_without_case_spacing_or_punctuation() -> None:
    assert book_name_key("Wholesale  2027") == book_name_key("WHOLESALE-2027") == "wholesale 2027"
    assert book_name_key("Partners") != book_name_key("Partner")


@pytest.mark.parametrize(
    ("owner", "base", "sf", "ia", "expected"),
    [
        (Owner.INTACCT, 10, 8, 10, (10, True)),  # sales changed it: put back
        (Owner.INTACCT, 10, 10, 12, (12, False)),  # finance changed it: copied
        (Owner.INTACCT, 10, 8, 12, (12, True)),  # both: finance's, and Salesforce's change put back
        (Owner.SALESFORCE, 10, 8, 12, (8, False)),
        (Owner.BOTH, 10, 8, 10, (8, False)),
        (Owner.BOTH, 10, 10, 12, (12, False)),
        (Owner.BOTH, 10, 8, 12, (12, True)),  # both changed differently: Intacct's kept
        (Owner.BOTH, None, 8, 12, (12, True)),  # first link: Intacct's kept
    ],
)
def test_decide_follows_the_owner(owner: Owner, base: int, sf: int, ia: int, expected: tuple[int, bool]) -> None:
    assert decide(owner, base, sf, ia) == expected


def test_only_actual_prices_without_quantity_breaks_are_plain() -> None:
    row = {"RECORDNO": "7", "PRICELISTID": "P", "ITEMID": "I", "VALUE": "9.5", "STATUS": "active"}
    assert price_entry_from_row({**row, "VALUETYPE": "Actual", "QTYLIMITMIN": "0", "QTYLIMITMAX": "0"}, TZ).plain
    assert price_entry_from_row({**row, "VALUETYPE": "Actual", "QTYLIMITMIN": "1"}, TZ).plain
    assert not price_entry_from_row({**row, "VALUETYPE": "% Discount"}, TZ).plain
    assert not price_entry_from_row({**row, "VALUETYPE": "Actual", "QTYLIMITMIN": "10", "QTYLIMITMAX": "99"}, TZ).plain
    e = price_entry_from_row({**row, "STATUS": "inactive"}, TZ)
    assert (e.key, e.book, e.product, e.price, e.active) == ("7", "P", "I", Decimal("9.5"), False)


def test_entry_writes_name_list_and_item_on_create_and_only_the_recordno_on_update() -> None:
    e = PriceEntry(System.INTACCT, "", "P", "I", Decimal("12.50"), True)
    assert price_entry_fields(e) == {
        "PRICELISTID": "P",
        "ITEMID": "I",
        "VALUE": "12.50",
        "VALUETYPE": "Actual",
        "STATUS": "active",
    }
    up = price_entry_fields(PriceEntry(System.INTACCT, "7", "", "", Decimal("3"), False), for_update=True)
    assert up == {"RECORDNO": "7", "VALUE": "3", "STATUS": "inactive"}


def test_mapping_pricebook_owners_default_and_validated() -> None:
    assert parse_mapping(default_mapping_text()).pricebook.price is Owner.INTACCT
    text = default_mapping_text().replace('price = "intacct"\nactive', 'price = "salesforce"\nactive')
    assert parse_mapping(text).pricebook.price is Owner.SALESFORCE
    without = default_mapping_text().split("[pricebook]")[0]
    assert parse_mapping(without).pricebook.active is Owner.BOTH  # an older file: the defaults
    with pytest.raises(MappingError, match="Bad owner"):
        parse_mapping(default_mapping_text().replace('active = "both"', 'active = "finance"'))


def _opp(*lines: tuple[str, float]) -> Opportunity:
    return Opportunity(
        id="006000000000001AAA",
        name="Deal",
        account_id="001000000000001AAA",
        stage="Closed Won",
        is_closed=True,
        is_won=True,
        close_date=date(2026, 1, 5),
        lines=tuple(
            OpportunityLine(
                product_id=f"01t00000000000{n}AAA",
                pricebook_entry_id=entry,
                quantity=Decimal(2),
                unit_price=Decimal(str(price)),
                total_price=Decimal(str(price)) * 2,
                product_code=f"P{n}",
            )
            for n, (entry, price) in enumerate(lines, 1)
        ),
    )


def test_departures_and_list_prices_per_line() -> None:
    opp = _opp(("E1", 70.0), ("E2", 95.0), ("STD", 10.0))
    prices = {"E1": Decimal("100"), "E2": Decimal("100")}
    found = departures(opp, prices, 10)
    assert [(d.line, d.percent) for d in found] == [(1, Decimal("-30.0"))]  # the standard book's line: unchecked
    assert departures(opp, prices, 40) == []
    req = OrderRequest(
        "SFOPP-x",
        "Sales Order",
        date(2026, 1, 5),
        "C1",
        opp.id,
        "Deal",
        tuple(SoLine(itemid=f"I{n}", quantity="2", price=p) for n, p in ((1, "70.00"), (2, "95.00"), (3, "10.00"))),
    )
    assert [ln.price for ln in with_list_prices(req, opp, prices).lines] == ["100", "100", "10.00"]
