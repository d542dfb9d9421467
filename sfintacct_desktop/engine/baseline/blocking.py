"""Blocking: which pairs are worth scoring at all, never the full cross product.

Each record gets a few block keys; two records are candidates when they share one:

* name keys: the first two words, the first 8 letters without spaces, the first two words in
  sorted order, and every rare word (in at most 40 records);
* non-name keys (customers): the phone (E.164; placeholders such as 000-000-0000 are no phone),
  the website and e-mail domains (free-mail and social hosts are no domain), the postal code with
  the house number, and the city with the house number.

Several independent keys give redundancy: a typo in the name still meets its twin through the
phone, a renamed company through its phone, domain or address. The shared key (AccountNumber =
CUSTOMERID) needs no block: the matcher scores every key agreement before blocking.

A block with more than ``max_block_pairs`` (100) pairs is skipped: a word, phone, domain or address
shared by that many records (a common first word across 50,000 companies, the switchboard of a
large group, an office tower's address) cannot tell its members apart, and scoring all its pairs
would make the work grow with the square of the block. Skipping keeps it near-linear; the records
still meet their twins through their other keys. The skipped blocks are counted per kind of key
(``stats``: ``blocks_skipped_<kind>``).
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


KINDS = {"n2": "name", "nc": "name", "ns": "name", "rt": "name", "p": "phone", "d": "domain", "a": "address"}
KINDS["c"] = "address"


def _skipped(stats: dict[str, int] | None, key: str) -> None:
    if stats is not None:
        name = "blocks_skipped_" + KINDS.get(key.split(":", 1)[0], "other")
        stats[name] = stats.get(name, 0) + 1


def candidate_pairs(
    left: Sequence[CleanRecord],
    right: Sequence[CleanRecord],
    max_block_pairs: int = MAX_BLOCK_PAIRS,
    *,
    stats: dict[str, int] | None = None,
) -> set[tuple[int, int]]:
    """Index pairs (i into left, j into right) that share at least one informative block.

    ``stats``, when given, counts the blocks skipped as too large, per kind of key.
    """
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
    for key, (a, b) in blocks.items():
        if not b:
            continue
        if len(a) * len(b) > max_block_pairs:
            _skipped(stats, key)
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
