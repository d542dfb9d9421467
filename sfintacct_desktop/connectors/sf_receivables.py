"""Receivables writes to Salesforce: several objects in ONE ``composite`` call, and the org's currencies.

Why together: the invoice and payment flow keeps the customer's balance on the Account; sending
the Account updates in the same call as the invoices or payments it already writes costs no API
call more per cycle.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..domain import SyncError
from ..wire.salesforce.writes import Collection
from . import sf_mapping as m
from .errors import record_error
from .results import WriteResult
from .salesforce import SalesforceConnector
from .values import json_number

# (sobject, external id field, [(key, Salesforce Id or "", fields)]): one object's records
Group = tuple[str, str, list[tuple[str, str, dict[str, Any]]]]


def _wire(body: dict[str, Any]) -> dict[str, Any]:
    return {k: json_number(v) if isinstance(v, Decimal) else v for k, v in body.items()}


def write_groups(sf: SalesforceConnector, groups: list[Group]) -> list[list[WriteResult]]:
    """Per group: records with an Id updated by it, the others upserted by the external id; ONE call.

    Results per group in input order; a record with neither an Id nor its external id fails
    without being sent.
    """
    collections: list[Collection] = []
    plan: list[tuple[int, int, list[tuple[int, str]]]] = []  # (group, collection, [(index, key)])
    out: list[dict[int, WriteResult]] = [{} for _ in groups]
    for g, (sobject, ext, records) in enumerate(groups):
        updates = [(i, k, {**_wire(b), "Id": sf_id}) for i, (k, sf_id, b) in enumerate(records) if sf_id]
        upserts = [(i, k, _wire(b)) for i, (k, sf_id, b) in enumerate(records) if not sf_id and b.get(ext)]
        for i, (key, sf_id, body) in enumerate(records):
            if not sf_id and not body.get(ext):
                err = record_error(
                    sf.system, "REQUIRED_FIELD_MISSING", f"The record has neither an Id nor {ext}.", (ext,), key
                )
                out[g][i] = WriteResult(i, key, False, error=err)
        for sent, ext_field in ((upserts, ext), (updates, "")):
            if sent:
                plan.append((g, len(collections), [(i, k) for i, k, _ in sent]))
                collections.append(Collection(sobject, [b for _, _, b in sent], ext_field))
    if collections:
        with sf.errors():
            results = sf.client.write_collections(collections)
        for g, c, sent in plan:
            out[g].update(m.write_results(sent, results[c]))
    return [[o[i] for i in range(len(records))] for o, (_, _, records) in zip(out, groups, strict=True)]


def describe_fields(sf: SalesforceConnector, sobject: str) -> set[str] | None:
    """The field names the org has on ``sobject`` (one describe call; the caller keeps the answer);
    None when the describe fails (the object is missing, or the call failed).

    In an org with multiple currencies every object has ``CurrencyIsoCode``: that is how a client
    tells a multi-currency org from a single-currency one.
    """
    try:
        with sf.errors():
            fields = sf.client.describe(sobject).get("fields") or []
    except SyncError:
        return None
    return {str(f.get("name")) for f in fields if isinstance(f, dict) and f.get("name")}
