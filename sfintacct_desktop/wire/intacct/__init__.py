"""Sage Intacct XML gateway client (dtdversion 3.0) on requests + a hardened lxml parser."""

from .client import InspectResult, IntacctClient
from .errors import (
    IntacctAuthError,
    IntacctControlError,
    IntacctError,
    IntacctGatewayError,
    IntacctHostileResponseError,
    IntacctRateLimitError,
    IntacctResponseError,
    IntacctServerError,
    IntacctWireError,
)
from .functions import (
    Filter,
    Function,
    SoLine,
    create,
    create_sotransaction,
    delete,
    inspect,
    query,
    read,
    read_by_query,
    read_more,
    update,
)
from .response import ParsedResponse, Result, parse_response, parse_xml
from .settings import DEFAULT_ENDPOINT, IntacctSecrets, IntacctSettings

__all__ = [
    "DEFAULT_ENDPOINT",
    "Filter",
    "Function",
    "InspectResult",
    "IntacctAuthError",
    "IntacctClient",
    "IntacctControlError",
    "IntacctError",
    "IntacctGatewayError",
    "IntacctHostileResponseError",
    "IntacctRateLimitError",
    "IntacctResponseError",
    "IntacctSecrets",
    "IntacctServerError",
    "IntacctSettings",
    "IntacctWireError",
    "ParsedResponse",
    "Result",
    "SoLine",
    "create",
    "create_sotransaction",
    "delete",
    "inspect",
    "parse_response",
    "parse_xml",
    "query",
    "read",
    "read_by_query",
    "read_more",
    "update",
]
