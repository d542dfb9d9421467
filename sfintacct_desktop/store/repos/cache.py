"""Invoice and payment cache for the invoice lookup (filled by the invoice and payment streams)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from ...domain.records import Invoice, Payment, PaymentApplication
from ..models import InvoiceCacheRow, PaymentCacheRow
from ..types import utcnow
from ._base import Repo


def _to_invoice(row: InvoiceCacheRow) -> Invoice:
    return Invoice(
        number=row.invoice_number,
        customer_id=row.customer_id,
        state=row.status,
        invoice_date=row.invoice_date,
        due_date=row.due_date,
        total=row.total,
        paid=row.paid,
        due=row.due,
        currency=row.currency,
        paid_date=row.paid_date,
        sales_order_id=row.sales_order_id,
        record_no=row.record_no or "",
        deleted=row.deleted,
        modified_at=row.modified_at,
        customer_name=row.customer_name or "",
    )


def _to_payment(row: PaymentCacheRow) -> Payment:
    apps = tuple(
        PaymentApplication(invoice_record_no=a["invoice_record_no"], amount=Decimal(a["amount"]))
        for a in row.applications or []
    )
    return Payment(
        record_no=row.record_no,
        customer_id=row.customer_id,
        amount=row.amount,
        payment_date=row.payment_date,
        method=row.method,
        state=row.state,
        applications=apps,
        modified_at=row.modified_at,
    )


class CacheRepo(Repo):
    def put_invoice(self, invoice: Invoice, *, account_id: str | None = None) -> Invoice:
        row = self._s.get(InvoiceCacheRow, invoice.number) or InvoiceCacheRow(invoice_number=invoice.number)
        row.customer_id = invoice.customer_id
        row.customer_name = invoice.customer_name or row.customer_name or ""
        row.account_id = account_id if account_id is not None else row.account_id
        row.record_no = invoice.record_no or None
        row.status = invoice.state
        row.invoice_date, row.due_date, row.paid_date = invoice.invoice_date, invoice.due_date, invoice.paid_date
        row.total, row.paid, row.due = invoice.total, invoice.paid, invoice.due
        row.currency = invoice.currency
        row.sales_order_id = invoice.sales_order_id
        row.deleted = invoice.deleted
        row.modified_at = invoice.modified_at
        row.updated_at = utcnow()
        self._s.add(row)
        self._s.flush()
        return _to_invoice(row)

    def invoice(self, number: str) -> Invoice | None:
        row = self._s.get(InvoiceCacheRow, number)
        return _to_invoice(row) if row else None

    def invoices(
        self, *, customer_id: str | None = None, open_only: bool = False, include_deleted: bool = False
    ) -> list[Invoice]:
        query = sa.select(InvoiceCacheRow).order_by(InvoiceCacheRow.invoice_date, InvoiceCacheRow.invoice_number)
        if customer_id is not None:
            query = query.where(InvoiceCacheRow.customer_id == customer_id)
        if not include_deleted:
            query = query.where(InvoiceCacheRow.deleted.is_(False))
        rows = [_to_invoice(r) for r in self._s.scalars(query)]
        # "open" is decided in Python: amounts are exact text on SQLite, so no SQL arithmetic on them
        return [r for r in rows if r.due > 0] if open_only else rows

    def customers(self) -> list[tuple[str, str, str | None]]:
        """(customer id, customer name, Account Id) of every cached invoice's customer (names as last read)."""
        query = sa.select(
            InvoiceCacheRow.customer_id,
            sa.func.max(InvoiceCacheRow.customer_name),
            sa.func.max(InvoiceCacheRow.account_id),
        ).group_by(InvoiceCacheRow.customer_id)
        return [(str(cid), str(name or ""), acc) for cid, name, acc in self._s.execute(query)]

    def invoice_numbers(self) -> list[tuple[str, str]]:
        """(customer id, invoice number) of every live cached invoice: the lookup's index, two columns only."""
        query = sa.select(InvoiceCacheRow.customer_id, InvoiceCacheRow.invoice_number).where(
            InvoiceCacheRow.deleted.is_(False)
        )
        return [(str(cid), str(number)) for cid, number in self._s.execute(query)]

    def put_payment(self, payment: Payment) -> Payment:
        row = self._s.get(PaymentCacheRow, payment.record_no) or PaymentCacheRow(record_no=payment.record_no)
        row.customer_id = payment.customer_id
        row.amount = payment.amount
        row.payment_date = payment.payment_date
        row.method = payment.method
        row.state = payment.state
        row.applications = [
            {"invoice_record_no": a.invoice_record_no, "amount": str(a.amount)} for a in payment.applications
        ]
        row.modified_at = payment.modified_at
        row.updated_at = utcnow()
        self._s.add(row)
        self._s.flush()
        return _to_payment(row)

    def payment(self, record_no: str) -> Payment | None:
        row = self._s.get(PaymentCacheRow, record_no)
        return _to_payment(row) if row else None

    def payments(self, *, customer_id: str | None = None, since: date | None = None) -> list[Payment]:
        query = sa.select(PaymentCacheRow).order_by(PaymentCacheRow.payment_date, PaymentCacheRow.record_no)
        if customer_id is not None:
            query = query.where(PaymentCacheRow.customer_id == customer_id)
        if since is not None:
            query = query.where(PaymentCacheRow.payment_date >= since)
        return [_to_payment(r) for r in self._s.scalars(query)]
