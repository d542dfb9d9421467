"""Every wire error maps to a SyncError with the right kind, a title, a message and a hint."""

from __future__ import annotations

import pytest

from sfintacct_desktop.connectors.errors import convert_errors, intacct_record_error, record_error, to_sync_error
from sfintacct_desktop.domain import ErrorKind, SyncError, System
from sfintacct_desktop.wire.intacct import (
    IntacctAuthError,
    IntacctControlError,
    IntacctGatewayError,
    IntacctHostileResponseError,
    IntacctRateLimitError,
    IntacctResponseError,
    IntacctServerError,
)
from sfintacct_desktop.wire.intacct.errors import IntacctError
from sfintacct_desktop.wire.salesforce import (
    SalesforceApiError,
    SalesforceAuthError,
    SalesforceBudgetError,
    SalesforceOutcomeUnknownError,
)
from sfintacct_desktop.wire.transport import (
    InsecureTransportError,
    OutcomeUnknownError,
    TlsVerificationError,
    TransportError,
    WireError,
)

SF, IA = System.SALESFORCE, System.INTACCT
FAKE_SECRET = "hunter2-CANARY"
BL_DUP = IntacctError("BL34000061", "", "Another Customer with the given value(s) C-1  already exists", "")
BL_REQ = IntacctError("BL01001973", "", "Required field Customer name (NAME) is missing.", "")
BL_FIELD = IntacctError("BL01001973", "", "FOO is not a valid field of CUSTOMER", "Check the field name.")

CASES = [
    (
        SalesforceAuthError(
            "Salesforce refused the login: INVALID_LOGIN: Invalid username, password, security token.",
            code="INVALID_LOGIN",
        ),
        SF,
        ErrorKind.AUTH,
        "Salesforce refused the login",
        "security token in the profile `acme`, or reset the token",
    ),
    (
        IntacctAuthError("sign-in failed", errors=[IntacctError("XL03000006", "Sign-in information is incorrect")]),
        IA,
        ErrorKind.AUTH,
        "Intacct refused the login",
        "user ID and password in the profile `acme`",
    ),
    (
        IntacctControlError(
            "control failed", errors=[IntacctError("XL03000006", "Incorrect Intacct XML Partner ID or password.")]
        ),
        IA,
        ErrorKind.AUTH,
        "Web Services sender",
        "sender ID and sender password",
    ),
    (
        InsecureTransportError("Refusing plain http:// to example.com", code="INSECURE_URL"),
        SF,
        ErrorKind.INSECURE,
        "insecure",
        "https://",
    ),
    (
        TlsVerificationError("certificate did not verify", code="TLS"),
        IA,
        ErrorKind.INSECURE,
        "certificate did not verify",
        "never turned off",
    ),
    (
        SalesforceBudgetError("allocation spent", code="REQUEST_LIMIT_EXCEEDED", status=403),
        SF,
        ErrorKind.BUDGET,
        "API allocation is spent",
        "15,000 of 15,000 calls",
    ),
    (IntacctRateLimitError("429", code="GW-0010", status=429), IA, ErrorKind.RATE_LIMIT, "throttling", "GW-0010"),
    (OutcomeUnknownError("no answer", key="ctl-1,ctl-2"), IA, ErrorKind.OUTCOME_UNKNOWN, "may or may not", "looked up"),
    (
        SalesforceOutcomeUnknownError("lost", key="create:Account", results=[], first_unknown=0, status=502),
        SF,
        ErrorKind.OUTCOME_UNKNOWN,
        "may or may not",
        "looked up",
    ),
    (IntacctServerError("5xx after retries"), IA, ErrorKind.SERVER, "not answering", "retries"),
    (
        SalesforceApiError("boom", code="SERVER_ERROR", status=500, retryable=True),
        SF,
        ErrorKind.SERVER,
        "not answering",
        "retries",
    ),
    (
        TransportError("Could not connect", code="CONNECT"),
        SF,
        ErrorKind.CONNECTION,
        "Could not reach Salesforce",
        "network",
    ),
    (IntacctHostileResponseError("DTD refused"), IA, ErrorKind.HOSTILE_RESPONSE, "refused", "unsafe"),
    (IntacctResponseError("not XML"), IA, ErrorKind.HOSTILE_RESPONSE, "refused", "malformed"),
    (
        SalesforceApiError("No such column", code="INVALID_FIELD", status=400),
        SF,
        ErrorKind.SCHEMA,
        "missing a field",
        "resources/salesforce",
    ),
    (SalesforceApiError("dup", code="DUPLICATE_VALUE", status=400), SF, ErrorKind.DUPLICATE, "already has", "unique"),
    (IntacctGatewayError("query failed", errors=[BL_FIELD]), IA, ErrorKind.SCHEMA, "missing a field", "FOO"),
    (
        IntacctGatewayError("GW-0011", errors=[IntacctError("GW-0011", "bad request")], status=400),
        IA,
        ErrorKind.SERVER,
        "refused the request",
        "retries",
    ),
    (WireError("other"), SF, ErrorKind.SERVER, "call failed", "retries"),
]


