"""Plausible partners: for a record about to be created on the other side, a record there that
might already be the same company, with what agrees and what does not.

The matcher proposes a pair (auto or review) whenever the evidence says "probably" or "maybe the
same" (:mod:`.policy`). What is left unmatched may still share a real identifier with a record of
the other system, for two reasons a person should see before a create is applied:

* the other record is already proposed with a third record (a duplicate or a sibling of it), or
* one identifier agrees but others contradict it (a shared phone, different domain and address:
  an accountant's number, a recycled number, or a company that changed almost everything).

What makes a partner:

* the shared key (AccountNumber = CUSTOMERID), whatever else differs: someone typed it;
* the phone, while at most one other identifier (domain, address, country) contradicts it: a
  company that renames keeps its number, and keeps it when it moves; a shared phone against a
  different domain *and* a different address is another company (an accountant's clients);
* the company domain only while nothing contradicts it: a rebrand changes the domain first, and
  one domain at several addresses is a group's branches or subsidiaries, not one customer. (With
  nothing against it and the other record free, the matcher already offers the pair for review,
  so a domain partner is one whose record another record has claimed.)

An address alone never makes a partner: every tenant of an office building shares it. An identifier shared by more than
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


def _cheap_contradictions(a: CleanRecord, b: CleanRecord) -> int:
    """A lower bound of the identifiers the scorer will find different, without scoring.

    Streets are left out (the scorer compares them fuzzily), so this never over-counts: a pair it
    rules out, the full evidence would rule out too.
    """
    n = 0
    if a.phone and b.phone and a.phone != b.phone:
        n += 1
    da, db = {a.domain, a.email_domain} - {""}, {b.domain, b.email_domain} - {""}
    if da and db and not da & db:
        n += 1
    if (a.postal_key and b.postal_key and a.postal_key != b.postal_key) or (a.city and b.city and a.city != b.city):
        n += 1
    if a.country and b.country and a.country != b.country:
        n += 1
    return n


def _worth_scoring(a: CleanRecord, b: CleanRecord) -> bool:
    if a.key_norm and a.key_norm == b.key_norm:
        return True
    against = _cheap_contradictions(a, b)
    if a.phone and a.phone == b.phone:
        return against <= 1
    return against == 0


def _plausible(idn: Identity) -> bool:
    if idn.key:
        return True
    if "phone" in idn.agree:
        return len(idn.disagree) <= 1
    return "domain" in idn.agree and not idn.disagree


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
                    if not _worth_scoring(r, o):
                        continue
                    ev = score(r, o) if side == "salesforce" else score(o, r)
                    idn = identity(ev.reasons)
                    if not _plausible(idn):
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
