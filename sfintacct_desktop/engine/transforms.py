"""Named transforms: one canonical, comparable, JSON-able form per kind of mapped value.

The engine compares, stores as the merge base and writes to the *other* side the canonical value,
so two spellings of the same fact ("(415) 555-0101" and "+1 415.555.0101"; "USA" and
"United States") never count as a change and never ping-pong between the systems. Every
``canonical`` is idempotent (``canonical(canonical(x)) == canonical(x)``), which is what makes
echo suppression hold after a write. Pure code: no I/O.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, ClassVar
from urllib.parse import urlsplit

import phonenumbers

MAX_STREET_LINES = 3  # Intacct MAILADDRESS.ADDRESS1..3
STREET_JOIN = ", "  # lines beyond the third are joined onto it (as the Intacct connector writes them)
_WS = re.compile(r"\s+")


def _text(value: Any) -> str:
    if value is None:
        return ""
    # str.split() splits on exactly the characters ``\s`` matches; a join of its parts is the
    # text stripped with whitespace runs collapsed, several times faster than the regex
    return " ".join(str(value).split())


class Transform:
    """Base: ``canonical`` for comparison/storage/writing; ``equal`` compares canonical forms."""

    name: ClassVar[str] = ""

    def canonical(self, value: Any, *, region: str = "") -> Any:
        raise NotImplementedError

    def equal(self, a: Any, b: Any, *, region: str = "") -> bool:
        return bool(self.canonical(a, region=region) == self.canonical(b, region=region))

    def to_native(self, value: Any, system: str) -> Any:
        """The value as ``system`` spells it, where it differs from the canonical one."""
        return value


class Text(Transform):
    """Strip and collapse internal whitespace; ``None`` and blanks are ``""``."""

    name = "text"

    def canonical(self, value: Any, *, region: str = "") -> str:
        return _text(value)


class PostalCode(Transform):
    """Strip, collapse whitespace, upper-case ("sw1a 1aa" equals "SW1A 1AA")."""

    name = "postal_code"

    def canonical(self, value: Any, *, region: str = "") -> str:
        return _text(value).upper()


class StreetLines(Transform):
    """A tuple of non-empty stripped lines, at most three (Intacct): extra lines join the last.

    Accepts a tuple/list of lines or one text with newlines (Salesforce ``BillingStreet``).
    Folding is part of the canonical form so that what Intacct can hold equals what was compared.
    """

    name = "street_lines"

    def canonical(self, value: Any, *, region: str = "") -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            raw: Iterable[Any] = value.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        else:
            raw = value
        lines = [_text(line) for line in raw]
        lines = [line for line in lines if line]
        if len(lines) > MAX_STREET_LINES:
            lines = [*lines[: MAX_STREET_LINES - 1], STREET_JOIN.join(lines[MAX_STREET_LINES - 1 :])]
        return tuple(lines)


class Bool(Transform):
    """True/False from bools and the usual spellings ("true", "1", "yes", "active")."""

    name = "bool"
    _TRUE = frozenset({"true", "1", "yes", "y", "on", "active", "t"})
    _FALSE = frozenset({"false", "0", "no", "n", "off", "inactive", "f", ""})

    def canonical(self, value: Any, *, region: str = "") -> bool:
        if isinstance(value, bool):
            return value
        if value is None:
            return False
        if isinstance(value, int):
            return value != 0
        word = _text(value).lower()
        if word in self._TRUE:
            return True
        if word in self._FALSE:
            return False
        raise ValueError(f"not a yes/no value: {value!r}")


class InvertedBool(Bool):
    """Canonical ``active``; Salesforce keeps the negation (``Intacct_Inactive__c``)."""

    name = "inverted_bool"
    inverted_on: ClassVar[str] = "salesforce"

    def to_native(self, value: Any, system: str) -> Any:
        flag = self.canonical(value)
        return (not flag) if system == self.inverted_on else flag


class Money(Transform):
    """Decimal money as a string with two places ("12.5" -> "12.50"); ``None`` stays ``None``.

    Floats are refused: a binary float cannot carry a price exactly.
    """

    name = "decimal"
    places: ClassVar[Decimal] = Decimal("0.01")

    def canonical(self, value: Any, *, region: str = "") -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, float | bool):
            raise TypeError(f"money must be Decimal, int or str, not {type(value).__name__}")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(f"not a number: {value!r}") from exc
        if not number.is_finite():
            raise ValueError(f"not a finite number: {value!r}")
        text = str(number.quantize(self.places, rounding=ROUND_HALF_UP))
        return "0.00" if text == "-0.00" else text

    def to_native(self, value: Any, system: str) -> Any:
        canon = self.canonical(value)
        return None if canon is None else Decimal(canon)


class Phone(Transform):
    """E.164 ("+14155550101") via phonenumbers, default region the record's country or US.

    A value that does not parse as a possible number is kept as stripped text.
    """

    name = "phone"

    def canonical(self, value: Any, *, region: str = "") -> str:
        text = _text(value)
        if not text:
            return ""
        return _phone_canonical(text, region.upper())


@functools.lru_cache(maxsize=65_536)
def _phone_canonical(text: str, region: str) -> str:
    """E.164 of ``text`` (a pure function of text and region, so cached: parsing is the most
    expensive step of a merge, and every cycle compares the same few thousand numbers again)."""
    default = region if region in phonenumbers.SUPPORTED_REGIONS else "US"
    if default in ("US", "CA") and (fast := _nanp_e164(text)):
        return fast
    try:
        number = phonenumbers.parse(text, default)
    except phonenumbers.NumberParseException:
        return text
    if not phonenumbers.is_possible_number(number):
        return text
    formatted = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if number.extension:
        formatted += f" ext. {number.extension}"
    # Keep the raw text unless E.164 is itself a fixed point (idempotence over odd inputs).
    again = phonenumbers.parse(formatted, default)
    if phonenumbers.format_number(again, phonenumbers.PhoneNumberFormat.E164) != formatted.split(" ext. ")[0]:
        return text
    return formatted


_NANP = re.compile(r"\+?1?[\s().-]*\(?([2-9]\d{2})\)?[\s.-]*(\d{3})[\s.-]*(\d{4})")


def _nanp_e164(text: str) -> str:
    """E.164 of a plain North American number ("(415) 555-0101", "+1 415.555.0101"), "" otherwise.

    Only spellings phonenumbers reads the same way for US and CA (ten digits after an optional 1,
    separators only, no extension): a baseline plan canonicalises 100,000 numbers, one parse each."""
    found = _NANP.fullmatch(text)
    if found is None or (text[0] == "+" and not text[1:].lstrip().startswith("1")):
        return ""
    return "+1" + "".join(found.groups())


class Url(Transform):
    """Keeps the value as typed (stripped) but compares by lower-case host and path.

    Decision: the other side receives the user's spelling, not a rewritten URL;
    "HTTPS://Example.com/" equals "example.com". "www." is significant (a different host).
    """

    name = "url"

    def canonical(self, value: Any, *, region: str = "") -> str:
        return _text(value)

    @staticmethod
    def key(value: Any) -> str:
        text = _text(value)
        if not text:
            return ""
        parts = urlsplit(text if "://" in text else "//" + text)
        host = (parts.hostname or "").lower()
        port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
        path = parts.path.rstrip("/")
        query = f"?{parts.query}" if parts.query else ""
        return f"{host}{port}{path}{query}"

    def equal(self, a: Any, b: Any, *, region: str = "") -> bool:
        try:
            return self.key(a) == self.key(b)
        except ValueError:  # an unparseable port: compare the text
            return _text(a) == _text(b)


class Country(Transform):
    """Country names, aliases and codes -> ISO 3166 alpha-2 ("USA", "U.S.A." -> "US").

    Unknown values are kept as given (whitespace-collapsed) and :meth:`is_known` flags them.
    ``name_for(code)`` gives the English name Salesforce ``BillingCountry`` and Intacct ``COUNTRY`` use.
    """

    name = "country"

    def canonical(self, value: Any, *, region: str = "") -> str:
        text = _text(value)
        if not text:
            return ""
        return country_code(text) or text

    def is_known(self, value: Any) -> bool:
        text = _text(value)
        return not text or country_code(text) is not None

    def name_for(self, value: Any) -> str:
        return country_name(self.canonical(value))


# ------------------------------------------------------------------------- countries
# (code, name as Salesforce/Intacct spell it, aliases...). Any other ISO code phonenumbers knows
# is accepted as a code too; names for those come from phonenumbers' English display names.
_COUNTRIES: tuple[tuple[str, ...], ...] = (
    ("US", "United States", "USA", "U.S.A.", "U.S.", "United States of America", "America", "Vereinigte Staaten"),
    ("CA", "Canada"),
    ("MX", "Mexico", "México"),
    ("GB", "United Kingdom", "UK", "U.K.", "Great Britain", "Britain", "England", "Scotland", "Wales"),
    ("IE", "Ireland", "Éire", "Republic of Ireland"),
    ("DE", "Germany", "Deutschland", "Federal Republic of Germany", "Allemagne"),
    ("FR", "France", "Frankreich"),
    ("ES", "Spain", "España", "Espana"),
    ("PT", "Portugal"),
    ("IT", "Italy", "Italia"),
    ("NL", "Netherlands", "The Netherlands", "Holland", "Nederland"),
    ("BE", "Belgium", "België", "Belgique"),
    ("LU", "Luxembourg"),
    ("CH", "Switzerland", "Schweiz", "Suisse", "Svizzera"),
    ("AT", "Austria", "Österreich", "Osterreich"),
    ("DK", "Denmark", "Danmark"),
    ("SE", "Sweden", "Sverige"),
    ("NO", "Norway", "Norge"),
    ("FI", "Finland", "Suomi"),
    ("IS", "Iceland"),
    ("PL", "Poland", "Polska"),
    ("CZ", "Czechia", "Czech Republic", "Česko"),
    ("SK", "Slovakia"),
    ("HU", "Hungary", "Magyarország"),
    ("RO", "Romania"),
    ("BG", "Bulgaria"),
    ("GR", "Greece", "Hellas"),
    ("HR", "Croatia", "Hrvatska"),
    ("SI", "Slovenia"),
    ("EE", "Estonia"),
    ("LV", "Latvia"),
    ("LT", "Lithuania"),
    ("UA", "Ukraine"),
    ("RU", "Russia", "Russian Federation"),
    ("TR", "Turkey", "Türkiye", "Turkiye"),
    ("IL", "Israel"),
    ("AE", "United Arab Emirates", "UAE", "U.A.E."),
    ("SA", "Saudi Arabia", "KSA"),
    ("QA", "Qatar"),
    ("EG", "Egypt"),
    ("ZA", "South Africa", "RSA"),
    ("NG", "Nigeria"),
    ("KE", "Kenya"),
    ("MA", "Morocco"),
    ("IN", "India", "Bharat"),
    ("PK", "Pakistan"),
    ("CN", "China", "People's Republic of China", "PRC"),
    ("HK", "Hong Kong"),
    ("TW", "Taiwan"),
    ("JP", "Japan", "Nippon"),
    ("KR", "South Korea", "Korea, Republic of", "Republic of Korea", "Korea"),
    ("SG", "Singapore"),
    ("MY", "Malaysia"),
    ("TH", "Thailand"),
    ("VN", "Vietnam", "Viet Nam"),
    ("ID", "Indonesia"),
    ("PH", "Philippines"),
    ("AU", "Australia"),
    ("NZ", "New Zealand", "Aotearoa"),
    ("BR", "Brazil", "Brasil"),
    ("AR", "Argentina"),
    ("CL", "Chile"),
    ("CO", "Colombia"),
    ("PE", "Peru", "Perú"),
    ("VE", "Venezuela"),
    ("UY", "Uruguay"),
    ("CR", "Costa Rica"),
    ("PR", "Puerto Rico"),
)


def _country_key(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    folded = folded.casefold().replace(".", "").replace("’", "'")
    return _WS.sub(" ", folded).strip()


def _build_tables() -> tuple[dict[str, str], dict[str, str]]:
    by_key: dict[str, str] = {}
    names: dict[str, str] = {}
    try:  # English display names for the codes outside the built-in table (private helper)
        from phonenumbers.geocoder import _region_display_name as display
    except ImportError:  # pragma: no cover - a phonenumbers without it: codes only
        display = None
    for region in phonenumbers.SUPPORTED_REGIONS:
        if len(region) != 2 or not region.isalpha():
            continue
        by_key[_country_key(region)] = region
        if display is not None:
            shown = display(region, "en") or ""
            if shown:
                names[region] = shown
                by_key.setdefault(_country_key(shown), region)
    for code, name, *aliases in _COUNTRIES:
        names[code] = name
        for spelling in (code, name, *aliases):
            by_key[_country_key(spelling)] = code
    return by_key, names


@functools.cache
def _tables() -> tuple[dict[str, str], dict[str, str]]:
    """Built on first use: the geocoder's display names cost ~0.3 s to import (fast start)."""
    return _build_tables()


@functools.lru_cache(maxsize=4096)
def country_code(value: str) -> str | None:
    """ISO alpha-2 for a country name, alias or code; ``None`` when unknown."""
    return _tables()[0].get(_country_key(value))


def country_name(code: str) -> str:
    """The English name for a code (as Salesforce BillingCountry and Intacct COUNTRY hold it)."""
    return _tables()[1].get(code.upper(), code) if code else ""


TRANSFORMS: dict[str, Transform] = {
    t.name: t for t in (Text(), PostalCode(), StreetLines(), Bool(), InvertedBool(), Money(), Phone(), Url(), Country())
}


def get_transform(name: str) -> Transform:
    """The named transform; ``KeyError`` for an unknown name."""
    return TRANSFORMS[name]
