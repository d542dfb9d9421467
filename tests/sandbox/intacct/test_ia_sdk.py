"""An unmodified sageintacctsdk works against the emulator (its POSTs redirected to loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from sfintacct_sandbox import credentials as cred
from sfintacct_sandbox.httpserver import EmulatorServer
from sfintacct_sandbox.intacct.app import IntacctEmulator

sdk = pytest.importorskip("sageintacctsdk")
REAL = "https://api.intacct.com/ia/xml/xmlgw.phtml"


@pytest.fixture()
def server() -> Iterator[EmulatorServer]:
    emu = IntacctEmulator(None)
    emu.reset("empty")
    for i in range(7):
        emu.company.create_master("CUSTOMER", {"CUSTOMERID": f"C-{i:03d}", "NAME": f"Customer {i}"})
    srv = EmulatorServer(emu).start()
    yield srv
    srv.stop()


@pytest.fixture()
def client(server: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> Any:
    url = server.url + "/ia/xml/xmlgw.phtml"
    real_post = requests.post
    seen: list[str] = []

    def redirected(target: str, *args: Any, **kwargs: Any) -> requests.Response:
        seen.append(target)
        if target == REAL or target.startswith(server.url):
            target = url
        kwargs.setdefault("timeout", 30)
        return real_post(target, *args, **kwargs)

    monkeypatch.setattr(requests, "post", redirected)
    connection = sdk.SageIntacctSDK(
        sender_id=cred.INTACCT_SENDER_ID,
        sender_password=cred.INTACCT_SENDER_PASSWORD,
        user_id=cred.INTACCT_USER_ID,
        company_id=cred.INTACCT_COMPANY_ID,
        user_password=cred.INTACCT_USER_PASSWORD,
    )
    assert seen and seen[0] == REAL  # the login went to the hard-coded URL and was redirected
    return connection


def test_sdk_count_pages_posts_and_gets_duplicate_error(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    customers = client.customers
    assert customers.count() == 7
    monkeypatch.setattr(customers, "_ApiBase__pagesize", 3)
    pages = list(customers.get_all_generator(fields=["RECORDNO", "CUSTOMERID", "NAME"]))
    assert [len(p) for p in pages] == [3, 3, 1]
    every = customers.get_all()
    assert len(every) == 7 and every[0]["CUSTOMERID"] == "C-000"
    by_query = customers.get(field="CUSTOMERID", value="C-003")
    assert by_query["customer"]["NAME"] == "Customer 3"
    created = customers.post({"CUSTOMERID": "SDK-1", "NAME": "Made by the SDK"})
    assert created["status"] == "success" and created["data"]["customer"]["CUSTOMERID"] == "SDK-1"
    with pytest.raises(sdk.exceptions.WrongParamsError) as err:
        customers.post({"CUSTOMERID": "SDK-1", "NAME": "Again"})
    first = err.value.response["error"][0]
    assert first["errorno"] == "BL34000061" and "already exists" in first["description2"]
    assert customers.count() == 8


def test_sdk_bad_credentials_raise_invalid_token(server: EmulatorServer, monkeypatch: pytest.MonkeyPatch) -> None:
    url = server.url + "/ia/xml/xmlgw.phtml"
    real_post = requests.post
    monkeypatch.setattr(requests, "post", lambda t, *a, **k: real_post(url, *a, **k))
    with pytest.raises(sdk.exceptions.SageIntacctSDKError):
        sdk.SageIntacctSDK(cred.INTACCT_SENDER_ID, cred.INTACCT_SENDER_PASSWORD, "u", cred.INTACCT_COMPANY_ID, "bad")
