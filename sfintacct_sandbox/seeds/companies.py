"""Company profiles and the many ways two people key the same company.

A :class:`Company` is the real-world entity; :func:`render_account` and :func:`render_customer`
turn it into a Salesforce Account body and an Intacct CUSTOMER body using independent styles, so
that the same company ends up with realistic drift (legal suffix, case, punctuation, "The",
"&"/"and", abbreviations, typos, phone/address/country/website formats) between the two systems.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any

from sfintacct_sandbox.seeds import names as n

NAME_DRIFTS = (
    "suffix",
    "suffix_missing",
    "case",
    "punctuation",
    "the_prefix",
    "ampersand",
    "abbreviation",
    "typo",
    "spacing",
)


@dataclass(frozen=True)
class Company:
    """One real company; everything else is a rendering of it."""

    core: str  # name without legal suffix or "The", e.g. "Hawkins & Reyes Consulting"
    the: bool  # the canonical name starts with "The "
    suffix: str  # legal family key in names.SUFFIX_FORMS
    city: n.City
    street_no: int
    street: str  # "Market" (US, typed) or a full foreign street name
    street_type: str  # "Street" etc.; "" for foreign streets
    unit: str  # suite number, "" when none
    postal: str  # 5-digit ZIP or foreign postcode
    zip4: str  # ZIP+4 extension (US only)
    phone: str  # local digits after the area code
    domain: str
    industry: str
    account_type: str


@dataclass(frozen=True)
class NameStyle:
    """How one person types the company name."""

    suffix_form: str
    the: str = "lead"  # lead | none | trail
    amp: str = "&"  # & | and
    abbreviate: bool = False
    case: str = "asis"  # asis | upper | lower
    typo: int = -1  # -1: none; otherwise picks the letter pair to swap
    merge: bool = False  # "Blue Harbor" -> "BlueHarbor"
    punct: bool = False  # hyphenate / drop apostrophes and dots


class PhoneBook:
    """Hands out unique fictional numbers per dialling area so distinct companies never share one."""

    def __init__(self, start: int = 100) -> None:
        self._next: dict[tuple[str, str], int] = {}
        self._start = start

    def allocate(self, city: n.City) -> str:
        key = (city.country, city.area)
        k = self._next.get(key, self._start)
        self._next[key] = k + 1
        if city.country == "GB":
            return f"7946{k % 10000:04d}" if city.area == "20" else f"496{k % 10000:04d}"
        return f"555{k % 10000:04d}"


def slug(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def new_core(rng: random.Random) -> tuple[str, bool]:
    """A plausible company core name and whether it canonically carries "The "."""
    t = rng.random()
    ind = rng.choice(n.INDUSTRY_WORDS)
    if t < 0.40:
        return f"{rng.choice(n.FIRST_WORDS)} {rng.choice(n.SECOND_WORDS)} {ind}", False
    if t < 0.55:
        a, b = rng.sample(n.SURNAMES, 2)
        return f"{a} & {b} {ind}", False
    if t < 0.68:
        return f"{rng.choice(n.FIRST_WORDS)} {ind}", False
    if t < 0.80:
        return f"{rng.choice(n.SURNAMES)} {ind}", False
    if t < 0.88:
        return f"{rng.choice(n.FIRST_WORDS)} {rng.choice(n.GROUP_WORDS)}", True
    middle = rng.choice(("International", "Brothers", "Mountain"))
    first = rng.choice(n.SURNAMES) if middle == "Brothers" else rng.choice(n.FIRST_WORDS)
    return f"{first} {middle} {ind}", False


def new_company(
    rng: random.Random,
    phones: PhoneBook,
    *,
    core: str | None = None,
    the: bool = False,
    city: n.City | None = None,
    suffix: str | None = None,
    domain: str | None = None,
) -> Company:
    """Draw a company; keyword arguments pin the parts a scenario needs (near misses, renames)."""
    if core is None:
        core, the = new_core(rng)
    if city is None:
        city = rng.choice(n.US_CITIES) if rng.random() < 0.85 else rng.choice(n.INTL_CITIES)
    if suffix is None:
        suffix = rng.choice(n.COUNTRY_SUFFIXES[city.country])
    if city.country == "US":
        street = rng.choice(n.STREET_NAMES)
        street_type = rng.choice(tuple(n.STREET_TYPES))
        postal = f"{city.zip_base + rng.randrange(0, 12):05d}"
        zip4 = f"{rng.randrange(1000, 9999):04d}"
        street_no = rng.choice((rng.randrange(1, 200), rng.randrange(100, 9999)))
    else:
        street = rng.choice(n.INTL_STREETS.get(city.country, n.INTL_STREETS["GB"]))
        street_type = ""
        zip4 = ""
        street_no = rng.randrange(1, 180)
        if city.city in n.POSTCODES:
            postal = rng.choice(n.POSTCODES[city.city])
        else:
            postal = f"{city.zip_base + rng.randrange(0, 90):05d}"
    unit = str(rng.choice((100, 200, 210, 300, 400, 450, 500, 1200, 1500))) if rng.random() < 0.45 else ""
    if domain is None:
        words = core.replace("&", " ").split()
        domain = slug("".join(words[:2])) + rng.choice((".com", ".com", ".com", ".io", ".net", ".co"))
        if city.country in ("GB", "DE", "FR", "ES"):
            domain = domain.rsplit(".", 1)[0] + {"GB": ".co.uk", "DE": ".de", "FR": ".fr", "ES": ".es"}[city.country]
    return Company(
        core=core,
        the=the,
        suffix=suffix,
        city=city,
        street_no=street_no,
        street=street,
        street_type=street_type,
        unit=unit,
        postal=postal,
        zip4=zip4,
        phone=phones.allocate(city),
        domain=domain,
        industry=rng.choice(n.SF_INDUSTRIES),
        account_type=rng.choice(n.SF_ACCOUNT_TYPES),
    )


# --- names -------------------------------------------------------------------------------------


def base_style(c: Company) -> NameStyle:
    """The canonical way to write the name."""
    return NameStyle(suffix_form=n.SUFFIX_FORMS[c.suffix][0], the="lead" if c.the else "none")


def available_drifts(c: Company) -> list[str]:
    """Name drifts that can actually change this company's name."""
    kinds = ["case", "punctuation", "typo", "spacing"]
    if c.suffix:
        kinds += ["suffix", "suffix", "suffix_missing"]
    if c.the:
        kinds.append("the_prefix")
    if "&" in c.core:
        kinds += ["ampersand", "ampersand"]
    if any(w in n.ABBREVIATIONS for w in c.core.split()):
        kinds += ["abbreviation", "abbreviation"]
    return kinds


