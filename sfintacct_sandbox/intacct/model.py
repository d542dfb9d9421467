"""The emulated company: its master data (CUSTOMER, ITEM), generic writes and company setup.

Why one ``Company`` object: every write path (generic create/update/delete, create_sotransaction,
ARPYMT, seed loading) must apply the same rules, stamp the same wall-clock times in the company's
time zone and leave the same AUDITHISTORY rows, whether a client or the seed loader calls it.
It is built in layers, each module importing only the one below it: ``records`` (clock, numbering,
audit trail), ``payments`` (AR payments and invoice lines), ``orders`` (order entry and the AR
invoice), ``orderupdate`` (changing a document in place), and this module on top.
Records are flat dicts of UPPER (dotted) field names to wire strings, keyed by RECORDNO.
"""

from __future__ import annotations

from typing import Any

from .errors import ErrorItem, could_not, fail
from .objects import OBJECTS, ObjectDef, get_object
from .orderupdate import OrderUpdates
from .values import Record, flatten, to_decimal


class Company(OrderUpdates):
    """All business rules of the emulated Intacct company over one ``RecordStore``."""

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
        if obj == "SOPRICELISTENTRY":
            clean = self._check_price_entry(od, clean, "create")
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
        elif obj == "ITEM":
            record.update({"ITEMTYPE": "Non-Inventory", "MRR": "false", "BASEUOM": "Each", "UOMGRP": "Count"})
        elif obj == "SOPRICELIST":
            record.update({"SALEPURCHASE": "Sales", "DATEFROM": "01/01/1900", "DATETO": "12/31/2099"})
        else:  # SOPRICELISTENTRY
            record.update(
                {
                    "VALUETYPE": "Actual",
                    "QTY_OR_VALUE": "V",
                    "FIXED": "false",
                    "SALE": "false",
                    "DATEFROM": "01/01/1900",
                    "DATETO": "12/31/2099",
                    "QTYLIMITMIN": "0",
                    "QTYLIMITMAX": "0",
                    "CURRENCY": "",
                }
            )
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

    def _check_price_entry(self, od: ObjectDef, clean: dict[str, str], action: str) -> dict[str, str]:
        """An entry names an existing price list (by NAME) and an existing item (by ITEMID)."""
        plist = clean.get("PRICELISTID")
        if plist is not None and self.by_id("SOPRICELIST", "NAME", plist) is None:
            raise could_not(
                action, od.singular, ErrorItem("BL03000018", f"Invalid Price List '{plist}' specified.", "")
            )
        item_id = clean.get("ITEMID")
        if item_id is not None:
            item = self.by_id("ITEM", "ITEMID", item_id)
            if item is None:
                raise could_not(
                    action, od.singular, ErrorItem("BL03000018", f"Invalid Item '{item_id}' specified.", "")
                )
            clean = {**clean, "ITEMNAME": item.get("NAME", "")}
        return clean

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
        if obj == "SOPRICELISTENTRY":
            for fixed in ("PRICELISTID", "ITEMID"):  # an entry stays on its list and item
                if clean.get(fixed, record[fixed]) != record[fixed]:
                    clean.pop(fixed)
            clean = self._check_price_entry(od, clean, "update")
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
