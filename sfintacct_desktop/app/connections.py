"""`connections test`: log in to both systems with a profile and check the schema the product expects (docs/schema.md).

Why a schema check at connect time: a real org without our custom fields would otherwise fail
much later, in the middle of a sync, with an opaque INVALID_FIELD. Salesforce fields are required
(missing ones make the check fail, with a hint to deploy ``resources/salesforce``); the Intacct
custom fields are optional (the product then keeps links only in its local table, with a warning).
Every failure is reported as title / message / hint; no traceback and no secret ever reaches the user.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from ..config.profiles import DEFAULT_TIMEZONE, KIND_SANDBOX, ProfileError
from ..connectors import ia_audit
from ..connectors import ia_mapping as iam
from ..connectors.errors import intacct_read_error
from ..connectors.ia_coverage import NOT_COVERED, check_coverage
from ..connectors.ia_cycle import AUDIT_TYPES
from ..domain.errors import ErrorInfo
from ..domain.records import System
from ..secrets import register_secret
from ..wire.intacct import Filter, IntacctClient, IntacctSecrets, IntacctSettings
from ..wire.intacct import functions as fx
from ..wire.salesforce import (
    SalesforceApiError,
    SalesforceClient,
)
from ..wire.salesforce.settings import DEPRECATED_BELOW
from ..wire.transport import (
    Backoff,
)
from .errors import Surface, present
from .profiles import ResolvedProfile, StoreFactory, default_store, resolve_profile
from .sf_profile import auth_method, salesforce_config, token_store

log = logging.getLogger(__name__)

# The reads of every Intacct stream, with the fields the sync selects (name, object, fields).
INTACCT_READS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("customers", "CUSTOMER", tuple(iam.CUSTOMER_FIELDS)),
    ("items", "ITEM", tuple(iam.ITEM_FIELDS)),
    ("sales orders", "SODOCUMENT", tuple(iam.SODOCUMENT_FIELDS)),
    ("sales order lines", "SODOCUMENTENTRY", tuple(iam.SODOCUMENTENTRY_FIELDS)),
    ("invoices", "ARINVOICE", tuple(iam.ARINVOICE_FIELDS)),
    ("payments", "ARPYMT", tuple(iam.ARPYMT_FIELDS)),
    ("payment applications", "ARPYMTDETAIL", tuple(iam.ARPYMTDETAIL_FIELDS)),
)

DEPLOY_HINT = (
    "Deploy the metadata shipped in resources/salesforce: `sfintacct salesforce deploy` checks it first, "
    "then asks (or `sf project deploy start --manifest manifest/package.xml`, see resources/salesforce/README.md)."
)
WINDOW_DEPLOY_HINT = (
    "Deploy the metadata shipped in resources/salesforce: Deploy to Salesforce in the setup checklist of the "
    "Connections tab checks it first, then asks."
)
_EXT_UNIQUE = {"type": "string", "externalId": True, "unique": True}
# object -> field -> expected describe attributes (docs/schema.md)
SALESFORCE_SCHEMA: dict[str, dict[str, dict[str, Any]]] = {
    "Account": {
        "Intacct_Customer_ID__c": _EXT_UNIQUE,
        "Intacct_Inactive__c": {"type": "boolean"},
        "Intacct_Open_Balance__c": {},
        "Intacct_Overdue_Amount__c": {},
        "Intacct_Oldest_Overdue_Days__c": {},
        "Intacct_Last_Payment_Date__c": {"type": "date"},
        "Intacct_Balance_Currency__c": {},
        "Intacct_Balance_As_Of__c": {"type": "date"},
    },
    "Product2": {"Intacct_Item_ID__c": _EXT_UNIQUE},
    "Opportunity": {"Intacct_Sales_Order_ID__c": {"type": "string"}, "Intacct_Sync_Status__c": {"type": "string"}},
    "Intacct_Invoice__c": {
        "Invoice_Number__c": _EXT_UNIQUE,
        "Account__c": {"type": "reference", "referenceTo": "Account"},
        "Opportunity__c": {"type": "reference", "referenceTo": "Opportunity"},
        "Status__c": {},
        "Invoice_Date__c": {"type": "date"},
        "Due_Date__c": {"type": "date"},
        "Total_Amount__c": {},
        "Amount_Paid__c": {},
        "Amount_Due__c": {},
        "Currency__c": {},
        "Paid_Date__c": {"type": "date"},
        "Sales_Order_ID__c": {},
        "Intacct_Deleted__c": {"type": "boolean"},
    },
    "Intacct_Payment__c": {
        "Intacct_Record_No__c": _EXT_UNIQUE,
        "Account__c": {"type": "reference", "referenceTo": "Account"},
        "Invoice__c": {"type": "reference", "referenceTo": "Intacct_Invoice__c"},
        "Amount__c": {},
        "Payment_Date__c": {"type": "date"},
        "Method__c": {},
        "State__c": {},
        "Payment_Record_No__c": {},
        "Applied_Amount__c": {},
        "Applied_Date__c": {"type": "date"},
        "Payment_Amount__c": {},
        "Unapplied__c": {"type": "boolean"},
        "Currency__c": {},
    },
}
INTACCT_SCHEMA: dict[str, dict[str, str]] = {
    "CUSTOMER": {"SFDC_ACCOUNT_ID": "customer links are kept only in the local link table"},
    "ITEM": {"SFDC_PRODUCT_ID": "product links are kept only in the local link table"},
    "SODOCUMENT": {"PONUMBER": "sales orders cannot be looked up by Opportunity Id after an unclear outcome"},
}
MAX_INTACCT_CONCURRENCY = 8  # more than any Intacct tier grants one company
_TEST_BACKOFF = Backoff(max_attempts=2, cap=2.0)  # a connection test answers quickly or says why not


# ------------------------------------------------------------------------ settings from a profile
def intacct_config(profile: ResolvedProfile) -> tuple[IntacctSettings, IntacctSecrets]:
    ia = profile.settings.get("intacct") or {}
    settings = IntacctSettings(
        sender_id=str(ia.get("sender_id", "")),
        company_id=str(ia.get("company_id", "")),
        user_id=str(ia.get("user_id", "")),
        endpoint=str(ia.get("url") or ia.get("endpoint") or ""),
        location_id=ia.get("location_id") or None,
        max_concurrent_requests=_concurrency(ia.get("max_concurrent_requests"), profile.name),
    )
    secrets = IntacctSecrets(
        sender_password=profile.secrets.get("intacct.sender_password", ""),
        user_password=profile.secrets.get("intacct.user_password", ""),
    )
    return settings, secrets


def _concurrency(raw: Any, profile: str) -> int:
    """The profile's ``intacct.max_concurrent_requests`` (default 1): what the company's tier allows."""
    if raw in (None, ""):
        return 1
    try:
        value = int(raw) if not isinstance(raw, bool | float) or float(raw).is_integer() else 0
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= MAX_INTACCT_CONCURRENCY:
        raise ProfileError(
            f"intacct.max_concurrent_requests of profile {profile!r} must be a whole number from 1 to "
            f"{MAX_INTACCT_CONCURRENCY}, not {raw!r}.",
            "Set it to the number of concurrent API requests your Intacct tier allows (1 if unsure).",
        )
    return value


# ------------------------------------------------------------------------ errors
def error_info(
    exc: BaseException, system: System, usage: tuple[int, int] | None = None, *, profile: str = "", window: bool = False
) -> ErrorInfo:
    """A connection failure as a person should read it: ``errors.present`` for the test's surface."""
    side = "Salesforce" if system is System.SALESFORCE else "Intacct"
    surface = Surface.WINDOW if window else Surface.CLI
    return present(exc, surface, system=system, profile=profile, usage=usage, doing=f"testing {side}")


