"""The mapping file: which canonical fields sync, who owns each, and how values are compared.

One TOML file per profile (a user-editable copy of the shipped ``mapping_default.toml``), validated
on load so that a typo is a clear error with the file, the field and a hint, never a silent
"field not synced". The engine reads domain records through it (:meth:`EntityMapping.extract`)
and writes merged values back onto domain records (:meth:`EntityMapping.apply`); connectors
turn those records into native rows.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from ..domain.records import Address, Customer, Product
from .keys import validate_pattern
from .transforms import TRANSFORMS, Country, Transform

SUPPORTED_VERSIONS = (1,)
DEFAULT_FILE = "mapping_default.toml"


class Owner(StrEnum):
    SALESFORCE = "salesforce"
    INTACCT = "intacct"
    BOTH = "both"


class ConflictPolicy(StrEnum):
    REVIEW = "review"
    SALESFORCE = "salesforce"
    INTACCT = "intacct"


# Canonical fields per entity and the transforms that make sense for each.
_TEXTS = frozenset({"text", "phone", "url", "postal_code", "country"})
CANONICAL_FIELDS: dict[str, dict[str, frozenset[str]]] = {
    "customer": {
        "name": _TEXTS,
        "number": _TEXTS,
        "phone": _TEXTS,
        "website": _TEXTS,
        "email": _TEXTS,
        "address.lines": frozenset({"street_lines"}),
        "address.city": _TEXTS,
        "address.state": _TEXTS,
        "address.postal_code": _TEXTS,
        "address.country_code": frozenset({"country"}),
        "active": frozenset({"bool", "inverted_bool"}),
    },
    "product": {
        "name": _TEXTS,
        "code": _TEXTS,
        "description": _TEXTS,
        "active": frozenset({"bool", "inverted_bool"}),
        "price": frozenset({"decimal"}),
    },
}
_ENTITY_KEYS = {
    "customer": {"conflict_policy", "fields", "customer_id_pattern", "use_account_number"},
    "product": {"conflict_policy", "fields", "item_id_pattern", "use_product_code"},
}
_ENTITY_DEFAULTS = {
    "customer": {"customer_id_pattern": "SF-{seq:06d}", "use_account_number": True},
    "product": {"item_id_pattern": "SFP-{seq:06d}", "use_product_code": True},
}
_ID_MAX = {"customer_id_pattern": 20, "item_id_pattern": 30}  # CUSTOMERID / ITEMID lengths
_FIELD_KEYS = {"name", "salesforce", "intacct", "owner", "transform"}
_LINE_RE = re.compile(r"line (\d+)")


class MappingError(Exception):
    """A mapping file that cannot be used: says what, where (file, field) and how to fix it."""

    def __init__(self, title: str, message: str, hint: str = "", *, path: str = "", field: str = "") -> None:
        where = f"{path}: " if path else ""
        at = f" [{field}]" if field else ""
        super().__init__(f"{where}{title}{at}: {message}")
        self.title = title
        self.message = message
        self.hint = hint
        self.path = path
        self.field = field

    def as_dict(self) -> dict[str, str]:
        return {"title": self.title, "message": self.message, "hint": self.hint, "path": self.path, "field": self.field}


@dataclass(frozen=True)
class FieldMapping:
    """One field pair: canonical ``name`` <-> native fields on each side, its owner and transform."""

    name: str
    salesforce: tuple[str, ...]
    intacct: tuple[str, ...]
    owner: Owner
    transform_name: str

    @property
    def transform(self) -> Transform:
        return TRANSFORMS[self.transform_name]


@dataclass(frozen=True)
class EntityMapping:
    entity: str  # "customer" | "product"
    conflict_policy: ConflictPolicy
    fields: tuple[FieldMapping, ...]
    id_pattern: str  # customer_id_pattern / item_id_pattern
    use_source_number: bool  # use_account_number / use_product_code

    def field(self, name: str) -> FieldMapping:
        return self._by_name[name]  # KeyError for a name not mapped

    @cached_property
    def _by_name(self) -> dict[str, FieldMapping]:
        """Fields by name (why: ``apply`` and the merge look a field up per value of every record)."""
        return {f.name: f for f in reversed(self.fields)}  # the first of a name, as a scan found it

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @cached_property
    def _readers(self) -> tuple[tuple[str, Any, tuple[str, ...]], ...]:
        """Per field: its name, its transform's ``canonical`` and the attribute path to read (once)."""
        return tuple((f.name, f.transform.canonical, tuple(f.name.split("."))) for f in self.fields)

    def extract(self, record: Customer | Product) -> dict[str, Any]:
        """The canonical value of every mapped field of a domain record (phones parsed in its country)."""
        region = _record_region(record)
        out: dict[str, Any] = {}
        for name, canonical, path in self._readers:  # a cycle extracts both sides of every pair read
            if name == "address.country_code":
                value = _read(record, name)
            else:
                value = record
                for part in path:
                    value = getattr(value, part)
            out[name] = canonical(value, region=region)
        return out

    def apply(self, record: Customer | Product, values: dict[str, Any]) -> Customer | Product:
        """A copy of ``record`` holding the given canonical values (country: both name and code)."""
        top: dict[str, Any] = {}
        address: dict[str, Any] = {}
        for name, value in values.items():
            spec = self.field(name)
            target = address if name.startswith("address.") else top
            attr = name.removeprefix("address.")
            if spec.transform_name == "street_lines":
                target[attr] = tuple(value or ())
            elif spec.transform_name == "decimal":
                target[attr] = None if value is None else Decimal(value)
            elif isinstance(spec.transform, Country):
                known = bool(value) and spec.transform.is_known(value)
                target[attr] = value if known else ""  # an unknown country travels as its name only
                target["country"] = spec.transform.name_for(value) if known else (value or "")
            else:
                target[attr] = value
        if address:
            top["address"] = dataclasses.replace(getattr(record, "address", Address()), **address)
        return dataclasses.replace(record, **top)


