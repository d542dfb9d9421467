"""Groups of likely duplicates within one system, for a person to review.

The product never merges records in a system by itself: a group is a proposal with the pairwise
scores and reasons behind it, plus a *survivor* (the oldest record, the one other data most likely
points at), which the matcher prefers when duplicates compete for the same counterpart.
Uses the same blocking and scorer as cross-system matching, so "duplicate" and "match" agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .blocking import MAX_BLOCK_PAIRS, self_pairs
from .cleanse import CleanRecord
from .scoring import score

DEFAULT_DUPLICATE_THRESHOLD = 0.9


@dataclass(frozen=True)
class DuplicatePair:
    a: str
    b: str
    score: float
    reasons: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DuplicateGroup:
    """Records of one system that are likely one entity; ``keys`` oldest first, ``survivor`` = keys[0]."""

    system: str
    keys: tuple[str, ...]
    pairs: tuple[DuplicatePair, ...]

    @property
    def survivor(self) -> str:
        return self.keys[0]

    @property
    def score(self) -> float:
        return max(p.score for p in self.pairs)


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, x: int) -> int:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def find_duplicates(
    records: Sequence[CleanRecord],
    threshold: float = DEFAULT_DUPLICATE_THRESHOLD,
    *,
    max_block_pairs: int = MAX_BLOCK_PAIRS,
) -> list[DuplicateGroup]:
    """Duplicate groups among ``records`` (one system, one kind), each pair scoring >= ``threshold``.

    Deleted records take no part. Groups come sorted by their survivor's seniority.
    """
    live = [r for r in records if not r.deleted]
    uf = _UnionFind(len(live))
    found: list[tuple[int, int, DuplicatePair]] = []
    for i, j in sorted(self_pairs(live, max_block_pairs)):
        a, b = live[i], live[j]
        if a.kind == "product" and a.code and b.code and a.code.upper() != b.code.upper():
            continue  # two codes are two catalogue entries on purpose (variants), not a typing accident
        evidence = score(a, b)
        if evidence.score >= threshold:
            uf.union(i, j)
            found.append((i, j, DuplicatePair(a.key, b.key, evidence.score, evidence.reasons)))
    members: dict[int, list[int]] = {}
    for i in range(len(live)):
        members.setdefault(uf.find(i), []).append(i)
    pairs_of: dict[int, list[DuplicatePair]] = {}
    for i, _, pair in found:
        pairs_of.setdefault(uf.find(i), []).append(pair)
    groups = []
    for root, idx in members.items():
        if len(idx) < 2:
            continue
        ordered = sorted(idx, key=lambda k: live[k].seniority)
        groups.append(
            DuplicateGroup(
                system=live[ordered[0]].system,
                keys=tuple(live[k].key for k in ordered),
                pairs=tuple(pairs_of[root]),
            )
        )
    seniority = {r.key: r.seniority for r in live}
    groups.sort(key=lambda g: seniority[g.survivor])
    return groups
