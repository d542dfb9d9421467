"""What one cycle read from Intacct, and what the cycle read needs of the order-entry reader.

Why a module of its own: the batched cycle read (``ia_cycle``) fills an ``IntacctChanges`` and
calls back into the reader for receivables; the reader (``ia_orders``) calls the cycle read.
Naming both here, the reader by the protocol it satisfies, keeps the two modules one-way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from ..domain import Customer, ErrorInfo, Invoice, Payment, PriceBook, PriceEntry, Product
from ..wire.intacct import Filter
from .results import Deletion


class ChangeReader(Protocol):
    """What ``ia_cycle`` needs of the order-entry reader (``IntacctOrders`` satisfies it)."""

    conn: Any
    client: Any
    zone: str

    def since_filter(self, since: datetime | None, overlap: timedelta) -> Filter | None: ...

    def receivables(
        self,
        invoice_rows: Sequence[dict[str, Any]],
        payment_rows: Sequence[dict[str, Any]],
        *,
        payment_keys: Any = ...,
        all_payments: bool = ...,
    ) -> tuple[list[Invoice], list[Payment]]: ...


@dataclass
class IntacctChanges:
    """Everything one cycle read from Intacct (streams not read are empty and ``None`` in ``read``)."""

    customers: list[Customer] = field(default_factory=list)
    items: list[Product] = field(default_factory=list)
    deleted_customers: list[Deletion] = field(default_factory=list)
    deleted_items: list[Deletion] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    deleted_invoices: list[Deletion] = field(default_factory=list)
    deleted_payments: list[Deletion] = field(default_factory=list)  # reversed (deleted) ARPYMT, by RECORDNO
    price_lists: list[PriceBook] = field(default_factory=list)
    price_entries: list[PriceEntry] = field(default_factory=list)
    # Streams whose read failed on their own (a refused function): stream name -> what went wrong.
    failures: dict[str, ErrorInfo] = field(default_factory=dict)
    audit_refused: list[str] = field(default_factory=list)  # object types whose audit trail failed


__all__ = ["ChangeReader", "IntacctChanges"]
