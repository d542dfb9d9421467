"""Write resources/salesforce's manifest and its two permission sets from the source files.

Why generated: every custom field must be in ``manifest/package.xml`` (or it is not deployed) and in
both permission sets (or the integration user cannot see it, and describe hides it), and fields are
added often. Add a field file, run ``python scripts/sf_metadata.py``, commit the three files;
``tests/unit/test_sf_metadata_files.py`` fails while they are out of date (``--check`` does the same).

- ``Sfintacct_Integration``: the integration user. Every object the sync reads and writes with
  read, create and edit (never delete), every custom field readable and editable, and the
  standard fields it writes that field-level security governs.
- ``Sfintacct_Sales_Read_Only``: sales users. Read access to the two mirrored objects and every
  custom field readable but never editable (the cross-reference ids and the amounts come from
  Intacct and are overwritten by the next sync).
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import unquote

ROOT = Path(__file__).resolve().parents[1] / "resources" / "salesforce"
DEFAULT = ROOT / "force-app" / "main" / "default"
API_VERSION = "66.0"
NS = "http://soap.sforce.com/2006/04/metadata"
HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n'

# Standard objects the sync reads and writes (object permissions of the integration user).
STANDARD_OBJECTS = ("Account", "Opportunity", "OpportunityLineItem", "Pricebook2", "PricebookEntry", "Product2")
# Standard fields the sync writes that field-level security governs (required and system fields are not).
STANDARD_FIELDS = (
    "Account.AccountNumber",
    "Account.BillingCity",
    "Account.BillingCountry",
    "Account.BillingPostalCode",
    "Account.BillingState",
    "Account.BillingStreet",
    "Account.Phone",
    "Account.Website",
    "Opportunity.Amount",
    "OpportunityLineItem.Description",
    "OpportunityLineItem.Discount",
    "Product2.Description",
    "Product2.ProductCode",
)


COMPUTED = ("<type>Summary</type>", "<type>AutoNumber</type>", "<formula>")  # Salesforce computes these


def computed_fields() -> set[str]:
    """Fields no one edits (roll-up summaries, formulas, auto numbers): readable only, in both sets,
    since Salesforce refuses a permission set granting edit on them."""
    return {
        f"{p.parent.parent.name}.{p.name.split('.')[0]}"
        for p in DEFAULT.glob("objects/*/fields/*.xml")
        if any(mark in p.read_text(encoding="utf-8") for mark in COMPUTED)
    }


def custom_objects() -> list[str]:
    return sorted(p.parent.name for p in DEFAULT.glob("objects/*/*.object-meta.xml"))


def custom_fields() -> list[str]:
    return sorted(f"{p.parent.parent.name}.{p.name.split('.')[0]}" for p in DEFAULT.glob("objects/*/fields/*.xml"))


def _children(folder: str, suffix: str) -> list[str]:
    return sorted(f"{p.parent.parent.name}.{p.name[: -len(suffix)]}" for p in DEFAULT.glob(f"objects/*/{folder}/*"))


def _files(folder: str, suffix: str) -> list[str]:
    return sorted(p.name[: -len(suffix)] for p in (DEFAULT / folder).glob(f"*{suffix}"))


def manifest_members() -> dict[str, list[str]]:
    """Metadata type -> members, from the files present."""
    members = {
        "CompactLayout": _children("compactLayouts", ".compactLayout-meta.xml"),
        "CustomField": custom_fields(),
        "CustomObject": custom_objects(),
        "CustomTab": _files("tabs", ".tab-meta.xml"),
        "Layout": _files("layouts", ".layout-meta.xml"),
        "ListView": _children("listViews", ".listView-meta.xml"),
        "PermissionSet": _files("permissionsets", ".permissionset-meta.xml"),
        "ReportType": _files("reportTypes", ".reportType-meta.xml"),
    }
    return {k: v for k, v in members.items() if v}


def manifest() -> str:
    out = [HEADER, f'<Package xmlns="{NS}">\n']
    for name, members in sorted(manifest_members().items()):
        out.append("    <types>\n")
        out += [f"        <members>{m}</members>\n" for m in members]
        out.append(f"        <name>{name}</name>\n    </types>\n")
    out.append(f"    <version>{API_VERSION}</version>\n</Package>\n")
    return "".join(out)


def _field_perm(field: str, editable: bool) -> str:
    return (
        f"    <fieldPermissions>\n        <editable>{str(editable).lower()}</editable>\n"
        f"        <field>{field}</field>\n        <readable>true</readable>\n    </fieldPermissions>\n"
    )


def _object_perm(obj: str, *, write: bool, view_all: bool) -> str:
    w = str(write).lower()
    return (
        "    <objectPermissions>\n"
        f"        <allowCreate>{w}</allowCreate>\n        <allowDelete>false</allowDelete>\n"
        f"        <allowEdit>{w}</allowEdit>\n        <allowRead>true</allowRead>\n"
        f"        <modifyAllRecords>{str(write and view_all).lower()}</modifyAllRecords>\n"
        f"        <object>{obj}</object>\n        <viewAllRecords>{str(view_all).lower()}</viewAllRecords>\n"
        "    </objectPermissions>\n"
    )


def _tab(tab: str) -> str:
    inner = f"        <tab>{tab}</tab>\n        <visibility>Visible</visibility>\n"
    return f"    <tabSettings>\n{inner}    </tabSettings>\n"


def permission_set(*, integration: bool) -> str:
    ours = custom_objects()
    if integration:
        description = (
            "The sfintacct-desktop integration user: read, create and edit on every object the sync reads and "
            "writes and on every field it keeps. Assign it to the integration user only."
        )
        label = "sfintacct Integration"
        fields = sorted(custom_fields() + list(STANDARD_FIELDS))
        objects = sorted(STANDARD_OBJECTS + tuple(ours))
    else:
        description = (
            "Sales users: read the Intacct invoices and payments the sync keeps in Salesforce. The "
            "cross-reference ids and amounts come from Intacct and cannot be edited."
        )
        label = "sfintacct Sales (read only)"
        fields = custom_fields()
        objects = ours
    body = [HEADER, f'<PermissionSet xmlns="{NS}">\n', f"    <description>{description}</description>\n"]
    computed = computed_fields()
    body += [_field_perm(f, integration and f not in computed) for f in fields]
    body.append("    <hasActivationRequired>false</hasActivationRequired>\n")
    body.append(f"    <label>{label}</label>\n")
    body += [_object_perm(o, write=integration, view_all=integration and o in ours) for o in objects]
    body += [_tab(t) for t in _files("tabs", ".tab-meta.xml")]
    body.append("</PermissionSet>\n")
    return "".join(body)


def outputs() -> dict[Path, str]:
    sets = DEFAULT / "permissionsets"
    return {
        ROOT / "manifest" / "package.xml": manifest(),
        sets / "Sfintacct_Integration.permissionset-meta.xml": permission_set(integration=True),
        sets / "Sfintacct_Sales_Read_Only.permissionset-meta.xml": permission_set(integration=False),
    }


def main(argv: list[str]) -> int:
    stale = [p for p, text in outputs().items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    if "--check" in argv:
        for path in stale:
            print(f"out of date: {path.relative_to(ROOT)} (run python scripts/sf_metadata.py)", file=sys.stderr)
        return 1 if stale else 0
    for path, text in outputs().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(outputs())} files ({len(custom_fields())} custom fields, layouts: "
          f"{', '.join(unquote(x) for x in _files('layouts', '.layout-meta.xml'))})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
