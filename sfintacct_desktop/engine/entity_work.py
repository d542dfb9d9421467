"""What moves through a batch: the pairs, their planned work and the per-stream tallies.

Why a module of its own: the batch runner and its Intacct-creates step both work on these, and
the cycle, pairing, retries and the baseline load build pairs without needing the runner.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from ..domain import ErrorInfo, ErrorKind, Link, System
from .entities import Record
from .mapping import EntityMapping
from .merge import MergePlan


@dataclass
class Pair:
    """One record on either or both sides, with its link (if any) and what the cycle saw of it."""

    sf: Record | None = None
    ia: Record | None = None
    link: Link | None = None
    ia_deleted: bool = False
    streams: set[str] = field(default_factory=set)
    resolutions: dict[str, Any] = field(default_factory=dict)
    # the modstamp to record as seen if this merge finds nothing to do: None leaves the stored mark,
    # "" clears it (a stamp in the newest granule of its read may still be shared by a later edit)
    seen_sf: str | None = None
    seen_ia: str | None = None
    # the plan made while pairing (needs_fetch), with what it was made from: reused by the batch
    # when the pair still holds the same records (planning twice was a third of a quiet cycle)
    planned: tuple[Any, ...] | None = field(default=None, repr=False, compare=False)

    @property
    def record_key(self) -> str:
        return (
            (self.sf.key if self.sf and self.sf.key else "")
            or (self.ia.key if self.ia else "")
            or (self.link.sf_id if self.link else "")
        )


@dataclass
class Tally:
    """Per-stream counters of one cycle (mutable while the cycle runs)."""

    read: int = 0
    applied: int = 0
    skipped: int = 0
    conflicts: int = 0
    errors: int = 0
    writes_salesforce: int = 0
    writes_intacct: int = 0
    unchanged: int = 0  # pairs left out before merging: both modstamps as last seen (also in skipped)
    failure: dict[str, str] | None = None  # the stream's read failed on its own: ErrorInfo.as_dict()


@dataclass
class Work:
    pair: Pair
    plan: MergePlan | None = None
    values: dict[str, Any] = field(default_factory=dict)  # new record: the values both sides get
    sf_rec: Record | None = None
    ia_rec: Record | None = None
    # native fields an update sends besides the keys (None: a create, everything); never the full
    # record, so a field edited by someone between our read and our write keeps their edit
    sf_fields: frozenset[str] | None = None
    ia_fields: frozenset[str] | None = None
    ia_create: Record | None = None
    intent_key: str = ""
    key_seq: int | None = None  # the pattern sequence number the new key used (None: AccountNumber)
    failed: bool = False
    skip: str = ""  # why nothing is done for this pair (an unlinked deleted or inactive record)
    wrote_sf: bool = False
    wrote_ia: bool = False
    link_id: int | None = None


def sf_values(mapping: EntityMapping, rec: Record) -> dict[str, Any]:
    values = mapping.extract(rec)
    if rec.deleted and "active" in values:
        values["active"] = False  # a deleted record reads as inactive: the other side is deactivated
    return values


def pair_digest(mapping: EntityMapping, pair: Pair) -> str:
    """What a pair's merge is made from, hashed: both sides' values and cross-references, the bases.

    Why: a record a side refused is held until this changes (or someone asks to retry), so the
    same refused write is not sent every cycle; any edit on either side changes it.
    """
    sides = [
        None if rec is None else [values, rec.cross_ref, rec.deleted]
        for rec, values in (
            (pair.sf, sf_values(mapping, pair.sf) if pair.sf else None),
            (pair.ia, mapping.extract(pair.ia) if pair.ia else None),
        )
    ]
    link = pair.link
    bases = [link.id, link.sf_base, link.ia_base] if link is not None else None
    body = json.dumps([sides, pair.ia_deleted, bases], sort_keys=True, default=str)
    return hashlib.sha1(body.encode(), usedforsecurity=False).hexdigest()


def create_payload(w: Work) -> dict[str, Any]:
    """What an Intacct create's intent keeps: enough to find, re-link or retry it with the same key."""
    assert w.pair.sf is not None and w.ia_create is not None
    return {"sf_id": w.pair.sf.key, "ia_key": w.ia_create.key, "values": w.values, "seq": w.key_seq}


def plan_inputs(pair: Pair) -> tuple[Any, ...]:
    """What a pair's plan is made from (compared by identity: records are replaced, not edited)."""
    return (pair.sf, pair.ia, pair.link, pair.ia_deleted, pair.resolutions)


def skip_reason(deleted: bool, values: dict[str, Any], where: str) -> str:
    """Why an unlinked record is not created on the other side ("" when it is)."""
    if deleted:
        return f"deleted in {where} (in the recycle bin) and never linked"
    if values.get("active", True) is False:
        return f"inactive in {where} and never linked"
    return ""


def is_duplicate(error: ErrorInfo | None) -> bool:
    return error is not None and (error.kind is ErrorKind.DUPLICATE or error.code == "BL34000061")


def unknown_error(system: System) -> ErrorInfo:
    return ErrorInfo(ErrorKind.INTERNAL, "Write refused", "The record was refused without a reason.", "", system)
