"""Blocking: which pairs are worth scoring at all, never the full cross product.

Each record gets a few block keys (phone, domain, address, name prefixes, rare name tokens); two
records are candidates when they share a key. Several independent keys give redundancy: a typo in
the name still meets its twin through the phone, a renamed company through its domain or address.
Blocks too large to be informative (a common first word across 50,000 companies) are skipped, so
the work stays near-linear in the number of records.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from .cleanse import CleanRecord

MAX_BLOCK_PAIRS = 100  # a block with more pairs than this says too little to be worth scoring
RARE_TOKEN_LIMIT = 40  # a name token in at most this many records is a block key
_STOP = frozenset({"and", "of", "the", "de", "la", "for"})


def _name_keys(r: CleanRecord, rare: set[str] | None) -> Iterable[str]:
    tokens = [t for t in r.tokens if t not in _STOP]
    if not tokens:
        return
    yield "n2:" + " ".join(tokens[:2])
    if len(r.name_compact) >= 4:
        yield "nc:" + r.name_compact[:8]
    yield "ns:" + " ".join(sorted(tokens)[:2])  # sorted-token first words: robust to word order
    if rare is not None:
        for t in tokens:
            if t in rare and len(t) > 2:
                yield "rt:" + t


def block_keys(r: CleanRecord, rare: set[str] | None = None) -> set[str]:
    """The block keys of one record."""
    keys: set[str] = set(_name_keys(r, rare))
    if r.kind == "customer":
        if r.phone:
            keys.add("p:" + r.phone)
        for d in (r.domain, r.email_domain):
            if d:
                keys.add("d:" + d)
        if r.postal_key and r.street_number:
            keys.add(f"a:{r.postal_key}|{r.street_number}")
        if r.city and r.street_number:
            keys.add(f"c:{r.city}|{r.street_number}")
    return keys


def rare_tokens(records: Iterable[CleanRecord], limit: int = RARE_TOKEN_LIMIT) -> set[str]:
    counts: Counter[str] = Counter()
    for r in records:
        counts.update(set(r.tokens))
    return {t for t, n in counts.items() if n <= limit}


def candidate_pairs(
    left: Sequence[CleanRecord], right: Sequence[CleanRecord], max_block_pairs: int = MAX_BLOCK_PAIRS
) -> set[tuple[int, int]]:
    """Index pairs (i into left, j into right) that share at least one informative block."""
    rare = rare_tokens([*left, *right])
    blocks: dict[str, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    for i, r in enumerate(left):
        for k in block_keys(r, rare):
            blocks[k][0].append(i)
    for j, r in enumerate(right):
        for k in block_keys(r, rare):
            if k in blocks:
                blocks[k][1].append(j)
    pairs: set[tuple[int, int]] = set()
    for a, b in blocks.values():
        if not b or len(a) * len(b) > max_block_pairs:
            continue
        pairs.update((i, j) for i in a for j in b)
    return pairs


def self_pairs(records: Sequence[CleanRecord], max_block_pairs: int = MAX_BLOCK_PAIRS) -> set[tuple[int, int]]:
    """Index pairs (i < j) within one side that share an informative block (for de-duplication)."""
    rare = rare_tokens(records)
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        for k in block_keys(r, rare):
            blocks[k].append(i)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        n = len(members)
        if n < 2 or n * (n - 1) // 2 > max_block_pairs:
            continue
        pairs.update((members[x], members[y]) for x in range(n) for y in range(x + 1, n))
    return pairs
