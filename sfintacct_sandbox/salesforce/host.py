"""What the wire handlers use of the Salesforce emulator, named as a protocol.

Why a module of its own: the emulator (``app``) hands each request to a handler module (``auth``,
``oauth_web``, ``rest``, ``composite``, ``soap``), and those handlers read and change the
emulator's org, sessions and API allocation. Naming that state here (``SalesforceHost``) lets the
handlers use it without importing ``app`` back, so the package imports in one direction only.
"""

from __future__ import annotations

from typing import Any, Protocol

from werkzeug.wrappers import Request

from ..clock import Clock
from ..stats import Stats
from ..storage import RecordStore
from .calls import QueryCursors
from .oauth_apps import OAuthGrants
from .org import Org
from .schema import Schema
from .sessions import Sessions


class SalesforceHost(Protocol):
    """The emulator's state a request reaches: ``app.SalesforceEmulator`` is the one implementation."""

    store: RecordStore
    stats: Stats
    clock: Clock
    schema: Schema
    org: Org
    sessions: Sessions
    oauth: OAuthGrants
    cursors: QueryCursors
    soap_login_enabled: bool  # the org setting that allows the legacy SOAP login()
    daily_api_limit: int
    currencies: tuple[str, ...]  # active currencies of a multi-currency org; empty: single currency
    last_host: str  # the Host header of the newest request (token audience, instance URL)
    instance_url: str

    def base_url(self, request: Request) -> str:
        """``http://<Host>`` of ``request``; remembers the host as ``last_host``."""
        ...

    def jwt_public_key(self) -> Any:
        """The public half of the key whose JWT bearer assertions the org accepts."""
        ...

    def api_usage(self) -> int:
        """API calls spent in the rolling 24 hours."""
        ...

    def spend_api_call(self) -> None:
        """Count one API call against the daily allocation."""
        ...
