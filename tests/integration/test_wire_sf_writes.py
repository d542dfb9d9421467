"""Collection writes and the reliability policy of the Salesforce client, over real HTTP.

Each fault is armed through ``/__sandbox__/faults``; costs are read from ``/__sandbox__/stats``.
"""

from __future__ import annotations

import pytest

from sfintacct_desktop.wire.salesforce import SalesforceBudgetError, SalesforceOutcomeUnknownError
from sfintacct_desktop.wire.transport import OutcomeUnknownError
from sfintacct_sandbox.httpserver import EmulatorServer

from .test_wire_sf import admin, connect, server_fixture  # noqa: F401

EXT = "Intacct_Customer_ID__c"


def fault(server: EmulatorServer, operation: str, mode: str, count: int = 1) -> None:
    admin(server, "POST", "faults", {"operation": operation, "mode": mode, "count": count})


def stats(server: EmulatorServer) -> dict:
    return admin(server, "GET", "stats")


def account_count(server: EmulatorServer) -> int:
    return len(connect(server).query_all("SELECT Id FROM Account"))


def test_batch_with_invalid_records_lands_the_valid_ones(server: EmulatorServer) -> None:
    client = connect(server)
    records = [{"Name": f"A{i}"} if i % 10 else {"Phone": "555"} for i in range(200)]
    results = client.create_many("Account", records)
    assert [r.index for r in results] == list(range(200))
    bad = [r for r in results if not r.success]
    assert [r.index for r in bad] == list(range(0, 200, 10))
    for r in bad:
        assert r.id is None and len(r.errors) == 1
        code, message, fields = r.errors[0]
        assert code == "REQUIRED_FIELD_MISSING" and "Name" in fields and message
    assert all(r.success and r.id for r in results if r.index % 10)
    assert account_count(server) == 180
    assert stats(server)["by_operation"]["composite/sobjects"] == 1


def test_thousand_upserts_cost_at_most_five_calls_and_are_idempotent(server: EmulatorServer) -> None:
    client = connect(server)
    records = [{EXT: f"C-{i:05d}", "Name": f"Customer {i}"} for i in range(1000)]
    before = stats(server)["api_calls"]
    first = client.upsert_many("Account", EXT, records)
    assert stats(server)["api_calls"] - before <= 5
    assert all(r.success and r.created for r in first)
    again = client.upsert_many("Account", EXT, [dict(r, Name=r["Name"] + "!") for r in records])
    assert all(r.success and r.created is False for r in again)
    assert [r.id for r in again] == [r.id for r in first]
    assert account_count(server) == 1000


def test_reading_ten_thousand_accounts_costs_at_most_five_calls(server: EmulatorServer) -> None:
    admin(server, "POST", "reset", {"seed": "scale:10000"})
    client = connect(server)
    before = stats(server)["api_calls"]
    pages = list(client.query_pages("SELECT Id, Name FROM Account"))
    assert sum(len(p) for p in pages) == 10000
    assert stats(server)["api_calls"] - before <= 5


def test_http_500_on_a_read_is_retried(server: EmulatorServer) -> None:
    client = connect(server)
    client.create_many("Account", [{"Name": "Only"}])
    fault(server, "query", "http_500")
    assert [r["Name"] for r in client.query_all("SELECT Name FROM Account")] == ["Only"]
    assert stats(server)["by_operation"]["query"] == 2


def test_http_500_on_a_create_is_outcome_unknown_not_retried(server: EmulatorServer) -> None:
    client = connect(server)
    fault(server, "composite/sobjects", "http_500")
    with pytest.raises(OutcomeUnknownError) as caught:
        client.create_many("Account", [{"Name": "X"}], key="batch-7")
    assert caught.value.key == "batch-7" and caught.value.status == 500
    assert stats(server)["by_operation"]["composite/sobjects"] == 1


