"""Closed Won opportunities -> exactly one Intacct sales order each.

``build`` turns a deal into a request or the reason it is blocked, ``send`` sends it under its
idempotency key and settles every ambiguous outcome by lookup, ``sync`` is one run's order work.
"""

from __future__ import annotations

from .build import BlockedOrder, build_request, unit_price
from .send import ENTITY, KIND, Settled, intent_key, push_orders, recover_orders, request_from_payload, request_payload
from .sync import BLOCKED_META, HISTORICAL, HISTORICAL_META, STREAM, OrderSync, fingerprint

__all__ = [
    "BLOCKED_META",
    "ENTITY",
    "HISTORICAL",
    "HISTORICAL_META",
    "KIND",
    "STREAM",
    "BlockedOrder",
    "OrderSync",
    "Settled",
    "build_request",
    "fingerprint",
    "intent_key",
    "push_orders",
    "recover_orders",
    "request_from_payload",
    "request_payload",
    "unit_price",
]