@pytest.mark.parametrize(
    ("exc", "system", "kind", "title_part", "hint_part"),
    CASES,
    ids=lambda c: getattr(c, "__name__", None) or type(c).__name__ if isinstance(c, Exception) else None,
)
def test_every_wire_error_maps(
    exc: Exception, system: System, kind: ErrorKind, title_part: str, hint_part: str
) -> None:
    err = to_sync_error(exc, system, profile="acme", api_usage=(15000, 15000))
    info = err.info
    assert info.kind is kind and info.system is system
    assert title_part.lower() in info.title.lower()
    assert hint_part.lower() in (info.hint + " " + info.message).lower()
    assert info.title and info.message and info.hint
    assert FAKE_SECRET not in repr(info.as_dict())
    if kind is ErrorKind.OUTCOME_UNKNOWN:
        assert info.idempotency_key == exc.key  # type: ignore[attr-defined]


def test_remote_text_is_the_message_and_code_kept() -> None:
    exc = SalesforceAuthError("Salesforce refused the login: INVALID_LOGIN: Invalid username", code="INVALID_LOGIN")
    info = to_sync_error(exc, SF, profile="acme").info
    assert "Invalid username" in info.message and info.code == "INVALID_LOGIN" and info.fatal


def test_convert_errors_context_manager_chains_and_passes_others() -> None:
    with pytest.raises(SyncError) as caught, convert_errors(IA, profile="p"):
        raise IntacctServerError("down")
    assert caught.value.kind is ErrorKind.SERVER and isinstance(caught.value.__cause__, IntacctServerError)
    with pytest.raises(KeyError), convert_errors(IA):
        raise KeyError("not a wire error")
    assert to_sync_error(KeyError("x"), SF).info.kind is ErrorKind.INTERNAL


RECORD_CASES = [
    ("REQUIRED_FIELD_MISSING", ("Name",), ErrorKind.VALIDATION, "Fill in Name."),
    ("DUPLICATE_VALUE", ("Intacct_Customer_ID__c",), ErrorKind.DUPLICATE, "Intacct_Customer_ID__c"),
    ("STRING_TOO_LONG", ("Phone",), ErrorKind.VALIDATION, "Shorten Phone."),
    ("INVALID_FIELD", ("Foo__c",), ErrorKind.VALIDATION, "Foo__c"),
    ("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", ("StageName",), ErrorKind.VALIDATION, "StageName"),
    ("INVALID_CROSS_REFERENCE_KEY", ("AccountId",), ErrorKind.NOT_FOUND, "AccountId"),
    ("ENTITY_IS_DELETED", (), ErrorKind.NOT_FOUND, "Undelete"),
    ("SOMETHING_NEW", (), ErrorKind.VALIDATION, "Correct the record"),
]


@pytest.mark.parametrize(("code", "fields", "kind", "hint_part"), RECORD_CASES)
def test_salesforce_record_errors(code: str, fields: tuple[str, ...], kind: ErrorKind, hint_part: str) -> None:
    info = record_error(SF, code, "remote text", fields, record_key="C-1")
    assert info.kind is kind and hint_part in info.hint and info.code == code and info.record_key == "C-1"
    assert "remote text" in info.message


@pytest.mark.parametrize(
    ("errors", "kind", "hint_part"),
    [
        ([IntacctError("BL01001973", "", "Could not create Customer record!"), BL_DUP], ErrorKind.DUPLICATE, "unique"),
        (
            [BL_REQ, IntacctError("BL01001973", "", "Could not create Customer record!")],
            ErrorKind.VALIDATION,
            "Fill in NAME",
        ),
        (
            [IntacctError("BL03000018", "", "Illegal format for BASEPRICE : abc", "Enter a number.")],
            ErrorKind.VALIDATION,
            "BASEPRICE",
        ),
        ([IntacctError("BL01001973", "", "Cannot find customer with key 'X'")], ErrorKind.NOT_FOUND, "still exists"),
        ([], ErrorKind.VALIDATION, "Correct"),
    ],
)
def test_intacct_record_errors(errors: list[IntacctError], kind: ErrorKind, hint_part: str) -> None:
    info = intacct_record_error(errors, "C-1")
    assert info.kind is kind and hint_part in info.hint and info.system is IA


def test_intacct_session_id_is_redacted() -> None:
    info = intacct_record_error([IntacctError("XL03000006", "", "Invalid session abcDEF123secret")])
    assert "abcDEF123secret" not in info.message
