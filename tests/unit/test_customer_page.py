"""The customer page's arithmetic: invoice states, days overdue and the aging buckets' edges."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sfintacct_desktop.app.customer_view import aging, invoice_lines, sf_record_url
from sfintacct_desktop.domain import Invoice

TODAY = date(2026, 12, 6)


def _inv(number: str, days_past_due: int | None, due: str, total: str = "100.00", deleted: bool = False) -> Invoice:
    due_date = None if days_past_due is None else TODAY - timedelta(days=days_past_due)
    return Invoice(
        number, "C1", "Posted", TODAY - timedelta(days=120), due_date, Decimal(total),
        Decimal(total) - Decimal(due), Decimal(due), deleted=deleted,
    )  # fmt: skip


def test_each_open_invoice_falls_in_one_bucket_by_days_past_due() -> None:
    lines = invoice_lines(
        [
            _inv("A", -5, "10.00"),  # not due yet
            _inv("B", 0, "20.00"),  # due today: still current
            _inv("C", 1, "30.00"),
            _inv("D", 30, "40.00"),
            _inv("E", 31, "50.00"),
            _inv("F", 60, "60.00"),
            _inv("G", 61, "70.00"),
            _inv("H", 90, "80.00"),
            _inv("I", 91, "90.00"),
            _inv("J", 400, "0.00"),  # paid: in no bucket
            _inv("K", None, "5.00"),  # no due date: current
            _inv("L", 200, "999.00", deleted=True),  # deleted: not shown, not counted
        ],
        TODAY,
    )
    by = {i.number: i for i in lines}
    assert "L" not in by
    assert [by[n].status for n in "ABCJK"] == ["open", "open", "overdue", "paid", "open"]
    assert (by["C"].days_overdue, by["I"].days_overdue, by["J"].days_overdue) == (1, 91, 0)
    assert aging(lines) == {
        "current": "35.00",
        "1-30": "70.00",
        "31-60": "110.00",
        "61-90": "150.00",
        "90+": "90.00",
    }


def test_salesforce_links_need_the_instance() -> None:
    url = sf_record_url("https://acme.my.salesforce.com/", "Account", "001000000000001AAA")
    assert url == "https://acme.my.salesforce.com/lightning/r/Account/001000000000001AAA/view"
    assert sf_record_url("", "Account", "001000000000001AAA") == ""


def test_a_side_the_refresh_read_newer_than_its_link_merged_shows_as_read() -> None:
    """A cycle that touched the link after the refresh, without reading Intacct, must not bring back the
    older Intacct value: that side is newer in the refresh (its modstamp passed the link's seen stamp)."""
    from types import SimpleNamespace

    from sfintacct_desktop.app.customer_view import field_rows
    from sfintacct_desktop.engine.mapping import load_mapping

    mapping = load_mapping().entity("customer")
    base = {"name": "Acme", "address.city": "Oakland"}
    link = SimpleNamespace(
        updated_at="2026-12-06T03:43:22.600000+00:00",  # after the refresh below
        sf_base=base, ia_base=base,
        sf_seen="2026-12-06T03:40:00+00:00", ia_seen="2026-12-06T03:40:00+00:00",
    )  # fmt: skip
    live = {
        "as_of": "2026-12-06T03:43:22.100000+00:00",
        "account": base, "account_stamp": "2026-12-06T03:40:00+00:00",  # unchanged in Salesforce
        "customer": {**base, "address.city": "Shelbyville"}, "customer_stamp": "2026-12-06T03:43:21+00:00",
        "account_found": True,
    }  # fmt: skip
    rows, as_of = field_rows(mapping, link, {}, live)
    city = {r.name: r for r in rows}["address.city"]
    assert (city.salesforce, city.intacct, city.differs) == ("Oakland", "Shelbyville", True)
    assert as_of.startswith("refreshed ")
    live["customer_stamp"] = "2026-12-06T03:40:00+00:00"  # nothing newer read: the link's bases win
    rows, as_of = field_rows(mapping, link, {}, live)
    assert {r.name: r for r in rows}["address.city"].intacct == "Oakland" and as_of == "last sync"
