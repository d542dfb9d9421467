"""Errors a person can see: every one has a title, a plain-language message and a hint.

Wire errors stay in ``wire``; connectors translate them into :class:`SyncError` with a
:class:`ErrorKind` that tells the engine what to do: pause (fatal), back off (transient), put the
record in the error inbox (record-level), or resolve an ambiguous write before anything else.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from .records import System


class ErrorKind(StrEnum):
    AUTH = "auth"  # bad credentials, expired password: fatal, pause until fixed
    CONNECTION = "connection"  # network down, DNS, refused: transient
    INSECURE = "insecure"  # TLS failure, http to a remote host: fatal
    SCHEMA = "schema"  # a required object/field is missing: fatal
    BUDGET = "budget"  # API allocation spent: fatal until the window rolls
    RATE_LIMIT = "rate_limit"  # throttled after backoff: transient
    VALIDATION = "validation"  # the record was refused: error inbox
    DUPLICATE = "duplicate"  # a unique key clashed: error inbox (or link)
    NOT_FOUND = "not_found"  # a referenced record does not exist: error inbox
    OUTCOME_UNKNOWN = "outcome_unknown"  # a write may have happened: resolve before resending
    HOSTILE_RESPONSE = "hostile_response"  # malformed or malicious reply: fatal
    SERVER = "server"  # the remote side failed: transient
    INTERNAL = "internal"  # a bug of ours
    BUSY = "busy"  # another process is writing for this profile: fatal until it stops
    PERMISSION = "permission"  # one stream may not be read (role, audit trail): that stream fails, others go on


FATAL_KINDS = frozenset(
    {
        ErrorKind.AUTH,
        ErrorKind.INSECURE,
        ErrorKind.SCHEMA,
        ErrorKind.BUDGET,
        ErrorKind.HOSTILE_RESPONSE,
        ErrorKind.BUSY,
    }
)
TRANSIENT_KINDS = frozenset({ErrorKind.CONNECTION, ErrorKind.RATE_LIMIT, ErrorKind.SERVER})
RECORD_KINDS = frozenset({ErrorKind.VALIDATION, ErrorKind.DUPLICATE, ErrorKind.NOT_FOUND})


@dataclass(frozen=True)
class ErrorInfo:
    """An immutable description of an error, safe to store, show and put on an event queue."""

    kind: ErrorKind
    title: str
    message: str
    hint: str = ""
    system: System | None = None
    code: str = ""  # the remote error code (errorCode / statusCode / errorno)
    record_key: str = ""  # the record it concerns, where there is one
    idempotency_key: str = ""  # for OUTCOME_UNKNOWN: what to look up before resending
    # The hint in the window's words (a button or tab, never a command), where ``hint`` names a
    # command to type; empty when ``hint`` reads right on both surfaces.
    window_hint: str = ""

    @property
    def fatal(self) -> bool:
        return self.kind in FATAL_KINDS

    @property
    def transient(self) -> bool:
        return self.kind in TRANSIENT_KINDS

    def for_window(self) -> ErrorInfo:
        """This error as the window shows it: the window's hint where there is one."""
        return replace(self, hint=self.window_hint, window_hint="") if self.window_hint else self

    def as_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind.value,
            "title": self.title,
            "message": self.message,
            "hint": self.hint,
            "system": self.system.value if self.system else "",
            "code": self.code,
            "record_key": self.record_key,
            "idempotency_key": self.idempotency_key,
        }


class SyncError(Exception):
    """The one exception type that crosses from connectors upward."""

    def __init__(self, info: ErrorInfo) -> None:
        super().__init__(f"{info.title}: {info.message}")
        self.info = info

    @property
    def kind(self) -> ErrorKind:
        return self.info.kind
