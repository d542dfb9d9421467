"""Baseline import: cleanse, de-duplicate and match customers and products across both systems.

The planner calls :func:`match_customers` / :func:`match_products` with the domain records read
from each side, and gets proposed pairs (score, status auto|review, reasons), the unmatched keys
of each side and within-side duplicate groups. Nothing here writes anywhere.
"""

from __future__ import annotations

from .cleanse import CleanRecord, Standardised, cleanse_customer, cleanse_product, standardise_customer
from .dedupe import DuplicateGroup, DuplicatePair, find_duplicates
from .match import AUTO, REVIEW, MatchConfig, MatchPair, MatchResult, match_customers, match_products, match_records
from .scoring import Evidence, score

__all__ = [
    "AUTO",
    "REVIEW",
    "CleanRecord",
    "DuplicateGroup",
    "DuplicatePair",
    "Evidence",
    "MatchConfig",
    "MatchPair",
    "MatchResult",
    "Standardised",
    "cleanse_customer",
    "cleanse_product",
    "find_duplicates",
    "match_customers",
    "match_products",
    "match_records",
    "score",
    "standardise_customer",
]
