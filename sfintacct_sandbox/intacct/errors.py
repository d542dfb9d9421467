"""Intacct error values shared by the envelope, the functions and the model.

Why: the gateway reports errors at three levels (control, authentication, function) with the same
``<error>{errorno, description, description2, correction}`` shape; the sageintacctsdk crashes on an
empty ``description2``, so every error made here carries one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ROLLED_BACK = "The entire transaction in this operation has been rolled back due to an error."


@dataclass(frozen=True)
class ErrorItem:
    """One ``<error>`` element."""

    errorno: str
    description2: str
    correction: str = ""
    description: str = ""


@dataclass
class FunctionError(Exception):
    """A function failed: its result is ``failure`` with these errors (and optional ``<data>``)."""

    errors: list[ErrorItem]
    data: Any = None  # an lxml element to put in the failed result, like the real duplicate answer
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return "; ".join(f"{e.errorno}: {e.description2}" for e in self.errors)


def fail(errorno: str, description2: str, correction: str = "") -> FunctionError:
    return FunctionError([ErrorItem(errorno, description2, correction)])


def could_not(action: str, label: str, detail: ErrorItem | None = None) -> FunctionError:
    """The real two-error pattern: a specific cause, then 'Could not create Customer record!'."""
    items = [detail] if detail else []
    items.append(ErrorItem("BL01001973", f"Could not {action} {label} record!"))
    return FunctionError(items)
