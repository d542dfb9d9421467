"""Cleanse and standardise customers and products into comparable features.

Two people key the same company differently ("The Acme Corp." / "ACME CORPORATION"; "(415) 555-0101"
/ "+1 415.555.0101"; "USA" / "United States"). Matching compares *features* in which those
spellings coincide: a name match key without case, accents, punctuation, "The" or legal suffix (the
suffix *class* is kept apart as a hint: "Acme Inc" vs "Acme GmbH" are likely different entities),
E.164 phones, ISO countries, postal keys, normalised street keys and website domains.

Phones and countries reuse :mod:`sfintacct_desktop.engine.transforms` so that matching and syncing
agree on what "the same value" means. Pure code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from ...domain import Customer, Product
from ..transforms import Phone, country_code, country_name
from .vocabulary import ABBREVIATIONS, FREE_MAIL, LEGAL_SUFFIXES, SHARED_HOSTS, STREET_WORDS, UNIT_WORDS

_WS = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s#]")
_NON_DIGIT = re.compile(r"\D")
_NON_ALNUM = re.compile(r"[^0-9A-Z]")
_ZIP = re.compile(r"^(\d{5})(?:-?\d{4})?$")
_PHONE = Phone()
_MAX_SUFFIX_TOKENS = max(len(k) for k in LEGAL_SUFFIXES)


class Standardised(NamedTuple):
    """A standardised value for loading, and whether it differs from what the operator typed."""

    value: Any
    changed: bool


@dataclass(frozen=True, slots=True)
class CleanRecord:
    """The comparable features of one customer or product (``kind`` "customer" | "product").

    ``seniority`` orders records of one system by age (older first): the survivor among duplicates.
    Slots: a plan holds 100,000 of these at 50,000 a side, and a per-record dict doubles their size.
    """

    system: str
    key: str
    kind: str
    name: str
    name_key: str
    name_compact: str
    suffix_class: str = ""
    phone: str = ""
    domain: str = ""
    email_domain: str = ""
    street: str = ""
    street_core: str = ""
    street_number: str = ""
    city: str = ""
    postal: str = ""
    postal_key: str = ""
    country: str = ""
    number: str = ""
    key_norm: str = ""  # the shared key, upper-case letters and digits: AccountNumber / CUSTOMERID
    code: str = ""
    cross_ref: str = ""
    price: Decimal | None = None
    active: bool = True
    deleted: bool = False
    seniority: tuple[int, str] = (0, "")

    @property
    def tokens(self) -> tuple[str, ...]:
        return tuple(self.name_key.split())


# ----------------------------------------------------------------------------- text helpers
def collapse(value: Any) -> str:
    """Trimmed text with internal whitespace collapsed to single spaces."""
    return "" if value is None else _WS.sub(" ", str(value)).strip()


def standardise_text(value: Any) -> Standardised:
    text = collapse(value)
    return Standardised(text, text != ("" if value is None else str(value)))


def fold(text: str) -> str:
    """Case-folded, accents stripped (NFKD), whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return collapse(stripped.casefold())


def _words(text: str) -> list[str]:
    """Folded words: "&" -> and, apostrophes and dots join ("L.L.C." -> llc), other punctuation splits."""
    folded = fold(text).replace("&", " and ").replace("+", " and ")
    folded = folded.replace("'", "").replace("’", "").replace(".", "")
    return _PUNCT.sub(" ", folded).replace("_", " ").split()


# ----------------------------------------------------------------------------- names
@lru_cache(maxsize=262_144)
def name_key(name: str) -> tuple[str, str]:
    """(match key, legal suffix class) of a company or product name.

    "The Acme Corp." -> ("acme", "corp"); "Hawkins & Reyes Svcs, LLC" -> ("hawkins and reyes services", "llc").
    """
    words = _words(name)
    if words and words[0] == "the":
        words = words[1:]
    if words and words[-1] == "the":  # "Acme Group, The"
        words = words[:-1]
    suffix = ""
    stripped = True
    while stripped and len(words) > 1:
        stripped = False
        for size in range(min(_MAX_SUFFIX_TOKENS, len(words) - 1), 0, -1):
            found = LEGAL_SUFFIXES.get(tuple(words[-size:]))
            if found:
                suffix = suffix or found
                words = words[:-size]
                stripped = True
                break
        while len(words) > 1 and words[-1] == "and":  # "Smith & Co." -> "smith"
            words = words[:-1]
    words = [ABBREVIATIONS.get(w, w) for w in words]
    return " ".join(words), suffix


