"""The emulated company's master data (CUSTOMER, ITEM), audit trail and shared record helpers.

Why one ``Company`` object: every write path (generic create/update/delete, create_sotransaction,
ARPYMT, seed loading) must apply the same rules, stamp the same wall-clock times in the company's
time zone and leave the same AUDITHISTORY rows, whether a client or the seed loader calls it.
Sales documents and payments live in ``orders.py`` and ``payments.py`` (mixins of this class).
Records are flat dicts of UPPER (dotted) field names to wire strings, keyed by RECORDNO.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from ..clock import Clock
from ..storage import RecordStore
from .errors import ErrorItem, could_not, fail
from .objects import OBJECTS, ObjectDef, get_object
from .orders import OrdersMixin
from .orderupdate import OrderUpdateMixin
from .payments import PaymentsMixin

Record = dict[str, Any]
MASTER = ("CUSTOMER", "ITEM")
TS_FORMAT = "%m/%d/%Y %H:%M:%S"
DATE_FORMAT = "%m/%d/%Y"


def flatten(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested create input -> dotted UPPER names (lists are kept as they are for the caller)."""
    out: dict[str, Any] = {}
    for key, val in value.items():
        name = f"{prefix}{str(key).upper()}"
        if isinstance(val, dict):
            out.update(flatten(val, name + "."))
        else:
            out[name] = val
    return out