def _failed(info: ErrorInfo, **extra: Any) -> dict[str, Any]:
    return {"ok": False, **extra, "error": {"title": info.title, "message": info.message, "hint": info.hint}}


# ------------------------------------------------------------------------ the two checks
def check_salesforce_fields(describes: Mapping[str, dict[str, Any] | None]) -> tuple[list[str], list[str]]:
    """(missing, problems) against SALESFORCE_SCHEMA; ``None`` means the object itself is missing."""
    missing: list[str] = []
    problems: list[str] = []
    for obj, wanted in SALESFORCE_SCHEMA.items():
        describe = describes.get(obj)
        if describe is None:
            missing.append(obj)
            missing += [f"{obj}.{name}" for name in wanted]
            continue
        fields = {f.get("name"): f for f in describe.get("fields", [])}
        for name, expected in wanted.items():
            have = fields.get(name)
            if have is None:
                missing.append(f"{obj}.{name}")
                continue
            for attr, value in expected.items():
                actual = have.get(attr)
                if attr == "referenceTo":
                    if value not in (actual or []):
                        problems.append(f"{obj}.{name} should be a lookup to {value}")
                elif actual != value:
                    problems.append(f"{obj}.{name}: {attr} is {actual!r}, expected {value!r}")
    return missing, problems