@dataclass(frozen=True)
class PriceBookMapping:
    """Owners of a price book entry's fields (its book's active flag follows ``active``).

    Finance owns prices by default: a price changed in Salesforce is put back and logged.
    """

    price: Owner = Owner.INTACCT
    active: Owner = Owner.BOTH


@dataclass(frozen=True)
class Mapping:
    version: int
    customer: EntityMapping
    product: EntityMapping
    path: str = ""
    pricebook: PriceBookMapping = PriceBookMapping()

    def entity(self, name: str) -> EntityMapping:
        if name not in ("customer", "product"):
            raise KeyError(name)
        return self.customer if name == "customer" else self.product


def _read(record: Any, name: str) -> Any:
    if name == "address.country_code":  # Salesforce may carry only the name (no picklists)
        addr = record.address
        return addr.country_code or addr.country
    value = record
    for part in name.split("."):
        value = getattr(value, part)
    return value


def _record_region(record: Any) -> str:
    addr = getattr(record, "address", None)
    if addr is None:
        return ""
    return Country().canonical(addr.country_code or addr.country)


# ----------------------------------------------------------------------------- loading
def default_mapping_text() -> str:
    return resources.files(__package__).joinpath(DEFAULT_FILE).read_text(encoding="utf-8")


def load_mapping(path: str | Path | None = None) -> Mapping:
    """Load and validate a mapping file; ``None`` loads the shipped default."""
    if path is None:
        return parse_mapping(default_mapping_text(), path=f"<default {DEFAULT_FILE}>")
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(
            "Mapping file unreadable",
            f"cannot read the mapping file: {exc.strerror or exc}",
            "Check that the file exists and is readable, or reset it to the shipped default.",
            path=str(p),
        ) from exc
    except UnicodeDecodeError as exc:
        raise MappingError(
            "Mapping file unreadable", "the file is not UTF-8 text", "Save it as UTF-8.", path=str(p)
        ) from exc
    return parse_mapping(text, path=str(p))


