"""Deploy the shipped Salesforce metadata from the app: check-only first, then for real.

Why in the product: the fields the sync needs are the first thing a new org lacks, and the person
setting the product up is often not the one with the Salesforce CLI. A check-only deploy runs every
Salesforce check and changes nothing, so the admin sees exactly what would be created and what
Salesforce refuses before anything changes. The real deploy is sent with ``rollbackOnError`` true:
one refused component deploys nothing, as Salesforce always does in production.
Cost: one API call of the org's daily allocation per deploy (``checkDeployStatus`` polls and the
login do not count).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..domain.errors import ErrorInfo, ErrorKind, SyncError
from ..domain.records import System
from ..wire.salesforce import SalesforceClient
from ..wire.salesforce.metadata import ComponentResult, DeployResult
from .errors import Surface, present
from .profiles import ResolvedProfile, StoreFactory, default_store, resolve_profile
from .sf_package import PackageError, build_zip
from .sf_profile import salesforce_config, token_store

log = logging.getLogger(__name__)

KIND_WORDS = {
    "CustomField": "field",
    "CustomObject": "object",
    "Layout": "page layout",
    "CustomTab": "tab",
    "ReportType": "report type",
    "PermissionSet": "permission set",
    "ListView": "list view",
    "CompactLayout": "compact layout",
}


def component_line(c: ComponentResult, check_only: bool) -> str:
    """One component's outcome in plain words."""
    kind = KIND_WORDS.get(c.component_type, c.component_type or "file")
    if not c.success:
        return f"Refused: {kind} {c.full_name}: {c.problem}"
    if c.created:
        verb = "Would create" if check_only else "Created"
    elif c.changed:
        verb = "Would update" if check_only else "Updated"
    else:
        verb = "Already up to date:"
    return f"{verb} {kind} {c.full_name}"


def summary_line(result: DeployResult) -> str:
    if result.check_only:
        if result.status == "Succeeded":
            return f"Check passed: all {result.total} components can be deployed; nothing was changed."
        return f"Check failed: Salesforce refuses {result.errors} of {result.total} components; nothing was changed."
    if result.status == "Succeeded":
        return f"Deployed all {result.deployed} components."
    if result.status == "SucceededPartial":
        return f"Deployed {result.deployed} of {result.total} components; {result.errors} refused."
    return f"Deploy failed: Salesforce refused {result.errors} of {result.total} components, so nothing was deployed."


def _order(c: ComponentResult) -> tuple[int, str, str]:
    """Refused first, then created, updated, and last what was already there: what matters on top."""
    rank = 0 if not c.success else 1 if c.created else 2 if c.changed else 3
    return rank, c.component_type, c.full_name


def report(result: DeployResult, *, api_calls: int, requests: int) -> dict[str, Any]:
    """The deploy's outcome for the CLI's --json and the window."""
    components = [
        {
            "type": c.component_type,
            "name": c.full_name,
            "file": c.file_name,
            "success": c.success,
            "created": c.created,
            "changed": c.changed,
            "problem": c.problem,
            "text": component_line(c, result.check_only),
        }
        for c in sorted(result.failures + result.successes, key=_order)
        if c.full_name != "package.xml" or not c.success
    ]
    return {
        "ok": result.status == "Succeeded",
        "check_only": result.check_only,
        "id": result.id,
        "status": result.status,
        "deployed": result.deployed,
        "total": result.total,
        "errors": result.errors,
        "summary": summary_line(result),
        "components": components,
        "api_calls": api_calls,
        "requests": requests,
    }


def deploy_metadata(
    profile_name: str,
    *,
    check_only: bool,
    source: Path | None = None,
    store_factory: StoreFactory = default_store,
    resolved: Callable[[], ResolvedProfile] | None = None,
    window: bool = False,
) -> dict[str, Any]:
    """Deploy ``resources/salesforce`` (or ``source``) to the profile's org; the report of ``report``.

    Raises SyncError (title, message, hint) when the package cannot be built or Salesforce cannot
    be reached; a deploy Salesforce refuses is a report with ``ok`` false, not an exception.
    """
    profile = resolved() if resolved is not None else resolve_profile(profile_name, store_factory=store_factory)
    try:
        zipped = build_zip(source)
    except PackageError as exc:
        raise SyncError(
            ErrorInfo(
                kind=ErrorKind.INTERNAL,
                title="The Salesforce metadata cannot be read",
                message=str(exc),
                hint="Reinstall the product, or point SFINTACCT_SF_METADATA at a complete copy of "
                "resources/salesforce.",
            )
        ) from None
    settings, secrets = salesforce_config(profile)
    client: SalesforceClient | None = None
    try:
        client = SalesforceClient.connect(settings, secrets, token_store=token_store(profile))
        deployer = client.metadata_deployer()
        log.info("Metadata deploy (check only: %s) to profile %s", check_only, profile.name)
        result = deployer.deploy(zipped, check_only=check_only)
        out = report(result, api_calls=deployer.api_calls + client.api_calls, requests=deployer.calls)
        log.info("Metadata deploy %s: %s", result.id, out["summary"])
        return out
    except SyncError:
        raise
    except Exception as exc:
        log.info("Metadata deploy failed", exc_info=True)
        surface = Surface.WINDOW if window else Surface.CLI
        info = present(exc, surface, system=System.SALESFORCE, profile=profile.name, doing="deploying the metadata")
        raise SyncError(info) from None
    finally:
        if client is not None:
            client.close()
