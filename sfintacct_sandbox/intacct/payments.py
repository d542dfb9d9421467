"""AR payments (ARPYMT + ARPYMTDETAIL) applied to AR invoices and their lines (ARINVOICEITEM).

Why: the product mirrors invoice balances to Salesforce, so a payment must move the invoice's
TOTALPAID / TOTALDUE / STATE (``Partially Paid`` / ``Paid``) and WHENPAID exactly once, refuse an
overpayment, and undo all of that when the payment is deleted. As in Intacct, a payment detail
given for a whole invoice is applied line by line, first line first, each paid in full before the
next (the "waterfall"), and one ARPYMTDETAIL row is kept per invoice line touched (its ENTRYKEY the
line), so a payment of a two-line invoice has two detail rows. The layer above ``records``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .errors import ErrorItem, FunctionError
from .objects import ARPYMT
from .records import CompanyRecords
from .values import DATE_FORMAT, money, parse_date, to_decimal

_PYMT_FIELDS = {
    "FINANCIALENTITY",
    "PAYMENTMETHOD",
    "CUSTOMERID",
    "RECEIPTDATE",
    "PAYMENTDATE",
    "DOCNUMBER",
    "DESCRIPTION",
    "PAYERNAME",
    "CURRENCY",
    "BASECURR",
    "ARPYMTDETAILS",
    "ACTION",
    "UNDEPOSITEDACCOUNTNO",
}


def _err(text: str, correction: str = "") -> FunctionError:
    return FunctionError(
        [ErrorItem("BL01001973", text, correction), ErrorItem("BL01001973", "Could not create AR Payment record!")]
    )


def _details(value: Any) -> list[dict[str, Any]]:
    """ARPYMTDETAILS as a list whether it came as a list (seeds) or as ``{ARPYMTDETAIL: ...}`` (XML)."""
    if isinstance(value, dict):
        value = value.get("ARPYMTDETAIL", [])
    if isinstance(value, dict):
        value = [value]
    return [v for v in (value or []) if isinstance(v, dict)]


class Receivables(CompanyRecords):
    """AR payments and the invoice lines they pay, on top of the company's records."""

    def create_payment(self, values: dict[str, Any], payment_amount: str | None = None) -> dict[str, Any]:
        """Generic ``<create><ARPYMT>``: validate, apply each detail to its invoice, record the payment.

        ``payment_amount`` (legacy ``create_arpayment``'s ``paymentamount``): the payment's total, of which
        what the details do not apply stays unapplied (TOTALDUE); the details may then be none.
        """
        vals = {str(k).upper(): v for k, v in values.items()}
        unknown = sorted(set(vals) - _PYMT_FIELDS)
        if unknown:
            raise _err(f"{unknown[0]} is not a valid field of ARPYMT", "Check the field name.")
        bank = str(vals.get("FINANCIALENTITY") or "").strip()
        if not bank or self.by_id("CHECKINGACCOUNT", "BANKACCOUNTID", bank) is None:
            raise _err(f"Invalid bank account '{bank}' specified.", "Use an existing checking account ID.")
        method = str(vals.get("PAYMENTMETHOD") or "").strip()
        valid_methods = self.payment_methods()
        if method not in valid_methods:
            raise _err(f"Invalid payment method '{method}' specified.", f"Use one of: {', '.join(valid_methods)}.")
        cid = str(vals.get("CUSTOMERID") or "").strip()
        customer = self.by_id("CUSTOMER", "CUSTOMERID", cid)
        if customer is None:
            raise _err(f"Invalid customer '{cid}' specified.", "Use an existing customer ID.")
        if not vals.get("RECEIPTDATE"):
            raise _err("Required field Receipt date (RECEIPTDATE) is missing.")
        receipt = parse_date(vals["RECEIPTDATE"], "RECEIPTDATE").strftime(DATE_FORMAT)
        details = _details(vals.get("ARPYMTDETAILS"))
        if not details and payment_amount is None:
            raise _err("A payment needs at least one ARPYMTDETAIL line.", "Apply the payment to an invoice.")
        applied: list[tuple[dict[str, Any], Decimal, list[tuple[str, Decimal]]]] = []
        seen: dict[str, Decimal] = {}
        line_paid: dict[str, Decimal] = {}  # line RECORDNO -> paid, including this payment's earlier details
        for d in details:
            d = {str(k).upper(): v for k, v in d.items()}
            key = str(d.get("RECORDKEY") or "").strip()
            invoice = self.store.get("ARINVOICE", key)
            if invoice is None:
                raise _err(f"Cannot find the invoice with record number '{key}' to apply the payment to.")
            if invoice["CUSTOMERID"] != cid:
                raise _err(f"Invoice {key} belongs to customer {invoice['CUSTOMERID']}, not {cid}.")
            amount = to_decimal(d.get("TRX_PAYMENTAMOUNT") or d.get("PAYMENTAMOUNT") or "", "TRX_PAYMENTAMOUNT")
            if amount <= 0:
                raise _err("The payment amount must be greater than zero.")
            seen[key] = seen.get(key, Decimal(0)) + amount
            if seen[key] > Decimal(invoice["TOTALDUE"]):
                raise _err(
                    f"The payment amount {money(seen[key])} exceeds the amount due {invoice['TOTALDUE']} "
                    f"on invoice {invoice['RECORDID']}.",
                    "Enter an amount that is less than or equal to the amount due.",
                )
            entry = str(d.get("ENTRYKEY") or "").strip()
            applied.append((invoice, amount, self._line_portions(invoice, amount, entry, line_paid)))
        applied_total = sum((a for _, a, _ in applied), Decimal(0))
        total = applied_total if payment_amount is None else to_decimal(payment_amount, "paymentamount")
        if total <= 0 or total < applied_total:
            raise _err(
                f"The payment amount {money(total)} is less than the amounts applied {money(applied_total)}.",
                "Enter a payment amount that covers the amounts applied to invoices.",
            )
        no = self.next_recordno("ARPYMT")
        ts = self.now_ts()
        payment = {
            "RECORDNO": no,
            "RECORDTYPE": "rp",
            "STATE": "Complete",
            "DISPLAYSTATE": "Complete",
            "FINANCIALENTITY": bank,
            "FINANCIALENTITYTYPE": "BA",
            "FINANCIALACCOUNTNAME": bank,
            "FINANCIALACCOUNTCURRENCY": "USD",
            "PAYMENTMETHOD": method,
            "CUSTOMERID": cid,
            "CUSTOMERNAME": customer.get("NAME", ""),
            "PAYERNAME": str(vals.get("PAYERNAME") or customer.get("NAME", "")),
            "DOCNUMBER": str(vals.get("DOCNUMBER") or ""),
            "DESCRIPTION": str(vals.get("DESCRIPTION") or ""),
            "RECEIPTDATE": receipt,
            "PAYMENTDATE": receipt,
            "WHENCREATED": receipt,
            "WHENPAID": receipt,
            "BASECURR": "USD",
            "CURRENCY": "USD",
            "TOTALENTERED": money(total),
            "TOTALPAID": money(applied_total),
            "TOTALDUE": money(total - applied_total),
            "TRX_TOTALENTERED": money(total),
            "TRX_TOTALPAID": money(applied_total),
            "TRX_TOTALDUE": money(total - applied_total),
            "AUWHENCREATED": self.utc_ts(),
            "WHENMODIFIED": ts,
            "CREATEDBY": "1",
            "MODIFIEDBY": "1",
        }
        self.store.put("ARPYMT", no, payment)
        for invoice, amount, portions in applied:
            current = self.store.get("ARINVOICE", invoice["RECORDNO"]) or invoice
            self._apply(current, amount, receipt)
            self._post_details(no, invoice["RECORDNO"], portions, receipt)
        self.adjust_customer_due(cid, -applied_total)
        self.audit("ARPYMT", payment, "C", no)
        return payment

    # ------------------------------------------------------------------ invoice lines
    def invoice_lines(self, invoice_no: str) -> list[dict[str, Any]]:
        """The ARINVOICEITEM rows of an invoice, in line order."""
        keys = self.store.find("ARINVOICEITEM", "RECORDKEY", invoice_no)
        rows = [self.store.get("ARINVOICEITEM", k) or {} for k in keys]
        return sorted(rows, key=lambda r: int(r.get("LINE_NO") or 0))

    def create_invoice_lines(self, invoice: dict[str, Any], entries: list[dict[str, Any]]) -> None:
        """One ARINVOICEITEM per order entry line (LINE_NO one-based), nothing paid yet."""
        for i, e in enumerate(sorted(entries, key=lambda r: int(r.get("LINE_NO") or 0)), start=1):
            lno = self.next_recordno("ARINVOICEITEM")
            amount = str(e.get("TOTAL") or "0")
            line = {
                "RECORDNO": lno,
                "RECORDKEY": invoice["RECORDNO"],
                "LINE_NO": str(i),
                "ITEMID": e.get("ITEMID", ""),
                "ENTRYDESCRIPTION": e.get("MEMO") or e.get("ITEMDESC") or "",
                "AMOUNT": amount,
                "TRX_AMOUNT": amount,
                "TOTALPAID": "0",
                "TRX_TOTALPAID": "0",
                "WHENCREATED": invoice["WHENCREATED"],
                "WHENMODIFIED": invoice["WHENMODIFIED"],
            }
            self.store.put("ARINVOICEITEM", lno, line)

    def delete_invoice_lines(self, invoice_no: str) -> None:
        for key in self.store.find("ARINVOICEITEM", "RECORDKEY", invoice_no):
            self.store.delete("ARINVOICEITEM", key)

    def _line_portions(
        self, invoice: dict[str, Any], amount: Decimal, entry: str, line_paid: dict[str, Decimal]
    ) -> list[tuple[str, Decimal]]:
        """How ``amount`` splits over the invoice's lines: all on line ``entry`` when one is named,
        else first line first, each up to what it still owes. ``[("", amount)]`` without lines."""
        lines = self.invoice_lines(invoice["RECORDNO"])
        if not lines:
            return [("", amount)]
        if entry:
            line = next((ln for ln in lines if ln["RECORDNO"] == entry), None)
            if line is None:
                raise _err(f"Line {entry} is not a line of invoice {invoice['RECORDID']}.", "Use an ENTRYKEY of it.")
            lines = [line]
        portions: list[tuple[str, Decimal]] = []
        left = amount
        for line in lines:
            no = line["RECORDNO"]
            paid = line_paid.get(no, Decimal(line.get("TOTALPAID") or "0"))
            owed = Decimal(line.get("AMOUNT") or "0") - paid
            part = min(owed, left)
            if part > 0:
                portions.append((no, part))
                line_paid[no] = paid + part
                left -= part
            if left <= 0:
                break
        if left > 0:
            raise _err(
                f"The payment amount {money(amount)} exceeds the amount due on the line(s) of invoice "
                f"{invoice['RECORDID']}.",
                "Enter an amount that is less than or equal to the amount due.",
            )
        return portions

    def _post_details(self, payment_no: str, invoice_no: str, portions: list[tuple[str, Decimal]], when: str) -> None:
        """One ARPYMTDETAIL per line portion; each line's TOTALPAID moves by its portion."""
        ts = self.now_ts()
        for entry, part in portions:
            dno = self.next_recordno("ARPYMTDETAIL")
            self.store.put(
                "ARPYMTDETAIL",
                dno,
                {
                    "RECORDNO": dno,
                    "PAYMENTKEY": payment_no,
                    "RECORDKEY": invoice_no,
                    "ENTRYKEY": entry,
                    "PAYMENTAMOUNT": money(part),
                    "TRX_PAYMENTAMOUNT": money(part),
                    "CURRENCY": "USD",
                    "PAYMENTDATE": when,
                    "WHENCREATED": when,
                    "WHENMODIFIED": ts,
                },
            )
            self._move_line(entry, part)

    def _move_line(self, entry: str, delta: Decimal) -> None:
        line = self.store.get("ARINVOICEITEM", entry) if entry else None
        if line is None:
            return
        paid = money(Decimal(line.get("TOTALPAID") or "0") + delta)
        self.store.put("ARINVOICEITEM", entry, {**line, "TOTALPAID": paid, "TRX_TOTALPAID": paid})

    def payment_methods(self) -> tuple[str, ...]:
        fd = ARPYMT.field("PAYMENTMETHOD")
        return fd.valid if fd else ()

    def _apply(self, invoice: dict[str, Any], amount: Decimal, when: str) -> None:
        """Move an invoice's paid/due amounts by ``amount`` (negative to reverse) and derive its STATE."""
        paid = Decimal(invoice["TOTALPAID"] or "0") + amount
        due = Decimal(invoice["TOTALENTERED"]) - paid
        state = "Paid" if due <= 0 else ("Partially Paid" if paid > 0 else "Posted")
        new = self.stamp_modified(
            {
                **invoice,
                "TOTALPAID": money(paid),
                "TOTALDUE": money(due),
                "TRX_TOTALPAID": money(paid),
                "TRX_TOTALDUE": money(due),
                "STATE": state,
                "WHENPAID": when if state == "Paid" else "",
            }
        )
        self.store.put("ARINVOICE", new["RECORDNO"], new)
        self.audit("ARINVOICE", new, "M", new["RECORDID"])
        doc = self.store.get("SODOCUMENT", new.get("DOCHDRKEY") or "")
        if doc is not None:
            status = {"Paid": "Paid", "Partially Paid": "Partially paid"}.get(state, "Open")
            self.store.put(
                "SODOCUMENT",
                doc["RECORDNO"],
                {**doc, "TOTALPAID": money(paid), "TOTALDUE": money(due), "PAYMENTSTATUS": status},
            )

    def update_payment(self, values: dict[str, Any]) -> dict[str, Any]:
        """Only descriptive fields of a posted payment can change (amounts need a reversal)."""
        vals = {str(k).upper(): v for k, v in values.items()}
        record = self.store.get("ARPYMT", str(vals.get("RECORDNO") or "").strip())
        if record is None:
            raise FunctionError(
                [
                    ErrorItem("BL01001973", f"Cannot find AR payment with key '{vals.get('RECORDNO', '')}'."),
                    ErrorItem("BL01001973", "Could not update AR Payment record!"),
                ]
            )
        allowed = {"RECORDNO", "DOCNUMBER", "DESCRIPTION", "PAYERNAME"}
        bad = sorted(set(vals) - allowed)
        if bad:
            raise FunctionError(
                [
                    ErrorItem("BL01001973", f"{bad[0]} cannot be changed on a posted payment.", "Reverse it."),
                    ErrorItem("BL01001973", "Could not update AR Payment record!"),
                ]
            )
        new = self.stamp_modified({**record, **{k: str(v or "") for k, v in vals.items() if k != "RECORDNO"}})
        self.store.put("ARPYMT", new["RECORDNO"], new)
        self.audit("ARPYMT", new, "M", new["RECORDNO"])
        return new

    def reverse_payment(self, payment: dict[str, Any]) -> None:
        """Deleting a payment gives the invoices their due amounts back."""
        total = Decimal(0)
        for key in self.store.find("ARPYMTDETAIL", "PAYMENTKEY", payment["RECORDNO"]):
            detail = self.store.get("ARPYMTDETAIL", key) or {}
            invoice = self.store.get("ARINVOICE", detail.get("RECORDKEY", ""))
            amount = Decimal(detail.get("TRX_PAYMENTAMOUNT") or "0")
            if invoice is not None:
                self._apply(invoice, -amount, "")
            self._move_line(str(detail.get("ENTRYKEY") or ""), -amount)
            total += amount
            self.store.delete("ARPYMTDETAIL", key)
        self.adjust_customer_due(payment["CUSTOMERID"], total)