def product_key(name: str) -> str:
    """A product name's match key: folded, punctuation-free, abbreviations expanded; no suffix logic."""
    return " ".join(ABBREVIATIONS.get(w, w) for w in _words(name))


# ----------------------------------------------------------------------------- contact fields
def country_of(country: str, code: str = "") -> str:
    """ISO alpha-2 from a code field or a country name; "" when unknown."""
    for value in (code, country):
        text = collapse(value)
        if text:
            found = country_code(text)
            if found:
                return found
    return ""


_NANP_EXT = re.compile(r"\s*(?:x|ext\.?|extension)\s*\d{1,6}$", re.IGNORECASE)
_NANP_CHARS = re.compile(r"^[+]?[\d\s().-]+$")


def _nanp_fast(text: str, country: str) -> str | None:
    """E.164 for the common North American spellings without a full phonenumbers parse (speed at 50k).

    Only takes the cases where phonenumbers gives the same answer (10 digits, or 11 with the leading
    1, separators only); everything else returns None and goes through :class:`transforms.Phone`.
    """
    if country not in ("", "US", "CA"):
        return None
    body = _NANP_EXT.sub("", text)
    if not _NANP_CHARS.match(body):
        return None
    digits = _NON_DIGIT.sub("", body)
    if body.startswith("+") and not digits.startswith("1"):
        return None
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    if len(digits) != 10 or digits[0] in "01":
        return None
    return "+1" + digits


def placeholder_phone(key: str) -> bool:
    """A number typed to fill a mandatory field ("000-000-0000", "(555) 555-5555", "123-456-7890").

    Many unrelated records carry the same placeholder, so it must never count as the same phone.
    """
    digits = _NON_DIGIT.sub("", key)
    ten = digits[-10:]
    return len(set(digits[-7:])) == 1 or (len(ten) == 10 and (ten in "01234567890" or ten == "9876543210"))


@lru_cache(maxsize=262_144)
def phone_key(phone: str, country: str = "") -> str:
    """E.164 without extension (the comparable part); digits only when it does not parse; "" if
    blank or a placeholder."""
    text = collapse(phone)
    if not text:
        return ""
    fast = _nanp_fast(text, country)
    if fast is not None:
        return "" if placeholder_phone(fast) else fast
    canonical = _PHONE.canonical(text, region=country or "US")
    base = canonical.split(" ext. ")[0]
    if not base.startswith("+"):
        digits = _NON_DIGIT.sub("", text)
        base = digits if len(digits) >= 7 else ""
    return "" if base and placeholder_phone(base) else base


def shared_host(host: str) -> bool:
    """A host many companies share (a social page, a free mailbox): no evidence of identity."""
    if host in FREE_MAIL or host in SHARED_HOSTS:
        return True
    if host.count(".") < 2:  # "acme.com": no sub-host to look at (the common case, kept fast)
        return False
    parts = host.split(".")
    return any(".".join(parts[k:]) in SHARED_HOSTS for k in range(1, len(parts) - 1))


def domain_of(website: str) -> str:
    """The host of a website without scheme, ``www.``, port or path, lower-case; "" if none or
    shared by unrelated companies (``facebook.com/acme``, ``sites.google.com/...``, ``gmail.com``)."""
    text = collapse(website)
    if not text or " " in text:
        return ""
    try:
        host = urlsplit(text if "://" in text else "//" + text).hostname or ""
    except ValueError:
        return ""
    host = host.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    return host if "." in host and not shared_host(host) else ""


def email_domain(email: str) -> str:
    """The domain of a business e-mail address; "" for free-mail providers and shared hosts."""
    text = collapse(email).lower()
    if "@" not in text:
        return ""
    domain = text.rsplit("@", 1)[1].strip(".")
    return "" if "." not in domain or shared_host(domain) else domain


def key_norm(key: str) -> str:
    """A shared key compared without case, spaces or punctuation ("c-1005 " = "C1005")."""
    text = key.strip().upper()
    return text if text.isalnum() and text.isascii() else _NON_ALNUM.sub("", text)


