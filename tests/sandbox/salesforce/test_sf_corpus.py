"""Live emulator responses compared key by key with recorded real ones (restforce fixtures)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conformance_util import CORPUS, assert_same_shape

from .sf_support import Api, api_fixture, sf_server_fixture  # noqa: F401

SF_CORPUS = CORPUS / "salesforce"
COLS = {"Name": "Text_Label"}


def recorded_text(name: str) -> str:
    path = SF_CORPUS / f"restforce__{name}.json"
    if not path.exists():
        pytest.skip(f"recorded corpus not available at {SF_CORPUS}")
    return path.read_text()


def recorded(name: str) -> Any:
    return json.loads(recorded_text(name))


def _renamed(page: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    """The page with its column names mapped to the recorded ones (column names are data, not shape)."""
    rows = [{mapping.get(k, k): v for k, v in row.items()} for row in page["records"]]
    return dict(page, records=rows)


def _seed_parent_child(api: Api) -> str:
    aid = api.create("Account", {"Name": "Parent"})
    api.create("Intacct_Invoice__c", {"Invoice_Number__c": "INV-1", "Account__c": aid, "Invoice_Date__c": "2024-01-01"})
    return aid


def test_query_success_with_parent_and_children(api: Api) -> None:
    parent = api.create("Account", {"Name": "Parent"})
    child = _seed_parent_child(api)
    api.call("PATCH", f"sobjects/Account/{child}", {"ParentId": parent})
    q = (
        "SELECT Name, Intacct_Inactive__c, CreatedDate, Parent.Name, "
        f"(SELECT Name FROM Intacct_Invoices__r) FROM Account WHERE Id = '{child}'"
    )
    live = api.call("GET", "query/", params={"q": q}).json()
    # the recorded row also has a date and a multi-picklist column; compare on the columns we share
    rec = recorded("sobject_query_success_response")
    row = rec["records"][0]
    shared = {
        "attributes": row["attributes"],
        "Checkbox_Label": row["Checkbox_Label"],
        "Text_Label": row["Text_Label"],
        "DateTime_Label": row["DateTime_Label"],
        "ParentWhizbang__r": {"Name": "x", "attributes": {}},
        "Whizbangs__r": row["Whizbangs__r"],
    }
    shared["ParentWhizbang__r"] = {"Name": "x", "attributes": row["ParentWhizbang__r"]["attributes"]}
    got = live["records"][0]
    renamed = {
        "attributes": got["attributes"],
        "Checkbox_Label": got["Intacct_Inactive__c"],
        "Text_Label": got["Name"],
        "DateTime_Label": got["CreatedDate"],
        "ParentWhizbang__r": got["Parent"],
        "Whizbangs__r": got["Intacct_Invoices__r"],
    }
    assert got["Intacct_Invoices__r"]["totalSize"] == 1 and got["Parent"]["Name"] == "Parent"
    assert_same_shape(dict(rec, records=[shared]), dict(live, records=[renamed]))


def test_paginated_and_empty_and_error(api: Api) -> None:
    emu = api.server.emulator
    with emu.store.lock:
        for i in range(201):
            emu.org.create("Account", {"Name": f"A{i}"})
    first = api.call(
        "GET", "query/", params={"q": "SELECT Name FROM Account"}, headers={"Sforce-Query-Options": "batchSize=200"}
    )
    assert_same_shape(recorded("sobject_query_paginated_first_page_response"), _renamed(first.json(), COLS))
    nxt = first.json()["nextRecordsUrl"].split("/v59.0/")[1]
    last = api.call("GET", nxt).json()
    assert_same_shape(recorded("sobject_query_paginated_last_page_response"), _renamed(last, COLS))
    empty = api.call("GET", "query/", params={"q": "SELECT Name FROM Account WHERE Name = 'none'"}).json()
    assert_same_shape(recorded("sobject_query_empty_response"), empty)
    bad = api.call("GET", "query/", params={"q": "SELECT Nope FROM Account"})
    assert bad.status_code == 400
    assert_same_shape(recorded("sobject_query_error_response"), bad.json())


def test_create_upsert_and_error_shapes(api: Api) -> None:
    created = api.call("POST", "sobjects/Account/", {"Name": "A"}).json()
    assert_same_shape(recorded("sobject_create_success_response"), created)
    up_new = api.call("PATCH", "sobjects/Account/Intacct_Customer_ID__c/C-1", {"Name": "U"}).json()
    rec_new = recorded("sobject_upsert_created_success_response")
    assert_same_shape(rec_new, {k: v for k, v in up_new.items() if k in rec_new})
    assert set(up_new) == set(rec_new) | {"created"}  # the recording predates API 46's "created"
    # the recorded update answer is the empty 204 body of API < 46
    assert recorded_text("sobject_upsert_updated_success_response").strip() == ""
    up_old = api.call("PATCH", "sobjects/Account/Intacct_Customer_ID__c/C-1", {"Name": "U"}, version="45.0")
    assert up_old.status_code == 204 and up_old.content == b""
    err = api.call("PATCH", "sobjects/Account/Namez/x", {"Name": "U"}).json()
    assert_same_shape(recorded("sobject_upsert_error_response"), err)
    emu = api.server.emulator
    with emu.store.lock:
        for name in ("a", "b"):
            rid = emu.org.create("Account", {"Name": name})
            emu.store.put("Account", rid, dict(emu.store.get("Account", rid), Intacct_Customer_ID__c="D"))
    multi = api.call("PATCH", "sobjects/Account/Intacct_Customer_ID__c/D", {"Phone": "1"})
    assert multi.status_code == 300
    assert_same_shape(recorded("sobject_upsert_multiple_error_response"), multi.json())
    write_err = api.call("POST", "sobjects/Account/", {"Name": "A", "foo": 1}).json()
    assert_same_shape(recorded("sobject_write_error_response"), write_err)
    delete_err = api.call("DELETE", "sobjects/Account/rid").json()
    assert_same_shape(recorded("sobject_delete_error_response"), delete_err)
    find_err = api.call("GET", "sobjects/Account/23foo").json()
    assert_same_shape(recorded("sobject_sobject_find_error_response"), find_err)


def test_describe_shapes(api: Api) -> None:
    live = api.call("GET", "sobjects/Intacct_Invoice__c/describe").json()
    assert_same_shape(recorded("sobject_sobject_describe_success_response"), live)
    err = api.call("GET", "sobjects/Whizbang/describe")
    assert err.status_code == 404
    assert_same_shape(recorded("sobject_sobject_describe_error_response"), err.json())
    assert_same_shape(recorded("sobject_describe_sobjects_success_response"), api.call("GET", "sobjects").json())


def test_updated_deleted_shapes(api: Api) -> None:
    aid = api.create("Account", {"Name": "U"})
    api.call("DELETE", f"sobjects/Account/{api.create('Account', {'Name': 'D'})}")
    api.create("Account", {"Name": "V"})
    api.admin("POST", "clock", {"offset_seconds": 120})
    window = {"start": "2000-01-01T00:00:00+00:00", "end": "2100-01-01T00:00:00+00:00"}
    from datetime import UTC, datetime, timedelta

    window["start"] = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    up = api.call("GET", "sobjects/Account/updated/", params=window).json()
    assert aid in up["ids"]
    assert_same_shape(recorded("sobject_get_updated_success_response"), up)
    de = api.call("GET", "sobjects/Account/deleted/", params=window).json()
    assert_same_shape(recorded("sobject_get_deleted_success_response"), de)


def test_auth_session_and_services_data_shapes(api: Api) -> None:
    from sfintacct_sandbox import credentials as cred

    ok = api.http.post(
        f"{api.url}/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": cred.SF_CONSUMER_KEY,
            "client_secret": cred.SF_CONSUMER_SECRET,
            "username": cred.SF_USERNAME,
            "password": cred.SF_PASSWORD + cred.SF_SECURITY_TOKEN,
        },
    ).json()
    rec = recorded("auth_success_response")
    assert_same_shape(rec, {k: ok[k] for k in rec})
    assert {"token_type", "scope"} <= set(ok)
    bad = api.http.post(
        f"{api.url}/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": cred.SF_CONSUMER_KEY,
            "client_secret": cred.SF_CONSUMER_SECRET,
            "username": cred.SF_USERNAME,
            "password": "wrong",
        },
    )
    assert bad.status_code == 400
    assert_same_shape(recorded("auth_error_response"), bad.json())
    expired = api.http.get(f"{api.url}/services/data/v59.0/limits", headers={"Authorization": "Bearer old"})
    assert_same_shape(recorded("expired_session_response"), expired.json())
    assert_same_shape(recorded("services_data_success_response"), api.http.get(f"{api.url}/services/data/").json())


_DT = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)"


def _datetimes(value: Any) -> list[str]:
    import re

    if isinstance(value, dict):
        return [s for v in value.values() for s in _datetimes(v)]
    if isinstance(value, list):
        return [s for v in value for s in _datetimes(v)]
    return [value] if isinstance(value, str) and re.fullmatch(_DT, value) else []


def test_datetimes_have_the_recorded_whole_second_form(api: Api) -> None:
    """Every datetime in the recorded responses is ``YYYY-MM-DDTHH:MM:SS.000+0000``; the emulator's
    record stamps, getUpdated/getDeleted covers and deleted dates are in that very form."""
    import re

    names = [
        "sobject_query_success_response",
        "sobject_sobject_find_success_response",
        "sobject_get_deleted_success_response",
        "sobject_get_updated_success_response",
    ]
    recorded_values = [s for n in names for s in _datetimes(recorded(n))]
    assert recorded_values
    form = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000"
    assert all(re.fullmatch(form, s) for s in recorded_values), recorded_values
    api.admin("POST", "clock", {"frozen": True, "freeze_at": "2026-01-31T12:34:56.789Z"})
    aid = api.create("Account", {"Name": "Stamped"})
    gone = api.create("Account", {"Name": "Gone"})
    api.call("DELETE", f"sobjects/Account/{gone}")
    q = f"SELECT CreatedDate, LastModifiedDate, SystemModstamp FROM Account WHERE Id = '{aid}'"
    live = [
        api.call("GET", "query/", params={"q": q}).json(),
        api.call("GET", f"sobjects/Account/{aid}").json(),
    ]
    api.admin("POST", "clock", {"frozen": True, "freeze_at": "2026-01-31T12:40:00Z"})
    window = {"start": "2026-01-31T12:00:00+00:00", "end": "2026-01-31T12:39:00+00:00"}
    live.append(api.call("GET", "sobjects/Account/updated/", params=window).json())
    live.append(api.call("GET", "sobjects/Account/deleted/", params=window).json())
    values = _datetimes(live)
    assert len(values) >= 10
    assert all(re.fullmatch(form, s) for s in values), values
    assert "2026-01-31T12:34:56.000+0000" in values  # the 789 ms are not stored
    # a literal with milliseconds compares to the second, as the org ignores them
    q2 = f"SELECT Id FROM Account WHERE Id = '{aid}' AND SystemModstamp >= 2026-01-31T12:34:56.900Z"
    assert api.call("GET", "query/", params={"q": q2}).json()["totalSize"] == 1
