"""Load a seed into the Intacct emulator through the same rule-checking paths as the functions.

Why the same paths: seed data must obey the rules a client meets (unique IDs, active customers,
no overpayment), so a seed that loads is a state the real system could be in. The whole load runs
in one ``atomic()`` block so that it is flushed to SQLite once (``scale:50000`` in seconds).
"""

from __future__ import annotations

from typing import Any

from .errors import FunctionError
from .model import Company


class SeedLoadError(RuntimeError):
    """A seed row broke a business rule: a bug in the seed, reported with its ref."""


def _resolve(value: Any, refs: dict[str, str], ref_type: type) -> Any:
    if isinstance(value, ref_type):
        key = value.key  # type: ignore[attr-defined]
        if key not in refs:
            raise SeedLoadError(f"seed reference {key!r} is not an earlier Intacct row")
        return refs[key]
    if isinstance(value, dict):
        return {k: _resolve(v, refs, ref_type) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, refs, ref_type) for v in value]
    return value


def load_seed(company: Company, seed: str) -> None:
    """Company setup, then ``build_seed(seed).intacct`` in order; stores the ref map as meta."""
    refs: dict[str, str] = {}
    with company.store.atomic():
        company.create_setup()
        rows: list[Any] = []
        ref_type: type = type(None)
        if seed != "empty":
            from ..seeds import Ref, build_seed

            rows = build_seed(seed).intacct
            ref_type = Ref
        invoice_recordno: dict[str, str] = {}  # SODOCUMENT ref -> its ARINVOICE RECORDNO
        for row in rows:
            try:
                if row.object == "ARPYMT":
                    fields = _resolve(row.fields, invoice_recordno, ref_type)
                else:
                    fields = _resolve(row.fields, refs, ref_type)
                if row.object in ("CUSTOMER", "ITEM"):
                    rec = company.create_master(row.object, fields)
                    refs[row.ref] = rec[str(row.object) + "ID"]
                elif row.object == "SODOCUMENT":
                    rec = company.create_sotransaction(fields)
                    refs[row.ref] = rec["DOCID"]
                    if rec.get("PRRECORDKEY"):
                        invoice_recordno[row.ref] = rec["PRRECORDKEY"]
                elif row.object == "ARPYMT":
                    rec = company.create_payment(fields)
                    refs[row.ref] = rec["RECORDNO"]
                else:
                    raise SeedLoadError(f"the Intacct emulator cannot seed object {row.object!r}")
                if row.deleted:
                    company.delete_record(row.object, rec["RECORDNO"])
            except FunctionError as exc:
                raise SeedLoadError(f"seed row {row.ref!r} ({row.object}) was refused: {exc}") from exc
        company.store.set_meta("seed_refs", refs)