def drift_style(rng: random.Random, c: Company, style: NameStyle, kind: str) -> NameStyle:
    """Apply one kind of name drift to a style."""
    if kind == "suffix":
        forms = [f for f in n.SUFFIX_FORMS[c.suffix] if f != style.suffix_form]
        return replace(style, suffix_form=rng.choice(forms))
    if kind == "suffix_missing":
        return replace(style, suffix_form="")
    if kind == "case":
        return replace(style, case=rng.choice(("upper", "upper", "lower")))
    if kind == "punctuation":
        return replace(style, punct=True)
    if kind == "the_prefix":
        return replace(style, the=rng.choice(("none", "trail")))
    if kind == "ampersand":
        return replace(style, amp="and")
    if kind == "abbreviation":
        return replace(style, abbreviate=True)
    if kind == "typo":
        return replace(style, typo=rng.randrange(1, 1000))
    if kind == "spacing":
        return replace(style, merge=True)
    raise ValueError(kind)


def _typo(word: str, seed: int) -> str:
    if len(word) < 5:
        return word
    i = 1 + seed % (len(word) - 2)
    op = seed % 3
    if op == 0:  # swap adjacent letters
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if op == 1:  # drop a letter
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]  # double a letter


def render_name(c: Company, s: NameStyle) -> str:
    """Render the company name the way one person would type it."""
    words = c.core.split()
    if s.amp == "and":
        words = ["and" if w == "&" else w for w in words]
    if s.abbreviate:
        for i, w in enumerate(words):
            if w in n.ABBREVIATIONS:
                words[i] = n.ABBREVIATIONS[w]
                break
    if s.typo >= 0:
        idx = [i for i, w in enumerate(words) if len(w) >= 5 and w.isalpha()]
        if idx:
            i = idx[s.typo % len(idx)]
            words[i] = _typo(words[i], s.typo)
    if s.merge and len(words) >= 2 and words[0].isalpha() and words[1].isalpha() and words[1] != "and":
        words[0:2] = [words[0] + words[1]]
    text = " ".join(words)
    if s.punct:
        stripped = text.replace("'", "").replace(".", "")
        if stripped != text:
            text = stripped
        elif " & " in text:
            text = text.replace(" & ", "&", 1)
        elif len(words) >= 2 and words[0].isalpha() and words[1].isalpha():
            text = text.replace(" ", "-", 1)
        else:
            text = text.replace(" ", ". ", 1)
    if s.suffix_form:
        sep = "" if s.suffix_form[0] == "," else " "
        text = f"{text}{sep}{s.suffix_form}"
    if s.the == "lead" and c.the:
        text = f"The {text}"
    elif s.the == "trail" and c.the:
        text = f"{text}, The"
    if s.case == "upper":
        text = text.upper()
    elif s.case == "lower":
        text = text.lower()
    return text


