"""AR payments (ARPYMT + ARPYMTDETAIL) applied to AR invoices.

Why: the product mirrors invoice balances to Salesforce, so a payment must move the invoice's
TOTALPAID / TOTALDUE / STATE (``Partially Paid`` / ``Paid``) and WHENPAID exactly once, refuse an
overpayment, and undo all of that when the payment is deleted. Mixed into ``model.Company``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .errors import ErrorItem, FunctionError

if TYPE_CHECKING:
    from .model import Company as _Base
else:
    _Base = object

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


class PaymentsMixin(_Base):
    def create_payment(self, values: dict[str, Any]) -> dict[str, Any]:
        """Generic ``<create><ARPYMT>``: validate, apply each detail to its invoice, record the payment."""
        from .model import DATE_FORMAT, money, parse_date, to_decimal

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
        if not details:
            raise _err("A payment needs at least one ARPYMTDETAIL line.", "Apply the payment to an invoice.")
        applied: list[tuple[dict[str, Any], Decimal]] = []
        seen: dict[str, Decimal] = {}
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
            applied.append((invoice, amount))
        total = sum((a for _, a in applied), Decimal(0))
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
            "TOTALPAID": money(total),
            "TOTALDUE": "0",
            "TRX_TOTALENTERED": money(total),
            "TRX_TOTALPAID": money(total),
            "TRX_TOTALDUE": "0",
            "AUWHENCREATED": self.utc_ts(),
            "WHENMODIFIED": ts,
            "CREATEDBY": "1",
            "MODIFIEDBY": "1",
        }
        self.store.put("ARPYMT", no, payment)
        for invoice, amount in applied:
            current = self.store.get("ARINVOICE", invoice["RECORDNO"]) or invoice
            self._apply(current, amount, receipt)
            dno = self.next_recordno("ARPYMTDETAIL")
            self.store.put(
                "ARPYMTDETAIL",
                dno,
                {
                    "RECORDNO": dno,
                    "PAYMENTKEY": no,
                    "RECORDKEY": invoice["RECORDNO"],
                    "ENTRYKEY": "",
                    "PAYMENTAMOUNT": money(amount),
                    "TRX_PAYMENTAMOUNT": money(amount),
                    "PAYMENTDATE": receipt,
                    "WHENCREATED": receipt,
                    "WHENMODIFIED": ts,
                },
            )
        self.adjust_customer_due(cid, -total)
        self.audit("ARPYMT", payment, "C", no)
        return payment

    def payment_methods(self) -> tuple[str, ...]:
        from .objects import ARPYMT

        fd = ARPYMT.field("PAYMENTMETHOD")
        return fd.valid if fd else ()

    def _apply(self, invoice: dict[str, Any], amount: Decimal, when: str) -> None:
        """Move an invoice's paid/due amounts by ``amount`` (negative to reverse) and derive its STATE."""
        from .model import money

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
            total += amount
            self.store.delete("ARPYMTDETAIL", key)
        self.adjust_customer_due(payment["CUSTOMERID"], total)
