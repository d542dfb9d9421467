"""A profile's sync rules as the window edits them: which fields sync, which system owns each, who wins
a conflict, how new Intacct IDs are made.

Why over the mapping file rather than beside it: the file is the one source the engine, the CLI and
the background service read, so the window edits that file (the profile's own copy of the shipped
default) and nothing else. The edit keeps the file's comments and layout (tomlkit), is validated by
the same parser the engine uses before anything is written, and is written atomically. A running
sync picks the new rules up at its next run (``sync_service`` compares the file's stamp before
each run), whether the window, the CLI or the background service runs it.

Two fields per record always sync: the name (a record cannot be created without it) and the
active flag (a delete on one side becomes an inactive flag on the other through it).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from ..config import profiles as cfg
from ..config.paths import app_paths
from ..config.private import write_atomic
from ..engine.mapping import Mapping, MappingError, default_mapping_text, load_mapping, parse_mapping
from .mapping_file import own_mapping_file

ENTITIES = ("customer", "product")
OWNERS = ("both", "salesforce", "intacct")
POLICIES = ("review", "salesforce", "intacct")
REQUIRED = frozenset({"name", "active"})  # see the module's docstring
LABELS = {
    "name": "Name",
    "number": "Account number",
    "phone": "Phone",
    "website": "Website",
    "email": "Email",
    "address.lines": "Street",
    "address.city": "City",
    "address.state": "State or province",
    "address.postal_code": "Postal code",
    "address.country_code": "Country",
    "active": "Active",
    "code": "Product code",
    "description": "Description",
    "price": "Standard price",
}
_PATTERN_KEY = {"customer": "customer_id_pattern", "product": "item_id_pattern"}
_FLAG_KEY = {"customer": "use_account_number", "product": "use_product_code"}


@dataclass
class FieldRule:
    """One field pair as a row of the editor."""

    name: str
    salesforce: tuple[str, ...]
    intacct: tuple[str, ...]
    owner: str
    transform: str
    synced: bool = True

    @property
    def label(self) -> str:
        return LABELS.get(self.name, self.name)

    @property
    def required(self) -> bool:
        return self.name in REQUIRED


@dataclass
class EntityRules:
    entity: str
    conflict_policy: str
    use_source_number: bool
    id_pattern: str
    fields: list[FieldRule] = field(default_factory=list)

    def field(self, name: str) -> FieldRule:
        return next(f for f in self.fields if f.name == name)


@dataclass
class SyncRules:
    """Everything the editor shows, plus where it is saved and the text it edits."""

    profile: str
    customer: EntityRules
    product: EntityRules
    price_owner: str
    pricebook_active_owner: str
    path: str  # the file a save writes
    own_file: bool  # False: the profile uses the shipped default (a save creates its own copy)
    text: str  # the TOML text the save edits (comments kept)
    problem: dict[str, str] = field(default_factory=dict)  # the own file could not be read: why

    def entity(self, name: str) -> EntityRules:
        return self.customer if name == "customer" else self.product


class RulesError(Exception):
    """Rules that cannot be saved: ``errors`` maps an editor field (``customer.id_pattern``, ...) to why."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


# ----------------------------------------------------------------------------- where the file is
def rules_path(profile: str) -> tuple[Path, bool]:
    """The file a save writes for ``profile`` and whether it exists (the profile's own rules)."""
    path = own_mapping_file(profile, cfg.get_profile(profile))
    return path, path.exists()


def move_rules(old: str, new: str) -> None:
    """A renamed profile keeps its own rules (a file named after a profile, never a named one)."""
    src, dst = app_paths().mapping_file(old), app_paths().mapping_file(new)
    if src.exists() and not dst.exists():
        os.replace(src, dst)


