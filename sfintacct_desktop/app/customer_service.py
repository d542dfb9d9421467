"""The customer page's use cases for the CLI and the window: find, open, refresh one customer.

Why a refresh is a job of the profile's sync worker: it writes the state store, which the worker
alone writes, so it queues behind (or between) cycles; in the window it runs in the private sync
process by name (``customer_refresh``). Its cost is fixed and small: one Salesforce query and at
most four Intacct transactions (``connectors/customer_page``); the figures the page shows are
``REFRESH_COST``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..config import profiles as cfg
from ..engine.customer_refresh import refresh_customer_page
from . import sync_service
from .customer_search import Customer, Match, directory, rank, resolve
from .customer_view import CustomerPage, build_page
from .mapping_file import load_profile_mapping
from .profiles import ResolvedProfile

REFRESH_COST = {"salesforce_calls": 1, "intacct_transactions": 4}  # at most, for a customer with payments


def refresh_label() -> str:
    """What the refresh button says it costs (figures measured against the emulators' counters)."""
    return (
        f"Refresh this customer ({REFRESH_COST['salesforce_calls']} Salesforce call, "
        f"up to {REFRESH_COST['intacct_transactions']} Intacct transactions)"
    )


def _mapping(profile: str) -> Any:
    """The profile's customer mapping, read without its secrets (a page needs no connection)."""
    prof = cfg.get_profile(profile)
    return load_profile_mapping(ResolvedProfile(profile, str(prof.get("kind", "")), dict(prof), {})).customer


def _instance_url(profile: str) -> str:
    """The org's address as the profile knows it (a web sign-in learns it; the sandbox's is its URL);
    else the page uses the one the last refresh saw."""
    sf = cfg.get_profile(profile).get("salesforce") or {}
    return str(
        sf.get("instance_url") or (sf.get("url") if cfg.get_profile(profile).get("kind") == "sandbox" else "") or ""
    )


def candidates(profile: str, text: str) -> list[Match]:
    """Plausible customers for what was typed, best first (no remote call)."""
    store = sync_service.open_state_store(profile)
    try:
        with store.read() as r:
            return rank(directory(r), text)
    finally:
        store.close()


def open_page(profile: str, text: str, *, refresh: bool = False, worker: Any = None) -> CustomerPage:
    """The page of the one customer ``text`` means (AmbiguousCustomer lists several), refreshed first
    when asked."""
    store = sync_service.open_state_store(profile)
    try:
        with store.read() as r:
            who = resolve(directory(r), text)
    finally:
        store.close()
    cost = refresh_customer(profile, who.customer_id, worker=worker) if refresh else {}
    return page_of(profile, who.customer_id, cost=cost)


def page_of(profile: str, customer_id: str, *, cost: dict[str, int] | None = None) -> CustomerPage:
    """The page of a customer by its ID, from the state store."""
    mapping = _mapping(profile)
    store = sync_service.open_state_store(profile)
    try:
        with store.read() as r:
            known = directory(r)
            page = build_page(
                r, known.get(customer_id) or Customer(customer_id), mapping, today=date.today(),
                instance_url=_instance_url(profile),
            )  # fmt: skip
    finally:
        store.close()
    if cost:
        from dataclasses import replace

        page = replace(page, refresh_cost=dict(cost))
    return page


def refresh_customer(profile: str, customer_id: str, *, worker: Any = None) -> dict[str, int]:
    """Re-read one customer from both systems now; what it cost (Salesforce calls, Intacct transactions)."""
    if sync_service.jobs_elsewhere(worker):  # the window's sync process runs it, as its worker's job
        return dict(worker.run_job("customer_refresh", {"customer_id": customer_id}))

    def refresh(pe: Any) -> dict[str, int]:
        eng = pe.engine
        return refresh_customer_page(eng.store, eng.sf, eng.ia, eng.budget, eng.mapping.customer, customer_id)

    factory = None if worker is not None else sync_service.refresh_factory(profile, salesforce=True)
    return dict(sync_service.run_job(profile, "customer refresh", refresh, worker=worker, factory=factory))
