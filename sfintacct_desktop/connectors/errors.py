"""Wire errors → ``SyncError(ErrorInfo)``: a title, a plain-language message and a hint.

Why a table: the engine acts on ``ErrorKind`` only (pause, back off, inbox, resolve), and a person
reads title/message/hint. Remote texts are passed through the wire clients' own redaction, and
nothing here ever formats a secret: only codes, remote messages and profile names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from ..domain import ErrorInfo, ErrorKind, SyncError, System
from ..wire.intacct import (
    IntacctAuthError,
    IntacctControlError,
    IntacctError,
    IntacctGatewayError,
    IntacctHostileResponseError,
    IntacctRateLimitError,
    IntacctResponseError,
    IntacctServerError,
)
from ..wire.intacct.errors import redact
from ..wire.salesforce import (
    SalesforceApiError,
    SalesforceAuthError,
    SalesforceBudgetError,
    SalesforceSessionError,
    SalesforceSignInError,
    SalesforceSignInRequired,
)
from ..wire.transport import (
    BudgetExceededError,
    InsecureTransportError,
    OutcomeUnknownError,
    TlsVerificationError,
    TransportError,
    WireError,
)

NAMES = {System.SALESFORCE: "Salesforce", System.INTACCT: "Intacct"}
SCHEMA_CODES = frozenset({"INVALID_FIELD", "INVALID_TYPE", "MALFORMED_QUERY", "NOT_FOUND"})


@dataclass(frozen=True)
class _Rule:
    kind: ErrorKind
    title: str
    hint: str


# Record-level codes of both systems: kind, title and a hint ({field} names the field(s)).
RECORD_RULES: dict[str, _Rule] = {
    "REQUIRED_FIELD_MISSING": _Rule(ErrorKind.VALIDATION, "A required field is empty", "Fill in {field}."),
    "DUPLICATE_VALUE": _Rule(
        ErrorKind.DUPLICATE, "Another record already has this value", "Make {field} unique, or link the records."
    ),
    "DUPLICATE_EXTERNAL_ID": _Rule(
        ErrorKind.DUPLICATE,
        "Several records share the external ID",
        "Clear the duplicated {field} so that only one record holds it.",
    ),
    "DUPLICATES_DETECTED": _Rule(
        ErrorKind.DUPLICATE, "A duplicate rule blocked the record", "Merge the duplicates or relax the duplicate rule."
    ),
    "STRING_TOO_LONG": _Rule(ErrorKind.VALIDATION, "A value is too long", "Shorten {field}."),
    "INVALID_FIELD": _Rule(ErrorKind.VALIDATION, "A field is not valid", "Check {field} and the field mapping."),
    "INVALID_FIELD_FOR_INSERT_UPDATE": _Rule(
        ErrorKind.VALIDATION, "A field cannot be written", "Remove {field} from the mapping or grant edit access."
    ),
    "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": _Rule(
        ErrorKind.VALIDATION, "A picklist value is not allowed", "Use one of the allowed values of {field}."
    ),
    "INVALID_EMAIL_ADDRESS": _Rule(ErrorKind.VALIDATION, "An e-mail address is not valid", "Correct {field}."),
    "NUMBER_OUTSIDE_VALID_RANGE": _Rule(ErrorKind.VALIDATION, "A number is out of range", "Correct {field}."),
    "FIELD_CUSTOM_VALIDATION_EXCEPTION": _Rule(
        ErrorKind.VALIDATION, "A validation rule refused the record", "Change the record so it meets the rule."
    ),
    "FIELD_INTEGRITY_EXCEPTION": _Rule(ErrorKind.VALIDATION, "A value is not consistent", "Correct {field}."),
    "STANDARD_PRICE_NOT_DEFINED": _Rule(
        ErrorKind.VALIDATION, "The product has no standard price", "Give the product a price in the standard book."
    ),
    "INVALID_CROSS_REFERENCE_KEY": _Rule(
        ErrorKind.NOT_FOUND, "A referenced record does not exist", "Sync or fix the record named by {field} first."
    ),
    "ENTITY_IS_DELETED": _Rule(ErrorKind.NOT_FOUND, "The record was deleted", "Undelete it or unlink it."),
    "NOT_FOUND": _Rule(ErrorKind.NOT_FOUND, "The record was not found", "Check that it still exists."),
    "MALFORMED_ID": _Rule(ErrorKind.NOT_FOUND, "A record ID is not valid", "Check {field}."),
    "UNABLE_TO_LOCK_ROW": _Rule(ErrorKind.SERVER, "The record was locked", "It is retried on the next cycle."),
    # Intacct
    "BL34000061": _Rule(
        ErrorKind.DUPLICATE, "Another record already has this ID", "Use a unique ID, or link the existing record."
    ),
    "BL03000018": _Rule(ErrorKind.VALIDATION, "A value has the wrong format", "Correct {field}."),
}
_IA_REQUIRED = re.compile(r"Required field .*?\((?P<field>[A-Z0-9_.]+)\) is missing", re.IGNORECASE)
_IA_FIELD = re.compile(
    r"\((?P<field>[A-Z0-9_.]{2,})\)|for (?P<f2>[A-Z0-9_.]{2,})\b|(?P<f3>[A-Z0-9_.]{2,}) is not a valid"
)
_IA_CONTACT = re.compile(r"Another Contact with the given value\(s\) (?P<name>.+?)\s+already exists", re.IGNORECASE)
_IA_NOT_FOUND = re.compile(r"cannot find|does not exist|not found|invalid (customer|item)", re.IGNORECASE)


def _plain(name: str, code: str, message: str) -> str:
    message = message.strip()
    return f"{name} said: {message}" if message else f"{name} refused it ({code})."


def record_error(
    system: System, code: str, message: str, fields: tuple[str, ...] = (), record_key: str = ""
) -> ErrorInfo:
    """A per-record refusal (composite result, Intacct function error) as an inbox-ready ErrorInfo."""
    name = NAMES[system]
    field_names = ", ".join(f for f in fields if f)
    rule = RECORD_RULES.get(code)
    contact = _IA_CONTACT.search(message) if system is System.INTACCT and code == "BL34000061" else None
    if contact:  # a customer's display contact is a CONTACT, and contact names are unique per company
        taken = contact.group("name").strip().replace("{", "{{").replace("}", "}}")  # hint.format below
        rule = _Rule(
            ErrorKind.VALIDATION,
            "Another customer already uses this contact name",
            f"Intacct already has a contact named {taken}: rename one of the Accounts, or set a distinct contact name.",
        )
    if system is System.INTACCT and code == "BL01001973":
        required = _IA_REQUIRED.search(message)
        if required:
            rule, field_names = RECORD_RULES["REQUIRED_FIELD_MISSING"], field_names or required.group("field")
        elif "is not a valid field" in message:
            rule = RECORD_RULES["INVALID_FIELD"]
        elif _IA_NOT_FOUND.search(message):
            rule = RECORD_RULES["NOT_FOUND"]
    if not field_names and system is System.INTACCT:
        found = _IA_FIELD.search(message)
        if found:
            field_names = next(g for g in found.groups() if g)
    if rule is None:
        rule = _Rule(ErrorKind.VALIDATION, f"{name} refused the record", "Correct the record and sync again.")
    hint = rule.hint.format(field=field_names or "the field named in the message")
    return ErrorInfo(rule.kind, rule.title, _plain(name, code, message), hint, system, code, record_key)


def intacct_record_error(errors: list[IntacctError], record_key: str = "") -> ErrorInfo:
    """The first meaningful error of a failed Intacct function (skipping the generic wrapper)."""
    if not errors:
        return record_error(System.INTACCT, "", "", record_key=record_key)
    specific = [e for e in errors if e.errorno != "BL01001973" or _IA_REQUIRED.search(e.description2)]
    first = (specific or errors)[0]
    message = redact(" ".join(p for p in (first.description, first.description2) if p))
    info = record_error(System.INTACCT, first.errorno, message, record_key=record_key)
    if first.correction and first.correction not in info.hint:
        info = ErrorInfo(info.kind, info.title, info.message, f"{info.hint} {first.correction}".strip(), *_tail(info))
    return info


def intacct_read_error(obj: str, errors: list[IntacctError], *, audit_of: str = "") -> ErrorInfo:
    """One stream's refused read (a failed ``query`` function) as title, message and hint.

    ``audit_of`` names the object type whose deletions (AUDITHISTORY) could not be read: its
    records still sync, only their deletions wait, so the stream's cursor is held until then.
    """
    first = errors[0] if errors else IntacctError("")
    said = redact(" ".join(p for p in (first.description, first.description2) if p)).strip()
    said = said or first.errorno or "no error details"
    low = f"{first.errorno} {said}".lower()
    what = f"deletions of Intacct {audit_of} records (audit trail)" if audit_of else f"Intacct {obj} records"
    later = (
        f"{audit_of.capitalize()} records keep syncing; their deletions are read once the audit trail can be read."
        if audit_of
        else "This stream is not synced until then; the others are."
    )
    if "permission" in low or first.errorno == "PL04000005":
        title = f"No permission to read {what}"
        hint = (
            "Give the Web Services user View permission for custom reports (Platform Services), which the "
            "audit trail needs, and make sure audit trails are kept for these records."
            if audit_of
            else f"Give the Web Services user's role permission to list and view {obj} (Company > Roles)."
        )
    elif any(t in low for t in ("invalid field", "not a valid field", "fields list", "unknown field")):
        title = f"Intacct does not know a field the sync reads from {obj}"
        hint = "Run the connection test to see which field is missing, and add it to the company."
    else:
        title = f"Intacct could not read {what}"
        hint = (
            "Check that the audit trail is enabled for these records (Company > Setup)."
            if audit_of
            else "It is read again on the next cycle; if this persists, check the user's permissions."
        )
    message = f"Intacct said: {said}. {later}"
    return ErrorInfo(ErrorKind.PERMISSION, title, message, hint, System.INTACCT, first.errorno)


def _tail(info: ErrorInfo) -> tuple[System | None, str, str, str]:
    return (info.system, info.code, info.record_key, info.idempotency_key)


# ------------------------------------------------------------------ whole-call errors
def _usage_hint(usage: tuple[int, int] | None) -> str:
    """What to do about a spent allocation; the usage is quoted only when it agrees with the refusal.

    Why: the ``Sforce-Limit-Info`` of the last answer can lag or count another window; a hint
    saying "18 of 15,000 used" under "allocation spent" would contradict its own message.
    """
    spent = usage is not None and usage[1] > 0 and usage[0] >= usage[1]
    shown = f"{usage[0]:,} of {usage[1]:,} calls used in the last 24 hours. " if spent and usage else ""
    return (
        f"{shown}The allocation is counted over a rolling 24 hours, so calls free up as the oldest ones age out. "
        "A watching sync waits and checks again at a low cost, then resumes by itself; if this recurs, sync "
        "less often or find which integration spends the org's API requests (Setup > Company Information)."
    )


def to_sync_error(
    exc: BaseException, system: System, *, profile: str = "", api_usage: tuple[int, int] | None = None
) -> SyncError:
    """Map a caught wire error (or an existing SyncError) to a SyncError; others → INTERNAL."""
    if isinstance(exc, SyncError):
        return exc
    name = NAMES[system]
    where = f" in the profile `{profile}`" if profile else " in the profile"
    code = getattr(exc, "code", "") or ""
    text = str(exc)

    def info(kind: ErrorKind, title: str, hint: str, message: str = text, key: str = "", window: str = "") -> SyncError:
        return SyncError(ErrorInfo(kind, title, message, hint, system, code, idempotency_key=key, window_hint=window))

    if isinstance(exc, OutcomeUnknownError):
        return info(
            ErrorKind.OUTCOME_UNKNOWN,
            f"{name} may or may not have saved the change",
            "Nothing is resent until the record is looked up by its key; the next cycle does that.",
            key=exc.key,
        )
    if isinstance(exc, InsecureTransportError):
        return info(
            ErrorKind.INSECURE,
            f"Refusing an insecure {name} address",
            f"Use an https:// address{where}; plain http is allowed only for the local sandbox.",
        )
    if isinstance(exc, TlsVerificationError):
        return info(
            ErrorKind.INSECURE,
            f"{name}'s certificate did not verify",
            "Check the address and the system clock; behind an inspecting proxy, set REQUESTS_CA_BUNDLE "
            "to its CA file. Verification is never turned off.",
        )
    if isinstance(exc, IntacctRateLimitError):
        return info(
            ErrorKind.RATE_LIMIT,
            "Intacct is throttling requests",
            "Intacct kept answering 429 (GW-0010) after backing off; sync retries later. "
            "Other integrations on the same company share this limit.",
        )
    if isinstance(exc, SalesforceBudgetError | BudgetExceededError):
        return info(ErrorKind.BUDGET, f"{name} API allocation is spent", _usage_hint(api_usage))
    if isinstance(exc, SalesforceSessionError):
        return info(
            ErrorKind.SERVER,
            "Salesforce keeps ending the session",
            "The login works (it was just accepted), so the credentials are fine. Check the org's session "
            "settings for this user (sessions locked to an IP address, a very short timeout) and whether "
            "another tool logs the same user out; sync tries again by itself.",
            "Salesforce ended the session twice in a row, the second time right after a successful new login.",
        )
    if isinstance(exc, SalesforceSignInRequired | SalesforceSignInError):
        name_ = profile or "NAME"
        return info(
            ErrorKind.AUTH,
            "Salesforce sign-in needed" if isinstance(exc, SalesforceSignInRequired) else "Salesforce sign-in failed",
            f"Sign in again: sfintacct profile login --profile {name_} (in the window: Connections tab, "
            "Sign in with Salesforce). Nothing is retried until then.",
        )
    if isinstance(exc, SalesforceAuthError | IntacctAuthError):
        secret = "password and security token" if system is System.SALESFORCE else "user ID and password"
        reset = ", or reset the token" if system is System.SALESFORCE else ""
        return info(
            ErrorKind.AUTH,
            f"{name} refused the login",
            f"Check the username, {secret}{where}{reset}.",
        )
    if isinstance(exc, IntacctControlError):
        return info(
            ErrorKind.AUTH,
            "Intacct refused the Web Services sender",
            f"Check the sender ID and sender password{where}, and that the company lists the sender ID "
            "under Company > Security > Web Services authorizations.",
        )
    if isinstance(exc, IntacctHostileResponseError | IntacctResponseError):
        return info(
            ErrorKind.HOSTILE_RESPONSE,
            f"{name} sent an answer that was refused",
            "The reply was malformed or unsafe (DTD/entities) and was not used. Check the endpoint address"
            f"{where}; if it is right, report this to support.",
        )
    if isinstance(exc, TransportError):
        return info(
            ErrorKind.CONNECTION,
            f"Could not reach {name}",
            "Check the network connection and the address; sync retries by itself.",
        )
    if isinstance(exc, IntacctServerError):
        return info(ErrorKind.SERVER, "Intacct is not answering properly", "Sync retries later by itself.")
    if isinstance(exc, IntacctGatewayError):
        if exc.errors and exc.errors[0].errorno not in ("", "GW-0011"):
            rec = intacct_record_error(exc.errors)
            if "not a valid field" in rec.message.lower():
                return SyncError(
                    ErrorInfo(
                        ErrorKind.SCHEMA,
                        "Intacct is missing a field the sync needs",
                        rec.message,
                        "Add the custom fields of the setup guide to the company, or run "
                        "`sfintacct connections test` to see what is missing.",
                        system,
                        rec.code,
                        window_hint="Add the custom fields of the setup guide to the company; Test connection on "
                        "the Connections tab shows what is missing.",
                    )
                )
            return SyncError(ErrorInfo(rec.kind, rec.title, rec.message, rec.hint, system, rec.code))
        return info(
            ErrorKind.SERVER, "Intacct refused the request", "Sync retries later; if it persists, contact support."
        )
    if isinstance(exc, SalesforceApiError):
        if exc.retryable or (exc.status or 0) >= 500:
            return info(ErrorKind.SERVER, "Salesforce is not answering properly", "Sync retries later by itself.")
        if code in SCHEMA_CODES:
            return info(
                ErrorKind.SCHEMA,
                "Salesforce is missing a field or object the sync needs",
                "Deploy the metadata in resources/salesforce/ to the org, or run `sfintacct connections test` "
                "to see what is missing.",
                window="Deploy the product's Salesforce metadata to the org; Test connection on the Connections "
                "tab shows what is missing.",
            )
        rec = record_error(System.SALESFORCE, code, text)
        return SyncError(ErrorInfo(rec.kind, rec.title, rec.message, rec.hint, system, code))
    if isinstance(exc, WireError):
        return info(ErrorKind.SERVER, f"{name} call failed", "Sync retries later by itself.")
    return SyncError(
        ErrorInfo(ErrorKind.INTERNAL, "Unexpected error", f"{type(exc).__name__}: {text}", "Report this.", system)
    )


@contextmanager
def convert_errors(system: System, *, profile: str = "", api_usage: tuple[int, int] | None = None) -> Iterator[None]:
    """Raise every wire error in the block as a SyncError (the original chained as its cause)."""
    try:
        yield
    except SyncError:
        raise
    except WireError as exc:
        raise to_sync_error(exc, system, profile=profile, api_usage=api_usage) from exc
