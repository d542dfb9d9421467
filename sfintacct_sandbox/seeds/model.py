"""Seed data model shared by the seed builders and the two emulator loaders.

Rows are plain data so a seed can be built without I/O and loaded by each emulator through the
same rule-checking code path as a client create (seed data therefore obeys the business rules).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Ref:
    """A reference to an earlier row's ``ref``; the loader swaps it for that row's real id or key.

    ``Ref("pricebook:standard")`` names the standard price book that every reset creates first.
    """

    key: str


@dataclass
class SeedRow:
    """One record to create: ``object`` is the API object name, ``fields`` the create body.

    ``deleted=True`` means the loader deletes the record right after creating it (so it sits in
    the Salesforce recycle bin / is gone in Intacct), which lets a seed exercise delete handling.
    """

    object: str
    ref: str
    fields: dict[str, Any]
    deleted: bool = False


@dataclass
class SeedData:
    """A whole seed: rows per side in insertion order (parents first) plus ground truth in refs."""

    salesforce: list[SeedRow] = field(default_factory=list)
    intacct: list[SeedRow] = field(default_factory=list)
    truth: dict[str, Any] = field(default_factory=dict)


STANDARD_PRICEBOOK = Ref("pricebook:standard")
