"""resources/salesforce as an admin deploys it: valid metadata, a complete manifest and permission sets,
and the schema the product checks at connect time.

Adding a field: put its file under ``objects/<Object>/fields/``, run ``python scripts/sf_metadata.py``
(manifest and both permission sets), add it to ``SALESFORCE_SCHEMA`` if the sync needs it.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from sfintacct_desktop.app.connections import SALESFORCE_SCHEMA
from sfintacct_desktop.app.sf_package import build_zip
from tests.support.metadata_schema import MD, errors, metadata_schema

REPO = Path(__file__).resolve().parents[2]
ROOT = REPO / "resources" / "salesforce"
DEFAULT = ROOT / "force-app" / "main" / "default"
N = {"m": MD}
API_VERSION = "66.0"
# describe type -> metadata field type (what the connection test expects, as a deploy creates it)
DESCRIBE_TO_METADATA = {"string": "Text", "boolean": "Checkbox", "date": "Date", "reference": "Lookup"}


def _parse(path: Path | bytes) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    if isinstance(path, bytes):
        return etree.fromstring(path, parser)
    return etree.parse(str(path), parser).getroot()


def _fields() -> dict[str, etree._Element]:
    return {f"{p.parent.parent.name}.{p.name.split('.')[0]}": _parse(p) for p in DEFAULT.glob("objects/*/fields/*.xml")}


def _source_files() -> list[Path]:
    return [*sorted(DEFAULT.rglob("*-meta.xml")), ROOT / "manifest" / "package.xml"]


def _members(kind: str) -> set[str]:
    root = _parse(ROOT / "manifest" / "package.xml")
    return {
        m.text or ""
        for t in root.findall("m:types", N)
        if t.findtext("m:name", namespaces=N) == kind
        for m in t.findall("m:members", N)
    }


def _permission_set(name: str) -> etree._Element:
    return _parse(DEFAULT / "permissionsets" / f"{name}.permissionset-meta.xml")


def _field_perms(name: str) -> dict[str, tuple[bool, bool]]:
    return {
        fp.findtext("m:field", namespaces=N) or "": (
            fp.findtext("m:readable", namespaces=N) == "true",
            fp.findtext("m:editable", namespaces=N) == "true",
        )
        for fp in _permission_set(name).findall("m:fieldPermissions", N)
    }


def _object_perms(name: str) -> dict[str, dict[str, bool]]:
    return {
        op.findtext("m:object", namespaces=N) or "": {
            etree.QName(c).localname: c.text == "true" for c in op if etree.QName(c).localname != "object"
        }
        for op in _permission_set(name).findall("m:objectPermissions", N)
    }


@pytest.mark.parametrize("path", _source_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_source_file_is_valid_against_the_metadata_api_schema(path):
    schema = metadata_schema()
    assert errors(schema, _parse(path)) == []


def test_the_deploy_zip_is_valid_metadata_format():
    schema = metadata_schema()
    archive = zipfile.ZipFile(io.BytesIO(build_zip()))
    names = archive.namelist()
    assert "package.xml" in names and "objects/Account.object" in names
    assert not any(n.endswith("-meta.xml") for n in names)
    for name in names:
        assert errors(schema, _parse(archive.read(name))) == [], name
    account = _parse(archive.read("objects/Account.object"))
    assert {f.findtext("m:fullName", namespaces=N) for f in account.findall("m:fields", N)} == {
        "Intacct_Customer_ID__c",
        "Intacct_Inactive__c",
    } | {k.split(".")[1] for k in _fields() if k.startswith("Account.") and k.count(".") == 1}


def test_manifest_and_permission_sets_are_generated_from_the_files():
    check = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "sf_metadata.py"), "--check"], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr


def test_every_field_is_in_the_manifest_and_in_both_permission_sets():
    fields = set(_fields())
    assert fields <= _members("CustomField")
    integration, sales = _field_perms("Sfintacct_Integration"), _field_perms("Sfintacct_Sales_Read_Only")
    computed = {k for k, el in _fields().items() if el.findtext("m:type", namespaces=N) in ("Summary", "AutoNumber")}
    computed |= {k for k, el in _fields().items() if el.find("m:formula", N) is not None}
    for name in sorted(fields):
        assert integration.get(name) == (True, name not in computed), name
        assert sales.get(name) == (True, False), name  # sales users never edit what Intacct owns


def test_every_component_file_is_in_the_manifest_and_the_other_way_round():
    assert _members("CustomObject") == {p.parent.name for p in DEFAULT.glob("objects/*/*.object-meta.xml")}
    assert _members("Layout") == {p.name.removesuffix(".layout-meta.xml") for p in DEFAULT.glob("layouts/*")}
    assert _members("CustomTab") == {p.name.removesuffix(".tab-meta.xml") for p in DEFAULT.glob("tabs/*")}
    views = DEFAULT.glob("objects/*/listViews/*")
    assert _members("ListView") == {f"{p.parent.parent.name}.{p.name.split('.')[0]}" for p in views}
    assert _members("PermissionSet") == {"Sfintacct_Integration", "Sfintacct_Sales_Read_Only"}
    assert _members("ReportType") == {"Accounts_with_Intacct_Invoices"}


def test_object_permissions_cover_what_the_sync_reads_and_writes():
    integration = _object_perms("Sfintacct_Integration")
    wanted = {"Account", "Product2", "PricebookEntry", "Pricebook2", "Opportunity", "OpportunityLineItem"}
    wanted |= {"Intacct_Invoice__c", "Intacct_Payment__c"}
    assert set(integration) == wanted
    for obj, perms in integration.items():
        assert perms["allowRead"] and perms["allowCreate"] and perms["allowEdit"], obj
        assert not perms["allowDelete"], obj  # the sync never deletes in Salesforce
    sales = _object_perms("Sfintacct_Sales_Read_Only")
    assert set(sales) == {"Intacct_Invoice__c", "Intacct_Payment__c"}
    for obj, perms in sales.items():
        assert perms["allowRead"] and not (perms["allowCreate"] or perms["allowEdit"] or perms["allowDelete"]), obj


def test_the_product_s_expected_schema_matches_the_field_files():
    fields = _fields()
    for obj, wanted in SALESFORCE_SCHEMA.items():
        for name, expected in wanted.items():
            el = fields.get(f"{obj}.{name}")
            assert el is not None, f"{obj}.{name} is checked by the connection test but not shipped"
            kind = el.findtext("m:type", namespaces=N)
            if "type" in expected:
                assert kind == DESCRIBE_TO_METADATA[expected["type"]], f"{obj}.{name}"
            if "referenceTo" in expected:
                assert el.findtext("m:referenceTo", namespaces=N) == expected["referenceTo"], f"{obj}.{name}"
            for flag in ("externalId", "unique"):
                if expected.get(flag):
                    assert el.findtext(f"m:{flag}", namespaces=N) == "true", f"{obj}.{name} {flag}"


def test_mirrored_objects_are_read_only_shared_and_account_lookups_restrict_deletion():
    for obj in ("Intacct_Invoice__c", "Intacct_Payment__c"):
        root = _parse(DEFAULT / "objects" / obj / f"{obj}.object-meta.xml")
        assert root.findtext("m:sharingModel", namespaces=N) == "Read"
        account = _fields()[f"{obj}.Account__c"]
        assert account.findtext("m:deleteConstraint", namespaces=N) == "Restrict"


def test_api_version_is_66():
    assert _parse(ROOT / "manifest" / "package.xml").findtext("m:version", namespaces=N) == API_VERSION
    assert json.loads((ROOT / "sfdx-project.json").read_text())["sourceApiVersion"] == API_VERSION