# ----------------------------------------------------------------------------- reading
def read_rules(profile: str) -> SyncRules:
    """The profile's rules (its own file, else the shipped default). A file that cannot be used is
    shown as the default with ``problem`` set: a save then replaces it (the old one is kept aside)."""
    path, exists = rules_path(profile)
    default = load_mapping(None)
    problem: dict[str, str] = {}
    mapping, text = default, default_mapping_text()
    if exists:
        try:
            mapping = load_mapping(path)
            text = path.read_text(encoding="utf-8")
        except MappingError as exc:
            problem = {"title": exc.title, "message": f"{exc.message} ({path})", "hint": exc.hint}
    return _rules(profile, mapping, default, path=str(path), own=exists, text=text, problem=problem)


def default_rules(profile: str) -> SyncRules:
    """The shipped rules, to be saved as the profile's own (the editor's "Reset")."""
    path, exists = rules_path(profile)
    default = load_mapping(None)
    return _rules(profile, default, default, path=str(path), own=exists, text=default_mapping_text())


def _rules(
    profile: str,
    mapping: Mapping,
    default: Mapping,
    *,
    path: str,
    own: bool,
    text: str,
    problem: dict[str, str] | None = None,
) -> SyncRules:
    entities = {}
    for name in ENTITIES:
        em, dm = mapping.entity(name), default.entity(name)
        rows = [FieldRule(f.name, f.salesforce, f.intacct, f.owner.value, f.transform_name) for f in em.fields]
        mapped = {f.name for f in em.fields}
        for f in dm.fields:  # a default field the file leaves out: shown, not synced, in the default's place
            if f.name not in mapped:
                row = FieldRule(f.name, f.salesforce, f.intacct, f.owner.value, f.transform_name, synced=False)
                rows.insert(_place([r.name for r in rows], f.name, dm.names), row)
        entities[name] = EntityRules(name, em.conflict_policy.value, em.use_source_number, em.id_pattern, rows)
    return SyncRules(
        profile,
        entities["customer"],
        entities["product"],
        mapping.pricebook.price.value,
        mapping.pricebook.active.value,
        path,
        own,
        text,
        problem or {},
    )


def _place(names: list[str], name: str, order: tuple[str, ...]) -> int:
    """Where field ``name`` goes among ``names``: before the first that comes after it in ``order``."""
    rank = order.index(name)
    for i, other in enumerate(names):
        if other in order and order.index(other) > rank:
            return i
    return len(names)


# ----------------------------------------------------------------------------- writing
def render(rules: SyncRules) -> str:
    """The rules as TOML: the edited text with only the changed values replaced (comments kept)."""
    try:
        doc = tomlkit.parse(rules.text if not rules.problem else default_mapping_text())
    except TOMLKitError:
        doc = tomlkit.parse(default_mapping_text())
    for name in ENTITIES:
        er = rules.entity(name)
        section = doc.setdefault(name, tomlkit.table())
        _set(section, "conflict_policy", er.conflict_policy)
        _set(section, _FLAG_KEY[name], er.use_source_number)
        _set(section, _PATTERN_KEY[name], er.id_pattern)
        _write_fields(section, er)
    book = doc.setdefault("pricebook", tomlkit.table())
    _set(book, "price", rules.price_owner)
    _set(book, "active", rules.pricebook_active_owner)
    return tomlkit.dumps(doc)


def _set(table: Any, key: str, value: Any) -> None:
    if table.get(key) != value:  # an unchanged value keeps its place and its comment
        table[key] = value


def _write_fields(section: Any, er: EntityRules) -> None:
    if "fields" not in section:
        section["fields"] = tomlkit.aot()
    aot = section["fields"]
    wanted = {f.name for f in er.fields if f.synced}
    for i in reversed(range(len(aot))):
        if aot[i].get("name") not in wanted:
            del aot[i]
    present = [t.get("name") for t in aot]
    order = tuple(f.name for f in er.fields)
    for rule in er.fields:
        if not rule.synced:
            continue
        if rule.name in present:
            _set(aot[present.index(rule.name)], "owner", rule.owner)
            continue
        table = tomlkit.table()
        for key, value in (
            ("name", rule.name),
            ("salesforce", list(rule.salesforce)),
            ("intacct", list(rule.intacct)),
            ("owner", rule.owner),
            ("transform", rule.transform),
        ):
            table[key] = value
        table.add(tomlkit.nl())
        at = _place(present, rule.name, order)
        aot.insert(at, table)
        present.insert(at, rule.name)


