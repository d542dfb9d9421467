"""The emulated org's records: create, update, delete, lookups, and the SOQL ``RecordSource`` view.

Every write (REST, composite, seed loading) goes through :meth:`Org.create` / :meth:`Org.update` /
:meth:`Org.delete`, so seed data obeys the same rules as a client. Generic rules live here (unknown
and read-only fields, types, lengths, required fields, unique external ids, references); the
order-to-cash rules of price books, opportunities and line items live in ``rules.py``.

Rows are stored as flat dicts of canonical field names to the JSON values the REST API shows, in a
table per object keyed by the 18-character id. Deleted rows stay with ``IsDeleted`` true (the
recycle bin, visible to queryAll) unless the object skips the bin; every delete leaves a tombstone
in ``_deleted`` for ``sobjects/T/deleted/``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..clock import Clock
from ..storage import RecordStore
from . import ids, rules
from .errors import SfError, entity_deleted, not_found
from .schema import USER_PREFIX, Field, Schema, SObject
from .values import coerce, format_datetime

TOMBSTONES = "_deleted"
NO_RECYCLE_BIN = frozenset({"OpportunityLineItem"})


class Org:
    """Records of one org over a :class:`RecordStore`; callers hold ``store.lock``."""

    def __init__(self, store: RecordStore, clock: Clock, schema: Schema, user_id: str) -> None:
        self.store = store
        self.clock = clock
        self.schema = schema
        self.user_id = user_id

    # --------------------------------------------------------------- helpers
    def now(self) -> str:
        return format_datetime(self.clock.now())

    def sobject(self, name: str) -> SObject:
        obj = self.schema.get(name)
        if obj is None:
            raise SfError("NOT_FOUND", "The requested resource does not exist", status=404)
        return obj

    def standard_pricebook_id(self) -> str | None:
        for key in self.store.find("Pricebook2", "IsStandard", True):
            return key
        return None

    def ensure_standard_pricebook(self) -> str:
        """Create the org's one standard price book (every reset does, even for ``empty``)."""
        existing = self.standard_pricebook_id()
        if existing:
            return existing
        obj = self.schema.objects["Pricebook2"]
        rec = self._blank(obj)
        rec.update({"Name": "Standard Price Book", "IsActive": True, "IsStandard": True})
        self.store.put(obj.name, rec["Id"], rec)
        return rec["Id"]

    def _blank(self, obj: SObject) -> dict[str, Any]:
        new_id = ids.make_id(obj.key_prefix, self.store.next_sequence(f"id:{obj.name}"))
        now = self.now()
        rec: dict[str, Any] = {}
        for f in obj.fields.values():
            rec[f.name] = f.default if f.type == "boolean" else None
        rec.update(
            {
                "Id": new_id,
                "IsDeleted": False,
                "CreatedDate": now,
                "LastModifiedDate": now,
                "SystemModstamp": now,
                "CreatedById": self.user_id,
                "LastModifiedById": self.user_id,
            }
        )
        if "OwnerId" in obj.fields:
            rec["OwnerId"] = self.user_id
        return rec

    # ----------------------------------------------------------- validation
    def _resolve_body(self, obj: SObject, body: Any, *, creating: bool) -> dict[Field, Any]:
        """Map body keys to fields; refuse unknown and read-only ones; coerce values."""
        if not isinstance(body, dict):
            raise SfError("JSON_PARSER_ERROR", "Cannot deserialize instance of sobject from non-object value")
        resolved: dict[Field, Any] = {}
        readonly: list[str] = []
        for key, value in body.items():
            if key == "attributes":
                continue
            f = obj.field(key)
            if f is None:
                raise SfError("INVALID_FIELD", f"No such column '{key}' on sobject of type {obj.name}")
            if not (f.createable if creating else f.updateable):
                readonly.append(f.name)
                continue
            resolved[f] = value
        if readonly:
            raise SfError(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(readonly)}. Please check the security "
                "settings of this field and verify that it is read/write for your profile or permission set.",
                readonly,
            )
        return {f: coerce(f, v) for f, v in resolved.items()}

    def check_reference(self, f: Field, value: str) -> None:
        """Refuse ``value`` unless it is the id of a live record of a type ``f`` may point at."""
        if f.reference_to == ("User",):
            if value[:3] != USER_PREFIX or value != self.user_id:
                raise SfError(
                    "INVALID_CROSS_REFERENCE_KEY",
                    f"{f.label or f.name}: id value of incorrect type: {value}",
                    [f.name],
                )
            return
        target = self.schema.by_prefix.get(value[:3])
        if target is None or target.name not in f.reference_to:
            raise SfError(
                "FIELD_INTEGRITY_EXCEPTION",
                f"{f.label or f.name}: id value of incorrect type: {value}",
                [f.name],
            )
        row = self.store.get(target.name, value)
        if row is None or row.get("IsDeleted"):
            raise SfError(
                "INVALID_CROSS_REFERENCE_KEY",
                "invalid cross reference id",
                [f.name],
            )

    def _check_unique(self, obj: SObject, rec: dict[str, Any], changed: Iterable[Field]) -> None:
        for f in changed:
            if not f.unique or rec.get(f.name) is None:
                continue
            for key in self.store.find(obj.name, f.name, rec[f.name], casefold=True):
                other = self.store.get(obj.name, key)
                if key != rec["Id"] and other is not None and not other.get("IsDeleted"):
                    raise SfError(
                        "DUPLICATE_VALUE",
                        f"duplicate value found: {f.name} duplicates value on record with id: {key}",
                        [],
                    )

    def _check_required(self, obj: SObject, rec: dict[str, Any], fields: Iterable[Field]) -> None:
        missing = [f.name for f in fields if f.required and rec.get(f.name) is None]
        if missing:
            raise SfError("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]", missing)

    def _validate(self, obj: SObject, rec: dict[str, Any], values: dict[Field, Any], *, creating: bool) -> None:
        self._check_required(obj, rec, obj.fields.values() if creating else values.keys())
        for f, v in values.items():
            if f.type == "reference" and v is not None:
                self.check_reference(f, v)
        self._check_unique(obj, rec, values.keys())

    # ----------------------------------------------------------------- writes
    def create(self, sobject: str, body: Any) -> str:
        """Insert one record through every rule; returns its 18-character id."""
        obj = self.sobject(sobject)
        values = self._resolve_body(obj, body, creating=True)
        with self.store.atomic():
            rec = self._blank(obj)
            for f, v in values.items():
                rec[f.name] = v
            rules.before_insert(self, obj, rec, {f.name for f in values})
            self._validate(obj, rec, values, creating=True)
            if obj.name.endswith("__c") and rec.get("Name") is None:
                rec["Name"] = rec["Id"]
            self.store.put(obj.name, rec["Id"], rec)
            rules.after_write(self, obj, None, rec)
        return rec["Id"]

    def update(self, sobject: str, record_id: str, body: Any) -> None:
        obj = self.sobject(sobject)
        old = self.live(obj, record_id)
        values = self._resolve_body(obj, body, creating=False)
        with self.store.atomic():
            rec = dict(old)
            for f, v in values.items():
                rec[f.name] = v
            rules.before_update(self, obj, old, rec, {f.name for f in values})
            self._validate(obj, rec, values, creating=False)
            now = self.now()
            rec["LastModifiedDate"] = rec["SystemModstamp"] = now
            rec["LastModifiedById"] = self.user_id
            self.store.put(obj.name, rec["Id"], rec)
            rules.after_write(self, obj, old, rec)

    def delete(self, sobject: str, record_id: str) -> None:
        obj = self.sobject(sobject)
        old = self.live(obj, record_id)
        with self.store.atomic():
            rules.before_delete(self, obj, old)
            self.remove_record(obj, old, to_bin=obj.name not in NO_RECYCLE_BIN)
            rules.after_delete(self, obj, old)

    def undelete(self, record_id: str) -> str:
        """Restore a record from the recycle bin (partner API ``undelete``); returns its Id.

        Only the record itself is restored (children deleted with it stay in the bin). A unique
        external id taken meanwhile by another live record refuses the restore, as a real org does.
        """
        norm = ids.normalize(record_id)
        obj = self.schema.by_prefix.get(norm[:3]) if norm else None
        if norm is None or obj is None:
            raise SfError("MALFORMED_ID", f"malformed id {record_id}")
        rec = self.store.get(obj.name, norm)
        if rec is None or not rec.get("IsDeleted"):
            raise SfError("UNDELETE_FAILED", "Entity is not in the recycle bin")
        for f in obj.fields.values():
            value = rec.get(f.name)
            if f.unique and value not in (None, ""):
                for other in self.find_external(obj, f, value):
                    if other != norm:
                        raise SfError(
                            "DUPLICATE_VALUE",
                            f"duplicate value found: {f.name} duplicates value on record with id: {other}",
                            [f.name],
                        )
        now = self.now()
        with self.store.atomic():
            self.store.put(obj.name, norm, dict(rec, IsDeleted=False, SystemModstamp=now, LastModifiedDate=now))
            self.store.delete(TOMBSTONES, norm)
        return norm

    def remove_record(self, obj: SObject, rec: dict[str, Any], *, to_bin: bool) -> None:
        """Delete ``rec`` (into the recycle bin when ``to_bin``) and leave a tombstone for getDeleted."""
        now = self.now()
        if to_bin:
            gone = dict(rec, IsDeleted=True, SystemModstamp=now, LastModifiedDate=now)
            self.store.put(obj.name, rec["Id"], gone)
        else:
            self.store.delete(obj.name, rec["Id"])
        self.store.put(TOMBSTONES, rec["Id"], {"sobject": obj.name, "id": rec["Id"], "deletedDate": now})

    def put_derived(self, obj_name: str, rec: dict[str, Any]) -> None:
        """Store a system-maintained change (roll-ups): SystemModstamp moves, as in a real org."""
        now = self.now()
        rec = dict(rec, SystemModstamp=now, LastModifiedDate=now)
        self.store.put(obj_name, rec["Id"], rec)

    # ------------------------------------------------------------------ reads
    def live(self, obj: SObject, record_id: str) -> dict[str, Any]:
        """The non-deleted row, or 404 NOT_FOUND / ENTITY_IS_DELETED as the REST API answers."""
        norm = ids.normalize(record_id)
        if norm is None or norm[:3] != obj.key_prefix:
            raise not_found(f"Provided external ID field does not exist or is not accessible: {record_id}")
        rec = self.store.get(obj.name, norm)
        if rec is None:
            if self.store.get(TOMBSTONES, norm) is not None:
                raise entity_deleted()
            raise not_found()
        if rec.get("IsDeleted"):
            raise entity_deleted()
        return rec

    def find_external(self, obj: SObject, f: Field, value: Any) -> list[str]:
        keys = self.store.find(obj.name, f.name, value, casefold=f.type in ("string",))
        return [k for k in keys if not (self.store.get(obj.name, k) or {}).get("IsDeleted")]

    # ------------------------------------------------------- RecordSource
    def rows(self, sobject: str) -> Iterable[dict[str, Any]]:
        obj = self.schema.get(sobject)
        return self.store.rows(obj.name).values() if obj else ()

    def by_id(self, record_id: str) -> tuple[str, dict[str, Any]] | None:
        norm = ids.normalize(record_id)
        obj = self.schema.by_prefix.get(norm[:3]) if norm else None
        if obj is None or norm is None:
            return None
        rec = self.store.get(obj.name, norm)
        return (obj.name, rec) if rec is not None else None

    def children(self, child_sobject: str, field: str, parent_id: str) -> Iterable[dict[str, Any]]:
        obj = self.schema.get(child_sobject)
        if obj is None:
            return []
        return [r for k in self.store.find(obj.name, field, parent_id) if (r := self.store.get(obj.name, k))]
