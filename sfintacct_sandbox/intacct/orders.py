"""Order entry: ``create_sotransaction`` for Sales Orders and Sales Invoices, and the AR invoice.

Why here: converting an order into an invoice touches three records at once (the new SODOCUMENT,
its ARINVOICE with MODULEKEY 8.SO, and the source order's STATE) and must be all-or-nothing, the
same for a client call and for seed loading. The layer above ``payments`` (invoice lines).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

from .errors import ErrorItem, FunctionError, fail
from .payments import Receivables
from .values import DATE_FORMAT, money, parse_date, to_decimal

LABEL = "Sales Transaction"


def _err(text: str, correction: str = "") -> FunctionError:
    return FunctionError(
        [ErrorItem("BL01001973", text, correction), ErrorItem("BL01001973", f"Could not create {LABEL} record!")]
    )


class OrderEntry(Receivables):
    """Order entry documents and the AR invoice a posted Sales Invoice creates."""

    def term_days(self, customer: dict[str, Any]) -> int:
        name = customer.get("TERMNAME") or "Net 30"
        term = self.by_id("ARTERM", "NAME", name)
        return int(term.get("DUEDATE") or 0) if term else 30

    def create_sotransaction(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Create an order entry document from the dict form of ``create_sotransaction``; return it."""
        docpar = str(spec.get("transactiontype") or "").strip()
        definition = self.by_id("SODOCUMENTPARAMS", "DOCID", docpar)
        if definition is None or definition.get("STATUS") != "active":
            raise _err(f"Transaction definition '{docpar}' does not exist.", "Use an existing transaction type.")
        when = parse_date(spec.get("datecreated"), "datecreated")
        cid = str(spec.get("customerid") or "").strip()
        customer = self.by_id("CUSTOMER", "CUSTOMERID", cid)
        if customer is None:
            raise _err(f"Invalid customer '{cid}' specified.", "Use an existing customer ID.")
        if customer.get("STATUS") != "active":
            raise _err(f"Customer '{cid}' is inactive.", "Use an active customer.")
        state = str(spec.get("state") or "Pending").strip()
        if state not in ("Draft", "Pending", "Closed"):
            raise fail("BL03000018", f"Invalid state '{state}' specified.", "Use Draft, Pending or Closed.")
        source = None
        created_from = str(spec.get("createdfrom") or "").strip()
        if created_from:
            source = self.by_id("SODOCUMENT", "DOCID", created_from)
            if source is None:
                raise _err(f"Cannot find the source transaction '{created_from}' to convert from.")
            if source["STATE"] in ("Converted", "Closed", "Draft"):
                raise _err(
                    f"The source transaction {created_from} is {source['STATE']} and cannot be converted.",
                )
            if source["CUSTVENDID"] != cid:
                raise _err(f"The source transaction {created_from} belongs to another customer.")
        lines = spec.get("sotransitems") or []
        if not lines:
            raise _err("A transaction needs at least one line item.")
        entries: list[dict[str, str]] = []
        total = Decimal(0)
        for i, line in enumerate(lines):
            item_id = str(line.get("itemid") or "").strip()
            item = self.by_id("ITEM", "ITEMID", item_id)
            if item is None:
                raise _err(f"Invalid item '{item_id}' specified on line {i + 1}.", "Use an existing item ID.")
            if item.get("STATUS") != "active":
                raise _err(f"Item '{item_id}' on line {i + 1} is inactive.", "Use an active item.")
            qty = to_decimal(line.get("quantity", ""), "quantity")
            if qty <= 0:
                raise _err(f"Quantity on line {i + 1} must be greater than zero.")
            price_text = line.get("price")
            price = to_decimal(price_text, "price") if price_text not in (None, "") else None
            if price is None:
                price = to_decimal(item.get("BASEPRICE") or "0", "BASEPRICE")
            amount = (qty * price).quantize(Decimal("0.01"))
            total += amount
            entries.append(
                {
                    "LINE_NO": str(i),
                    "ITEMID": item_id,
                    "ITEMNAME": item.get("NAME", ""),
                    "ITEMDESC": str(line.get("itemdesc") or item.get("NAME", "")),
                    "UNIT": str(line.get("unit") or "Each"),
                    "MEMO": str(line.get("memo") or ""),
                    "QUANTITY": format(qty.normalize(), "f"),
                    "PRICE": money(price),
                    "TOTAL": money(amount),
                }
            )
        if source is not None:
            self._convert_source(source, entries)

        prefix = definition.get("PREFIX", "")
        docno = f"{prefix}{self.store.next_sequence(f'docno:{docpar}'):04d}"
        docid = f"{docpar}-{docno}"
        no = self.next_recordno("SODOCUMENT")
        ts = self.now_ts()
        due = (when + timedelta(days=self.term_days(customer))).strftime(DATE_FORMAT)
        doc = {
            "RECORDNO": no,
            "DOCNO": docno,
            "DOCID": docid,
            "DOCPARID": docpar,
            "CREATEDFROM": created_from,
            "STATE": state,
            "CUSTVENDID": cid,
            "CUSTVENDNAME": customer.get("NAME", ""),
            "PONUMBER": str(spec.get("referenceno") or ""),
            "MESSAGE": str(spec.get("memo") or spec.get("message") or ""),
            "TERM.NAME": customer.get("TERMNAME") or "Net 30",
            "WHENCREATED": when.strftime(DATE_FORMAT),
            "WHENDUE": due,
            "SUBTOTAL": money(total),
            "TOTAL": money(total),
            "TOTALPAID": "0",
            "TOTALDUE": money(total),
            "CURRENCY": "USD",
            "BASECURR": "USD",
            "PAYMENTSTATUS": "",
            "PRRECORDKEY": "",
            "AUWHENCREATED": self.utc_ts(),
            "WHENMODIFIED": ts,
            "CREATEDBY": "1",
            "MODIFIEDBY": "1",
        }
        for entry in entries:
            eno = self.next_recordno("SODOCUMENTENTRY")
            self.store.put(
                "SODOCUMENTENTRY",
                eno,
                {
                    **entry,
                    "RECORDNO": eno,
                    "DOCHDRNO": no,
                    "DOCHDRID": docid,
                    "WHENCREATED": doc["WHENCREATED"],
                    "WHENMODIFIED": ts,
                },
            )
        if definition.get("CATEGORY") == "Invoice" and state != "Draft":
            invoice = self._create_arinvoice(doc, customer, total)
            doc["PRRECORDKEY"] = invoice["RECORDNO"]
            doc["PAYMENTSTATUS"] = "Open"
        self.store.put("SODOCUMENT", no, doc)
        self.audit("SODOCUMENT", doc, "C", docid)
        return doc

    def _convert_source(self, source: dict[str, Any], entries: list[dict[str, str]], exclude_doc: str = "") -> None:
        """Mark the source order Converted (all quantities invoiced) or Partially Converted.

        ``exclude_doc``: the RECORDNO of a converted document being updated, whose new ``entries``
        replace its stored lines in the count.
        """
        ordered: dict[str, Decimal] = defaultdict(Decimal)
        for key in self.store.find("SODOCUMENTENTRY", "DOCHDRNO", source["RECORDNO"]):
            e = self.store.get("SODOCUMENTENTRY", key) or {}
            ordered[e["ITEMID"]] += Decimal(e["QUANTITY"])
        invoiced: dict[str, Decimal] = defaultdict(Decimal)
        for doc_key in self.store.find("SODOCUMENT", "CREATEDFROM", source["DOCID"]):
            if doc_key == exclude_doc:
                continue
            for key in self.store.find("SODOCUMENTENTRY", "DOCHDRNO", doc_key):
                e = self.store.get("SODOCUMENTENTRY", key) or {}
                invoiced[e["ITEMID"]] += Decimal(e["QUANTITY"])
        for e in entries:
            if e["ITEMID"] not in ordered:
                raise _err(f"Item {e['ITEMID']} is not on the source transaction {source['DOCID']}.")
            invoiced[e["ITEMID"]] += Decimal(e["QUANTITY"])
        over = [i for i, q in invoiced.items() if q > ordered.get(i, Decimal(0))]
        if over:
            raise _err(f"Quantity of item {over[0]} exceeds the quantity left to convert on {source['DOCID']}.")
        complete = all(invoiced.get(i, Decimal(0)) >= q for i, q in ordered.items())
        state = "Converted" if complete else "Partially Converted"
        if exclude_doc and source["STATE"] == state:
            return
        new = self.stamp_modified({**source, "STATE": state})
        self.store.put("SODOCUMENT", new["RECORDNO"], new)
        self.audit("SODOCUMENT", new, "M", new["DOCID"])

    def _create_arinvoice(self, doc: dict[str, Any], customer: dict[str, Any], total: Decimal) -> dict[str, Any]:
        no = self.next_recordno("ARINVOICE")
        amount = money(total)
        invoice = {
            "RECORDNO": no,
            "RECORDID": doc["DOCNO"],
            "RECORDTYPE": "ri",
            "STATE": "Posted",
            "RAWSTATE": "A",
            "CUSTOMERID": doc["CUSTVENDID"],
            "CUSTOMERNAME": doc["CUSTVENDNAME"],
            "DOCNUMBER": doc["PONUMBER"],
            "DESCRIPTION": doc["MESSAGE"],
            "TERMNAME": doc["TERM.NAME"],
            "WHENCREATED": doc["WHENCREATED"],
            "WHENPOSTED": doc["WHENCREATED"],
            "WHENDUE": doc["WHENDUE"],
            "WHENPAID": "",
            "BASECURR": "USD",
            "CURRENCY": "USD",
            "TOTALENTERED": amount,
            "TOTALPAID": "0",
            "TOTALDUE": amount,
            "TRX_TOTALENTERED": amount,
            "TRX_TOTALPAID": "0",
            "TRX_TOTALDUE": amount,
            "MODULEKEY": "8.SO",
            "DOCHDRKEY": doc["RECORDNO"],
            "SYSTEMGENERATED": "T",
            "AUWHENCREATED": self.utc_ts(),
            "WHENMODIFIED": self.now_ts(),
            "CREATEDBY": "1",
            "MODIFIEDBY": "1",
        }
        self.store.put("ARINVOICE", no, invoice)
        keys = self.store.find("SODOCUMENTENTRY", "DOCHDRNO", doc["RECORDNO"])
        entries = [self.store.get("SODOCUMENTENTRY", k) or {} for k in keys]
        self.create_invoice_lines(invoice, entries)
        self.audit("ARINVOICE", invoice, "C", invoice["RECORDID"])
        self.adjust_customer_due(customer["CUSTOMERID"], total)
        return invoice

    def delete_sotransaction(self, key: str) -> None:
        """Legacy ``delete_sotransaction key="Sales Invoice-INV0001"``: the document, its lines, its AR invoice.

        Refused like Intacct: a document other documents were converted from, or whose invoice has
        payments applied. Deleting a converted invoice re-opens its source order.
        """
        docid = key.strip()
        doc = self.by_id("SODOCUMENT", "DOCID", docid)

        def refuse(text: str) -> FunctionError:
            return FunctionError(
                [ErrorItem("BL01001973", text), ErrorItem("BL01001973", f"Could not delete {LABEL} record!")]
            )

        if doc is None:
            raise refuse(f"Cannot find the transaction {docid} to delete.")
        if self.store.find("SODOCUMENT", "CREATEDFROM", docid):
            raise refuse(f"Transaction {docid} has been converted and cannot be deleted.")
        invoice = self.store.get("ARINVOICE", doc.get("PRRECORDKEY") or "") if doc.get("PRRECORDKEY") else None
        if invoice is not None:
            if Decimal(invoice.get("TOTALPAID") or "0") != 0:
                raise refuse(f"Transaction {docid} has payments applied; reverse them first.")
            self.store.delete("ARINVOICE", invoice["RECORDNO"])
            self.delete_invoice_lines(invoice["RECORDNO"])
            self.audit("ARINVOICE", invoice, "D", invoice["RECORDID"])
            self.adjust_customer_due(invoice["CUSTOMERID"], -Decimal(invoice.get("TOTALDUE") or "0"))
        for entry_key in self.store.find("SODOCUMENTENTRY", "DOCHDRNO", doc["RECORDNO"]):
            self.store.delete("SODOCUMENTENTRY", entry_key)
        self.store.delete("SODOCUMENT", doc["RECORDNO"])
        self.audit("SODOCUMENT", doc, "D", docid)
        source = self.by_id("SODOCUMENT", "DOCID", doc.get("CREATEDFROM") or "") if doc.get("CREATEDFROM") else None
        if source is not None:
            left = self.store.find("SODOCUMENT", "CREATEDFROM", source["DOCID"])
            new = self.stamp_modified({**source, "STATE": "Partially Converted" if left else "Pending"})
            self.store.put("SODOCUMENT", new["RECORDNO"], new)
            self.audit("SODOCUMENT", new, "M", new["DOCID"])
