"""simple-salesforce 1.12.x, unchanged, against the emulator over real HTTP (loopback adapter)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceMoreThanOneRecord

from sfintacct_sandbox import credentials as cred
from sfintacct_sandbox.httpserver import EmulatorServer

from .sf_support import Api, api_fixture, emulator_session, sf_server_fixture  # noqa: F401


def _soap(server: EmulatorServer) -> Salesforce:
    return Salesforce(
        username=cred.SF_USERNAME,
        password=cred.SF_PASSWORD,
        security_token=cred.SF_SECURITY_TOKEN,
        session=emulator_session(server),
    )


def test_oauth_logins(sf_server: EmulatorServer) -> None:
    session = emulator_session(sf_server)
    pw = Salesforce(
        username=cred.SF_USERNAME,
        password=cred.SF_PASSWORD + cred.SF_SECURITY_TOKEN,
        consumer_key=cred.SF_CONSUMER_KEY,
        consumer_secret=cred.SF_CONSUMER_SECRET,
        session=session,
    )
    assert pw.sf_instance == f"127.0.0.1:{sf_server.port}" and pw.limits()["DailyApiRequests"]["Max"] == 15000
    cc = Salesforce(
        consumer_key=cred.SF_CONSUMER_KEY, consumer_secret=cred.SF_CONSUMER_SECRET, domain="sandbox.my", session=session
    )
    assert cc.describe()["sobjects"]
    jwt_sf = Salesforce(
        username=cred.SF_USERNAME,
        consumer_key=cred.SF_CONSUMER_KEY,
        privatekey=sf_server.emulator.jwt_private_key_pem(),
        session=session,
    )
    assert jwt_sf.Account.describe()["keyPrefix"] == "001"


def test_relogin_after_invalid_session_and_idle_expiry(api: Api, sf_server: EmulatorServer) -> None:
    sf = _soap(sf_server)
    first = sf.session_id
    api.admin("POST", "faults", {"operation": "describe", "mode": "invalid_session"})
    assert sf.describe()["sobjects"]
    assert sf.session_id != first
    second = sf.session_id
    api.admin("POST", "clock", {"offset_seconds": 7300})
    assert sf.limits()["DailyApiRequests"]["Remaining"] > 0
    assert sf.session_id != second
    assert sf.api_usage["api-usage"].total == 15000


def test_crud_upsert_and_custom_id(sf_server: EmulatorServer) -> None:
    sf = _soap(sf_server)
    created = sf.Account.create({"Name": "Acme"})
    assert created["success"] and created["id"].startswith("001")
    assert sf.Account.update(created["id"], {"Phone": "1"}) == 204
    assert sf.Account.upsert("Intacct_Customer_ID__c/C 1", {"Name": "Spaced"}) == 201
    assert sf.Account.upsert("Intacct_Customer_ID__c/C 1", {"Name": "Spaced 2"}) == 200
    assert sf.Account.get_by_custom_id("Intacct_Customer_ID__c", "C 1")["Name"] == "Spaced 2"
    assert sf.Account.delete(created["id"]) == 204
    with pytest.raises(SalesforceMalformedRequest):
        sf.Account.create({"Phone": "no name"})
    emu = sf_server.emulator
    with emu.store.lock:
        for name in ("a", "b"):
            rid = emu.org.create("Account", {"Name": name})
            emu.store.put("Account", rid, dict(emu.store.get("Account", rid), Intacct_Customer_ID__c="D"))
    with pytest.raises(SalesforceMoreThanOneRecord):
        sf.Account.upsert("Intacct_Customer_ID__c/D", {"Phone": "2"})


def test_updated_deleted_describe_limits(api: Api, sf_server: EmulatorServer) -> None:
    sf = _soap(sf_server)
    start = datetime.now(UTC) - timedelta(minutes=10)
    keep = sf.Account.create({"Name": "Keep"})["id"]
    gone = sf.Account.create({"Name": "Gone"})["id"]
    sf.Account.delete(gone)
    api.admin("POST", "clock", {"offset_seconds": 120})
    end = datetime.now(UTC) + timedelta(minutes=10)
    assert keep in sf.Account.updated(start, end)["ids"]
    assert [d["id"] for d in sf.Account.deleted(start, end)["deletedRecords"]] == [gone]
    assert sf.Opportunity.describe()["name"] == "Opportunity"
    assert "DailyApiRequests" in sf.limits()


def test_collections_query_all_and_composite(sf_server: EmulatorServer) -> None:
    sf = _soap(sf_server)
    for chunk in range(11):
        records = [{"attributes": {"type": "Account"}, "Name": f"Bulk {chunk}-{i}"} for i in range(200)]
        res = sf.restful("composite/sobjects", method="POST", json={"allOrNone": False, "records": records})
        assert all(r["success"] for r in res)
    bad = sf.restful(
        "composite/sobjects",
        method="POST",
        json={
            "allOrNone": True,
            "records": [{"attributes": {"type": "Account"}, "Name": "ok"}, {"attributes": {"type": "Account"}}],
        },
    )
    assert bad[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    first = sf.query("SELECT Id, Name FROM Account")
    assert first["done"] is False and first["totalSize"] == 2200 and len(first["records"]) == 2000
    assert "/query/01g" in first["nextRecordsUrl"]
    everything = sf.query_all("SELECT Id FROM Account")
    assert everything["totalSize"] == 2200 and len({r["Id"] for r in everything["records"]}) == 2200
    out = sf.restful(
        "composite",
        method="POST",
        json={
            "compositeRequest": [
                {
                    "method": "GET",
                    "url": f"/services/data/v{sf.sf_version}/query/?q=SELECT+Id+FROM+Account+LIMIT+2",
                    "referenceId": "q",
                },
                {
                    "method": "GET",
                    "url": f"/services/data/v{sf.sf_version}/sobjects/Account/@{{q.records[0].Id}}",
                    "referenceId": "one",
                },
            ]
        },
    )
    codes = [x["httpStatusCode"] for x in out["compositeResponse"]]
    assert codes == [200, 200]


def test_query_all_includes_deleted(sf_server: EmulatorServer) -> None:
    sf = _soap(sf_server)
    rid = sf.Account.create({"Name": "Binned"})["id"]
    sf.Account.delete(rid)
    assert sf.query("SELECT Id FROM Account")["totalSize"] == 0
    rows = sf.query_all("SELECT Id, IsDeleted FROM Account", include_deleted=True)["records"]
    assert rows[0]["IsDeleted"] is True