def name_drifts(c: Company, a: NameStyle, b: NameStyle) -> list[str]:
    """The kinds of name drift that really separate two renderings (no-op drifts are not listed)."""
    out: list[str] = []
    if a.suffix_form and b.suffix_form and a.suffix_form != b.suffix_form:
        out.append("suffix")
    if bool(a.suffix_form) != bool(b.suffix_form):
        out.append("suffix_missing")
    neutral = {
        "case": "asis",
        "punct": False,
        "the": "lead" if c.the else "none",
        "amp": "&",
        "abbreviate": False,
        "typo": -1,
        "merge": False,
    }
    tags = {
        "case": "case",
        "punct": "punctuation",
        "the": "the_prefix",
        "amp": "ampersand",
        "abbreviate": "abbreviation",
        "typo": "typo",
        "merge": "spacing",
    }
    for attr, tag in tags.items():
        if getattr(a, attr) == getattr(b, attr):
            continue
        # Only count it when the attribute changes the text on its own.
        for s in (a, b):
            if getattr(s, attr) != neutral[attr] and render_name(c, s) != render_name(
                c, replace(s, **{attr: neutral[attr]})
            ):
                out.append(tag)
                break
    return out


# --- contact formats ---------------------------------------------------------------------------


def format_phone(c: Company, style: int) -> str:
    """Render the phone in one of the formats people actually type."""
    area, local, cc = c.city.area, c.phone, n.COUNTRY_DIAL[c.city.country]
    if cc == "1":
        a, b = local[:3], local[3:]
        forms = (
            f"({area}) {a}-{b}",
            f"{area}.{a}.{b}",
            f"+1 {area} {a} {b}",
            f"{area}-{a}-{b}",
            f"{area}{a}{b}",
            f"+1 ({area}) {a}-{b}",
            f"1-{area}-{a}-{b}",
            f"({area}) {a}-{b} x{200 + style}",
        )
    else:
        grouped = f"{local[:4]} {local[4:]}" if len(local) == 8 else f"{local[:3]} {local[3:]}"
        forms = (f"+{cc} {area} {grouped}", f"0{area} {grouped}", f"+{cc} (0){area} {grouped}", f"+{cc}{area}{local}")
    return forms[style % len(forms)]


def format_website(domain: str, style: int) -> str:
    forms = (
        f"https://www.{domain}",
        f"www.{domain}",
        domain,
        f"http://{domain}/",
        f"https://{domain}",
        f"http://www.{domain}",
    )
    return forms[style % len(forms)]


