"""Score how likely two cleansed records are the same company or product, with the reasons.

A log-odds sum in the Fellegi-Sunter style: each field that agrees adds evidence, each that
disagrees subtracts, a missing field says nothing. The total goes through a logistic to a score in
[0, 1]. Why this shape: a renamed company (other name, same phone + domain + address) must still
score high, while the same name in another city with another phone must not, and a subsidiary
("Acme Corp" vs "Acme Corp Europe GmbH") must not ride on its shared name alone. The weights are
deliberately few and readable; the reasons name every field that moved the total.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from rapidfuzz import fuzz

from .cleanse import CleanRecord

# Evidence weights (log-odds points).
NAME_SLOPE = 25.0  # points per unit of name similarity around NAME_PIVOT
NAME_PIVOT = 0.8
NAME_CAP = 4.0
PHONE_SAME, PHONE_DIFF = 4.0, -2.5
DOMAIN_SAME, DOMAIN_DIFF = 3.0, -2.0
CITY_SAME, CITY_DIFF = 1.0, -2.0
POSTAL_SAME, POSTAL_DIFF = 1.5, -1.0
STREET_SAME, STREET_DIFF = 1.5, -1.0
COUNTRY_DIFF = -3.0
SUFFIX_DIFF = -1.5
CUSTOMER_BIAS = -3.0
PRICE_SAME, PRICE_NEAR, PRICE_FAR = 1.5, 0.5, -1.5
PRODUCT_BIAS = -1.0


@dataclass(frozen=True)
class Evidence:
    """The score of one pair, its log-odds ``points``, and per-field reasons."""

    score: float
    points: float
    reasons: dict[str, Any] = field(default_factory=dict)


def logistic(points: float) -> float:
    return 1.0 / (1.0 + math.exp(-points))


def points_for(score: float) -> float:
    """The log-odds a score threshold stands for (inverse of :func:`logistic`)."""
    score = min(max(score, 1e-9), 1 - 1e-9)
    return math.log(score / (1 - score))


def name_similarity(a: CleanRecord, b: CleanRecord) -> float:
    """Similarity of two name keys in [0, 1].

    token_sort handles word order and drift; the compact (space-free) ratio handles "Blue Harbor"
    vs "BlueHarbor"; token_set is discounted because a strict subset ("acme" within "acme corp
    europe") is the signature of a subsidiary, not of the same entity.
    """
    if not a.name_key or not b.name_key:
        return 0.0
    if a.name_key == b.name_key or a.name_compact == b.name_compact:
        return 1.0
    best = max(
        fuzz.token_sort_ratio(a.name_key, b.name_key),
        fuzz.ratio(a.name_compact, b.name_compact),
        0.8 * fuzz.token_set_ratio(a.name_key, b.name_key),
    )
    return best / 100.0


def _name_points(similarity: float) -> float:
    return max(-NAME_CAP, min(NAME_CAP, NAME_SLOPE * (similarity - NAME_PIVOT)))


def _same(a: str, b: str) -> str | None:
    if not a or not b:
        return None
    return "same" if a == b else "different"


def score_customers(a: CleanRecord, b: CleanRecord) -> Evidence:
    """Evidence that two customers (one per side, or two on one side) are the same company."""
    reasons: dict[str, Any] = {}
    sim = name_similarity(a, b)
    reasons["name"] = round(sim, 3)
    points = CUSTOMER_BIAS + _name_points(sim)
    if a.system != b.system and a.key_norm and a.key_norm == b.key_norm:
        # No points: a key is checked against the rest of the evidence (see .policy), not added to it.
        reasons["key"] = "same"

    phone = _same(a.phone, b.phone)
    if phone:
        reasons["phone"] = phone
        points += PHONE_SAME if phone == "same" else PHONE_DIFF

    if (a.domain or a.email_domain) and (b.domain or b.email_domain):  # any shared domain, no sets built
        same = bool(a.domain and a.domain in (b.domain, b.email_domain)) or bool(
            a.email_domain and a.email_domain in (b.domain, b.email_domain)
        )
        reasons["domain"] = "same" if same else "different"
        points += DOMAIN_SAME if same else DOMAIN_DIFF

    country = _same(a.country, b.country)
    if country:
        reasons["country"] = country
        if country == "different":
            points += COUNTRY_DIFF

    city = _same(a.city, b.city)
    if city:
        reasons["city"] = city
        points += CITY_SAME if city == "same" else CITY_DIFF

    postal = _same(a.postal_key, b.postal_key)
    if postal:
        reasons["postal_code"] = postal
        points += POSTAL_SAME if postal == "same" else POSTAL_DIFF

    if a.street_core and b.street_core:
        if a.street_core == b.street_core:
            street = 1.0
        else:
            street = fuzz.token_sort_ratio(a.street_core, b.street_core) / 100.0
            if a.street_number and b.street_number and a.street_number != b.street_number:
                street = min(street, 0.5)
        if street >= 0.9:
            reasons["street"] = "same"
            points += STREET_SAME
        elif street < 0.7:
            reasons["street"] = "different"
            points += STREET_DIFF
        else:
            reasons["street"] = round(street, 3)

    suffix = _same(a.suffix_class, b.suffix_class)
    if suffix:
        reasons["legal_suffix"] = suffix
        if suffix == "different":
            points += SUFFIX_DIFF
    return Evidence(round(logistic(points), 4), points, reasons)


def _price_points(a: Decimal | None, b: Decimal | None) -> tuple[float, str | None]:
    if a is None or b is None:
        return 0.0, None
    if a == b:
        return PRICE_SAME, "same"
    top = max(abs(a), abs(b))
    if top and abs(a - b) / top <= Decimal("0.10"):
        return PRICE_NEAR, "close"
    return PRICE_FAR, "different"


def score_products(a: CleanRecord, b: CleanRecord) -> Evidence:
    """Evidence that two products are the same: name similarity, price closeness as a weak signal."""
    sim = name_similarity(a, b)
    reasons: dict[str, Any] = {"name": round(sim, 3)}
    points = PRODUCT_BIAS + _name_points(sim)
    price_points, price = _price_points(a.price, b.price)
    if price:
        reasons["price"] = price
        points += price_points
    if a.code and b.code:
        reasons["code"] = "same" if a.code.upper() == b.code.upper() else "different"
    return Evidence(round(logistic(points), 4), points, reasons)


def score(a: CleanRecord, b: CleanRecord) -> Evidence:
    """The scorer for the records' kind."""
    return score_products(a, b) if a.kind == "product" else score_customers(a, b)