def parse_mapping(text: str, *, path: str = "") -> Mapping:
    """Parse and validate mapping TOML text (``path`` only labels errors)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _LINE_RE.search(str(exc))
        where = f" on line {line.group(1)}" if line else ""
        raise MappingError(
            "Mapping file is not valid TOML",
            f"syntax error{where}: {exc}",
            "Fix the line shown (quotes around text, [[customer.fields]] for each field pair).",
            path=path,
        ) from exc
    _unknown(data, {"version", "customer", "product", "pricebook"}, path, "")
    version = data.get("version")
    if version not in SUPPORTED_VERSIONS or isinstance(version, bool):
        raise MappingError(
            "Unsupported mapping version",
            f"version = {version!r}; this release reads version {', '.join(map(str, SUPPORTED_VERSIONS))}",
            "Set version = 1 at the top of the file, or reset the file to the shipped default.",
            path=path,
            field="version",
        )
    entities = {}
    for entity in ("customer", "product"):
        section = data.get(entity)
        if not isinstance(section, dict):
            raise MappingError(
                "Missing section",
                f"the [{entity}] section is missing or not a table",
                f"Add a [{entity}] table with its [[{entity}.fields]] pairs (see the shipped default).",
                path=path,
                field=entity,
            )
        entities[entity] = _entity(entity, section, path)
    return Mapping(
        version=version,
        customer=entities["customer"],
        product=entities["product"],
        path=path,
        pricebook=_pricebook(data.get("pricebook", {}), path),
    )


def _pricebook(section: Any, path: str) -> PriceBookMapping:
    """The optional ``[pricebook]`` table: ``price`` and ``active`` owners (absent: the defaults)."""
    if not isinstance(section, dict):
        raise MappingError(
            "Bad section", "[pricebook] must be a table", 'Write price = "intacct"', path=path, field="pricebook"
        )
    _unknown(section, {"price", "active"}, path, "pricebook")
    owners: dict[str, Owner] = {}
    for key in ("price", "active"):
        if key not in section:
            continue
        try:
            owners[key] = Owner(section[key])
        except ValueError:
            raise MappingError(
                "Bad owner",
                f"{key} = {section[key]!r}",
                "Use one of: salesforce, intacct, both.",
                path=path,
                field=f"pricebook.{key}",
            ) from None
    return PriceBookMapping(**owners)


def _unknown(table: dict[str, Any], allowed: set[str], path: str, prefix: str) -> None:
    extra = sorted(set(table) - allowed)
    if extra:
        raise MappingError(
            "Unknown setting",
            f"unknown key {extra[0]!r}" + (f" in [{prefix}]" if prefix else ""),
            f"Allowed here: {', '.join(sorted(allowed))}. Check the spelling.",
            path=path,
            field=f"{prefix}.{extra[0]}" if prefix else extra[0],
        )


def _entity(entity: str, section: dict[str, Any], path: str) -> EntityMapping:
    _unknown(section, _ENTITY_KEYS[entity], path, entity)
    settings = {**_ENTITY_DEFAULTS[entity], **{k: v for k, v in section.items() if k != "fields"}}
    policy_raw = settings.get("conflict_policy", "review")
    try:
        policy = ConflictPolicy(policy_raw)
    except ValueError:
        raise MappingError(
            "Bad conflict policy",
            f"conflict_policy = {policy_raw!r}",
            "Use one of: review, salesforce, intacct.",
            path=path,
            field=f"{entity}.conflict_policy",
        ) from None
    pattern_key = "customer_id_pattern" if entity == "customer" else "item_id_pattern"
    flag_key = "use_account_number" if entity == "customer" else "use_product_code"
    pattern = settings[pattern_key]
    problem = validate_pattern(pattern, _ID_MAX[pattern_key]) if isinstance(pattern, str) else "it is not text"
    if problem:
        raise MappingError(
            "Bad key pattern",
            f"{pattern_key} = {pattern!r}: {problem}",
            'Use letters, digits, "-", "_" or "." around one {seq} placeholder, e.g. "SF-{seq:06d}".',
            path=path,
            field=f"{entity}.{pattern_key}",
        )
    if not isinstance(settings[flag_key], bool):
        raise MappingError(
            "Bad setting", f"{flag_key} must be true or false", "", path=path, field=f"{entity}.{flag_key}"
        )
    raw_fields = section.get("fields", [])
    if not isinstance(raw_fields, list) or not all(isinstance(f, dict) for f in raw_fields):
        raise MappingError(
            "Bad field list",
            f"{entity}.fields must be a list of tables",
            f"Write each field pair as a [[{entity}.fields]] table.",
            path=path,
            field=f"{entity}.fields",
        )
    fields: list[FieldMapping] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_fields):
        spec = _field(entity, i, raw, path)
        if spec.name in seen:
            raise MappingError(
                "Duplicate field",
                f"field {spec.name!r} is mapped more than once",
                "Keep one [[fields]] entry per canonical field.",
                path=path,
                field=f"{entity}.{spec.name}",
            )
        seen.add(spec.name)
        fields.append(spec)
    return EntityMapping(entity, policy, tuple(fields), pattern, settings[flag_key])


def _field(entity: str, index: int, raw: dict[str, Any], path: str) -> FieldMapping:
    label = f"{entity}.fields[{index}]"
    name = raw.get("name")
    if isinstance(name, str):
        label = f"{entity}.{name}"
    _unknown(raw, _FIELD_KEYS, path, label)
    missing = sorted(k for k in _FIELD_KEYS if k not in raw)
    if missing:
        raise MappingError(
            "Incomplete field pair",
            f"missing {', '.join(missing)}",
            "Each field pair needs name, salesforce, intacct, owner and transform.",
            path=path,
            field=label,
        )
    known = CANONICAL_FIELDS[entity]
    if name not in known:
        raise MappingError(
            "Unknown field",
            f"{name!r} is not a {entity} field",
            f"Known {entity} fields: {', '.join(known)}.",
            path=path,
            field=label,
        )
    try:
        owner = Owner(raw["owner"])
    except ValueError:
        raise MappingError(
            "Bad owner",
            f"owner = {raw['owner']!r}",
            "Use one of: salesforce, intacct, both.",
            path=path,
            field=label,
        ) from None
    transform = raw["transform"]
    if transform not in TRANSFORMS:
        raise MappingError(
            "Unknown transform",
            f"transform = {transform!r}",
            f"Known transforms: {', '.join(sorted(TRANSFORMS))}.",
            path=path,
            field=label,
        )
    if transform not in known[name]:
        raise MappingError(
            "Transform does not fit the field",
            f"transform {transform!r} cannot be used for {name!r}",
            f"Use one of: {', '.join(sorted(known[name]))}.",
            path=path,
            field=label,
        )
    natives = {}
    for side in ("salesforce", "intacct"):
        value = raw[side]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            raise MappingError(
                "Bad native field list",
                f"{side} must be a non-empty list of field names",
                f'For example {side} = ["Name"].',
                path=path,
                field=label,
            )
        natives[side] = tuple(value)
    return FieldMapping(name, natives["salesforce"], natives["intacct"], owner, transform)
