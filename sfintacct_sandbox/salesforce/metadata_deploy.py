"""What a Metadata API deploy does to the org: each component checked, then all applied or none.

Why these rules: an admin deploys our package to a real org with ``rollbackOnError`` true (the
default, and forced in production), so one failing component deploys nothing; ``checkOnly`` runs
every check and changes nothing. A deployed CustomObject or CustomField appears in describe
afterwards: a field the org lacked (hidden through ``Schema.omitted``) becomes visible, an unknown
custom field is added to its object with the type its metadata gives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC

from lxml import etree

from ..clock import Clock
from .ids import make_id
from .metadata_zip import Component, DeployPackage, child_text, local
from .schema import Field, Schema

# Metadata field type -> describe type
FIELD_TYPES = {
    "Text": "string",
    "TextArea": "textarea",
    "LongTextArea": "textarea",
    "Number": "double",
    "Currency": "currency",
    "Percent": "percent",
    "Checkbox": "boolean",
    "Date": "date",
    "DateTime": "datetime",
    "Lookup": "reference",
    "MasterDetail": "reference",
    "Picklist": "picklist",
    "Email": "email",
    "Phone": "phone",
    "Url": "url",
    "Summary": "currency",
}
ID_PREFIX = {
    "CustomObject": "01I",
    "CustomField": "00N",
    "Layout": "00h",
    "CustomTab": "01r",
    "ReportType": "070",
    "PermissionSet": "0PS",
    "ListView": "00B",
    "CompactLayout": "0AH",
}
KNOWN_TYPES = frozenset(ID_PREFIX)


@dataclass
class Outcome:
    """One DeployMessage: a component's success or failure."""

    component: Component
    success: bool
    created: bool = False
    changed: bool = False
    problem: str = ""
    id: str = ""


@dataclass
class DeployJob:
    """One deploy() request: its options, the package read, and (once run) its outcomes."""

    id: str
    package: DeployPackage
    check_only: bool
    rollback_on_error: bool
    ignore_warnings: bool
    created_date: str
    checks: int = 0  # checkDeployStatus calls seen (the first answers InProgress)
    done: bool = False
    status: str = "Pending"
    outcomes: list[Outcome] = field(default_factory=list)
    completed_date: str = ""

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.success]

    @property
    def deployed(self) -> int:
        if self.status == "Failed":
            return 0
        return sum(1 for o in self.outcomes if o.success)