def test_rate_limit_is_a_budget_error_without_retries(server: EmulatorServer) -> None:
    client = connect(server)
    fault(server, "query", "rate_limit", count=10)
    before = stats(server)["requests"]
    with pytest.raises(SalesforceBudgetError) as caught:
        client.query_all("SELECT Id FROM Account")
    assert caught.value.code == "REQUEST_LIMIT_EXCEEDED" and caught.value.status == 403
    assert stats(server)["requests"] - before == 1
    with pytest.raises(SalesforceBudgetError):
        client.query_all("SELECT Id FROM Account")
    assert stats(server)["requests"] - before == 2  # one request per call, never a loop


def test_invalid_session_mid_run_relogs_in_once_without_duplicates(server: EmulatorServer) -> None:
    client = connect(server)
    client.create_many("Account", [{"Name": f"First {i}"} for i in range(200)])
    fault(server, "composite/sobjects", "invalid_session")
    results = client.create_many("Account", [{"Name": f"Second {i}"} for i in range(200)])
    assert all(r.success for r in results)
    snap = stats(server)
    assert snap["by_operation"]["login"] == 2 and snap["by_operation"]["composite/sobjects"] == 3
    assert account_count(server) == 400


def test_drop_after_apply_on_create_is_outcome_unknown(server: EmulatorServer) -> None:
    client = connect(server)
    first = [{"Name": f"Kept {i}"} for i in range(200)]
    fault(server, "composite/sobjects", "drop_after_apply")
    with pytest.raises(SalesforceOutcomeUnknownError) as caught:
        client.create_many("Account", [*first, {"Name": "Later"}], key="orders-2024-05")
    err = caught.value
    assert err.key == "orders-2024-05" and err.first_unknown == 0 and err.results == []
    assert stats(server)["by_operation"]["composite/sobjects"] == 1  # never resent
    assert account_count(server) == 200  # it was applied: the engine must look up before resending


def test_drop_after_apply_on_idempotent_upsert_is_retried(server: EmulatorServer) -> None:
    client = connect(server)
    fault(server, "composite/sobjects", "drop_after_apply")
    results = client.upsert_many("Account", EXT, [{EXT: "C-9", "Name": "Nine"}])
    assert results[0].success and results[0].created is False  # the dropped attempt had created it
    assert account_count(server) == 1


def test_locked_rows_are_resent_only_for_idempotent_writes(server: EmulatorServer) -> None:
    client = connect(server)
    created = client.create_many("Account", [{"Name": f"L{i}"} for i in range(250)])
    fault(server, "composite/sobjects", "unable_to_lock_row")
    updated = client.update_many("Account", [{"Id": r.id, "Name": f"U{r.index}"} for r in created])
    assert all(r.success for r in updated) and [r.index for r in updated] == list(range(250))
    assert stats(server)["by_operation"]["composite/sobjects"] == 2 + 3  # 2 creates; 200 locked + resend + 50
    fault(server, "composite/sobjects", "unable_to_lock_row")
    locked = client.create_many("Account", [{"Name": "New"}])
    assert not locked[0].success and locked[0].has_error("UNABLE_TO_LOCK_ROW")
    assert account_count(server) == 250


def test_delete_many_reports_per_record(server: EmulatorServer) -> None:
    client = connect(server)
    ids = [r.id for r in client.create_many("Account", [{"Name": "D1"}, {"Name": "D2"}])]
    first = client.delete_many([i for i in ids if i])
    assert all(r.success for r in first)
    again = client.delete_many([ids[0] or ""])
    assert not again[0].success and again[0].errors[0].status_code == "ENTITY_IS_DELETED"


def test_timeout_retries_a_read_but_not_a_create(server: EmulatorServer) -> None:
    client = connect(server, timeout=(5.0, 0.3))
    client.create_many("Account", [{"Name": "T"}])
    admin(server, "POST", "faults", {"operation": "query", "mode": "timeout", "count": 1, "delay_seconds": 1})
    assert len(client.query_all("SELECT Id FROM Account")) == 1
    admin(server, "POST", "faults", {"operation": "composite/sobjects", "mode": "timeout", "delay_seconds": 1})
    with pytest.raises(OutcomeUnknownError):
        client.create_many("Account", [{"Name": "Slow"}], key="k1")
