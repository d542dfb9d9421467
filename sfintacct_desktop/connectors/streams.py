"""The stream specs of both systems: cursor field, delete detection, page size and overlap.

Why fixed here: the names are the cursor keys in the state store, so they must never drift.
Salesforce cursors are SystemModstamp (UTC); Intacct cursors are WHENMODIFIED, a wall time in the
company's time zone, hence ``cursor_is_wall_time``.
"""

from __future__ import annotations

from datetime import timedelta

from ..domain import DeleteDetection, StreamSpec, System

SF_PAGE_SIZE = 2000
IA_PAGE_SIZE = 2000  # query pagesize maximum
SF_OVERLAP = timedelta(minutes=5)
IA_OVERLAP = timedelta(minutes=10)  # wall time, second resolution, company zone: a wider window


def _sf(name: str, obj: str, deletes: DeleteDetection = DeleteDetection.GET_DELETED) -> StreamSpec:
    return StreamSpec(name, System.SALESFORCE, obj, "Id", "SystemModstamp", deletes, SF_PAGE_SIZE, SF_OVERLAP)


def _ia(name: str, obj: str, key: str, deletes: DeleteDetection = DeleteDetection.AUDIT_HISTORY) -> StreamSpec:
    return StreamSpec(
        name, System.INTACCT, obj, key, "WHENMODIFIED", deletes, IA_PAGE_SIZE, IA_OVERLAP, cursor_is_wall_time=True
    )


SALESFORCE_STREAMS: tuple[StreamSpec, ...] = (
    _sf("salesforce.customers", "Account"),
    _sf("salesforce.products", "Product2"),
    _sf("salesforce.opportunities", "Opportunity"),
)

INTACCT_STREAMS: tuple[StreamSpec, ...] = (
    _ia("intacct.customers", "CUSTOMER", "CUSTOMERID"),
    _ia("intacct.items", "ITEM", "ITEMID"),
    _ia("intacct.sales_orders", "SODOCUMENT", "DOCID"),
    _ia("intacct.invoices", "ARINVOICE", "RECORDID"),
    _ia("intacct.payments", "ARPYMT", "RECORDNO"),
)


def stream(name: str) -> StreamSpec:
    """The spec of a stream by its stable name (KeyError for an unknown one)."""
    for spec in (*SALESFORCE_STREAMS, *INTACCT_STREAMS):
        if spec.name == name:
            return spec
    raise KeyError(name)
