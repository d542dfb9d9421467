"""Salesforce wire client (REST over simple-salesforce): see client.SalesforceClient."""

from .client import DeletedRecords, SalesforceClient
from .errors import (
    SalesforceApiError,
    SalesforceAuthError,
    SalesforceBudgetError,
    SalesforceOutcomeUnknownError,
    SalesforceSessionError,
    SalesforceSignInError,
    SalesforceSignInRequired,
)
from .oauth import MemoryTokenStore, RefreshTokenStore
from .parse import QueryPage, RecordError, RecordResult
from .settings import AuthMethod, SalesforceSecrets, SalesforceSettings
from .web_signin import SignInResult, browser_sign_in

__all__ = [
    "AuthMethod",
    "DeletedRecords",
    "MemoryTokenStore",
    "QueryPage",
    "RecordError",
    "RecordResult",
    "RefreshTokenStore",
    "SalesforceApiError",
    "SalesforceAuthError",
    "SalesforceBudgetError",
    "SalesforceClient",
    "SalesforceOutcomeUnknownError",
    "SalesforceSecrets",
    "SalesforceSessionError",
    "SalesforceSettings",
    "SalesforceSignInError",
    "SalesforceSignInRequired",
    "SignInResult",
    "browser_sign_in",
]