def iso(clock: Clock) -> str:
    """The emulator clock's now as the Metadata API writes dateTimes."""
    return clock.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class Deploys:
    """The org's deploy requests by id (the ``0Af`` AsyncResult ids)."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.jobs: dict[str, DeployJob] = {}
        self.metadata: dict[str, set[str]] = {}  # type -> full names deployed (layouts, tabs, ...)
        self._counter = 0

    def start(self, package: DeployPackage, *, check_only: bool, rollback: bool, ignore_warnings: bool) -> DeployJob:
        self._counter += 1
        job = DeployJob(make_id("0Af", self._counter), package, check_only, rollback, ignore_warnings, iso(self.clock))
        self.jobs[job.id] = job
        return job

    def next_id(self, type_name: str) -> str:
        self._counter += 1
        return make_id(ID_PREFIX.get(type_name, "000"), self._counter)


def run(job: DeployJob, schema: Schema, deploys: Deploys) -> None:
    """Check every component, then apply them (all, or none when one fails and rollback is on)."""
    package = job.package
    if package.problem:
        job.outcomes = [Outcome(Component("", "package.xml", "package.xml"), False, problem=package.problem)]
    else:
        pending = _objects_in(package)
        job.outcomes = [_check(c, schema, pending, deploys) for c in package.components]
    failed = bool(job.failures)
    apply = not job.check_only and not (failed and job.rollback_on_error)
    if apply:
        for outcome in job.outcomes:
            if outcome.success:
                _apply(outcome, schema, deploys)
    job.status = "Failed" if failed and (job.rollback_on_error or not any(o.success for o in job.outcomes)) else (
        "SucceededPartial" if failed else "Succeeded"
    )
    job.done = True
    job.completed_date = iso(deploys.clock)


def _objects_in(package: DeployPackage) -> set[str]:
    """The objects and fields (``Obj.Field``) this package defines: later members may refer to them."""
    kinds = ("CustomObject", "CustomField")
    return {c.full_name for c in package.components if c.type in kinds and c.element is not None}


def _visible(schema: Schema, sobject: str, pending: set[str]) -> bool:
    obj = schema.get(sobject)
    if obj is not None and obj.name not in schema.omitted:
        return True
    return sobject in pending


def _check(c: Component, schema: Schema, pending: set[str], deploys: Deploys) -> Outcome:
    if c.type not in KNOWN_TYPES:
        return Outcome(c, False, problem=f"Unknown type name '{c.type}' specified in package.xml")
    if c.element is None:
        return Outcome(
            c, False, problem=f"An object '{c.full_name}' of type {c.type} was named in package.xml, "
            "but was not found in zipped directory"
        )
    if c.type == "CustomField":
        return _check_field(c, schema, pending)
    if c.type == "CustomObject":
        obj = schema.get(c.full_name)
        if obj is None and not c.full_name.endswith("__c"):
            return Outcome(c, False, problem=f"Cannot create a new component with the namespace: {c.full_name}")
        if obj is None:
            return Outcome(c, False, problem=f"The sandbox org cannot create the new object {c.full_name}")
        if obj.custom and not child_text(c.element, "label") and local(c.element) == "CustomObject":
            return Outcome(c, False, problem="Must specify a non-empty label")
        created = obj.name in schema.omitted
        return Outcome(c, True, created=created, changed=False, id=deploys.next_id(c.type))
    if c.type == "PermissionSet":
        for perm in (e for e in c.element if local(e) == "fieldPermissions"):
            name = child_text(perm, "field")
            sobject, _, fld = name.partition(".")
            if not _field_will_exist(schema, sobject, fld, pending):
                return Outcome(c, False, problem=f"In field: field - no CustomField named {name} found")
    known = c.full_name in deploys.metadata.get(c.type, set())
    return Outcome(c, True, created=not known, changed=known, id=deploys.next_id(c.type))


def _field_will_exist(schema: Schema, sobject: str, fld: str, pending: set[str]) -> bool:
    """The field is in describe now, or a CustomField of this package adds it."""
    got = schema.get_field(sobject, fld)
    if got is not None and f"{sobject}.{got.name}" not in schema.omitted and _visible(schema, sobject, pending):
        return True
    return f"{sobject}.{fld}".lower() in {p.lower() for p in pending}


def _check_field(c: Component, schema: Schema, pending: set[str]) -> Outcome:
    assert c.element is not None
    sobject, name = c.full_name.split(".", 1)
    if not _visible(schema, sobject, pending):
        return Outcome(c, False, problem=f"Entity type: '{sobject}' is not found")
    el = c.element
    kind = child_text(el, "type")
    if kind not in FIELD_TYPES:
        return Outcome(c, False, problem=f"Invalid value for field type: '{kind}'")
    if not child_text(el, "label"):
        return Outcome(c, False, problem="Must specify a non-empty label")
    if kind in ("Lookup", "MasterDetail"):
        target = child_text(el, "referenceTo")
        if not target or (schema.get(target) is None and target not in pending):
            problem = f"referenceTo value of '{target}' does not resolve to a valid sObject type"
            return Outcome(c, False, problem=problem)
    existing = schema.get_field(sobject, name)
    hidden = existing is not None and f"{sobject}.{existing.name}" in schema.omitted
    created = existing is None or hidden or (schema.get(sobject) is not None and sobject in schema.omitted)
    # An existing field deployed again: Salesforce answers changed false when nothing differs; the
    # emulator does not compare the definitions, so it always answers unchanged.
    return Outcome(c, True, created=created, changed=False, id="")


def _apply(outcome: Outcome, schema: Schema, deploys: Deploys) -> None:
    c = outcome.component
    if c.type == "CustomObject":
        schema.omitted = schema.omitted - {schema.get(c.full_name).name}  # type: ignore[union-attr]
    elif c.type == "CustomField" and c.element is not None:
        sobject, name = c.full_name.split(".", 1)
        obj = schema.get(sobject)
        assert obj is not None
        existing = obj.field(name)
        if existing is None:
            obj.add(_new_field(name, c.element))
        else:
            schema.omitted = schema.omitted - {f"{obj.name}.{existing.name}"}
    deploys.metadata.setdefault(c.type, set()).add(c.full_name)
    if not outcome.id:
        outcome.id = deploys.next_id(c.type)


def _new_field(name: str, el: etree._Element) -> Field:
    kind = child_text(el, "type")
    ftype = FIELD_TYPES[kind]
    length = int(child_text(el, "length") or 0) if ftype == "string" else (18 if ftype == "reference" else 0)
    ref = child_text(el, "referenceTo")
    summary = kind == "Summary"
    return Field(
        name,
        ftype,
        label=child_text(el, "label"),
        length=length,
        external_id=child_text(el, "externalId") == "true",
        unique=child_text(el, "unique") == "true",
        reference_to=(ref,) if ref else (),
        relationship_name=child_text(el, "relationshipName") or None,
        custom=True,
        createable=not summary,
        updateable=not summary,
        nillable=ftype != "boolean",
        defaulted_on_create=ftype == "boolean",
        default=False if ftype == "boolean" else None,
        precision=int(child_text(el, "precision") or (18 if ftype in ("currency", "double", "percent") else 0)),
        scale=int(child_text(el, "scale") or 0),
    )
