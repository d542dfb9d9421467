"""Domain layer: frozen records, errors with title/message/hint, stream specs. No I/O."""

from .errors import ErrorInfo, ErrorKind, SyncError
from .records import (
    Address,
    Customer,
    Invoice,
    Opportunity,
    OpportunityLine,
    Payment,
    PaymentApplication,
    Product,
    SalesOrder,
    SalesOrderLine,
    System,
)
from .streams import DeleteDetection, StreamSpec

__all__ = [
    "Address",
    "Customer",
    "DeleteDetection",
    "ErrorInfo",
    "ErrorKind",
    "Invoice",
    "Opportunity",
    "OpportunityLine",
    "Payment",
    "PaymentApplication",
    "Product",
    "SalesOrder",
    "SalesOrderLine",
    "StreamSpec",
    "SyncError",
    "System",
]
