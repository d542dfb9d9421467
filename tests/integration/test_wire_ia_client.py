"""The Intacct wire client against the Intacct emulator over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
import requests

from sfintacct_desktop.wire.intacct import (
    Filter,
    IntacctAuthError,
    IntacctClient,
    IntacctControlError,
    IntacctHostileResponseError,
    IntacctRateLimitError,
    IntacctSecrets,
    IntacctSettings,
    SoLine,
    create,
    create_sotransaction,
    update,
)
from sfintacct_desktop.wire.transport import Backoff, InsecureTransportError, OutcomeUnknownError
from sfintacct_sandbox import credentials as cred
from sfintacct_sandbox.httpserver import EmulatorServer
from sfintacct_sandbox.intacct.app import IntacctEmulator

NoSleep = Backoff(sleep=lambda s: None, max_attempts=4)


@pytest.fixture()
def emu(ia_server: EmulatorServer) -> IntacctEmulator:
    assert isinstance(ia_server.emulator, IntacctEmulator)
    ia_server.emulator.reset("empty")
    return ia_server.emulator


MakeClient = Callable[..., IntacctClient]


@pytest.fixture()
def make(ia_server: EmulatorServer, emu: IntacctEmulator) -> MakeClient:
    def _make(
        user_password: str = cred.INTACCT_USER_PASSWORD,
        sender_password: str = cred.INTACCT_SENDER_PASSWORD,
        **kw: object,
    ) -> IntacctClient:
        settings = IntacctSettings(
            sender_id=cred.INTACCT_SENDER_ID,
            company_id=cred.INTACCT_COMPANY_ID,
            user_id=cred.INTACCT_USER_ID,
            endpoint=ia_server.url + "/ia/xml/xmlgw.phtml",
            **kw,  # type: ignore[arg-type]
        )
        return IntacctClient(settings, IntacctSecrets(sender_password, user_password), backoff=NoSleep)

    return _make


def arm(ia_server: EmulatorServer, operation: str, mode: str, **extra: object) -> None:
    body = {"operation": operation, "mode": mode, **extra}
    assert requests.post(f"{ia_server.url}/__sandbox__/faults", json=body, timeout=10).status_code == 200


def stats(ia_server: EmulatorServer) -> dict:
    return requests.get(f"{ia_server.url}/__sandbox__/stats", timeout=10).json()


def customers(n: int, start: int = 0) -> list:
    return [
        create("CUSTOMER", {"CUSTOMERID": f"C-{i:05d}", "NAME": f"Customer {i}"}, f"cc-{i}")
        for i in range(start, start + n)
    ]


def n_customers(emu: IntacctEmulator) -> int:
    return emu.store.count("CUSTOMER")


# ------------------------------------------------------------------------------ authentication
def test_login_and_session_reuse(make: MakeClient, ia_server: EmulatorServer) -> None:
    client = make()
    client.login()
    assert client.has_session
    assert "sessionid" not in repr(client) and cred.INTACCT_USER_PASSWORD not in repr(client.__dict__.get("_secrets"))
    before = stats(ia_server)["requests"]
    client.call(customers(3), uniqueid=True)
    assert stats(ia_server)["requests"] == before + 1  # reused the session, no new login


def test_wrong_user_password_is_auth_error_without_password(make: MakeClient) -> None:
    client = make(user_password="wrong-secret-pw")
    with pytest.raises(IntacctAuthError) as info:
        client.login()
    text = str(info.value)
    assert "Sign-in information is incorrect" in text
    assert "wrong-secret-pw" not in text and info.value.code == "XL03000006"


def test_wrong_sender_password_is_control_error(make: MakeClient) -> None:
    client = make(sender_password="bad-sender-pw")
    with pytest.raises(IntacctControlError) as info:
        client.login()
    assert "bad-sender-pw" not in str(info.value)
    assert info.value.errors[0].errorno == "XL03000006"


def test_plain_http_to_remote_host_refused_before_connecting() -> None:
    settings = IntacctSettings("s", "c", "u", endpoint="http://api.intacct.com/ia/xml/xmlgw.phtml")
    with pytest.raises(InsecureTransportError):
        IntacctClient(settings, IntacctSecrets("a", "b"))


# -------------------------------------------------------------------------------------- paging
def test_query_and_read_by_query_page_past_one_page(
    make: MakeClient, emu: IntacctEmulator, ia_server: EmulatorServer
) -> None:
    client = make()
    results = client.call(customers(2150), uniqueid=True)
    assert all(r.ok for r in results) and n_customers(emu) == 2150
    assert client.requests == 1 + 22  # login + 22 requests of <=100 functions
    pages = list(client.query_pages("CUSTOMER", ["CUSTOMERID", "NAME"], orderby=[("CUSTOMERID", True)], pagesize=1000))
    assert [len(p) for p in pages] == [1000, 1000, 150]
    ids = [r["CUSTOMERID"] for p in pages for r in p]
    assert ids == sorted(ids) and len(set(ids)) == 2150
    rbq = list(client.read_by_query_pages("CUSTOMER", "CUSTOMERID like 'C-%'", ["CUSTOMERID"], pagesize=1000))
    assert [len(p) for p in rbq] == [1000, 1000, 150]
    assert {r["CUSTOMERID"] for p in rbq for r in p} == set(ids)
    assert client.transactions == 2150 + 3 + 3


def test_query_filter_values_are_text_not_markup(make: MakeClient) -> None:
    client = make()
    client.call([create("CUSTOMER", {"CUSTOMERID": "X-1", "NAME": "</value><or>"}, "x1")], uniqueid=True)
    flt = Filter.or_(Filter.equalto("NAME", "</value><or>"), Filter.in_("CUSTOMERID", ["nope", "zip"]))
    rows = [r for p in client.query_pages("CUSTOMER", ["CUSTOMERID", "NAME"], flt) for r in p]
    assert rows == [{"CUSTOMERID": "X-1", "NAME": "</value><or>"}]
    both = Filter.and_(Filter.greaterthanorequalto("CUSTOMERID", "X-0"), Filter.like("NAME", "%or%"))
    assert len([r for p in client.query_pages("CUSTOMER", ["CUSTOMERID"], flt=both) for r in p]) == 1


def test_read_and_inspect(make: MakeClient) -> None:
    client = make()
    results = client.call(customers(3), uniqueid=True)
    keys = [r.records[0]["RECORDNO"] for r in results]
    rows = client.read("CUSTOMER", keys, ["RECORDNO", "CUSTOMERID"])
    assert sorted(r["CUSTOMERID"] for r in rows) == ["C-00000", "C-00001", "C-00002"]
    info = client.inspect("CUSTOMER")
    assert info.name == "CUSTOMER" and "CUSTOMERID" in info.fields


# -------------------------------------------------------------------------------------- writes
def test_batch_with_duplicates_each_carries_its_own_error(make: MakeClient, emu: IntacctEmulator) -> None:
    client = make()
    client.call(customers(10), uniqueid=True)  # C-00000..C-00009 exist
    fns = [create("CUSTOMER", {"CUSTOMERID": f"C-{i:05d}", "NAME": f"n{i}"}, f"b-{i}") for i in range(200)]
    results = client.call(fns, uniqueid=True)
    assert [r.controlid for r in results] == [f.controlid for f in fns]
    bad = [r for r in results if not r.ok]
    assert [r.controlid for r in bad] == [f"b-{i}" for i in range(10)]
    assert all(r.errors[0].errorno == "BL34000061" for r in bad)
    assert n_customers(emu) == 200


def test_thousand_creates_and_updates_cost_at_most_ten_requests(make: MakeClient, ia_server: EmulatorServer) -> None:
    client = make()
    client.login()
    before = stats(ia_server)["requests"]
    fns = customers(500) + [
        update("CUSTOMER", {"CUSTOMERID": f"C-{i:05d}", "NAME": "renamed"}, f"u-{i}") for i in range(500)
    ]
    results = client.call(fns[:500], uniqueid=True) + client.call(fns[500:], uniqueid=True)
    assert all(r.ok for r in results), [r.errors for r in results if not r.ok][:2]
    used = stats(ia_server)["requests"] - before
    assert used <= 10, used


def test_create_sotransaction_in_xsd_order(make: MakeClient) -> None:
    client = make()
    client.call(
        [
            create("CUSTOMER", {"CUSTOMERID": "C-SO", "NAME": "SO buyer"}, "c-so"),
            create("ITEM", {"ITEMID": "I-1", "NAME": "Widget", "ITEMTYPE": "Non-Inventory"}, "i-1"),
        ],
        uniqueid=True,
    )
    fn = create_sotransaction(
        "so-1",
        transactiontype="Sales Order",
        datecreated=date(2024, 3, 5),
        customerid="C-SO",
        referenceno="PO-9",
        memo="from Salesforce",
        lines=[SoLine("I-1", "2", price="10.00")],
    )
    result = client.call([fn], uniqueid=True)[0]
    assert result.ok, result.errors
    assert result.key


def test_transaction_rollback_marks_aborted(make: MakeClient, emu: IntacctEmulator) -> None:
    client = make()
    client.call(customers(1), uniqueid=True)
    fns = customers(1, start=5) + customers(1)  # the second duplicates C-00000
    fns[1].controlid = "dup"
    results = client.call(fns, transaction=True, uniqueid=True)
    assert [r.status for r in results] == ["aborted", "failure"]
    assert n_customers(emu) == 1


# -------------------------------------------------------------------------------------- faults
def test_http_500_on_read_is_retried(make: MakeClient, ia_server: EmulatorServer) -> None:
    client = make()
    client.call(customers(2), uniqueid=True)
    arm(ia_server, "query", "http_500", count=1)
    rows = [r for p in client.query_pages("CUSTOMER", ["CUSTOMERID"]) for r in p]
    assert len(rows) == 2


def test_rate_limit_backs_off_then_succeeds(make: MakeClient, ia_server: EmulatorServer, emu: IntacctEmulator) -> None:
    waits: list[float] = []
    client = make()
    client.backoff = Backoff(sleep=waits.append, max_attempts=4)
    client.login()
    arm(ia_server, "create", "rate_limit", count=2)
    results = client.call(customers(1), uniqueid=True)
    assert results[0].ok and len(waits) == 2 and n_customers(emu) == 1


def test_rate_limit_that_persists_raises(make: MakeClient, ia_server: EmulatorServer) -> None:
    client = make()
    client.login()
    arm(ia_server, "query", "rate_limit", count=10)
    with pytest.raises(IntacctRateLimitError) as info:
        list(client.query_pages("CUSTOMER", ["CUSTOMERID"]))
    assert info.value.status == 429 and info.value.code == "GW-0010"


def test_invalid_session_mid_run_renews_without_duplicates(
    make: MakeClient, ia_server: EmulatorServer, emu: IntacctEmulator
) -> None:
    client = make()
    client.call(customers(100), uniqueid=True)
    arm(ia_server, "create", "invalid_session", count=1)
    results = client.call(customers(100, start=100), uniqueid=True)
    assert all(r.ok for r in results)
    assert n_customers(emu) == 200


def test_invalid_session_not_resent_for_non_idempotent_write(make: MakeClient, ia_server: EmulatorServer) -> None:
    client = make()
    client.login()
    arm(ia_server, "create", "invalid_session", count=1)
    with pytest.raises(IntacctAuthError) as info:
        client.call(customers(1), uniqueid=False)
    assert info.value.invalid_session and not client.has_session


@pytest.mark.parametrize(
    ("mode", "extra"), [("drop_after_apply", {}), ("http_524", {}), ("timeout", {"delay_seconds": 2})]
)
def test_ambiguous_write_raises_outcome_unknown(
    make: MakeClient, ia_server: EmulatorServer, emu: IntacctEmulator, mode: str, extra: dict
) -> None:
    client = make(read_timeout=0.5)
    client.login()
    arm(ia_server, "create", mode, count=1, **extra)
    before = stats(ia_server)["requests"]
    with pytest.raises(OutcomeUnknownError) as info:
        client.call([create("CUSTOMER", {"CUSTOMERID": "AMB-1", "NAME": "Ambiguous"}, "amb-key-1")], uniqueid=True)
    assert info.value.key == "amb-key-1"
    assert stats(ia_server)["requests"] == before + 1  # never resent blindly
    assert emu.store.find("CUSTOMER", "CUSTOMERID", "AMB-1")  # it did apply: the engine's lookup finds it


@pytest.mark.parametrize("mode", ["xxe", "entity_bomb"])
def test_hostile_responses_are_refused(make: MakeClient, ia_server: EmulatorServer, mode: str) -> None:
    client = make()
    client.login()
    arm(ia_server, "query", mode, count=1)
    with pytest.raises(IntacctHostileResponseError) as info:
        list(client.query_pages("CUSTOMER", ["CUSTOMERID"]))
    text = repr(info.value) + str(info.value.errors)
    assert "root:" not in text and "lol" not in text
