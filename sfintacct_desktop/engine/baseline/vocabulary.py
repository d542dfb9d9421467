"""Word lists for cleansing: legal suffixes, abbreviations, street words, free-mail and shared web hosts.

Kept apart from the rules in :mod:`.cleanse` so that extending a list (a new legal form, a local
abbreviation) never touches the logic.
"""

from __future__ import annotations

# Legal suffixes, as token sequences after folding (dots removed), -> their class.
LEGAL_SUFFIXES: dict[tuple[str, ...], str] = {
    ("inc",): "inc",
    ("incorporated",): "inc",
    ("llc",): "llc",
    ("ltd",): "ltd",
    ("limited",): "ltd",
    ("corp",): "corp",
    ("corporation",): "corp",
    ("co",): "co",
    ("company",): "co",
    ("gmbh",): "gmbh",
    ("ag",): "ag",
    ("sa",): "sa",
    ("s", "a"): "sa",
    ("sas",): "sas",
    ("sarl",): "sarl",
    ("bv",): "bv",
    ("nv",): "nv",
    ("plc",): "plc",
    ("pty", "ltd"): "pty",
    ("pty",): "pty",
    ("kk",): "kk",
    ("oy",): "oy",
    ("ab",): "ab",
    ("as",): "as",
    ("aps",): "aps",
    ("spa",): "spa",
    ("srl",): "srl",
}

# Common business abbreviations -> the word they stand for (applied per token, after folding).
ABBREVIATIONS: dict[str, str] = {
    "svcs": "services",
    "svc": "services",
    "srvcs": "services",
    "intl": "international",
    "mfg": "manufacturing",
    "labs": "laboratories",
    "lab": "laboratories",
    "tech": "technologies",
    "assoc": "associates",
    "assocs": "associates",
    "bros": "brothers",
    "dist": "distribution",
    "distrib": "distribution",
    "eng": "engineering",
    "engg": "engineering",
    "med": "medical",
    "pharma": "pharmaceuticals",
    "prop": "properties",
    "props": "properties",
    "instr": "instruments",
    "sys": "systems",
    "mtn": "mountain",
    "cnslt": "consulting",
    "consult": "consulting",
    "elec": "electric",
    "grp": "group",
    "natl": "national",
    "mgmt": "management",
    "mgt": "management",
    "dept": "department",
    "ctr": "center",
    "centre": "center",
    "univ": "university",
    "hldgs": "holdings",
    "std": "standard",
    "addl": "additional",
    "yr": "year",
    "yrs": "years",
    "sub": "subscription",
    "app": "application",
    "hr": "hour",
    "hrs": "hours",
    "pkg": "package",
}

# Street words -> their USPS-style abbreviation (both spellings end up identical).
STREET_WORDS: dict[str, str] = {
    "street": "st",
    "str": "st",
    "avenue": "ave",
    "av": "ave",
    "boulevard": "blvd",
    "road": "rd",
    "drive": "dr",
    "parkway": "pkwy",
    "lane": "ln",
    "court": "ct",
    "place": "pl",
    "square": "sq",
    "highway": "hwy",
    "terrace": "ter",
    "circle": "cir",
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
    "suite": "ste",
    "floor": "fl",
    "apartment": "apt",
    "room": "rm",
    "building": "bldg",
}
UNIT_WORDS = frozenset({"ste", "fl", "apt", "rm", "unit", "#", "bldg"})

# Mailbox providers anyone can sign up with: a shared e-mail domain there says nothing about identity.
FREE_MAIL = frozenset(
    {"gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com", "aol.com", "icloud.com"}
    | {"me.com", "msn.com", "gmx.de", "gmx.net", "web.de", "proton.me", "protonmail.com", "mail.com"}
    | {"ymail.com", "rocketmail.com", "mac.com", "yahoo.co.uk", "hotmail.co.uk", "live.co.uk", "btinternet.com"}
    | {"comcast.net", "att.net", "sbcglobal.net", "verizon.net", "cox.net", "charter.net", "earthlink.net"}
    | {"orange.fr", "free.fr", "wanadoo.fr", "t-online.de", "libero.it", "qq.com", "163.com", "yandex.ru"}
)

# Web hosts many unrelated companies share as their "website" (a social page, a listing): not an
# identity. Any sub-host of these is shared too (m.facebook.com, uk.linkedin.com, sites.google.com).
SHARED_HOSTS = frozenset(
    {"facebook.com", "fb.com", "linkedin.com", "instagram.com", "twitter.com", "x.com", "youtube.com"}
    | {"yelp.com", "google.com", "goo.gl", "business.site", "bit.ly", "linktr.ee", "tiktok.com", "pinterest.com"}
)
