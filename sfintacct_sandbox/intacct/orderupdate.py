"""Legacy ``update_sotransaction``: change an order entry document in place.

Why its own module: on a real company every OE update of a posted Sales Invoice deletes its AR
invoice and creates a new one with a NEW RECORDNO (same RECORDID, new totals), while the payments
stay applied. A client that kept an ARINVOICE RECORDNO as a key breaks here, so the sandbox must
behave that way. Line numbers are one-based here, while ``read`` returns zero-based ``LINE_NO``.
The layer above ``orders``.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from .errors import ErrorItem, FunctionError, fail
from .orders import OrderEntry
from .values import DATE_FORMAT, money, parse_date, to_decimal

LABEL = "Sales Transaction"
FROZEN_STATES = ("In Progress", "Converted", "Partially Converted")


def _err(text: str, correction: str = "") -> FunctionError:
    return FunctionError(
        [ErrorItem("BL01001973", text, correction), ErrorItem("BL01001973", f"Could not update {LABEL} record!")]
    )


class OrderUpdates(OrderEntry):
    """``update_sotransaction``, on top of order entry."""

    def update_sotransaction(self, key: str, spec: dict[str, Any]) -> dict[str, Any]:
        """Apply the dict form of ``update_sotransaction`` to document ``key`` (a DOCID); return it."""
        docid = key.strip()
        doc = self.by_id("SODOCUMENT", "DOCID", docid)
        if doc is None:
            raise _err(f"Cannot find the transaction {docid} to update.", "Use an existing document ID.")
        if doc["STATE"] in FROZEN_STATES:
            raise _err(
                f"Transaction {docid} is {doc['STATE']} and cannot be edited.",
                "Only transactions that have not been converted can be updated.",
            )
        doc = dict(doc)
        if spec.get("datecreated"):
            doc["WHENCREATED"] = parse_date(spec["datecreated"], "datecreated").strftime(DATE_FORMAT)
        if "referenceno" in spec:
            doc["PONUMBER"] = str(spec["referenceno"] or "")
        if "memo" in spec:
            doc["MESSAGE"] = str(spec["memo"] or "")
        if spec.get("termname"):
            name = str(spec["termname"]).strip()
            if self.by_id("ARTERM", "NAME", name) is None:
                raise _err(f"Invalid term '{name}' specified.", "Use an existing AR term.")
            doc["TERM.NAME"] = name
        if spec.get("state"):
            state = str(spec["state"]).strip()
            if state not in ("Draft", "Pending", "Closed"):
                raise fail("BL03000018", f"Invalid state '{state}' specified.", "Use Draft, Pending or Closed.")
            doc["STATE"] = state
        entries = self._updated_entries(doc, spec.get("items") or [])
        total = sum((Decimal(e["TOTAL"]) for e in entries), Decimal(0))
        if doc.get("CREATEDFROM"):
            source = self.by_id("SODOCUMENT", "DOCID", doc["CREATEDFROM"])
            if source is not None:
                self._convert_source(source, entries, exclude_doc=doc["RECORDNO"])
        term = self.by_id("ARTERM", "NAME", doc.get("TERM.NAME") or "Net 30")
        days = int(term.get("DUEDATE") or 0) if term else 30
        when = parse_date(doc["WHENCREATED"], "datecreated")
        doc["WHENDUE"] = (
            parse_date(spec["datedue"], "datedue").strftime(DATE_FORMAT)
            if spec.get("datedue")
            else (when + timedelta(days=days)).strftime(DATE_FORMAT)
        )
        paid = Decimal(doc.get("TOTALPAID") or "0")
        doc.update({"SUBTOTAL": money(total), "TOTAL": money(total), "TOTALDUE": money(total - paid)})
        self._replace_entries(doc, entries)
        self._repost_invoice(doc, total)
        doc = self.stamp_modified(doc)
        self.store.put("SODOCUMENT", doc["RECORDNO"], doc)
        self.audit("SODOCUMENT", doc, "M", docid)
        return doc

    def _updated_entries(self, doc: dict[str, Any], items: list[tuple[str, dict[str, Any]]]) -> list[dict[str, str]]:
        """The document's lines after the updates (``("update", {line_num, ...})``) and adds."""
        keys = self.store.find("SODOCUMENTENTRY", "DOCHDRNO", doc["RECORDNO"])
        current = sorted((self.store.get("SODOCUMENTENTRY", k) or {} for k in keys), key=lambda e: int(e["LINE_NO"]))
        entries = [dict(e) for e in current]
        for kind, line in items:
            if kind == "update":
                raw = str(line.get("line_num") or "").strip()
                if not raw.isdigit() or not 1 <= int(raw) <= len(entries):
                    raise _err(
                        f"Invalid line_num '{raw}': transaction {doc['DOCID']} has {len(entries)} line(s).",
                        "Line numbers of update_sotransaction are one-based.",
                    )
                entry = entries[int(raw) - 1]
                label = raw
            else:
                if not line.get("itemid") or not line.get("quantity"):
                    raise _err("A new line item needs itemid and quantity.")
                entry = {"LINE_NO": str(len(entries)), "UNIT": "Each", "MEMO": "", "PRICE": ""}
                entries.append(entry)
                label = str(len(entries))
            if line.get("itemid"):
                item_id = str(line["itemid"]).strip()
                item = self.by_id("ITEM", "ITEMID", item_id)
                if item is None:
                    raise _err(f"Invalid item '{item_id}' specified on line {label}.", "Use an existing item ID.")
                if item.get("STATUS") != "active":
                    raise _err(f"Item '{item_id}' on line {label} is inactive.", "Use an active item.")
                entry.update({"ITEMID": item_id, "ITEMNAME": item.get("NAME", ""), "ITEMDESC": item.get("NAME", "")})
                if not line.get("price") and not entry.get("PRICE"):
                    entry["PRICE"] = money(to_decimal(item.get("BASEPRICE") or "0", "BASEPRICE"))
            for tag, fld in (("itemdesc", "ITEMDESC"), ("unit", "UNIT"), ("memo", "MEMO")):
                if line.get(tag) not in (None, ""):
                    entry[fld] = str(line[tag])
            if line.get("quantity") not in (None, ""):
                qty = to_decimal(line["quantity"], "quantity")
                if qty <= 0:
                    raise _err(f"Quantity on line {label} must be greater than zero.")
                entry["QUANTITY"] = format(qty.normalize(), "f")
            if line.get("price") not in (None, ""):
                entry["PRICE"] = money(to_decimal(line["price"], "price"))
            amount = (Decimal(entry["QUANTITY"]) * Decimal(entry["PRICE"] or "0")).quantize(Decimal("0.01"))
            entry["TOTAL"] = money(amount)
        return entries

    def _replace_entries(self, doc: dict[str, Any], entries: list[dict[str, str]]) -> None:
        ts = self.now_ts()
        for entry in entries:
            eno = entry.get("RECORDNO") or self.next_recordno("SODOCUMENTENTRY")
            base = {"RECORDNO": eno, "DOCHDRNO": doc["RECORDNO"], "DOCHDRID": doc["DOCID"]}
            self.store.put(
                "SODOCUMENTENTRY", eno, {**entry, **base, "WHENCREATED": doc["WHENCREATED"], "WHENMODIFIED": ts}
            )

    def _repost_invoice(self, doc: dict[str, Any], total: Decimal) -> None:
        """Delete the AR invoice and post a new one (new RECORDNO); payments move to the new one."""
        customer = self.by_id("CUSTOMER", "CUSTOMERID", doc["CUSTVENDID"]) or {"CUSTOMERID": doc["CUSTVENDID"]}
        old = self.store.get("ARINVOICE", doc["PRRECORDKEY"]) if doc.get("PRRECORDKEY") else None
        paid = Decimal(old.get("TOTALPAID") or "0") if old else Decimal(0)
        if paid > total:
            raise _err(
                f"The new total {money(total)} is less than the {money(paid)} already paid on {doc['DOCID']}.",
                "Reverse the payments first.",
            )
        if old is not None:
            self.store.delete("ARINVOICE", old["RECORDNO"])
            self.delete_invoice_lines(old["RECORDNO"])
            self.audit("ARINVOICE", old, "D", old["RECORDID"])
            self.adjust_customer_due(old["CUSTOMERID"], -Decimal(old.get("TOTALDUE") or "0"))
        definition = self.by_id("SODOCUMENTPARAMS", "DOCID", doc["DOCPARID"]) or {}
        if definition.get("CATEGORY") != "Invoice" or doc["STATE"] == "Draft":
            doc["PRRECORDKEY"] = ""
            return
        invoice = self._create_arinvoice(doc, customer, total)
        due = total - paid
        state = "Paid" if due <= 0 else ("Partially Paid" if paid > 0 else "Posted")
        invoice.update(
            {
                "TOTALPAID": money(paid),
                "TOTALDUE": money(due),
                "TRX_TOTALPAID": money(paid),
                "TRX_TOTALDUE": money(due),
                "STATE": state,
                "WHENPAID": (old or {}).get("WHENPAID", "") if state == "Paid" else "",
            }
        )
        self.store.put("ARINVOICE", invoice["RECORDNO"], invoice)
        self.adjust_customer_due(doc["CUSTVENDID"], -paid)
        if old is not None:
            self._reapply_details(old["RECORDNO"], invoice)
        doc["PRRECORDKEY"] = invoice["RECORDNO"]
        doc["TOTALPAID"], doc["TOTALDUE"] = money(paid), money(due)
        doc["PAYMENTSTATUS"] = {"Paid": "Paid", "Partially Paid": "Partially paid"}.get(state, "Open")

    def _reapply_details(self, old_no: str, invoice: dict[str, Any]) -> None:
        """Each payment applied to the old invoice stays applied to the new one: its detail rows are
        replaced by rows on the new invoice's lines, spread first line first as any application.
        (How Intacct renumbers these rows is not documented; the amounts per payment are kept.)"""
        per_payment: dict[str, Decimal] = {}
        keys = sorted(self.store.find("ARPYMTDETAIL", "RECORDKEY", old_no), key=int)
        for key in keys:
            detail = self.store.get("ARPYMTDETAIL", key) or {}
            pay = str(detail.get("PAYMENTKEY") or "")
            per_payment[pay] = per_payment.get(pay, Decimal(0)) + Decimal(detail.get("TRX_PAYMENTAMOUNT") or "0")
            self.store.delete("ARPYMTDETAIL", key)
        line_paid: dict[str, Decimal] = {}
        for pay, amount in per_payment.items():
            payment = self.store.get("ARPYMT", pay) or {}
            portions = self._line_portions(invoice, amount, "", line_paid)
            self._post_details(pay, invoice["RECORDNO"], portions, str(payment.get("RECEIPTDATE") or ""))