def money(value: Decimal) -> str:
    """Amounts the way the gateway prints them: no trailing zeros (``5900``, ``125.5``, ``0``)."""
    q = value.quantize(Decimal("0.01"))
    text = format(q.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def to_decimal(text: Any, field: str) -> Decimal:
    try:
        return Decimal(str(text).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise fail("BL03000018", f"Illegal format for {field} : {text}", "Enter a number.") from None


def parse_date(value: Any, field: str) -> date:
    """Accept the generic ``mm/dd/yyyy``, ISO ``yyyy-mm-dd`` or the legacy ``{year, month, day}``."""
    try:
        if isinstance(value, dict):
            return date(int(value["year"]), int(value["month"]), int(value["day"]))
        text = str(value).strip()
        if "/" in text:
            return datetime.strptime(text, DATE_FORMAT).date()
        return date.fromisoformat(text)
    except (KeyError, ValueError, TypeError):
        raise fail("BL03000018", f"Illegal format for {field} : {value}", "Use the format mm/dd/yyyy.") from None


class Company(OrdersMixin, OrderUpdateMixin, PaymentsMixin):
    """All business rules of the emulated Intacct company over one ``RecordStore``."""

    def __init__(self, store: RecordStore, clock: Clock, timezone: str = "America/Los_Angeles") -> None:
        self.store = store
        self.clock = clock
        self.tz = ZoneInfo(timezone)
        self.userid = "xml_gateway"
        self.audit_object_key = "recordno"  # or "id": see audit()
        self.audit_time_zone = "company"  # or "gmt": see audit()
        self.audit_source = "xml"  # lower case, as real SOURCE values are; the exact word is not public

    # ------------------------------------------------------------------ time
    def local_now(self) -> datetime:
        return self.clock.now().astimezone(self.tz)

    def now_ts(self) -> str:
        return self.local_now().strftime(TS_FORMAT)

    def utc_ts(self) -> str:
        """AU* fields look like UTC in real data (AUWHENCREATED vs WHENMODIFIED; see docs/sandbox.md)."""
        return self.clock.now().strftime(TS_FORMAT)

    def today(self) -> str:
        return self.local_now().strftime(DATE_FORMAT)

    # --------------------------------------------------------------- helpers
    def next_recordno(self, obj: str) -> str:
        # ARINVOICE and ARPYMT are both PR records in Intacct: they share one RECORDNO sequence.
        seq = "PRRECORD" if obj in ("ARINVOICE", "ARPYMT") else obj
        return str(self.store.next_sequence(f"recordno:{seq}"))

    def by_id(self, obj: str, field: str, value: str) -> Record | None:
        keys = self.store.find(obj, field, value)
        return self.store.get(obj, keys[0]) if keys else None

    def audit(self, objtype: str, record: Record, mode: str, desc: str = "") -> None:
        """AUDITHISTORY row with the documented fields only; OBJECTTYPE and SOURCE lower case.

        OBJECTKEY is the RECORDNO (``audit_object_key="recordno"``) or the readable ID ``desc``
        (CUSTOMERID, ITEMID, invoice RECORDID, DOCID; ``"id"``): which one a real company writes for
        CUSTOMER, ITEM and ARINVOICE is not public, so the emulator serves either. ACCESSTIME is the
        company's wall time (``audit_time_zone="company"``) or GMT (``"gmt"``), also not public.
        """
        key = desc if self.audit_object_key == "id" and desc else record.get("RECORDNO", "")
        when = self.utc_ts() if self.audit_time_zone == "gmt" else self.now_ts()
        no = str(self.store.next_sequence("recordno:AUDITHISTORY"))
        self.store.put(
            "AUDITHISTORY",
            no,
            {
                "OBJECTTYPE": objtype.lower(),
                "OBJECTKEY": key,
                "ACCESSTIME": when,
                "ACCESSMODE": mode,
                "USERID": self.userid,
                "SOURCE": self.audit_source,
            },
        )

    def stamp_modified(self, record: Record) -> Record:
        return {**record, "WHENMODIFIED": self.now_ts(), "MODIFIEDBY": "1"}

    # -------------------------------------------------------- company setup
    def create_setup(self) -> None:
        """What every real company has before any order: definitions, a bank account, a term."""
        ts = self.now_ts()
        base = {"WHENCREATED": ts, "WHENMODIFIED": ts, "CREATEDBY": "1", "MODIFIEDBY": "1", "STATUS": "active"}
        for docid, prefix, cat in (("Sales Order", "SO", "Order"), ("Sales Invoice", "INV", "Invoice")):
            no = self.next_recordno("SODOCUMENTPARAMS")
            self.store.put(
                "SODOCUMENTPARAMS",
                no,
                {
                    **base,
                    "RECORDNO": no,
                    "DOCID": docid,
                    "DOCCLASS": cat,
                    "CATEGORY": cat,
                    "PREFIX": prefix,
                    "SEQUENCE": docid,
                    "UPDATES_GL": "A" if cat == "Invoice" else "N",
                    "CREATETYPE": "New" if cat == "Order" else "New and Converted",
                },
            )
        no = self.next_recordno("CHECKINGACCOUNT")
        self.store.put(
            "CHECKINGACCOUNT",
            no,
            {**base, "RECORDNO": no, "BANKACCOUNTID": "BOA", "BANKNAME": "Bank of America", "CURRENCY": "USD"},
        )
        no = self.next_recordno("ARTERM")
        self.store.put(
            "ARTERM", no, {**base, "RECORDNO": no, "NAME": "Net 30", "DESCRIPTION": "Net 30 days", "DUEDATE": "30"}
        )

    # ------------------------------------------------------ generic writes
    def _clean_input(self, od: ObjectDef, values: dict[str, Any], action: str) -> dict[str, str]:
        flat = flatten(values)
        out: dict[str, str] = {}
        for name, val in flat.items():
            fd = od.field(name)
            if fd is None:
                raise could_not(
                    action,
                    od.singular,
                    ErrorItem("BL01001973", f"{name} is not a valid field of {od.name}", "Check the field name."),
                )
            if fd.readonly or isinstance(val, list):
                continue  # read-only fields are ignored on write, as the gateway does
            text = "" if val is None else str(val).strip()
            if text and fd.valid and text not in fd.valid:
                raise could_not(
                    action,
                    od.singular,
                    ErrorItem(
                        "BL03000018",
                        f"Invalid {fd.label or name} '{text}' specified.",
                        f"Use one of: {', '.join(fd.valid)}.",
                    ),
                )
            if text and fd.type == "text" and fd.maxlength and len(text) > fd.maxlength:
                raise could_not(
                    action,
                    od.singular,
                    ErrorItem(
                        "BL03000018",
                        f"{fd.label or name} ({name}) is too long: {len(text)} characters, at most {fd.maxlength}.",
                        f"Shorten {fd.label or name} to {fd.maxlength} characters.",
                    ),
                )
            if text and fd.type == "decimal":
                to_decimal(text, name)
            if text and fd.type == "boolean":
                if text.lower() not in ("true", "false"):
                    raise fail("BL03000018", f"Illegal format for {name} : {text}", "Use true or false.")
                text = text.lower()
            out[name] = text
        return out

    def create_master(self, obj: str, values: dict[str, Any]) -> Record:
        """Generic ``<create>`` of CUSTOMER or ITEM: required fields, unique ID, defaults, audit."""
        od = OBJECTS[obj]
        clean = self._clean_input(od, values, "create")
        id_field = od.id_field or ""
        ident = clean.get(id_field, "")
        for fd in od.fields:
            if fd.required and not clean.get(fd.name):
                raise could_not(
                    "create",
                    od.singular,
                    ErrorItem("BL01001973", f"Required field {fd.label} ({fd.name}) is missing.", ""),
                )
        if self.store.find(obj, id_field, ident):
            raise could_not(
                "create",
                od.singular,
                ErrorItem(
                    "BL34000061",
                    f"Another {od.singular} with the given value(s) {ident}  already exists",
                    "Use a unique value instead.",
                ),
            )
        if obj == "CUSTOMER":
            self._check_contact_name(od, clean.get("DISPLAYCONTACT.CONTACTNAME") or clean["NAME"])
        no = self.next_recordno(obj)
        ts = self.now_ts()
        record: Record = {
            "RECORDNO": no,
            "STATUS": "active",
            "WHENCREATED": ts,
            "WHENMODIFIED": ts,
            "CREATEDBY": "1",
            "MODIFIEDBY": "1",
        }
        if obj == "CUSTOMER":
            name = clean["NAME"]
            record.update(
                {
                    "TOTALDUE": "0",
                    "ONETIME": "false",
                    "ONHOLD": "false",
                    "CURRENCY": "USD",
                    "DISPLAYCONTACT.CONTACTNAME": name,
                    "DISPLAYCONTACT.COMPANYNAME": name,
                    "DISPLAYCONTACT.PRINTAS": name,
                }
            )
        else:
            record.update({"ITEMTYPE": "Non-Inventory", "MRR": "false", "BASEUOM": "Each", "UOMGRP": "Count"})
        record.update({k: v for k, v in clean.items() if v != "" or k not in record})
        self.store.put(obj, no, record)
        self.audit(obj, record, "C", ident)
        return record

    def _check_contact_name(self, od: ObjectDef, contact: str) -> None:
        """A customer's display contact is a CONTACT record, and contact names are unique per company.

        So two customers with the same name cannot both be created unless a distinct CONTACTNAME is
        given (PsIntacct New-Customer tests: BL34000061 "Another Contact ..." then BL01001973).
        """
        if self.store.find("CUSTOMER", "DISPLAYCONTACT.CONTACTNAME", contact):
            raise could_not(
                "create",
                od.singular,
                ErrorItem(
                    "BL34000061",
                    f"Another Contact with the given value(s) {contact}  already exists",
                    "Use a unique value instead.",
                ),
            )

    def find_for_update(self, obj: str, flat: dict[str, Any]) -> Record:
        od = OBJECTS[obj]
        id_field = od.id_field or "RECORDNO"
        record = None
        if flat.get("RECORDNO"):
            record = self.store.get(obj, str(flat["RECORDNO"]).strip())
            key = flat["RECORDNO"]
        else:
            key = flat.get(id_field, "")
            if key:
                record = self.by_id(obj, id_field, str(key).strip())
        if not key:
            raise could_not(
                "update",
                od.singular,
                ErrorItem("BL01001973", f"Provide RECORDNO or {id_field} to update a {od.singular}.", ""),
            )
        if record is None:
            raise could_not(
                "update",
                od.singular,
                ErrorItem("BL01001973", f"Cannot find {od.singular.lower()} with key '{key}' to update.", ""),
            )
        return record

    def update_master(self, obj: str, values: dict[str, Any]) -> Record:
        """Generic ``<update>`` keyed on the ID field or RECORDNO; the ID itself cannot change here."""
        od = OBJECTS[obj]
        record = self.find_for_update(obj, flatten(values))
        clean = self._clean_input(od, values, "update")
        if od.id_field and clean.get(od.id_field, record[od.id_field]) != record[od.id_field]:
            clean.pop(od.id_field)
        for fd in od.fields:
            if fd.required and fd.name in clean and not clean[fd.name]:
                raise could_not(
                    "update", od.singular, ErrorItem("BL01001973", f"{fd.label} ({fd.name}) is required.", "")
                )
        new = self.stamp_modified({**record, **clean})
        self.store.put(obj, new["RECORDNO"], new)
        self.audit(obj, new, "M", new.get(od.id_field or "", ""))
        return new

    def delete_record(self, obj: str, key: str) -> None:
        """Generic ``<delete>`` by RECORDNO; refused while transactions still reference the record."""
        od = get_object(obj)
        assert od is not None
        record = self.store.get(od.name, key.strip())
        if record is None:
            raise fail("BL01001973", f"Cannot find {od.singular.lower()} with key '{key}' to delete.")
        if od.name == "CUSTOMER":
            cid = record["CUSTOMERID"]
            if self.store.find("ARINVOICE", "CUSTOMERID", cid) or self.store.find("SODOCUMENT", "CUSTVENDID", cid):
                raise could_not(
                    "delete",
                    od.singular,
                    ErrorItem(
                        "BL01001973",
                        f"Customer {cid} has transactions (invoices or orders) and cannot be deleted.",
                        "Set the customer to inactive instead.",
                    ),
                )
        elif od.name == "ITEM":
            if self.store.find("SODOCUMENTENTRY", "ITEMID", record["ITEMID"]):
                raise could_not(
                    "delete",
                    od.singular,
                    ErrorItem(
                        "BL01001973",
                        f"Item {record['ITEMID']} is used in transactions and cannot be deleted.",
                        "Set the item to inactive instead.",
                    ),
                )
        elif od.name == "ARPYMT":
            self.reverse_payment(record)
        self.store.delete(od.name, record["RECORDNO"])
        self.audit(od.name, record, "D", record.get(od.id_field or "", ""))
