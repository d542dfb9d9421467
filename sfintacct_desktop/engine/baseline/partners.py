"""Plausible partners: for a record about to be created on the other side, a record there that
might already be the same company, with what agrees and what does not.

The matcher proposes a pair (auto or review) whenever the evidence says "probably" or "maybe the
same" (:mod:`.policy`). What is left unmatched may still share a real identifier with a record of
the other system, for two reasons a person should see before a create is applied:

* the other record is already proposed with a third record (a duplicate or a sibling of it), or
* one identifier agrees but others contradict it (a shared phone, different domain and address:
  an accountant's number, a recycled number, or a company that changed almost everything).

Only the shared key, the phone and the company domain make a partner, and only while at most one
other identifier (phone, domain, address, country) contradicts it: a shared phone against a
different domain *and* a different address is another company. An address alone never makes a
partner (every tenant of an office building shares it). An identifier shared by more than
:data:`PARTNER_BLOCK_LIMIT` records of the other side points at no one in particular and is
skipped, which also bounds the work (each unmatched record scores at most a few candidates).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .cleanse import CleanRecord
from .policy import Identity, identity, strong_summary
from .scoring import score

PARTNER_BLOCK_LIMIT = 10


@dataclass(frozen=True)
class Partner:
    """The other system's record a create may duplicate, and why it was not proposed as a pair."""

    system: str
    key: str
    name: str
    score: float
    evidence: list[str] = field(default_factory=list)
    paired_with: str = ""
    why: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "key": self.key,
            "name": self.name,
            "score": self.score,
            "evidence": list(self.evidence),
            "paired_with": self.paired_with or None,
            "why": self.why,
        }

    def summary(self) -> str:
        """One line for a table cell or a CSV column."""
        return f"{self.key} ({self.name}): {', '.join(self.evidence)}; {self.why}"


def _identity_keys(r: CleanRecord) -> Iterable[str]:
    if r.phone:
        yield "p:" + r.phone
    for d in {r.domain, r.email_domain}:
        if d:
            yield "d:" + d
    if r.key_norm:
        yield "k:" + r.key_norm


def _why(idn: Identity, paired_with: str, status: str) -> str:
    if paired_with:
        return f"not proposed: already proposed ({status}) with {paired_with}; a duplicate or a sibling of it?"
    against = sorted(idn.disagree)
    if against:
        return f"not proposed: the names and the {', '.join(against)} differ"
    return "not proposed: the evidence is too weak for a review"


def plausible_partners(
    sf: Sequence[CleanRecord],
    ia: Sequence[CleanRecord],
    free_sf: Sequence[CleanRecord],
    free_ia: Sequence[CleanRecord],
    pairs: Iterable[Any],
    limit: int = PARTNER_BLOCK_LIMIT,
) -> dict[str, dict[str, Partner]]:
    """``{"salesforce": {key: Partner}, "intacct": {key: Partner}}`` for unmatched customers."""
    partner_of = {"salesforce": {}, "intacct": {}}  # type: dict[str, dict[str, tuple[str, str]]]
    for p in pairs:
        partner_of["salesforce"][p.salesforce] = (p.intacct, p.status)
        partner_of["intacct"][p.intacct] = (p.salesforce, p.status)
    out: dict[str, dict[str, Partner]] = {"salesforce": {}, "intacct": {}}
    for side, free, others, other_side in (
        ("salesforce", free_sf, ia, "intacct"),
        ("intacct", free_ia, sf, "salesforce"),
    ):
        if not free or not others:
            continue
        wanted = {k for r in free for k in _identity_keys(r)}
        index: dict[str, list[CleanRecord]] = {}
        for r in others:
            for k in _identity_keys(r):
                if k in wanted:
                    index.setdefault(k, []).append(r)
        for r in free:
            seen: set[str] = set()
            best: tuple[tuple[Any, ...], CleanRecord, Any, Identity] | None = None
            for k in _identity_keys(r):
                cands = index.get(k, ())
                if len(cands) > limit:
                    continue  # shared by too many: points at no one in particular
                for o in cands:
                    if o.key in seen:
                        continue
                    seen.add(o.key)
                    ev = score(r, o) if side == "salesforce" else score(o, r)
                    idn = identity(ev.reasons)
                    if not (idn.key or idn.agree & {"phone", "domain"}) or len(idn.disagree) > 1:
                        continue
                    rank = (idn.key, len(idn.agree), ev.points, o.key)
                    if best is None or rank > best[0]:
                        best = (rank, o, ev, idn)
            if best is None:
                continue
            _, o, ev, idn = best
            paired_with, status = partner_of[other_side].get(o.key, ("", ""))
            out[side][r.key] = Partner(
                system=other_side,
                key=o.key,
                name=o.name,
                score=ev.score,
                evidence=strong_summary(idn),
                paired_with=paired_with,
                why=_why(idn, paired_with, status),
            )
    return out
