"""A profile's setup checklist, read from its connection test: each thing missing and what to do.

Why a list and not the test's one error text: a real org usually lacks several fields at once, and
the person who fixes them (a Salesforce or Intacct administrator) works down a list. Each item
names the object or field and the step that adds it, in the window's words (buttons and places,
never a command to type).
"""

from __future__ import annotations

from typing import Any

from .connections import INTACCT_SCHEMA, SALESFORCE_SCHEMA

SF_DEPLOY = (
    "Press Deploy to Salesforce below: it checks first, shows what would change and asks before deploying "
    "(needs a user allowed to modify metadata). Or ask your Salesforce administrator to deploy the metadata "
    "shipped in resources/salesforce (its README says how)."
)
ACTION_DEPLOY = "deploy"  # an item the Deploy to Salesforce button fixes
# Intacct custom fields the administrator creates by hand (the XML API cannot create them):
# (object, field ID) -> (object as Customization Services names it, label, type and length)
INTACCT_FIELDS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("CUSTOMER", "SFDC_ACCOUNT_ID"): ("Customer", "Salesforce Account ID", "Text, length 18"),
    ("ITEM", "SFDC_PRODUCT_ID"): ("Item", "Salesforce Product ID", "Text, length 18"),
}
SF_FIX = "Ask your Salesforce administrator to correct the field in Setup > Object Manager to match docs/schema.md."


def _item(system: str, tone: str, status: str, item: str, todo: str, action: str = "") -> dict[str, str]:
    return {"system": system, "tone": tone, "status": status, "item": item, "todo": todo, "action": action}


def _login_item(system: str, side: dict[str, Any]) -> dict[str, str] | None:
    err = side.get("error") or {}
    if side.get("ok") or side.get("missing") or side.get("problems") or not err:
        return None
    return _item(
        system, "error", "Cannot connect", err.get("title", "No connection"), err.get("hint") or err.get("message", "")
    )


def salesforce_items(side: dict[str, Any]) -> list[dict[str, str]]:
    login = _login_item("Salesforce", side)
    if login is not None:
        return [login]
    missing = list(side.get("missing") or [])
    objects = [m for m in missing if "." not in m]
    items = [
        _item(
            "Salesforce",
            "error",
            "Missing object",
            f"{obj} (custom object, with its fields {', '.join(SALESFORCE_SCHEMA.get(obj, {}))})",
            SF_DEPLOY,
            ACTION_DEPLOY,
        )
        for obj in objects
    ]
    for name in missing:
        if "." in name and name.split(".")[0] not in objects:
            items.append(_item("Salesforce", "error", "Missing field", name, SF_DEPLOY, ACTION_DEPLOY))
    items += [_item("Salesforce", "error", "Wrong field", p, SF_FIX) for p in side.get("problems") or []]
    return items


def intacct_items(side: dict[str, Any]) -> list[dict[str, str]]:
    login = _login_item("Intacct", side)
    if login is not None:
        return [login]
    items = []
    for name in side.get("missing") or []:
        obj, fld = name.split(".", 1)
        consequence = INTACCT_SCHEMA.get(obj, {}).get(fld, "")
        spec = INTACCT_FIELDS.get((obj, fld))
        how = (
            f" in Customization Services > Custom Fields > Add: object {spec[0]}, type {spec[2]}, "
            f"label {spec[1]}, field ID {fld}"
            if spec
            else " (Customization Services > Custom Fields)"
        )
        todo = (
            f"Ask your Intacct administrator to add the custom field {fld} to {obj}{how}. Until then "
            f"{consequence}. Then test the connection again."
        )
        items.append(_item("Intacct", "warn", "Missing field", name, todo))
    for objtype, got in (side.get("audit_trail") or {}).items():
        if isinstance(got, dict) and got.get("state") == "not_covered" and "error" not in got:
            todo = (
                f"The sync reads {objtype} records in full on every poll (one Intacct transaction more each "
                f"time) because {got.get('detail', '')}; deletions of them are not seen. Ask your Intacct "
                "administrator to keep an audit trail for them, then test the connection again."
            )
            items.append(_item("Intacct", "warn", "Not in the audit trail", f"{objtype} records", todo))
    for stream, got in (side.get("reads") or {}).items():
        if isinstance(got, dict):
            items.append(
                _item("Intacct", "warn", "Read refused", f"{stream}: {got.get('title', '')}", got.get("hint", ""))
            )
    return items


def checklist(result: dict[str, Any]) -> list[dict[str, str]]:
    """Every item of a connection test result (``check_connections``) to set up, Salesforce first.

    Each item: ``system``, ``tone`` (error: the sync cannot run; warn: it runs with less),
    ``status`` (words for the badge), ``item`` (what is missing) and ``todo`` (what to do).
    """
    items: list[dict[str, str]] = []
    for key, build in (("salesforce", salesforce_items), ("intacct", intacct_items)):
        side = result.get(key)
        if isinstance(side, dict):
            items += build(side)
    return items
