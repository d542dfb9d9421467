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

# The stream names: cursor keys in the state store and counter names in every run's record.
SF_CUSTOMERS = "salesforce.customers"
SF_PRODUCTS = "salesforce.products"
SF_OPPORTUNITIES = "salesforce.opportunities"
IA_CUSTOMERS = "intacct.customers"
IA_ITEMS = "intacct.items"
IA_SALES_ORDERS = "intacct.sales_orders"
IA_INVOICES = "intacct.invoices"
IA_PAYMENTS = "intacct.payments"
# Price books: Salesforce custom books ride in the products read (its cursor); Intacct price lists
# and their entries are two streams of their own, found changed by the same audit trail probe.
SF_PRICEBOOKS = "salesforce.pricebooks"
IA_PRICE_LISTS = "intacct.price_lists"
IA_PRICE_ENTRIES = "intacct.price_list_entries"


def _sf(name: str, obj: str, deletes: DeleteDetection = DeleteDetection.GET_DELETED) -> StreamSpec:
    return StreamSpec(name, System.SALESFORCE, obj, "Id", "SystemModstamp", deletes, SF_PAGE_SIZE, SF_OVERLAP)


def _ia(name: str, obj: str, key: str, deletes: DeleteDetection = DeleteDetection.AUDIT_HISTORY) -> StreamSpec:
    return StreamSpec(
        name, System.INTACCT, obj, key, "WHENMODIFIED", deletes, IA_PAGE_SIZE, IA_OVERLAP, cursor_is_wall_time=True
    )


SALESFORCE_STREAMS: tuple[StreamSpec, ...] = (
    _sf(SF_CUSTOMERS, "Account"),
    _sf(SF_PRODUCTS, "Product2"),
    _sf(SF_OPPORTUNITIES, "Opportunity"),
)

INTACCT_STREAMS: tuple[StreamSpec, ...] = (
    _ia(IA_CUSTOMERS, "CUSTOMER", "CUSTOMERID"),
    _ia(IA_ITEMS, "ITEM", "ITEMID"),
    _ia(IA_SALES_ORDERS, "SODOCUMENT", "DOCID"),
    _ia(IA_INVOICES, "ARINVOICE", "RECORDID"),
    _ia(IA_PAYMENTS, "ARPYMT", "RECORDNO"),
    _ia(IA_PRICE_LISTS, "SOPRICELIST", "NAME", DeleteDetection.STATUS_FIELD),
    _ia(IA_PRICE_ENTRIES, "SOPRICELISTENTRY", "RECORDNO", DeleteDetection.STATUS_FIELD),
)


def stream(name: str) -> StreamSpec:
    """The spec of a stream by its stable name (KeyError for an unknown one)."""
    for spec in (*SALESFORCE_STREAMS, *INTACCT_STREAMS):
        if spec.name == name:
            return spec
    raise KeyError(name)
