"""Which kinds of evidence may make a customer pair ``auto``, which only ``review``, and why.

The scorer (:mod:`.scoring`) adds every field into one log-odds total. That total alone cannot tell
a renamed company (another name, the same phone, web domain and street) from two tenants of one
office building or a sister company of the same group: a different name is exactly what those have
in common. So on top of the score this module sorts the evidence into

* the **name**: agrees when its similarity is at least :data:`NAME_AGREES` (spelling drift:
  case, suffix, typos, "&"/"and"); below it the names differ (a rename, or another company);
* the **shared key**: the Intacct CUSTOMERID kept in the Account's AccountNumber (compared without
  case or punctuation), deliberately typed by someone who looked the customer up;
* three **strong identifiers**, each assigned to one organisation: the phone (E.164, placeholders
  such as 000-000-0000 ignored), the company web/e-mail domain (free-mail and social hosts ignored)
  and the street address (same street and house number, and the same postal code, or the same city
  when a postal code is missing);
* **contradictions**: a strong identifier or the country that differs.

Rules, and why:

1. Name agrees: the score decides (auto at or above the auto-accept threshold, as before).
2. Name differs, shared key, at least two strong identifiers agree and none contradicts: **auto**.
   Two independent identifiers confirm the key someone typed; a key copied from the wrong row
   (the common accident) comes with a different phone and address, which blocks this rule.
3. Name differs, no key: **auto** only when all three strong identifiers agree, nothing
   contradicts and the legal form did not change. A company that renames keeps its form
   ("Inc" stays "Inc"); a different name *and* a different form at the same phone, domain and
   address is the signature of a sister company sharing the group's premises: a person decides.
4. Otherwise, **review** (never two creates) when the identity evidence says "maybe the same":
   the key with at least one agreeing or no contradicting identifier; two or more strong
   identifiers (even if a third differs: a renamed company that also moved); or one phone or
   domain that nothing contradicts (the rest is missing). A phone alone is shared by an
   accountant's clients, a shared switchboard or a recycled number, so it never auto-links; but
   with nothing against it, two creates of one company cost far more to undo than one look.
5. An address alone never counts: every tenant of an office building shares it.
6. What is left (one identifier against contradicting others) is not a pair; the plan shows the
   other record as the create's *plausible partner* (see :mod:`.partners`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

NAME_AGREES = 0.7  # name similarity from which the name counts as the same name with drift
STRONG = ("phone", "domain", "address")


@dataclass(frozen=True)
class Identity:
    """The evidence of one scored pair, sorted by kind (see the module docstring)."""

    name: float
    key: bool
    agree: frozenset[str]
    disagree: frozenset[str]
    legal_form_differs: bool

    @property
    def name_agrees(self) -> bool:
        return self.name >= NAME_AGREES


def _address(reasons: Mapping[str, Any]) -> str | None:
    if any(reasons.get(f) == "different" for f in ("street", "postal_code", "city")):
        return "different"
    if reasons.get("street") == "same" and (
        reasons.get("postal_code") == "same" or ("postal_code" not in reasons and reasons.get("city") == "same")
    ):
        return "same"
    return None


def has_identity(reasons: Mapping[str, Any]) -> bool:
    """Cheap test: could :func:`review_floor` say yes? (Most candidates share only a name word.)"""
    return (
        reasons.get("key") == "same"
        or reasons.get("phone") == "same"
        or reasons.get("domain") == "same"
        or reasons.get("street") == "same"
    )


def identity(reasons: Mapping[str, Any]) -> Identity:
    """Sort a pair's reasons (as :func:`.scoring.score_customers` writes them) into kinds of evidence."""
    fields = {"phone": reasons.get("phone"), "domain": reasons.get("domain"), "address": _address(reasons)}
    agree = frozenset(f for f, v in fields.items() if v == "same")
    disagree = {f for f, v in fields.items() if v == "different"}
    if reasons.get("country") == "different":
        disagree.add("country")
    return Identity(
        name=float(reasons.get("name", 0.0)),
        key=reasons.get("key") == "same",
        agree=agree,
        disagree=frozenset(disagree),
        legal_form_differs=reasons.get("legal_suffix") == "different",
    )


def may_auto(idn: Identity) -> bool:
    """Whether the kind of evidence allows ``auto`` at all (the score must still reach the threshold)."""
    if idn.name_agrees:
        return True
    if idn.disagree:
        return False
    if idn.key:
        return len(idn.agree) >= 2
    return idn.agree == frozenset(STRONG) and not idn.legal_form_differs


def review_floor(idn: Identity) -> str | None:
    """Why the identity evidence alone warrants a review, or None (then only the score can)."""
    if idn.name_agrees:
        return None
    if idn.key and (idn.agree or not idn.disagree):
        return "same key" + (f" and same {', '.join(sorted(idn.agree))}" if idn.agree else "") + "; the names differ"
    if len(idn.agree) >= 2:
        tail = " and so do the legal forms (a sister company?)" if idn.legal_form_differs else " (renamed?)"
        return f"same {', '.join(sorted(idn.agree))}; the names differ{tail}"
    if idn.agree and idn.agree <= {"phone", "domain"} and not idn.disagree:
        (only,) = idn.agree
        return f"same {only} and nothing contradicts it; the names differ"
    return None


def strong_summary(idn: Identity) -> list[str]:
    """The identity evidence in words, for a reason column: ["same key", "same phone", ...]."""
    out = ["same key"] if idn.key else []
    out += [f"same {f}" for f in sorted(idn.agree)]
    out += [f"different {f}" for f in sorted(idn.disagree)]
    return out
