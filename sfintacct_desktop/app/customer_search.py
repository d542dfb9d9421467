"""Find a customer as a salesperson types it: Account name, Intacct customer name or ID, an invoice
number or the name of one of its deals (opportunities).

Why local: every Intacct read is billed, and a lookup happens far more often than names change. The
names come from the state store only: each customer link keeps both sides' names as of the last
sync (its merge bases), and each cached invoice keeps its customer's name (CUSTOMERNAME), which
covers customers with invoices that are not linked. Invoice numbers come from the same cache; deal
names from the order ledger (each sales order's intent keeps its Opportunity's name and customer)
and from the deals a customer page refresh read (``engine.customer_refresh``).

Matching is case- and punctuation-insensitive and ranked (rapidfuzz): an exact ID or name wins; one
clear leader wins; the only customer with what was typed literally in it (the start of a word of a
name, or inside the ID) wins over ones that merely look alike; several plausible candidates are
listed instead of guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz

from ..domain import ErrorInfo, ErrorKind, SyncError
from ..engine.customer_refresh import DEAL_NAMES_META

EXACT = 100.0
PLAUSIBLE = 72.0  # below this a candidate is not shown at all
CLEAR_LEAD = 12.0  # a leader at least this far ahead of the next one is taken without asking
MAX_LISTED = 8
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def normalize(text: str) -> str:
    """Lower case, accents and punctuation dropped, spaces collapsed: ``"Acme, Inc."`` -> ``"acme inc"``."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", plain.casefold()).split())


@dataclass(frozen=True)
class Customer:
    """One customer as the lookup knows it: Intacct ID and name, and the linked Account."""

    customer_id: str
    name: str = ""  # Intacct CUSTOMER NAME
    account_id: str = ""
    account_name: str = ""  # Salesforce Account Name
    invoice_numbers: tuple[str, ...] = field(default=(), compare=False, repr=False)
    deal_names: tuple[str, ...] = field(default=(), compare=False, repr=False)

    def label(self) -> str:
        extra = f" (Salesforce: {self.account_name})" if self.account_name and self.account_name != self.name else ""
        return f"{self.customer_id} {self.name or self.account_name}{extra}".strip()

    def as_dict(self) -> dict[str, str]:
        return {
            "customer_id": self.customer_id,
            "name": self.name,
            "account_id": self.account_id,
            "account_name": self.account_name,
        }


@dataclass(frozen=True)
class Match:
    customer: Customer
    score: float
    why: str  # "id", "name", "account name", "invoice", "opportunity"
    literal: bool = False  # what was typed appears as typed (a word's start, or inside the ID): no typo


def directory(reader: Any) -> dict[str, Customer]:
    """Every customer the state store knows, by Intacct customer ID (no remote call)."""
    out: dict[str, Customer] = {}
    for cid, name, account in reader.cache.customers():
        out[cid] = Customer(cid, name, account or "")
    for link in reader.links.list("customer"):
        had = out.get(link.ia_key) or Customer(link.ia_key)
        ia_name = str((link.ia_base or {}).get("name") or "") or had.name
        sf_name = str((link.sf_base or {}).get("name") or "")
        out[link.ia_key] = Customer(link.ia_key, ia_name, link.sf_id, sf_name)
    numbers: dict[str, list[str]] = {}
    for cid, number in reader.cache.invoice_numbers():
        numbers.setdefault(cid, []).append(number)
    deals = deal_names(reader)
    for cid in set(numbers) | set(deals):
        had = out.get(cid) or Customer(cid)
        out[cid] = Customer(
            had.customer_id,
            had.name,
            had.account_id,
            had.account_name,
            tuple(numbers.get(cid, ())),
            tuple(dict.fromkeys(deals.get(cid, ()))),
        )
    return out


def deal_names(reader: Any) -> dict[str, list[str]]:
    """Deal names per customer ID: each sales order's intent (memo = the Opportunity's name), and the
    deals the last page refresh of each customer read."""
    out: dict[str, list[str]] = {}
    for intent in reader.intents.in_state(*_ORDER_STATES, kind="sales_order"):
        cid, memo = str(intent.payload.get("customer_id") or ""), str(intent.payload.get("memo") or "")
        if cid and memo:
            out.setdefault(cid, []).append(memo)
    for cid, names in dict(reader.meta.get(DEAL_NAMES_META) or {}).items():
        out.setdefault(str(cid), []).extend(str(n) for n in names or [])
    return out


