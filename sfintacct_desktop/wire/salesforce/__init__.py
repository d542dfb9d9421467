"""Salesforce wire client (REST over simple-salesforce): see client.SalesforceClient."""

from .client import DeletedRecords, SalesforceClient
from .errors import (
    SalesforceApiError,
    SalesforceAuthError,
    SalesforceBudgetError,
    SalesforceOutcomeUnknownError,
    SalesforceSessionError,
)
from .parse import QueryPage, RecordError, RecordResult
from .settings import AuthMethod, SalesforceSecrets, SalesforceSettings

__all__ = [
    "AuthMethod",
    "DeletedRecords",
    "QueryPage",
    "RecordError",
    "RecordResult",
    "SalesforceApiError",
    "SalesforceAuthError",
    "SalesforceBudgetError",
    "SalesforceClient",
    "SalesforceOutcomeUnknownError",
    "SalesforceSecrets",
    "SalesforceSessionError",
    "SalesforceSettings",
]
