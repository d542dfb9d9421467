"""Loading a named seed into the org through the same rule-checking path as a REST create.

Why not bulk-insert raw rows: seed data must obey the org's rules (standard prices before custom
ones, line items in the opportunity's price book, roll-ups), so the demo behaves like a real org.
Everything runs inside one ``store.atomic()`` so SQLite sees a single flush, which keeps
``scale:N`` loads fast.
"""

from __future__ import annotations

from typing import Any

from .errors import SfError
from .org import Org

STANDARD_PRICEBOOK_REF = "pricebook:standard"


class SeedError(RuntimeError):
    """A seed row the org refused: a bug in the seed, reported with the row that caused it."""


def _resolve(value: Any, refs: dict[str, str]) -> Any:
    if type(value).__name__ == "Ref":
        key = value.key
        if key not in refs:
            raise SeedError(f"seed reference to unknown row {key!r}")
        return refs[key]
    if isinstance(value, dict):
        return {k: _resolve(v, refs) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, refs) for v in value]
    return value


def load_seed(org: Org, seed: str) -> None:
    """Create the standard price book, then every Salesforce row of ``build_seed(seed)``."""
    with org.store.lock, org.store.atomic():
        refs: dict[str, str] = {STANDARD_PRICEBOOK_REF: org.ensure_standard_pricebook()}
        try:
            from ..seeds import build_seed
        except ImportError:
            if seed != "empty":
                raise
            build_seed = None
        rows = build_seed(seed).salesforce if build_seed is not None else []
        for row in rows:
            try:
                new_id = org.create(row.object, _resolve(row.fields, refs))
                refs[row.ref] = new_id
                if row.deleted:
                    org.delete(row.object, new_id)
            except SfError as err:
                raise SeedError(f"seed row {row.ref} ({row.object}) refused: {err.code} {err.message}") from err
        org.store.set_meta("seed_refs", refs)