_ORDER_STATES = ("PLANNED", "SENT", "CONFIRMED", "UNKNOWN", "QUARANTINED")


def _score(query: str, customer: Customer) -> tuple[float, str, bool]:
    """The best of the ID, the names, its invoice numbers (exactly) and its deals' names, 0-100."""
    packed = query.replace(" ", "")
    for number in customer.invoice_numbers:
        if normalize(number).replace(" ", "") == packed:
            return EXACT, "invoice", True
    best, why, literal = 0.0, "", False
    texts = [(customer.customer_id, "id"), (customer.name, "name"), (customer.account_name, "account name")]
    texts += [(deal, "opportunity") for deal in customer.deal_names]
    for text, label in texts:
        key = normalize(text)
        if not key:
            continue
        if key == query:
            return EXACT, label, True
        hit = False
        if label == "id":
            packed_key = key.replace(" ", "")
            score = (
                95.0
                if packed_key == packed
                else 80.0 + 15.0 * len(packed) / len(packed_key)
                if packed in packed_key
                else 0.0
            )
            hit = score > 0
        elif key.startswith(query) or f" {query}" in f" {key}":
            score = 90.0 + 9.0 * len(query) / len(key)  # typed the start of a word: the more typed, the better
            hit = True
        else:
            score = fuzz.WRatio(query, key) * (0.9 if len(query) < 4 else 1.0)  # few letters: fuzzy is weak
        if score > best:
            best, why = score, label
        literal = literal or hit
    return best, why, literal


def rank(customers: dict[str, Customer], text: str) -> list[Match]:
    """Plausible candidates for ``text``, best first."""
    query = normalize(text)
    if not query:
        return []
    matches = []
    for customer in customers.values():
        score, why, literal = _score(query, customer)
        if score >= PLAUSIBLE:
            matches.append(Match(customer, round(score, 1), why, literal))
    return sorted(matches, key=lambda m: (-m.score, m.customer.customer_id))


class AmbiguousCustomer(SyncError):
    """Several customers match: they are listed (``candidates``) and none is guessed."""

    def __init__(self, text: str, matches: list[Match]) -> None:
        listed = matches[:MAX_LISTED]
        more = f" (and {len(matches) - len(listed)} more)" if len(matches) > len(listed) else ""
        names = "; ".join(m.customer.label() for m in listed)
        super().__init__(
            ErrorInfo(
                ErrorKind.NOT_FOUND,
                "Several customers match",
                f"{len(matches)} customers match {text!r}: {names}{more}.",
                "Type more of the name, or give the customer ID shown first on each line.",
                code="AMBIGUOUS_CUSTOMER",
            )
        )
        self.candidates = [{**m.customer.as_dict(), "score": m.score, "matched": m.why} for m in listed]


def no_customer(text: str) -> SyncError:
    return SyncError(
        ErrorInfo(
            ErrorKind.NOT_FOUND,
            "No such customer",
            f"No customer's name or ID, invoice number or deal name matches {text!r}.",
            "Check the spelling, or run a sync first: names come from the last sync.",
            code="NO_CUSTOMER",
        )
    )


def resolve(customers: dict[str, Customer], text: str) -> Customer:
    """The one customer ``text`` means, or AmbiguousCustomer / a NOT_FOUND SyncError."""
    matches = rank(customers, text)
    if not matches:
        raise no_customer(text)
    exact = [m for m in matches if m.score >= EXACT]
    if len(exact) == 1:
        return exact[0].customer
    if len(exact) > 1:
        # an exact ID beats a customer merely named like it; a customer's own name beats a deal's
        for kinds in (("id",), ("id", "invoice"), ("id", "invoice", "name", "account name")):
            first = [m for m in exact if m.why in kinds]
            if len(first) == 1:
                return first[0].customer
            if first:
                break
        raise AmbiguousCustomer(text, exact)
    if len(matches) == 1 or matches[0].score - matches[1].score >= CLEAR_LEAD:
        return matches[0].customer
    literal = [m for m in matches if m.literal]
    if len(literal) == 1 and matches[0].literal:  # the others only look like it (a typo would explain them)
        return literal[0].customer
    raise AmbiguousCustomer(text, matches)
