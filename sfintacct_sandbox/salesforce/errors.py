"""The error shape of the REST API: a JSON array of ``{message, errorCode, fields}``.

Record-level errors inside ``composite/sobjects`` use ``statusCode`` instead of ``errorCode``;
:meth:`SfError.as_record_error` gives that form so every rule is written once.
"""

from __future__ import annotations

from typing import Any


class SfError(Exception):
    """A refusal with Salesforce's error code; ``status`` is the HTTP status of a single-record call."""

    def __init__(self, code: str, message: str, fields: list[str] | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields
        self.status = status

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            out["fields"] = self.fields
        return out

    def as_record_error(self) -> dict[str, Any]:
        return {"statusCode": self.code, "message": self.message, "fields": self.fields or []}


def not_found(message: str = "The requested resource does not exist") -> SfError:
    return SfError("NOT_FOUND", message, status=404)


def entity_deleted() -> SfError:
    return SfError("ENTITY_IS_DELETED", "entity is deleted", [], status=404)
