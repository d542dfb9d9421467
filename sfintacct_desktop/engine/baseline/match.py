"""Match records across Salesforce and Intacct: exact keys first, then scored fuzzy matching.

1. Exact keys: existing cross-references (Intacct_Customer_ID__c / SFDC_ACCOUNT_ID,
   Intacct_Item_ID__c / SFDC_PRODUCT_ID), then CUSTOMERID = AccountNumber (also without case or
   punctuation: "c1005" = "C-1005") / ITEMID = ProductCode. Every key agreement is scored, whatever
   the names say: the key is its own block, with no size limit. A customer key is checked against
   the evidence (:mod:`.policy`): with the name agreeing the score decides; with another name, two
   strong identifiers must back it up for ``auto``, one (or none against it) gives ``review``; a
   key someone copied onto the wrong record (the rest contradicts it) is only offered for review
   if nothing better claims either record. Product codes are trusted as they are.
2. Fuzzy: blocked candidate pairs (name, phone, domain and address blocks) scored by
   :mod:`.scoring`, assigned one-to-one greedily by score. A pair below the review threshold is
   still proposed for review when its identity evidence says so (:func:`.policy.review_floor`:
   a renamed company is never created twice), and ``auto`` needs both the score and evidence of a
   kind that allows it (:func:`.policy.may_auto`). Among within-side duplicates that are
   candidates for the same counterpart the oldest is proposed. A pair whose runner-up (a different
   entity) scores almost as well is ambiguous: review.
3. Plausible partners (customers): every record left unmatched gets the other side's record that
   shares its key, phone or domain, when one does (:mod:`.partners`), so the plan can say which
   creates may be a company the other system already has.

Each pair is ``auto`` (a suggestion the operator can accept in bulk) or ``review``. Pure code;
nothing is written anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ...domain import Customer, Product
from .blocking import MAX_BLOCK_PAIRS, candidate_pairs
from .cleanse import CleanRecord, cleanse_customer, cleanse_product
from .dedupe import DuplicateGroup, find_duplicates
from .partners import Partner, plausible_partners
from .policy import NAME_AGREES, Identity, has_identity, identity, may_auto, review_floor, strong_summary
from .scoring import Evidence, points_for, score

AUTO = "auto"
REVIEW = "review"


@dataclass(frozen=True)
class MatchConfig:
    """Thresholds: ``auto_accept`` and ``review`` are scores in [0, 1]; the margin is in log-odds."""

    auto_accept: float = 0.9
    review: float = 0.5
    ambiguity_margin: float = 1.5
    duplicate_threshold: float = 0.9
    max_block_pairs: int = MAX_BLOCK_PAIRS


@dataclass(frozen=True)
class MatchPair:
    """One proposed link. ``method``: cross_ref | number | code | fuzzy; ``status``: auto | review."""

    salesforce: str
    intacct: str
    score: float
    status: str
    method: str
    reasons: dict[str, Any] = field(default_factory=dict)


@dataclass
class MatchResult:
    pairs: list[MatchPair]
    unmatched_salesforce: list[str]
    unmatched_intacct: list[str]
    duplicates: dict[str, list[DuplicateGroup]]
    stats: dict[str, int] = field(default_factory=dict)
    # side -> unmatched record key -> the other side's record it may be (customers only)
    partners: dict[str, dict[str, Partner]] = field(default_factory=dict)

    @property
    def auto(self) -> list[MatchPair]:
        return [p for p in self.pairs if p.status == AUTO]

    @property
    def review(self) -> list[MatchPair]:
        return [p for p in self.pairs if p.status == REVIEW]


def _sf15(key: str) -> str:
    """Salesforce Ids compare on their case-sensitive 15-character form."""
    return key[:15] if len(key) in (15, 18) else key


def _exact_candidates(sf: Sequence[CleanRecord], ia: Sequence[CleanRecord]) -> list[tuple[int, int, int, str]]:
    """(priority, i, j, method) for every key agreement, strongest kind of key first."""
    ia_by_key = {r.key: j for j, r in enumerate(ia)}
    ia_by_upper: dict[str, int] = {}
    for j, r in enumerate(ia):
        ia_by_upper.setdefault(r.key.upper(), j)
    ia_by_norm: dict[str, int] = {}
    for j, r in enumerate(ia):
        if r.key_norm:
            ia_by_norm.setdefault(r.key_norm, j)
    sf_by_id = {_sf15(r.key): i for i, r in enumerate(sf)}
    out: list[tuple[int, int, int, str]] = []
    for i, r in enumerate(sf):
        if r.cross_ref and r.cross_ref in ia_by_key:
            out.append((0, i, ia_by_key[r.cross_ref], "cross_ref"))
        own = r.number if r.kind == "customer" else r.code
        if own:
            j = ia_by_key.get(own, ia_by_upper.get(own.upper()))
            if j is None and r.key_norm:
                j = ia_by_norm.get(r.key_norm)
            if j is not None:
                out.append((1, i, j, "number" if r.kind == "customer" else "code"))
    for j, r in enumerate(ia):
        if r.cross_ref and _sf15(r.cross_ref) in sf_by_id:
            out.append((0, sf_by_id[_sf15(r.cross_ref)], j, "cross_ref"))
    return out


class _Matcher:
    def __init__(self, sf: list[CleanRecord], ia: list[CleanRecord], config: MatchConfig) -> None:
        self.sf, self.ia, self.cfg = sf, ia, config
        self.review_points = points_for(config.review)
        self.used_sf: set[int] = set()
        self.used_ia: set[int] = set()
        self.pairs: list[MatchPair] = []
        self.stats: dict[str, int] = {}
        self.floor: dict[tuple[int, int], str] = {}  # pairs below the score, reviewed on identity
        self.duplicates = {
            "salesforce": find_duplicates(sf, config.duplicate_threshold, max_block_pairs=config.max_block_pairs),
            "intacct": find_duplicates(ia, config.duplicate_threshold, max_block_pairs=config.max_block_pairs),
        }
        self.group_sf = self._groups(sf, self.duplicates["salesforce"])
        self.group_ia = self._groups(ia, self.duplicates["intacct"])

    @staticmethod
    def _groups(records: Sequence[CleanRecord], groups: list[DuplicateGroup]) -> dict[int, list[int]]:
        """Index -> the indexes of its duplicate group (itself included), oldest first."""
        index = {r.key: i for i, r in enumerate(records)}
        out: dict[int, list[int]] = {}
        for g in groups:
            members = [index[k] for k in g.keys if k in index]
            for m in members:
                out[m] = members
        return out

    def _take(self, i: int, j: int, ev: Evidence, method: str, status: str, extra: dict[str, Any]) -> None:
        self.used_sf.add(i)
        self.used_ia.add(j)
        reasons = {**ev.reasons, **extra}
        self.pairs.append(MatchPair(self.sf[i].key, self.ia[j].key, ev.score, status, method, reasons))

    def exact(self) -> list[tuple[int, int, Evidence, str]]:
        """Assign key agreements the evidence does not contradict; return the contradicted ones."""
        scored = [(p, i, j, m, score(self.sf[i], self.ia[j])) for p, i, j, m in _exact_candidates(self.sf, self.ia)]
        scored.sort(key=lambda t: (t[0], -t[4].points, t[1], t[2]))
        conflicts = []
        for _, i, j, method, ev in scored:
            if i in self.used_sf or j in self.used_ia:
                continue
            if self.sf[i].kind != "customer":
                # Product codes are deliberate catalogue keys (names drift freely: "EG-200").
                self._take(i, j, ev, method, AUTO, {"key": "same"})
                continue
            # An AccountNumber is free text a rep may have copied from the wrong row: check it.
            idn = identity({**ev.reasons, "key": "same"})
            # With the name agreeing the score decides, as for any pair; with another name (a rename)
            # two strong identifiers must confirm the key.
            named = idn.name_agrees or method == "cross_ref"
            auto = ev.points >= self.review_points if named else may_auto(idn)
            if auto:
                self._take(i, j, ev, method, AUTO, {"key": "same"})
                continue
            why = review_floor(idn)
            if why and idn.agree:  # the key and a strong identifier agree: review now, before fuzzy
                self._take(i, j, ev, method, REVIEW, self._identity_extra(idn, why))
                continue
            conflicts.append((i, j, ev, method))
        self.stats["exact"] = len(self.pairs)
        return conflicts

    @staticmethod
    def _identity_extra(idn: Identity, why: str) -> dict[str, Any]:
        extra: dict[str, Any] = {"identity": strong_summary(idn), "review_because": why}
        if idn.key:
            extra["key"] = "same"
        return extra

    def fuzzy(self) -> None:
        sf_idx = [i for i in range(len(self.sf)) if i not in self.used_sf]
        ia_idx = [j for j in range(len(self.ia)) if j not in self.used_ia]
        left = [self.sf[i] for i in sf_idx]
        right = [self.ia[j] for j in ia_idx]
        cands = candidate_pairs(left, right, self.cfg.max_block_pairs, stats=self.stats)
        self.stats["candidates"] = len(cands)
        ev_of: dict[tuple[int, int], Evidence] = {}
        by_sf: dict[int, list[tuple[float, int]]] = {}
        by_ia: dict[int, list[tuple[float, int]]] = {}
        customers = bool(self.sf) and self.sf[0].kind == "customer"
        for a, b in cands:
            i, j = sf_idx[a], ia_idx[b]
            ev = score(self.sf[i], self.ia[j])
            if ev.points < self.review_points:
                why = review_floor(identity(ev.reasons)) if customers and has_identity(ev.reasons) else None
                if why is None:
                    continue
                self.floor[(i, j)] = why  # identity evidence alone: at least a review
            ev_of[(i, j)] = ev
            by_sf.setdefault(i, []).append((ev.points, j))
            by_ia.setdefault(j, []).append((ev.points, i))
        self.stats["scored_above_review"] = len(ev_of)
        order = sorted(ev_of, key=lambda k: (-ev_of[k].points, self.sf[k[0]].key, self.ia[k[1]].key))
        margin = self.cfg.ambiguity_margin
        for i, j in order:
            if i in self.used_sf or j in self.used_ia:
                continue
            i = self._senior(i, j, self.group_sf, self.used_sf, ev_of, side=0)
            j = self._senior(j, i, self.group_ia, self.used_ia, ev_of, side=1)
            ev = ev_of[(i, j)]
            extra: dict[str, Any] = {}
            rival_ia = self._rival(by_sf.get(i, []), j, ev.points - margin, self.group_ia)
            rival_sf = self._rival(by_ia.get(j, []), i, ev.points - margin, self.group_sf)
            if rival_ia is not None:
                extra["ambiguous_with"] = self.ia[rival_ia].key
            elif rival_sf is not None:
                extra["ambiguous_with"] = self.sf[rival_sf].key
            auto = ev.score >= self.cfg.auto_accept and not extra
            if customers and ev.reasons["name"] < NAME_AGREES:  # another name: the kind of evidence counts
                idn = identity(ev.reasons)
                why = self.floor.get((i, j)) or review_floor(idn)
                auto = auto and may_auto(idn)
                if not auto and why:
                    extra.update(self._identity_extra(idn, why))
            status = AUTO if auto else REVIEW
            dup_sf = self.group_sf.get(i, [])
            dup_ia = self.group_ia.get(j, [])
            if len(dup_sf) > 1:
                extra["salesforce_duplicates"] = [self.sf[k].key for k in dup_sf if k != i]
            if len(dup_ia) > 1:
                extra["intacct_duplicates"] = [self.ia[k].key for k in dup_ia if k != j]
            self._take(i, j, ev, "fuzzy", status, extra)

    @staticmethod
    def _senior(
        own: int,
        other: int,
        groups: dict[int, list[int]],
        used: set[int],
        ev_of: dict[tuple[int, int], Evidence],
        side: int,
    ) -> int:
        """The oldest unassigned duplicate of ``own`` that is a candidate (>= review) for ``other``.

        Survivorship "oldest wins": the duplicates are one entity, and the oldest record is the one
        other data (orders, invoices, integrations) most likely points at.
        """
        for member in groups.get(own, []):  # oldest first
            if member == own:
                return own
            key = (member, other) if side == 0 else (other, member)
            ev = ev_of.get(key)
            if member not in used and ev is not None:
                return member
        return own

    @staticmethod
    def _rival(options: list[tuple[float, int]], chosen: int, floor: float, groups: dict[int, list[int]]) -> int | None:
        """Another candidate (not a duplicate of ``chosen``) scoring within the margin, if any."""
        same_entity = set(groups.get(chosen, [chosen]))
        for points, k in options:
            if k not in same_entity and points >= floor:
                return k
        return None

    def conflicts(self, conflicts: list[tuple[int, int, Evidence, str]]) -> None:
        """Contradicted keys whose records found nothing better: offered for review, never auto."""
        for i, j, ev, method in conflicts:
            if i in self.used_sf or j in self.used_ia:
                continue
            idn = identity({**ev.reasons, "key": "same"})
            why = review_floor(idn)
            if why and not idn.disagree:  # nothing contradicts the key: the names just differ
                self._take(i, j, ev, method, REVIEW, self._identity_extra(idn, why))
            else:
                self._take(i, j, ev, method, REVIEW, {"key": "same", "key_conflict": True})

    def result(self) -> MatchResult:
        self.stats["auto"] = sum(1 for p in self.pairs if p.status == AUTO)
        self.stats["review"] = sum(1 for p in self.pairs if p.status == REVIEW)
        self.stats["review_on_identity"] = sum(1 for p in self.pairs if "review_because" in p.reasons)
        free_sf = [r for i, r in enumerate(self.sf) if i not in self.used_sf]
        free_ia = [r for j, r in enumerate(self.ia) if j not in self.used_ia]
        partners: dict[str, dict[str, Partner]] = {"salesforce": {}, "intacct": {}}
        if (self.sf and self.sf[0].kind == "customer") or (self.ia and self.ia[0].kind == "customer"):
            partners = plausible_partners(self.sf, self.ia, free_sf, free_ia, self.pairs)
        self.stats["with_partner"] = len(partners["salesforce"]) + len(partners["intacct"])
        return MatchResult(
            pairs=self.pairs,
            unmatched_salesforce=[r.key for r in free_sf],
            unmatched_intacct=[r.key for r in free_ia],
            duplicates=self.duplicates,
            stats=self.stats,
            partners=partners,
        )


def match_records(
    salesforce: Iterable[CleanRecord], intacct: Iterable[CleanRecord], config: MatchConfig | None = None
) -> MatchResult:
    """Match cleansed records of one kind; deleted records take no part."""
    sf = [r for r in salesforce if not r.deleted]
    ia = [r for r in intacct if not r.deleted]
    matcher = _Matcher(sf, ia, config or MatchConfig())
    conflicts = matcher.exact()
    matcher.fuzzy()
    matcher.conflicts(conflicts)
    return matcher.result()


def match_customers(
    salesforce: Iterable[Customer], intacct: Iterable[Customer], config: MatchConfig | None = None
) -> MatchResult:
    """Accounts vs CUSTOMERs: the planner's entry point for customers."""
    return match_records(map(cleanse_customer, salesforce), map(cleanse_customer, intacct), config)


def match_products(
    salesforce: Iterable[Product], intacct: Iterable[Product], config: MatchConfig | None = None
) -> MatchResult:
    """Product2 (with standard price) vs ITEM: the planner's entry point for products."""
    return match_records(map(cleanse_product, salesforce), map(cleanse_product, intacct), config)
