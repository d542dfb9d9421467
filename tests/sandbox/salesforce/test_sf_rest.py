"""Salesforce emulator over real HTTP: sObject rows, upsert, describe, updated/deleted, limits, auth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sfintacct_sandbox.salesforce import ids

from .sf_support import Api, api_fixture, sf_server_fixture  # noqa: F401


def test_versions_and_resources(api: Api) -> None:
    r = api.http.get(f"{api.url}/services/data/")
    assert r.status_code == 200 and "Sforce-Limit-Info" not in r.headers
    versions = [v["version"] for v in r.json()]
    assert versions[0] == "31.0" and versions[-1] == "66.0"  # 7.0-30.0 are retired (Summer '22, Summer '25)
    assert {"version": "59.0", "url": "/services/data/v59.0", "label": "Winter '24"} in r.json()
    assert {"version": "65.0", "url": "/services/data/v65.0", "label": "Winter '26"} in r.json()
    r = api.call("GET", "")
    assert r.json()["sobjects"] == "/services/data/v59.0/sobjects"
    for retired in ("19.0", "30.0"):
        gone = api.call("GET", "limits", version=retired)
        assert gone.status_code == 410 and gone.json()[0]["errorCode"] == "GONE"
    assert api.call("GET", "limits", version="67.0").status_code == 404  # newer than the org offers


def test_create_get_update_delete(api: Api) -> None:
    r = api.call("POST", "sobjects/Account/", {"Name": "Acme", "NumberOfEmployees": 12})
    assert r.status_code == 201
    assert r.json()["success"] is True and r.json()["errors"] == []
    assert r.headers["Sforce-Limit-Info"].startswith("api-usage=")
    acc_id = r.json()["id"]
    assert acc_id.startswith("001") and len(acc_id) == 18 and ids.normalize(acc_id[:15]) == acc_id
    row = api.get("Account", acc_id[:15])  # 15-character ids are accepted
    assert row["attributes"] == {"type": "Account", "url": f"/services/data/v59.0/sobjects/Account/{acc_id}"}
    assert row["Name"] == "Acme" and row["NumberOfEmployees"] == 12 and row["IsDeleted"] is False
    assert row["CreatedDate"].endswith(".000+0000") or row["CreatedDate"][-5:] == "+0000"
    few = api.call("GET", f"sobjects/Account/{acc_id}", params={"fields": "Name,Phone"}).json()
    assert set(few) == {"attributes", "Name", "Phone"}
    r = api.call("PATCH", f"sobjects/Account/{acc_id}", {"Phone": "555-1234"})
    assert r.status_code == 204 and r.content == b""
    assert api.get("Account", acc_id)["Phone"] == "555-1234"
    assert api.call("DELETE", f"sobjects/Account/{acc_id}").status_code == 204
    for method in ("GET", "PATCH", "DELETE"):
        r = api.call(method, f"sobjects/Account/{acc_id}", {"Name": "x"} if method == "PATCH" else None)
        assert r.status_code == 404
        assert r.json()[0]["errorCode"] == "ENTITY_IS_DELETED"
    r = api.call("GET", "sobjects/Account/001000000000000AAA")
    assert r.status_code == 404 and r.json()[0]["errorCode"] == "NOT_FOUND"


def test_write_errors(api: Api) -> None:
    r = api.call("POST", "sobjects/Account/", {"Phone": "1"})
    assert r.status_code == 400
    assert r.json() == [
        {"message": "Required fields are missing: [Name]", "errorCode": "REQUIRED_FIELD_MISSING", "fields": ["Name"]}
    ]
    r = api.call("POST", "sobjects/Account/", {"Name": "A", "Bogus__c": 1})
    assert r.json() == [
        {"message": "No such column 'Bogus__c' on sobject of type Account", "errorCode": "INVALID_FIELD"}
    ]
    r = api.call("POST", "sobjects/Account/", {"Name": "A", "IsDeleted": True})
    assert r.json()[0]["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE" and r.json()[0]["fields"] == ["IsDeleted"]
    r = api.call("POST", "sobjects/Account/", {"Name": "A", "AnnualRevenue": "lots"})
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "JSON_PARSER_ERROR"
    assert api.call("POST", "sobjects/Account/", {"Name": "A", "AnnualRevenue": "12.5"}).status_code == 201
    r = api.call("POST", "sobjects/Account/", {"Name": "A", "BillingCity": "x" * 41})
    assert r.json()[0]["errorCode"] == "STRING_TOO_LONG" and r.json()[0]["fields"] == ["BillingCity"]
    r = api.call("POST", "sobjects/Account/", {"Name": "A", "ParentId": "not-an-id"})
    assert r.json()[0]["errorCode"] == "MALFORMED_ID"
    r = api.call("POST", "sobjects/Account/", {"Name": "A", "ParentId": ids.make_id("001", 999)})
    assert r.json()[0]["errorCode"] == "INVALID_CROSS_REFERENCE_KEY"
    pid = api.create("Product2", {"Name": "P"})
    r = api.call("POST", "sobjects/Account/", {"Name": "A", "ParentId": pid})
    assert r.json()[0]["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"
    r = api.call("POST", "sobjects/Opportunity/", {"Name": "O", "CloseDate": "2024-02-30", "StageName": "Prospecting"})
    assert r.json()[0]["errorCode"] == "JSON_PARSER_ERROR"
    r = api.call("POST", "sobjects/Opportunity/", {"Name": "O", "CloseDate": "2024-02-01", "StageName": "Dreaming"})
    assert r.json()[0]["errorCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    r = api.call("PATCH", f"sobjects/Product2/{pid}", {"Name": None})
    assert r.json()[0]["errorCode"] == "REQUIRED_FIELD_MISSING"
    assert api.call("GET", "sobjects/Nope__c/describe").status_code == 404


def test_unique_external_id(api: Api) -> None:
    first = api.create("Account", {"Name": "A", "Intacct_Customer_ID__c": "C-1"})
    r = api.call("POST", "sobjects/Account/", {"Name": "B", "Intacct_Customer_ID__c": "c-1"})
    assert r.json() == [
        {
            "message": f"duplicate value found: Intacct_Customer_ID__c duplicates value on record with id: {first}",
            "errorCode": "DUPLICATE_VALUE",
            "fields": [],
        }
    ]


def test_upsert_by_external_id(api: Api) -> None:
    r = api.call("PATCH", "sobjects/Account/Intacct_Customer_ID__c/C%2F7%20X", {"Name": "Slashy"})
    assert r.status_code == 201 and r.json()["created"] is True
    acc = r.json()["id"]
    assert api.get("Account", acc)["Intacct_Customer_ID__c"] == "C/7 X"
    r = api.call("PATCH", "sobjects/Account/Intacct_Customer_ID__c/C%2F7%20X", {"Name": "Slashy 2"})
    assert r.status_code == 200 and r.json() == {"id": acc, "success": True, "errors": [], "created": False}
    r = api.call("PATCH", "sobjects/Account/Intacct_Customer_ID__c/C%2F7%20X", {"Name": "v45"}, version="45.0")
    assert r.status_code == 204
    r = api.call("GET", "sobjects/Account/Intacct_Customer_ID__c/C%2F7+X")  # quote_plus form
    assert r.status_code == 200 and r.json()["Id"] == acc and r.json()["Name"] == "v45"
    r = api.call("PATCH", "sobjects/Account/Name/Foo", {"Phone": "1"})
    assert r.status_code == 404 and r.json()[0] == {
        "message": "Provided external ID field does not exist or is not accessible: Name",
        "errorCode": "NOT_FOUND",
    }
    # two records with the same (non-unique) external id value -> 300 with their URLs
    emu = api.server.emulator
    with emu.store.lock:
        a = emu.org.create("Account", {"Name": "x"})
        b = emu.org.create("Account", {"Name": "y"})
        for rid in (a, b):  # bypass the unique rule the way a data load with a non-unique field would
            emu.store.put("Account", rid, dict(emu.store.get("Account", rid), Intacct_Customer_ID__c="DUP"))
    r = api.call("PATCH", "sobjects/Account/Intacct_Customer_ID__c/DUP", {"Phone": "1"})
    assert r.status_code == 300
    assert r.json() == [f"/services/data/v59.0/sobjects/Account/{a}", f"/services/data/v59.0/sobjects/Account/{b}"]


def test_describe_and_global(api: Api) -> None:
    d = api.call("GET", "sobjects/Account/describe").json()
    assert d["keyPrefix"] == "001" and d["name"] == "Account"
    fields = {f["name"]: f for f in d["fields"]}
    ext = fields["Intacct_Customer_ID__c"]
    assert ext["externalId"] and ext["unique"] and ext["length"] == 20 and ext["custom"]
    assert fields["Name"]["nillable"] is False and fields["IsDeleted"]["createable"] is False
    rels = {c["relationshipName"]: c["childSObject"] for c in d["childRelationships"]}
    assert rels["Intacct_Invoices__r"] == "Intacct_Invoice__c" and rels["Opportunities"] == "Opportunity"
    inv = api.call("GET", "sobjects/Intacct_Invoice__c/describe").json()
    f = {x["name"]: x for x in inv["fields"]}
    assert f["Account__c"]["referenceTo"] == ["Account"] and f["Account__c"]["relationshipName"] == "Account__r"
    stage = {x["name"]: x for x in api.call("GET", "sobjects/Opportunity/describe").json()["fields"]}["StageName"]
    assert "Closed Won" in [p["value"] for p in stage["picklistValues"]]
    g = api.call("GET", "sobjects").json()
    assert {"Account", "Intacct_Payment__c", "OpportunityLineItem"} <= {s["name"] for s in g["sobjects"]}
    api.create("Account", {"Name": "Recent"})
    info = api.call("GET", "sobjects/Account/").json()
    assert info["objectDescribe"]["keyPrefix"] == "001" and info["recentItems"][0]["Name"] == "Recent"


def test_updated_and_deleted(api: Api) -> None:
    start = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    acc = api.create("Account", {"Name": "Changed"})
    gone = api.create("Account", {"Name": "Gone"})
    api.call("DELETE", f"sobjects/Account/{gone}")
    api.admin("POST", "clock", {"offset_seconds": 120})  # the current minute is covered once it is over
    end = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    up = api.call("GET", "sobjects/Account/updated/", params={"start": start, "end": end}).json()
    assert acc in up["ids"] and gone not in up["ids"] and up["latestDateCovered"].endswith(":00.000+0000")
    de = api.call("GET", "sobjects/Account/deleted/", params={"start": start, "end": end}).json()
    assert [d["id"] for d in de["deletedRecords"]] == [gone]
    assert set(de) == {"deletedRecords", "earliestDateAvailable", "latestDateCovered"}
    r = api.call("GET", "sobjects/Account/updated/", params={"start": end, "end": start})
    assert r.status_code == 400 and r.json()[0]["errorCode"] == "INVALID_REPLICATION_DATE"
    old = (datetime.now(UTC) - timedelta(days=31)).isoformat()
    r = api.call("GET", "sobjects/Account/updated/", params={"start": old, "end": end})
    assert r.status_code == 400
    r = api.call("GET", "sobjects/Account/deleted/", params={"start": "yesterday", "end": end})
    assert r.status_code == 400


def test_limits_and_allocation(tmp_path) -> None:
    from sfintacct_sandbox.httpserver import EmulatorServer
    from sfintacct_sandbox.salesforce.app import SalesforceEmulator

    emu = SalesforceEmulator(None, daily_api_limit=3)
    emu.reset("empty")
    server = EmulatorServer(emu).start()
    try:
        client = Api(server)
        r = client.call("GET", "limits/")
        assert r.json()["DailyApiRequests"] == {"Max": 3, "Remaining": 2}
        assert r.headers["Sforce-Limit-Info"] == "api-usage=1/3"
        client.call("GET", "sobjects")
        client.call("GET", "sobjects")
        r = client.call("GET", "sobjects")
        assert r.status_code == 403
        assert r.json() == [{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}]
        client.admin("POST", "clock", {"offset_seconds": 86400 + 120})  # a rolling day later
        client.token = client.login()  # the idle session expired meanwhile; logins are free
        assert client.call("GET", "sobjects").status_code == 200
        stats = client.admin("GET", "stats")
        assert stats["api_calls"] == 4 and stats["by_operation"]["login"] == 2
    finally:
        server.stop()


def test_session_required_and_idle_expiry(api: Api) -> None:
    r = api.http.get(f"{api.url}/services/data/v59.0/sobjects", headers={"Authorization": "Bearer nope"})
    assert r.status_code == 401
    assert r.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    api.admin("POST", "clock", {"offset_seconds": 3600})
    assert api.call("GET", "sobjects").status_code == 200  # used within the idle time: slides
    api.admin("POST", "clock", {"offset_seconds": 3600 + 7201})
    assert api.call("GET", "sobjects").status_code == 401


def test_soap_login_fault_and_oauth_errors(api: Api) -> None:
    r = api.http.post(
        f"{api.url}/services/Soap/u/59.0",
        data="<e:Envelope xmlns:e='http://schemas.xmlsoap.org/soap/envelope/'><e:Body><login>"
        "<username>operator@sandbox.sfintacct.local</username><password>wrong</password></login></e:Body></e:Envelope>",
    )
    assert r.status_code == 500 and "<sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode>" in r.text
    r = api.http.post(f"{api.url}/services/oauth2/token", data={"grant_type": "password", "client_id": "x"})
    assert r.status_code == 400 and r.json()["error"] == "invalid_client_id"
    r = api.http.post(f"{api.url}/services/oauth2/token", data={"grant_type": "client_credentials"})
    assert r.status_code == 400 and set(r.json()) == {"error", "error_description"}


def test_every_answer_carries_one_date_in_the_emulators_clock(api: Api) -> None:
    """``Date`` (IMF-fixdate, whole seconds) follows a frozen or shifted clock, on REST and error answers."""
    frozen = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    api.admin("POST", "clock", {"frozen": True, "freeze_at": frozen.isoformat()})
    try:
        for r in (api.call("GET", "limits"), api.call("GET", "sobjects/Nope/describe"), api.http.get(f"{api.url}/")):
            assert r.raw.headers.getlist("Date") == ["Tue, 06 May 2031 07:08:09 GMT"], r.status_code
    finally:
        api.admin("POST", "clock", {"frozen": False})
    api.admin("POST", "clock", {"offset_seconds": 86400})
    shifted = datetime.strptime(api.call("GET", "limits").headers["Date"], "%a, %d %b %Y %H:%M:%S GMT")
    assert abs(shifted.replace(tzinfo=UTC) - datetime.now(UTC) - timedelta(days=1)) < timedelta(seconds=5)