def login_report(profile: ResolvedProfile) -> dict[str, Any]:
    """How the profile signs in to Salesforce and what its future is (legacy methods name the retirement)."""
    method = auth_method(profile.settings)
    return {
        "login_method": method.value,
        "login_method_label": method.label,
        "login_future": "legacy" if method.legacy else "current",
        "login_note": method.future,
    }


def version_check(wanted: str, offered: list[str]) -> tuple[dict[str, str] | None, list[str]]:
    """(error, warnings) for the profile's API version against the org's ``/services/data/`` list."""
    if not offered:
        return None, []
    newest = offered[-1]
    if wanted not in offered:
        return {
            "title": f"Salesforce does not offer API version {wanted}",
            "message": f"This org offers API versions {offered[0]} to {newest}.",
            "hint": f"Set the profile's API version to one the org lists (for example {newest}).",
        }, []
    if float(wanted) < DEPRECATED_BELOW:
        return None, [
            f"API version {wanted} is deprecated: Salesforce stops supporting 31.0-40.0 with Summer '27 and retires "
            f"them with Summer '28. Use a newer version (this org offers up to {newest})."
        ]
    return None, []


def check_salesforce(profile: ResolvedProfile, *, window: bool = False) -> dict[str, Any]:
    settings, secrets = salesforce_config(profile)
    extra: dict[str, Any] = {"user": settings.username, "api_version": settings.api_version, **login_report(profile)}
    warnings = [f"The Salesforce login method is {extra['login_note']}"] if extra["login_future"] == "legacy" else []
    client: SalesforceClient | None = None
    version_error: dict[str, str] | None = None
    try:
        client = SalesforceClient.connect(settings, secrets, backoff=_TEST_BACKOFF, token_store=token_store(profile))
        scheme = "http" if client.instance.split(":")[0] in ("127.0.0.1", "localhost", "[::1]") else "https"
        extra["instance_url"] = f"{scheme}://{client.instance}"
        offered = client.api_versions()
        if offered:
            extra["api_versions_offered"] = f"{offered[0]}-{offered[-1]}"
        version_error, version_warnings = version_check(settings.api_version, offered)
        warnings += version_warnings
        if version_error is not None:
            return {"ok": False, **extra, "warnings": warnings, "error": version_error}
        if not extra["user"] and profile.settings.get("salesforce", {}).get("username"):
            extra["user"] = profile.settings["salesforce"]["username"]
        describes: dict[str, dict[str, Any] | None] = {}
        for obj in SALESFORCE_SCHEMA:
            try:
                describes[obj] = client.describe(obj)
            except SalesforceApiError as exc:
                if exc.code != "NOT_FOUND" and exc.status != 404:
                    raise
                describes[obj] = None
        if client.api_usage:
            extra["api_usage"] = {"used": client.api_usage[0], "limit": client.api_usage[1]}
    except Exception as exc:
        log.info("Salesforce connection test failed", exc_info=True)  # file only: no traceback on stderr
        usage = client.api_usage if client is not None else None
        info = error_info(exc, System.SALESFORCE, usage, profile=profile.name, window=window)
        return _failed(info, **extra, warnings=warnings)
    finally:
        if client is not None:
            client.close()
    missing, problems = check_salesforce_fields(describes)
    result: dict[str, Any] = {
        "ok": not missing and not problems,
        **extra,
        "missing": missing,
        "problems": problems,
        "warnings": warnings,
    }
    if missing or problems:
        gone = {m for m in missing if "." not in m}
        named = [f"{m} (whole object)" if m in gone else m for m in missing if m.split(".")[0] not in gone or m in gone]
        what = "; ".join(named + problems)
        hint = WINDOW_DEPLOY_HINT if window else DEPLOY_HINT
        result["error"] = {"title": "Salesforce is missing the sync fields", "message": what, "hint": hint}
        log.info("Salesforce schema check: %s", what)
    return result


