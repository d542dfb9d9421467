"""``composite/sobjects`` and ``composite`` over real HTTP: per-record results, allOrNone, references."""

from __future__ import annotations

from .sf_support import Api, api_fixture, sf_server_fixture  # noqa: F401


def _acc(name: str | None, **kw: object) -> dict[str, object]:
    rec: dict[str, object] = {"attributes": {"type": "Account"}, **kw}
    if name is not None:
        rec["Name"] = name
    return rec


def test_collection_create_partial_success(api: Api) -> None:
    r = api.call("POST", "composite/sobjects", {"allOrNone": False, "records": [_acc("A"), _acc(None), _acc("C")]})
    assert r.status_code == 200
    res = r.json()
    assert res[0]["success"] and res[2]["success"] and res[0]["errors"] == []
    assert res[1] == {
        "success": False,
        "errors": [
            {
                "statusCode": "REQUIRED_FIELD_MISSING",
                "message": "Required fields are missing: [Name]",
                "fields": ["Name"],
            }
        ],
    }
    assert api.admin("GET", "stats")["writes"] == 2


def test_collection_all_or_none_rolls_back(api: Api) -> None:
    r = api.call("POST", "composite/sobjects", {"allOrNone": True, "records": [_acc("A"), _acc(None), _acc("C")]})
    res = r.json()
    assert res[1]["errors"][0]["statusCode"] == "REQUIRED_FIELD_MISSING"
    for i in (0, 2):
        assert res[i]["success"] is False
        assert res[i]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert api.server.emulator.store.count("Account") == 0


def test_collection_update_upsert_delete_and_limits(api: Api) -> None:
    ids = [x["id"] for x in api.call("POST", "composite/sobjects", {"records": [_acc("A"), _acc("B")]}).json()]
    r = api.call("PATCH", "composite/sobjects", {"records": [_acc(None, id=ids[0], Phone="1"), _acc(None, Phone="2")]})
    assert r.json()[0] == {"id": ids[0], "success": True, "errors": []}
    assert r.json()[1]["errors"][0]["statusCode"] == "MISSING_ARGUMENT"
    recs = [_acc("X", Intacct_Customer_ID__c="C-1"), _acc("Y", Intacct_Customer_ID__c="C-2")]
    first = api.call("PATCH", "composite/sobjects/Account/Intacct_Customer_ID__c", {"records": recs}).json()
    assert [x["created"] for x in first] == [True, True]
    again = api.call("PATCH", "composite/sobjects/Account/Intacct_Customer_ID__c", {"records": recs}).json()
    assert [x["created"] for x in again] == [False, False] and again[0]["id"] == first[0]["id"]
    r = api.call("DELETE", "composite/sobjects", params={"ids": f"{ids[0]},{ids[0]}", "allOrNone": "false"})
    assert r.json()[0]["success"] is True and r.json()[1]["errors"][0]["statusCode"] == "ENTITY_IS_DELETED"
    r = api.call("POST", "composite/sobjects", {"records": [_acc(f"n{i}") for i in range(201)]})
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "EXCEEDED_ID_LIMIT"
    got = api.call("GET", "composite/sobjects/Account", params={"ids": ids[1], "fields": "Name"}).json()
    assert got[0]["Name"] == "B"


def test_collection_delete_without_ids_is_a_400_required_field_missing(api: Api) -> None:
    """Not a well-formed call: 400 with the REST error array, and nothing counted as written."""
    api.call("POST", "composite/sobjects", {"records": [_acc("Kept")]})
    for params in ({}, {"ids": ""}, {"ids": " , "}, {"allOrNone": "true"}):
        r = api.call("DELETE", "composite/sobjects", params=params)
        assert r.status_code == 400
        body = r.json()
        assert isinstance(body, list) and len(body) == 1 and set(body[0]) == {"message", "errorCode"}
        assert body[0]["errorCode"] == "REQUIRED_FIELD_MISSING" and "ids" in body[0]["message"]
    assert api.server.emulator.store.count("Account") == 1
    assert api.admin("GET", "stats")["writes"] == 1


def test_composite_references_and_single_api_call(api: Api) -> None:
    body = {
        "allOrNone": True,
        "compositeRequest": [
            {
                "method": "POST",
                "url": "/services/data/v59.0/sobjects/Account",
                "referenceId": "acc",
                "body": {"Name": "Parent"},
            },
            {
                "method": "POST",
                "url": "/services/data/v59.0/sobjects/Account",
                "referenceId": "child",
                "body": {"Name": "Child", "ParentId": "@{acc.id}"},
            },
            {
                "method": "GET",
                "url": "/services/data/v59.0/sobjects/Account/@{child.id}?fields=ParentId",
                "referenceId": "read",
            },
        ],
    }
    before = api.admin("GET", "stats")["api_calls"]
    r = api.call("POST", "composite", body)
    out = r.json()["compositeResponse"]
    assert [x["httpStatusCode"] for x in out] == [201, 201, 200]
    assert set(out[0]) == {"body", "httpHeaders", "httpStatusCode", "referenceId"}
    assert out[2]["body"]["ParentId"] == out[0]["body"]["id"]
    assert api.admin("GET", "stats")["api_calls"] == before + 1


def test_composite_all_or_none_failure_rolls_back(api: Api) -> None:
    body = {
        "allOrNone": True,
        "compositeRequest": [
            {
                "method": "POST",
                "url": "/services/data/v59.0/sobjects/Account",
                "referenceId": "a",
                "body": {"Name": "A"},
            },
            {"method": "POST", "url": "/services/data/v59.0/sobjects/Account", "referenceId": "b", "body": {}},
            {
                "method": "POST",
                "url": "/services/data/v59.0/sobjects/Account",
                "referenceId": "c",
                "body": {"Name": "C"},
            },
        ],
    }
    out = api.call("POST", "composite", body).json()["compositeResponse"]
    assert out[1]["httpStatusCode"] == 400 and out[1]["body"][0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert (
        out[0]["body"][0]["errorCode"] == "PROCESSING_HALTED" and out[2]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    )
    assert api.server.emulator.store.count("Account") == 0


def test_composite_limits(api: Api) -> None:
    sub = {"method": "GET", "url": "/services/data/v59.0/limits", "referenceId": "x"}
    many = [dict(sub, referenceId=f"r{i}") for i in range(26)]
    r = api.call("POST", "composite", {"compositeRequest": many})
    assert r.status_code == 400
    q = {"method": "GET", "url": "/services/data/v59.0/query?q=SELECT+Id+FROM+Account"}
    six = [dict(q, referenceId=f"q{i}") for i in range(6)]
    assert api.call("POST", "composite", {"compositeRequest": six}).status_code == 400
