"""The Metadata API's deploy and checkDeployStatus on the emulator: envelopes as simple-salesforce sends
them, answers valid against the Metadata API WSDL, and Salesforce's all-or-nothing rule."""

from __future__ import annotations

import base64
import io
import zipfile
from collections.abc import Iterator

import pytest
import requests
from lxml import etree
from simple_salesforce.messages import CHECK_DEPLOY_STATUS_MSG, DEPLOY_MSG

from sfintacct_desktop.app.sf_package import build_zip
from sfintacct_sandbox.httpserver import EmulatorServer
from sfintacct_sandbox.salesforce.app import SalesforceEmulator
from tests.sandbox.salesforce.test_sf_undelete import _token
from tests.support.metadata_schema import MD, errors, metadata_schema

V = "66.0"
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
N = {"m": MD, "s": SOAP}
OMITTED = ("Account.Intacct_Customer_ID__c", "Intacct_Payment__c")


@pytest.fixture
def sf() -> Iterator[EmulatorServer]:
    srv = EmulatorServer(SalesforceEmulator(None, omit_fields=OMITTED)).start()
    srv.emulator.reset("empty")
    yield srv
    srv.stop()


def _post(url: str, path: str, body: str, action: str) -> requests.Response:
    return requests.post(
        f"{url}/services/Soap/m/{V}/{path}",
        data=body.encode(),
        headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": action},
        timeout=30,
    )


def _deploy(url: str, token: str, zipped: bytes, *, check_only: bool, rollback: bool = True) -> etree._Element:
    body = DEPLOY_MSG.format(
        client="test", sessionId=token, ZipFile=base64.b64encode(zipped).decode(), allowMissingFiles="false",
        autoUpdatePackage="false", checkOnly=str(check_only).lower(), ignoreWarnings="false", performRetrieve="false",
        purgeOnDelete="false", rollbackOnError=str(rollback).lower(), singlePackage="true", testLevel="", tests="",
    )  # fmt: skip
    answer = _post(url, "deployRequest", body, "deploy")
    assert answer.status_code == 200, answer.text
    return etree.fromstring(answer.content)


def _status(url: str, token: str, async_id: str) -> etree._Element:
    body = CHECK_DEPLOY_STATUS_MSG.format(
        client="test", sessionId=token, asyncProcessId=async_id, includeDetails="true"
    )
    answer = _post(url, f"deployRequest/{async_id}", body, "checkDeployStatus")
    assert answer.status_code == 200, answer.text
    return etree.fromstring(answer.content).find("s:Body/m:checkDeployStatusResponse/m:result", N)


def _until_done(url: str, token: str, async_id: str) -> tuple[list[str], etree._Element]:
    seen = []
    for _ in range(10):
        result = _status(url, token, async_id)
        seen.append(result.findtext("m:status", namespaces=N))
        if result.findtext("m:done", namespaces=N) == "true":
            return seen, result
    raise AssertionError(f"never done: {seen}")


def _as(element: etree._Element, name: str) -> etree._Element:
    copy = etree.fromstring(etree.tostring(element))
    copy.tag = f"{{{MD}}}{name}"
    return copy


def _described(emu: SalesforceEmulator, sobject: str) -> set[str]:
    obj = emu.schema.get(sobject)
    if obj is None or obj.name in emu.schema.omitted:
        return set()
    return {f["name"] for f in emu.schema.describe(obj, V, "http://x")["fields"]}


