"""Connectors: each system's rows as domain records, wire errors as SyncError, a spec per stream.

Layer rule: imports wire and domain only; no wire type leaves this package.
"""

from .errors import convert_errors, record_error, to_sync_error
from .intacct import IntacctConnector
from .results import Deletion, WriteResult
from .salesforce import SalesforceConnector
from .streams import INTACCT_STREAMS, SALESFORCE_STREAMS, stream

__all__ = [
    "INTACCT_STREAMS",
    "SALESFORCE_STREAMS",
    "Deletion",
    "IntacctConnector",
    "SalesforceConnector",
    "WriteResult",
    "convert_errors",
    "record_error",
    "stream",
    "to_sync_error",
]