def check_intacct(profile: ResolvedProfile, *, window: bool = False) -> dict[str, Any]:
    settings, secrets = intacct_config(profile)
    extra: dict[str, Any] = {"company_id": settings.company_id, "user": settings.user_id, "endpoint": settings.endpoint}
    missing: list[str] = []
    try:
        client = IntacctClient(settings, secrets, backoff=_TEST_BACKOFF)
        client.login()
        for obj, wanted in INTACCT_SCHEMA.items():
            have = {f.upper() for f in client.inspect(obj).fields}
            missing += [f"{obj}.{name}" for name in wanted if name not in have]
        reads = check_intacct_reads(client)
        zone = ZoneInfo(str((profile.settings.get("intacct") or {}).get("timezone") or DEFAULT_TIMEZONE))
        audit_trail = check_coverage(client, zone)
        extra["transactions"] = client.transactions
    except Exception as exc:
        log.info("Intacct connection test failed", exc_info=True)
        return _failed(error_info(exc, System.INTACCT, profile=profile.name, window=window), **extra)
    warnings = [f"{key} is missing: {INTACCT_SCHEMA[key.split('.')[0]][key.split('.')[1]]}." for key in missing]
    refused = {name: got for name, got in reads.items() if got is not None}
    warnings += [f"{got['title']}: {got['message']} {got['hint']}" for got in refused.values()]
    warnings += [
        f"The audit trail does not cover {t} ({got['detail']}): that stream is read in full on every poll."
        for t, got in audit_trail.items()
        if got["state"] == NOT_COVERED and "error" not in got  # a refusal is named by its read above
    ]
    for warning in warnings:
        log.info("Intacct schema check: %s", warning)
    return {
        "ok": True,
        **extra,
        "missing": missing,
        "warnings": warnings,
        "reads": {name: "ok" if got is None else got for name, got in reads.items()},
        "audit_trail": audit_trail,
    }


def check_intacct_reads(client: IntacctClient) -> dict[str, dict[str, str] | None]:
    """Each stream's reads as the sync sends them, one row each, in ONE request (one function each).

    Includes the audit trail per object type (deletions, payments): a role or an audit trail that
    refuses one of them is named here, before a sync meets it. None: the read works.
    """
    checks: list[tuple[str, str, tuple[str, ...], Filter | None, str]] = [
        (name, obj, fields, None, "") for name, obj, fields in INTACCT_READS
    ]
    checks += [
        (f"deletions of {t} (audit trail)", "AUDITHISTORY", ia_audit.FIELDS, Filter.equalto("OBJECTTYPE", t), t)
        for t in AUDIT_TYPES
    ]
    results = client.call([fx.query(obj, fields, flt, [], 1, 0) for _, obj, fields, flt, _ in checks])
    out: dict[str, dict[str, str] | None] = {}
    for (name, obj, _, _, audit_of), res in zip(checks, results, strict=True):
        out[name] = None if res.ok else intacct_read_error(obj, res.errors, audit_of=audit_of).as_dict()
    return out


def check_connections(
    profile_name: str,
    *,
    store_factory: StoreFactory = default_store,
    window: bool = False,
    resolved: Callable[[], ResolvedProfile] | None = None,
) -> dict[str, Any]:
    """Both sides, each independently: a failure on one never hides the other's result.

    A profile that cannot be resolved (no such profile, keyring refused) raises ProfileError or
    CredentialStoreError for the caller to report. ``resolved``: the caller's session's settings
    and secrets (read once there) instead of a new keyring read.
    """
    profile = resolved() if resolved is not None else resolve_profile(profile_name, store_factory=store_factory)
    if profile.kind == KIND_SANDBOX:
        for value in profile.secrets.values():
            register_secret(value)
    log.info("Testing the connections of profile %s", profile_name)
    return {"salesforce": check_salesforce(profile, window=window), "intacct": check_intacct(profile, window=window)}