def check(rules: SyncRules) -> str:
    """The rules as the TOML text the engine will read (parsed by its parser here), or
    :class:`RulesError` naming the editor's field."""
    errors: dict[str, str] = {}
    for name in ENTITIES:
        for f in rules.entity(name).fields:
            if f.required and not f.synced:
                errors[f"{name}.fields"] = f"{f.label} always syncs: it cannot be turned off."
            if f.owner not in OWNERS:
                errors[f"{name}.fields"] = f"{f.label}: the owner must be one of {', '.join(OWNERS)}."
    if errors:
        raise RulesError(errors)
    text = render(rules)
    try:
        parse_mapping(text, path=rules.path)
    except MappingError as exc:
        key, message = exc.field, exc.message
        for name in ENTITIES:
            if key.startswith(f"{name}.") and key.endswith(("_pattern", "number", "code")):
                key = f"{name}.id_pattern"
                message = "The pattern " + message.split(" = ", 1)[-1]  # the file's key means nothing here
        raise RulesError({key or "rules": f"{message}. {exc.hint}".strip()}) from None
    return text


def save_rules(rules: SyncRules) -> dict[str, Any]:
    """Check, then write the rules as the profile's own file; what changed, for the editor's answer.

    A file that could not be read is kept aside as ``<name>.toml.bad`` before it is replaced.
    """
    text = check(rules)
    path = Path(rules.path)
    before = read_rules(rules.profile)
    if rules.problem and path.exists():
        os.replace(path, path.with_name(path.name + ".bad"))
    write_atomic(path, text)
    return {"profile": rules.profile, "path": str(path), "changes": describe_changes(before, rules)}


def describe_changes(before: SyncRules, after: SyncRules) -> list[str]:
    """One sentence per change, in the editor's words."""
    words = {"both": "both systems", "salesforce": "Salesforce", "intacct": "Intacct"}
    policy = {"review": "asks you (the conflict inbox)", "salesforce": "Salesforce wins", "intacct": "Intacct wins"}
    out: list[str] = []
    for name in ENTITIES:
        old, new = before.entity(name), after.entity(name)
        what = "Customers" if name == "customer" else "Products"
        olds = {f.name: f for f in old.fields}
        for f in new.fields:
            was = olds.get(f.name)
            if was is None or was.synced != f.synced:
                out.append(f"{what}: {f.label} {'now syncs' if f.synced else 'no longer syncs'}.")
            elif f.synced and was.owner != f.owner:
                out.append(f"{what}: {f.label} is now owned by {words[f.owner]}.")
        if old.conflict_policy != new.conflict_policy:
            out.append(f"{what}: a conflict now {policy[new.conflict_policy]}.")
        if (old.use_source_number, old.id_pattern) != (new.use_source_number, new.id_pattern):
            out.append(f"{what}: new Intacct IDs now follow {new.id_pattern!r}.")
    if before.price_owner != after.price_owner:
        out.append(f"Price books: prices are now owned by {words[after.price_owner]}.")
    if before.pricebook_active_owner != after.pricebook_active_owner:
        out.append(f"Price books: the active flag is now owned by {words[after.pricebook_active_owner]}.")
    return out


SETTING_HELP = (
    "ENTITY.FIELD=both|salesforce|intacct|on|off (the owner, or whether it syncs), ENTITY.conflicts="
    "review|salesforce|intacct, ENTITY.id_pattern=TEXT, ENTITY.use_number=true|false, "
    "pricebook.price=OWNER, pricebook.active=OWNER; ENTITY is customer or product"
)