def postal_keys(postal: str, country: str) -> tuple[str, str]:
    """(normalised postal code, comparison key): US ZIP+4 keys on its 5 digits; others upper, no spaces."""
    text = collapse(postal).upper()
    if not text:
        return "", ""
    compact = text.replace(" ", "")
    if country in ("US", "") and (found := _ZIP.match(compact)):
        return compact, found.group(1)
    return compact, compact


def street_words(lines: tuple[str, ...] | list[str]) -> list[str]:
    """Folded street tokens with street types, directions and unit words abbreviated ("#200" -> # 200)."""
    text = " ".join(lines).replace("#", " # ")
    return [STREET_WORDS.get(w, w) for w in _words(text)]


def street_keys(lines: tuple[str, ...] | list[str]) -> tuple[str, str, str]:
    """(street key, street key without unit designators, house number)."""
    words = street_words(lines)
    core: list[str] = []
    skip = False
    for w in words:
        if skip:
            skip = False
            continue
        if w in UNIT_WORDS:
            skip = True
            continue
        core.append(w)
    number = next((w for w in core if w[:1].isdigit()), "")
    return " ".join(words), " ".join(core), number


@lru_cache(maxsize=65_536)
def city_key(city: str) -> str:
    words = _words(city)
    return " ".join("saint" if w == "st" else w for w in words)


# ----------------------------------------------------------------------------- records
def _seniority(system: str, key: str, record_no: str) -> tuple[int, str]:
    if record_no.isdigit():
        return int(record_no), key
    return (0, key) if system == "salesforce" else (10**12, key)


def cleanse_customer(customer: Customer) -> CleanRecord:
    """The match features of a customer (either system)."""
    addr = customer.address
    country = country_of(addr.country, addr.country_code)
    key, suffix = name_key(customer.name)
    street, core, number = street_keys(addr.lines)
    postal, pkey = postal_keys(addr.postal_code, country)
    system = str(customer.system)
    account_number = collapse(customer.number)
    # The shared key: Salesforce keeps the Intacct CUSTOMERID in AccountNumber; Intacct's is its key.
    shared = account_number if system == "salesforce" else customer.key
    return CleanRecord(
        system=system,
        key=customer.key,
        kind="customer",
        name=collapse(customer.name),
        name_key=key,
        name_compact=key.replace(" ", ""),
        suffix_class=suffix,
        phone=phone_key(customer.phone, country),
        domain=domain_of(customer.website),
        email_domain=email_domain(customer.email),
        street=street,
        street_core=core,
        street_number=number,
        city=city_key(addr.city),
        postal=postal,
        postal_key=pkey,
        country=country,
        number=account_number,
        key_norm=key_norm(shared),
        cross_ref=collapse(customer.cross_ref),
        active=customer.active,
        deleted=customer.deleted,
        seniority=_seniority(system, customer.key, customer.record_no),
    )


def cleanse_product(product: Product) -> CleanRecord:
    """The match features of a product (either system)."""
    key = product_key(product.name)
    system = str(product.system)
    return CleanRecord(
        system=system,
        key=product.key,
        kind="product",
        name=collapse(product.name),
        name_key=key,
        name_compact=key.replace(" ", ""),
        code=collapse(product.code),
        cross_ref=collapse(product.cross_ref),
        price=product.price,
        active=product.active,
        deleted=product.deleted,
        seniority=_seniority(system, product.key, product.record_no),
    )


def standardise_customer(customer: Customer) -> dict[str, Standardised]:
    """Values the operator may accept for loading: each standardised, with whether it changed.

    Names keep their legal suffix and case (only whitespace is cleaned); phones become E.164;
    countries the ISO code and its English name; postal codes upper-case; street lines trimmed.
    """
    addr = customer.address
    code = country_of(addr.country, addr.country_code)
    phone = _PHONE.canonical(customer.phone, region=code or "US") if collapse(customer.phone) else ""
    postal = collapse(addr.postal_code).upper()
    lines = tuple(collapse(line) for line in addr.lines if collapse(line))
    country = country_name(code) if code else collapse(addr.country)
    return {
        "name": standardise_text(customer.name),
        "phone": Standardised(phone, phone != customer.phone),
        "city": standardise_text(addr.city),
        "postal_code": Standardised(postal, postal != addr.postal_code),
        "street": Standardised(lines, lines != tuple(addr.lines)),
        "country": Standardised(country, country != addr.country),
        "country_code": Standardised(code, code != addr.country_code),
    }
