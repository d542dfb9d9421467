"""Injected faults of the Salesforce emulator: each mode, its answer and whether anything was applied."""

from __future__ import annotations

import pytest
import requests

from .sf_support import Api, api_fixture, sf_server_fixture  # noqa: F401


def _arm(api: Api, operation: str, mode: str, **kw: object) -> None:
    api.admin("POST", "faults", {"operation": operation, "mode": mode, **kw})


def test_http_500_applies_nothing(api: Api) -> None:
    _arm(api, "sobjects", "http_500")
    r = api.call("POST", "sobjects/Account/", {"Name": "A"})
    assert r.status_code == 500 and isinstance(r.json(), list) and r.json()[0]["errorCode"]
    assert api.server.emulator.store.count("Account") == 0
    assert api.call("POST", "sobjects/Account/", {"Name": "A"}).status_code == 201  # count was 1


def test_rate_limit(api: Api) -> None:
    _arm(api, "query", "rate_limit")
    r = api.call("GET", "query/", params={"q": "SELECT Id FROM Account"})
    assert r.status_code == 403 and r.json()[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"


def test_invalid_session_forces_relogin(api: Api) -> None:
    _arm(api, "describe", "invalid_session")
    r = api.call("GET", "sobjects")
    assert r.status_code == 401 and r.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    assert api.call("GET", "limits").status_code == 401  # the session itself is gone
    api.token = api.login()
    assert api.call("GET", "limits").status_code == 200


def test_unable_to_lock_row_single_and_collection(api: Api) -> None:
    aid = api.create("Account", {"Name": "A"})
    _arm(api, "sobjects", "unable_to_lock_row")
    r = api.call("PATCH", f"sobjects/Account/{aid}", {"Name": "B"})
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "UNABLE_TO_LOCK_ROW"
    assert api.get("Account", aid)["Name"] == "A"
    _arm(api, "composite/sobjects", "unable_to_lock_row")
    r = api.call(
        "PATCH", "composite/sobjects", {"records": [{"attributes": {"type": "Account"}, "id": aid, "Name": "C"}]}
    )
    err = r.json()[0]["errors"][0]
    assert r.status_code == 200 and err["statusCode"] == "UNABLE_TO_LOCK_ROW" and aid in err["message"]
    assert api.get("Account", aid)["Name"] == "A"


def test_drop_after_apply_applies_then_closes(api: Api) -> None:
    _arm(api, "upsert", "drop_after_apply")
    with pytest.raises(requests.exceptions.ConnectionError):
        api.call("PATCH", "sobjects/Account/Intacct_Customer_ID__c/C-9", {"Name": "Dropped"})
    emu = api.server.emulator
    assert [r["Name"] for r in emu.store.rows("Account").values()] == ["Dropped"]


def test_timeout_applies_then_answers_late(api: Api) -> None:
    _arm(api, "composite", "timeout", delay_seconds=0.01)
    body = {
        "compositeRequest": [
            {
                "method": "POST",
                "url": "/services/data/v59.0/sobjects/Account",
                "referenceId": "a",
                "body": {"Name": "Slow"},
            }
        ]
    }
    r = api.call("POST", "composite", body)
    assert r.status_code == 200 and api.server.emulator.store.count("Account") == 1


def test_login_fault(api: Api) -> None:
    _arm(api, "login", "http_500")
    with pytest.raises(AssertionError):
        api.login()
    assert api.login()