def _broken_zip() -> bytes:
    """The shipped package with one lookup pointing at an object that does not exist."""
    source = zipfile.ZipFile(io.BytesIO(build_zip()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "objects/Intacct_Payment__c.object":
                data = data.replace(b"<referenceTo>Intacct_Invoice__c<", b"<referenceTo>No_Such_Thing__c<")
            target.writestr(name, data)
    return out.getvalue()


def test_deploy_answers_are_valid_against_the_wsdl_and_the_fields_appear(sf):
    schema = metadata_schema()
    emu: SalesforceEmulator = sf.emulator
    token = _token(sf.url)
    started = _deploy(sf.url, token, build_zip(), check_only=False)
    async_result = started.find("s:Body/m:deployResponse/m:result", N)
    assert errors(schema, _as(async_result, "AsyncResult")) == []
    assert async_result.findtext("m:done", namespaces=N) == "false"
    assert async_result.findtext("m:state", namespaces=N) == "Queued"
    async_id = async_result.findtext("m:id", namespaces=N)
    assert async_id.startswith("0Af") and len(async_id) == 18
    assert "Intacct_Customer_ID__c" not in _described(emu, "Account")
    seen, result = _until_done(sf.url, token, async_id)
    assert seen == ["InProgress", "Succeeded"]
    assert errors(schema, _as(result, "DeployResult")) == []
    assert result.findtext("m:success", namespaces=N) == "true"
    total = int(result.findtext("m:numberComponentsTotal", namespaces=N))
    assert int(result.findtext("m:numberComponentsDeployed", namespaces=N)) == total > 30
    successes = result.findall("m:details/m:componentSuccesses", N)
    by_name = {
        (s.findtext("m:componentType", namespaces=N), s.findtext("m:fullName", namespaces=N)): s for s in successes
    }
    field = by_name[("CustomField", "Account.Intacct_Customer_ID__c")]
    assert field.findtext("m:created", namespaces=N) == "true"
    assert field.findtext("m:fileName", namespaces=N) == "objects/Account.object"
    assert by_name[("CustomField", "Account.Intacct_Inactive__c")].findtext("m:created", namespaces=N) == "false"
    assert ("PermissionSet", "Sfintacct_Integration") in by_name
    assert "Intacct_Customer_ID__c" in _described(emu, "Account")
    assert "Amount__c" in _described(emu, "Intacct_Payment__c")
    assert emu.stats.snapshot()["by_operation"]["deploy"] == 1


def test_check_only_changes_nothing(sf):
    emu: SalesforceEmulator = sf.emulator
    token = _token(sf.url)
    before = {o: _described(emu, o) for o in ("Account", "Intacct_Payment__c")}
    usage = emu.api_usage()
    async_id = _deploy(sf.url, token, build_zip(), check_only=True).findtext(".//m:id", namespaces=N)
    _, result = _until_done(sf.url, token, async_id)
    assert result.findtext("m:checkOnly", namespaces=N) == "true"
    assert result.findtext("m:status", namespaces=N) == "Succeeded"
    assert {o: _described(emu, o) for o in before} == before
    assert emu.api_usage() - usage == 1  # deploy() is an API call; checkDeployStatus() calls are not


def test_one_failure_with_rollback_deploys_nothing(sf):
    schema = metadata_schema()
    emu: SalesforceEmulator = sf.emulator
    token = _token(sf.url)
    async_id = _deploy(sf.url, token, _broken_zip(), check_only=False).findtext(".//m:id", namespaces=N)
    _, result = _until_done(sf.url, token, async_id)
    assert errors(schema, _as(result, "DeployResult")) == []
    assert (result.findtext("m:status", namespaces=N), result.findtext("m:success", namespaces=N)) == (
        "Failed",
        "false",
    )
    assert result.findtext("m:numberComponentsDeployed", namespaces=N) == "0"
    assert result.findtext("m:numberComponentErrors", namespaces=N) == "1"
    (failure,) = result.findall("m:details/m:componentFailures", N)
    assert failure.findtext("m:fullName", namespaces=N) == "Intacct_Payment__c.Invoice__c"
    assert failure.findtext("m:componentType", namespaces=N) == "CustomField"
    assert failure.findtext("m:problemType", namespaces=N) == "Error"
    assert failure.findtext("m:problem", namespaces=N) == (
        "referenceTo value of 'No_Such_Thing__c' does not resolve to a valid sObject type"
    )
    assert "Intacct_Customer_ID__c" not in _described(emu, "Account")  # a valid component, not deployed either
    assert _described(emu, "Intacct_Payment__c") == set()


def test_without_rollback_the_valid_components_deploy(sf):
    emu: SalesforceEmulator = sf.emulator
    token = _token(sf.url)
    async_id = _deploy(sf.url, token, _broken_zip(), check_only=False, rollback=False).findtext(".//m:id", namespaces=N)
    _, result = _until_done(sf.url, token, async_id)
    assert result.findtext("m:status", namespaces=N) == "SucceededPartial"
    assert "Intacct_Customer_ID__c" in _described(emu, "Account")


def test_a_member_without_its_file_is_named(sf):
    token = _token(sf.url)
    package = (
        f'<Package xmlns="{MD}"><types><members>Account.Nowhere__c</members><name>CustomField</name></types>'
        f"<version>{V}</version></Package>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("unpackaged/package.xml", package)
    async_id = _deploy(sf.url, token, out.getvalue(), check_only=True).findtext(".//m:id", namespaces=N)
    _, result = _until_done(sf.url, token, async_id)
    (failure,) = result.findall("m:details/m:componentFailures", N)
    assert failure.findtext("m:problem", namespaces=N) == (
        "An object 'Account.Nowhere__c' of type CustomField was named in package.xml, but was not found in zipped "
        "directory"
    )
    assert failure.findtext("m:fileName", namespaces=N) == "unpackaged/objects/Account.object"


def test_bad_session_and_unknown_id_are_faults(sf):
    body = CHECK_DEPLOY_STATUS_MSG.format(
        client="t", sessionId="nope", asyncProcessId="0Af000000000001AAA", includeDetails="true"
    )
    answer = _post(sf.url, "deployRequest/x", body, "checkDeployStatus")
    assert answer.status_code == 500
    assert b"<faultcode>sf:INVALID_SESSION_ID</faultcode>" in answer.content
    token = _token(sf.url)
    body = CHECK_DEPLOY_STATUS_MSG.format(
        client="t", sessionId=token, asyncProcessId="0Af000000000001AAA", includeDetails="true"
    )
    answer = _post(sf.url, "deployRequest/x", body, "checkDeployStatus")
    assert answer.status_code == 500 and b"sf:INVALID_CROSS_REFERENCE_KEY" in answer.content