def apply_setting(rules: SyncRules, setting: str) -> SyncRules:
    """One ``KEY=VALUE`` of the CLI's ``profile rules --set`` applied to ``rules`` (a copy), or RulesError."""
    key, sep, value = setting.partition("=")
    key, value = key.strip(), value.strip()
    entity, _dot, rest = key.partition(".")
    if not sep or not rest:
        raise RulesError({setting: f"write KEY=VALUE: {SETTING_HELP}"})
    if entity == "pricebook" and rest in ("price", "active"):
        _one_of(setting, value, OWNERS)
        attr = "price_owner" if rest == "price" else "pricebook_active_owner"
        return dataclasses.replace(rules, **{attr: value})
    if entity not in ENTITIES:
        raise RulesError({setting: f"{entity!r} is not customer, product or pricebook"})
    er = rules.entity(entity)
    if rest == "conflicts":
        _one_of(setting, value, POLICIES)
        changed = dataclasses.replace(er, conflict_policy=value)
    elif rest == "id_pattern":
        changed = dataclasses.replace(er, id_pattern=value)
    elif rest == "use_number":
        _one_of(setting, value.lower(), ("true", "false"))
        changed = dataclasses.replace(er, use_source_number=value.lower() == "true")
    else:
        if rest not in {f.name for f in er.fields}:
            names = ", ".join(f.name for f in er.fields)
            raise RulesError({setting: f"{rest!r} is not a {entity} field; the fields: {names}"})
        _one_of(setting, value, (*OWNERS, "on", "off"))
        change = {"synced": value == "on"} if value in ("on", "off") else {"owner": value, "synced": True}
        return with_field(rules, entity, rest, **change)
    return dataclasses.replace(rules, **{entity: changed})


def _one_of(setting: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise RulesError({setting: f"{value!r} is not one of {', '.join(allowed)}"})


def rules_lines(rules: SyncRules) -> list[str]:
    """The rules as the CLI prints them: one line per field, then each record type's settings."""
    lines = [f"Sync rules of {rules.profile} ({'own file' if rules.own_file else 'shipped rules'}: {rules.path})"]
    for name in ENTITIES:
        er = rules.entity(name)
        lines.append(
            f"{name}: conflicts {er.conflict_policy}, new IDs {er.id_pattern}"
            + (" (or the source number when valid)" if er.use_source_number else "")
        )
        for f in er.fields:
            state = f.owner if f.synced else "off"
            lines.append(f"  {f.name:<22} {state:<11} {', '.join(f.salesforce)} <-> {', '.join(f.intacct)}")
    lines.append(f"pricebook: price {rules.price_owner}, active {rules.pricebook_active_owner}")
    return lines


def rules_payload(rules: SyncRules) -> dict[str, Any]:
    """The rules as the CLI's ``--json`` prints them (no TOML text)."""
    data = dataclasses.asdict(rules)
    data.pop("text")
    return data


def with_field(rules: SyncRules, entity: str, name: str, **changes: Any) -> SyncRules:
    """A copy of ``rules`` with one field row changed (the tests' and the CLI's shorthand)."""
    er = rules.entity(entity)
    rows = [dataclasses.replace(f, **changes) if f.name == name else f for f in er.fields]
    return dataclasses.replace(rules, **{entity: dataclasses.replace(er, fields=rows)})


__all__ = [
    "ENTITIES",
    "OWNERS",
    "POLICIES",
    "SETTING_HELP",
    "EntityRules",
    "FieldRule",
    "RulesError",
    "SyncRules",
    "apply_setting",
    "check",
    "default_rules",
    "describe_changes",
    "move_rules",
    "read_rules",
    "render",
    "rules_lines",
    "rules_path",
    "rules_payload",
    "save_rules",
    "with_field",
]