def _street_lines(c: Company, long_type: bool, unit_word: str) -> tuple[str, str]:
    if c.street_type:
        kind = (
            c.street_type
            if long_type
            else n.STREET_TYPES[c.street_type][c.street_no % len(n.STREET_TYPES[c.street_type])]
        )
        line1 = f"{c.street_no} {c.street} {kind}"
    elif c.city.country in ("DE", "ES", "FR") and not c.street.startswith(("Rue", "Avenue", "Boulevard")):
        line1 = f"{c.street} {c.street_no}"
    else:
        line1 = f"{c.street_no} {c.street}"
    line2 = f"{unit_word} {c.unit}".replace("# ", "#") if c.unit else ""
    return line1, line2


def _postal(c: Company, zip9: bool) -> str:
    return f"{c.postal}-{c.zip4}" if zip9 and c.zip4 else c.postal


def render_account(rng: random.Random, c: Company, style: NameStyle, **extra: Any) -> dict[str, Any]:
    """A Salesforce Account create body: free-text billing address, any country spelling."""
    line1, line2 = _street_lines(c, rng.random() < 0.55, rng.choice(("Suite", "Suite", "Ste", "Ste.", "#", "Unit")))
    street = line1 if not line2 else line1 + rng.choice(("\n", "\n", ", ", " ")) + line2
    country = rng.choice(n.COUNTRY_SPELLINGS[c.city.country]) if rng.random() < 0.92 else None
    fields: dict[str, Any] = {
        "Name": render_name(c, style),
        "Type": c.account_type,
        "Industry": c.industry,
        "BillingStreet": street,
        "BillingCity": c.city.city,
        "BillingPostalCode": _postal(c, rng.random() < 0.3),
    }
    if c.city.state:
        fields["BillingState"] = c.city.state if rng.random() < 0.75 else c.city.state_name
    if country:
        fields["BillingCountry"] = country
    if rng.random() < 0.9:
        fields["Phone"] = format_phone(c, rng.randrange(0, 8))
    if rng.random() < 0.85:
        fields["Website"] = format_website(c.domain, rng.randrange(0, 6))
    fields.update(extra)
    return fields


def render_customer(
    rng: random.Random, c: Company, style: NameStyle, customer_id: str, *, status: str = "active"
) -> dict[str, Any]:
    """An Intacct CUSTOMER create body: structured address, canonical country name and code."""
    name = render_name(c, style)
    line1, line2 = _street_lines(c, rng.random() < 0.35, rng.choice(("Suite", "Ste", "Ste", "STE", "#", "Floor")))
    if line2 and rng.random() < 0.3:
        line1, line2 = f"{line1}, {line2}", ""
    addr: dict[str, Any] = {"ADDRESS1": line1}
    if line2:
        addr["ADDRESS2"] = line2
    addr["CITY"] = c.city.city
    if c.city.state:
        addr["STATE"] = c.city.state
    addr["ZIP"] = _postal(c, rng.random() < 0.5)
    addr["COUNTRY"] = n.COUNTRY_NAMES[c.city.country]
    addr["COUNTRYCODE"] = c.city.country
    contact: dict[str, Any] = {"PRINTAS": name, "COMPANYNAME": name}
    if rng.random() < 0.92:
        contact["PHONE1"] = format_phone(c, rng.randrange(0, 8))
    contact["EMAIL1"] = f"{rng.choice(n.EMAIL_BOXES)}@{c.domain}"
    if rng.random() < 0.6:
        contact["URL1"] = format_website(c.domain, rng.randrange(0, 6))
    contact["MAILADDRESS"] = addr
    return {
        "CUSTOMERID": customer_id,
        "NAME": name,
        "DISPLAYCONTACT": contact,
        "STATUS": status,
        "TERMNAME": "Net 30",
    }


def customer_id_from_name(c: Company) -> str:
    """The older, hand-made ID style ("BLUEHARBOR"): letters of the first words, at most 12."""
    return slug(c.core.replace("&", ""))[:12].upper()
