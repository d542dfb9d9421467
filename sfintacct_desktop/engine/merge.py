"""Per-field three-way merge of one linked record against its stored base (rules in docs/sync.md).

Each side is compared only with *its own* base (the canonical value it held after the last sync),
never with the other system's timestamps. A change on the owner side wins; a non-owner change is
put back (and reported for the audit log); a ``both`` field changed differently on both sides is
a conflict under policy ``review`` (neither side written) or goes to the policy's side. After the
plan's writes both sides hold the new bases, so the next merge of a quiet record writes nothing:
echo suppression is a property of the merge, not a separate mechanism.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from .mapping import ConflictPolicy, EntityMapping, FieldMapping, Owner

_MISSING: Any = object()


class Decision(StrEnum):
    NO_CHANGE = "no_change"  # equal, nothing changed (bases refreshed)
    TAKE_SALESFORCE = "take_salesforce"  # write Intacct with the Salesforce value
    TAKE_INTACCT = "take_intacct"  # write Salesforce with the Intacct value
    OVERWRITE_BACK_SALESFORCE = "overwrite_back_salesforce"  # SF changed a field it does not own: SF put back
    OVERWRITE_BACK_INTACCT = "overwrite_back_intacct"  # Intacct changed a field it does not own: put back
    CONFLICT = "conflict"  # both changed differently under "review": nothing written
    CONVERGED = "converged"  # both changed to the same value: only the bases move
    RESOLVED = "resolved"  # an operator's choice for an earlier conflict, written where it differs


_WRITES_SF = frozenset({Decision.TAKE_INTACCT, Decision.OVERWRITE_BACK_SALESFORCE})
_WRITES_IA = frozenset({Decision.TAKE_SALESFORCE, Decision.OVERWRITE_BACK_INTACCT})


@dataclass(frozen=True)
class FieldDecision:
    """What happens to one field, with the values it was decided on (for the audit log)."""

    field: str
    decision: Decision
    salesforce: Any
    intacct: Any
    base_salesforce: Any  # None when there was no base
    base_intacct: Any
    value: Any  # what both sides hold afterwards (None for a conflict)
    reason: str
    overridden: str = ""  # "salesforce"/"intacct": the side whose own change was discarded
    had_base: bool = True  # False for a new link (or a field added to the mapping since)


@dataclass(frozen=True)
class Conflict:
    field: str
    base_salesforce: Any
    base_intacct: Any
    salesforce: Any
    intacct: Any


@dataclass(frozen=True)
class MergePlan:
    """The outcome of one merge: decisions, writes per side and the bases to store after them."""

    entity: str
    decisions: tuple[FieldDecision, ...]
    write_salesforce: Mapping[str, Any]
    write_intacct: Mapping[str, Any]
    base_salesforce: Mapping[str, Any]
    base_intacct: Mapping[str, Any]
    conflicts: tuple[Conflict, ...]
    bases_as_stored: bool = False  # every value equals both stored bases: nothing to store again

    @property
    def has_writes(self) -> bool:
        return bool(self.write_salesforce or self.write_intacct)

    @property
    def overwrites_back(self) -> tuple[FieldDecision, ...]:
        """Non-owner changes that were discarded (each must be logged)."""
        return tuple(d for d in self.decisions if d.overridden)

    def decision(self, field: str) -> FieldDecision:
        for d in self.decisions:
            if d.field == field:
                return d
        raise KeyError(field)


def merge(
    mapping: EntityMapping,
    base_salesforce: Mapping[str, Any] | None,
    base_intacct: Mapping[str, Any] | None,
    salesforce: Mapping[str, Any],
    intacct: Mapping[str, Any],
    *,
    resolutions: Mapping[str, Any] | None = None,
) -> MergePlan:
    """Merge every mapped field; bases are ``None`` (or lack a field) for a new link.

    Values are canonical (from :meth:`EntityMapping.extract`; bases as stored, e.g. from JSON);
    they are re-canonicalised here, which is harmless because every transform is idempotent.
    ``resolutions`` maps a field to the operator's chosen canonical value for it.
    """
    resolutions = resolutions or {}
    if not resolutions and base_salesforce is not None and base_intacct is not None:
        quiet = _quiet(mapping, base_salesforce, base_intacct, salesforce, intacct)
        if quiet is not None:
            return quiet
    decisions: list[FieldDecision] = []
    for spec in mapping.fields:
        base_sf = (base_salesforce or {}).get(spec.name, _MISSING)
        base_ia = (base_intacct or {}).get(spec.name, _MISSING)
        decisions.append(
            _decide(
                spec,
                mapping.conflict_policy,
                base_sf,
                base_ia,
                salesforce.get(spec.name),
                intacct.get(spec.name),
                resolutions.get(spec.name, _MISSING),
            )
        )
    write_sf: dict[str, Any] = {}
    write_ia: dict[str, Any] = {}
    new_sf: dict[str, Any] = {}
    new_ia: dict[str, Any] = {}
    conflicts: list[Conflict] = []
    for d in decisions:
        if d.decision is Decision.CONFLICT:
            conflicts.append(Conflict(d.field, d.base_salesforce, d.base_intacct, d.salesforce, d.intacct))
            if d.had_base:  # the bases stay until the operator resolves it
                new_sf[d.field] = d.base_salesforce
                new_ia[d.field] = d.base_intacct
            continue
        spec = mapping.field(d.field)
        sf_differs = not spec.transform.equal(d.salesforce, d.value)
        ia_differs = not spec.transform.equal(d.intacct, d.value)
        if d.decision in _WRITES_SF or (d.decision is Decision.RESOLVED and sf_differs):
            write_sf[d.field] = d.value
            new_sf[d.field] = d.value
        else:
            new_sf[d.field] = d.salesforce
        if d.decision in _WRITES_IA or (d.decision is Decision.RESOLVED and ia_differs):
            write_ia[d.field] = d.value
            new_ia[d.field] = d.value
        else:
            new_ia[d.field] = d.intacct
    return MergePlan(
        entity=mapping.entity,
        decisions=tuple(decisions),
        write_salesforce=MappingProxyType(write_sf),
        write_intacct=MappingProxyType(write_ia),
        base_salesforce=MappingProxyType(new_sf),
        base_intacct=MappingProxyType(new_ia),
        conflicts=tuple(conflicts),
    )


def _stored_as(base: Any, value: Any) -> bool:
    """Whether a base read back from the store is ``value`` (JSON keeps tuples as lists, Decimals as text)."""
    if base == value:
        return True
    if isinstance(value, tuple):
        return isinstance(base, list) and tuple(base) == value
    if isinstance(value, Decimal):
        return isinstance(base, str) and base == str(value)
    return False


def _quiet(
    mapping: EntityMapping,
    base_salesforce: Mapping[str, Any],
    base_intacct: Mapping[str, Any],
    salesforce: Mapping[str, Any],
    intacct: Mapping[str, Any],
) -> MergePlan | None:
    """The plan of a pair whose four values agree on every field, or None to merge field by field.

    Why: the overlap window re-reads every record the last cycle wrote, and almost all of them
    merge to "unchanged". Values are canonical already (extract) and bases were stored canonical,
    so plain equality (allowing for how JSON stores them) decides without re-canonicalising; any
    doubt falls through to the full merge, which gives the same answer in the quiet case.
    """
    agreed = _agreed(mapping, base_salesforce, base_intacct, salesforce, intacct)
    if agreed is None:
        return None
    decisions = tuple(
        FieldDecision(name, Decision.NO_CHANGE, v, v, v, v, v, "unchanged", "", True) for name, v in agreed.items()
    )
    values = MappingProxyType(agreed)
    empty: MappingProxyType[str, Any] = MappingProxyType({})
    return MergePlan(
        entity=mapping.entity,
        decisions=decisions,
        write_salesforce=empty,
        write_intacct=empty,
        base_salesforce=values,
        base_intacct=values,
        conflicts=(),
        bases_as_stored=True,
    )


def _agreed(
    mapping: EntityMapping,
    base_salesforce: Mapping[str, Any],
    base_intacct: Mapping[str, Any],
    salesforce: Mapping[str, Any],
    intacct: Mapping[str, Any],
) -> dict[str, Any] | None:
    """``{field: value}`` when the four values agree on every field (see :func:`_quiet`), else None."""
    agreed: dict[str, Any] = {}
    for spec in mapping.fields:
        name = spec.name
        if name not in base_salesforce or name not in base_intacct:
            return None
        sf, ia = salesforce.get(name), intacct.get(name)
        if type(sf) is not type(ia) or sf != ia:
            # a side not read this cycle is its base, as stored (JSON): a list for a tuple, text
            # for a Decimal; the value read from the other side is then the canonical one
            if _stored_as(ia, sf):
                pass
            elif _stored_as(sf, ia):
                sf = ia
            else:
                return None
        if not (_stored_as(base_salesforce[name], sf) and _stored_as(base_intacct[name], sf)):
            return None
        agreed[name] = sf
    return agreed


def settled_as_base(mapping: EntityMapping, link: Any, salesforce: Mapping[str, Any]) -> bool:
    """Whether a merge of ``salesforce`` (as read) with the Intacct base would find nothing to do:
    every field equal to both stored bases (the check of a record read back after our write)."""
    return _agreed(mapping, link.sf_base, link.ia_base, salesforce, link.ia_base) is not None


def resolution_value(conflict: Conflict, take: str) -> Any:
    """The value an operator picks with ``--take salesforce|intacct``; anything else is the value itself."""
    if take == "salesforce":
        return conflict.salesforce
    if take == "intacct":
        return conflict.intacct
    return take


def _decide(
    spec: FieldMapping,
    policy: ConflictPolicy,
    base_sf: Any,
    base_ia: Any,
    raw_sf: Any,
    raw_ia: Any,
    resolution: Any,
) -> FieldDecision:
    t = spec.transform
    sf = t.canonical(raw_sf)
    ia = t.canonical(raw_ia)
    has_base = base_sf is not _MISSING and base_ia is not _MISSING
    b_sf = t.canonical(base_sf) if base_sf is not _MISSING else None
    b_ia = t.canonical(base_ia) if base_ia is not _MISSING else None

    def out(decision: Decision, value: Any, reason: str, overridden: str = "") -> FieldDecision:
        return FieldDecision(spec.name, decision, sf, ia, b_sf, b_ia, value, reason, overridden, has_base)

    if resolution is not _MISSING:
        return out(Decision.RESOLVED, t.canonical(resolution), "operator resolved the conflict")
    sf_changed = has_base and not t.equal(sf, b_sf)
    ia_changed = has_base and not t.equal(ia, b_ia)
    if t.equal(sf, ia):
        if sf_changed or ia_changed:
            return out(Decision.CONVERGED, sf, "both sides hold the same new value")
        return out(Decision.NO_CHANGE, sf, "unchanged")
    owner = spec.owner
    if not has_base or (not sf_changed and not ia_changed):
        why = "no base (new link)" if not has_base else "values differ though neither changed (drift)"
        return _by_owner_or_policy(out, owner, policy, sf, ia, why, sf_changed=False, ia_changed=False)
    if sf_changed and not ia_changed:
        if owner is Owner.INTACCT:
            return out(Decision.OVERWRITE_BACK_SALESFORCE, ia, "Salesforce changed an Intacct field", "salesforce")
        return out(Decision.TAKE_SALESFORCE, sf, "changed in Salesforce")
    if ia_changed and not sf_changed:
        if owner is Owner.SALESFORCE:
            return out(Decision.OVERWRITE_BACK_INTACCT, sf, "Intacct changed a Salesforce field", "intacct")
        return out(Decision.TAKE_INTACCT, ia, "changed in Intacct")
    return _by_owner_or_policy(
        out, owner, policy, sf, ia, "both sides changed differently", sf_changed=True, ia_changed=True
    )


def _by_owner_or_policy(
    out: Any,
    owner: Owner,
    policy: ConflictPolicy,
    sf: Any,
    ia: Any,
    why: str,
    *,
    sf_changed: bool,
    ia_changed: bool,
) -> FieldDecision:
    """Values differ and the change history does not decide: the owner does, else the policy."""
    if owner is Owner.SALESFORCE:
        if ia_changed:
            return out(Decision.OVERWRITE_BACK_INTACCT, sf, f"{why}; Salesforce owns the field", "intacct")
        return out(Decision.TAKE_SALESFORCE, sf, f"{why}; Salesforce owns the field")
    if owner is Owner.INTACCT:
        if sf_changed:
            return out(Decision.OVERWRITE_BACK_SALESFORCE, ia, f"{why}; Intacct owns the field", "salesforce")
        return out(Decision.TAKE_INTACCT, ia, f"{why}; Intacct owns the field")
    if policy is ConflictPolicy.SALESFORCE:
        return out(Decision.TAKE_SALESFORCE, sf, f"{why}; policy prefers Salesforce", "intacct" if ia_changed else "")
    if policy is ConflictPolicy.INTACCT:
        return out(Decision.TAKE_INTACCT, ia, f"{why}; policy prefers Intacct", "salesforce" if sf_changed else "")
    return out(Decision.CONFLICT, None, f"{why}; review needed")
