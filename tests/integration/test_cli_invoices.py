"""`sfintacct invoices [--customer] [--open] [--refresh] [--json]` as a user runs it (real subprocesses)."""

from __future__ import annotations

from datetime import date

from tests.integration.test_cli_sync import Bench, bench, cli, cli_json  # noqa: F401
from tests.support.orders_env import invoice_order, invoice_record, make_deal, orders_for, pay
from tests.support.sync_env import SyncEnv


def test_invoices_lookup_from_the_cache_and_live_refresh(bench: Bench) -> None:  # noqa: F811
    users = SyncEnv(None, None, None, None, bench.sf, bench.ia)  # type: ignore[arg-type]
    assert cli_json(bench.home, "sync", "--once")["status"] == "ok"  # the live sync starts: the cut-over
    deal = make_deal(users, "CLI", [("100.00", 1, None), ("20.00", 2, None)], stage="Closed Won")
    assert cli_json(bench.home, "sync", "--once")["status"] == "ok"
    docid = orders_for(users, deal.opp_id)[0]["DOCID"]
    inv_doc = invoice_order(users, docid, [("CLI-P1", "1"), ("CLI-P2", "2")], "CLI-A", date(2026, 3, 1))
    assert cli_json(bench.home, "sync", "--once")["status"] == "ok"
    got = cli_json(bench.home, "invoices", "--customer", "cli-a")
    assert got["ok"] is True and [i["total"] for i in got["invoices"]] == ["140.00"]
    assert got["customers"]["CLI-A"]["open_balance"] == "140.00"
    # paid in Intacct, no sync yet: the cache is stale until --refresh reads that customer live
    pay(users, "CLI-A", invoice_record(users, inv_doc)["RECORDNO"], "140.00")
    assert [i["due"] for i in cli_json(bench.home, "invoices", "--open")["invoices"]] == ["140.00"]
    fresh = cli_json(bench.home, "invoices", "--customer", "CLI-A", "--refresh", "--open")
    assert fresh["refreshed"] == "CLI-A" and fresh["invoices"] == []
    assert fresh["customers"]["CLI-A"]["open_balance"] == "0.00"
    text = cli(bench.home, "invoices")
    assert text.returncode == 0 and "CLI-A" in text.stdout
    missing = cli(bench.home, "invoices", "--customer", "NOPE", "--json")
    assert missing.returncode == 1 and "No single customer" in missing.stderr
    usage = cli(bench.home, "invoices", "--bogus")
    assert usage.returncode == 2
