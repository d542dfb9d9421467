"""What one gateway function call runs in and what it answers, and what it uses of the emulator.

Why a module of its own: the emulator (``app``) hands requests to the gateway, which runs the
functions, which change the emulator's company and store. Naming that state here as a protocol
(``GatewayHost``) lets the gateway and the functions use it without importing ``app`` back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from lxml import etree

from ..stats import Stats
from ..storage import RecordStore
from .errors import ErrorItem
from .model import Company
from .reads import Cursors
from .sessions import Session, SessionManager


class GatewayHost(Protocol):
    """The emulator's state a request reaches: ``app.IntacctEmulator`` is the one implementation."""

    store: RecordStore
    stats: Stats
    company: Company
    sessions: SessionManager
    cursors: Cursors
    omit_fields: frozenset[str]  # "OBJECT.FIELD" left out of inspect
    refuse_reads: dict[str, str]  # reads the company refuses (see refusals.py)
    sotransaction_key: str  # "docid" or "recordno": what create_sotransaction answers
    duplicate_controlid_errorno: str


@dataclass
class Context:
    emulator: GatewayHost
    session: Session | None
    login: dict[str, str] | None
    endpoint: str
    single_function: bool
    owner: str  # cursor owner: the session id or the login user


@dataclass
class Outcome:
    data: etree._Element | None = None
    key: str | None = None
    transactions: int = 0
    writes: int = 0
    partial_errors: list[ErrorItem] = field(default_factory=list)
