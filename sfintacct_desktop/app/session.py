"""One session per profile: the profile read and validated once, its secrets read once, lazily.

Why: a profile used to travel as a string and be resolved again and again (the keyring read just
to learn a sync interval). A ``Session`` holds everything a profile means for the running program:
the typed ``Profile`` (settings checked once at load, a bad one raising ``ProfileError`` whose
title/message/hint ``errors.present`` turns into words), its paths, its secrets (read from the
keyring only when a connection is made, then kept), its field mapping and its state-store factory.
The window owns one session and hands it to every tab; each CLI command gets its session from
``cli.common.session``.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import profiles as cfg
from ..config.paths import AppPaths, app_paths
from ..config.profiles import ProfileError
from .mapping_file import load_profile_mapping
from .profiles import ResolvedProfile, StoreFactory, default_store, resolve_profile

DEFAULT_INTERVAL = 60.0  # seconds between watch-mode cycles (the Salesforce poll)
DEFAULT_INTACCT_INTERVAL = 60.0  # Intacct is polled at most this often in watch mode (one billed probe)


@dataclass(frozen=True)
class SalesforceSection:
    """The Salesforce half of a profile's settings (no secrets)."""

    url: str = ""
    auth_method: str = ""
    login_host: str = ""
    username: str = ""
    api_version: str = ""
    consumer_key: str = ""


@dataclass(frozen=True)
class IntacctSection:
    """The Intacct half of a profile's settings (no secrets)."""

    url: str = ""
    endpoint: str = ""
    sender_id: str = ""
    company_id: str = ""
    user_id: str = ""
    entity_id: str = ""
    timezone: str = cfg.DEFAULT_TIMEZONE


@dataclass(frozen=True)
class SyncSection:
    """The optional ``sync`` section: intervals and budgets, checked to be numbers at load."""

    salesforce_interval_seconds: float = DEFAULT_INTERVAL
    intacct_interval_seconds: float = DEFAULT_INTACCT_INTERVAL
    budget_check_seconds: float | None = None


@dataclass(frozen=True)
class Profile:
    """A profile as read from the profiles file: typed sections plus the raw settings it came from."""

    name: str
    kind: str
    salesforce: SalesforceSection
    intacct: IntacctSection
    sync: SyncSection
    settings: Mapping[str, Any] = field(repr=False)

    @property
    def is_sandbox(self) -> bool:
        return self.kind == cfg.KIND_SANDBOX


def _section(raw: Any, cls: type, name: str, part: str) -> Any:
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ProfileError(f"The {part} section of profile {name!r} is not a table.", "Fix it in the profiles file.")
    known = {f for f in cls.__dataclass_fields__ if f in raw and raw[f] not in (None, "")}
    return cls(**{key: str(raw[key]) for key in known})


def _positive(value: Any, default: float) -> float:
    number = float(value)
    return number if number > 0 else default


def _sync_section(raw: Any, name: str) -> SyncSection:
    sync = raw if isinstance(raw, Mapping) else {}
    try:
        sf = sync.get("salesforce_interval_seconds", sync.get("interval_seconds", DEFAULT_INTERVAL))
        check = sync.get("budget_check_seconds")
        return SyncSection(
            salesforce_interval_seconds=_positive(sf, DEFAULT_INTERVAL),
            intacct_interval_seconds=_positive(
                sync.get("intacct_interval_seconds", DEFAULT_INTACCT_INTERVAL), DEFAULT_INTACCT_INTERVAL
            ),
            budget_check_seconds=None if check is None else _positive(check, 0.0) or None,
        )
    except (TypeError, ValueError):
        raise ProfileError(
            f"The sync settings of profile {name!r} are not numbers.",
            "Fix the 'sync' section of the profile in the profiles file.",
        ) from None


def load_profile(name: str) -> Profile:
    """Read and validate one profile from the profiles file (no keyring). Raises ProfileError."""
    raw = cfg.get_profile(name)
    return Profile(
        name=name,
        kind=str(raw.get("kind") or cfg.KIND_REAL),
        salesforce=_section(raw.get("salesforce"), SalesforceSection, name, "salesforce"),
        intacct=_section(raw.get("intacct"), IntacctSection, name, "intacct"),
        sync=_sync_section(raw.get("sync"), name),
        settings=dict(raw),
    )


class Session:
    """Everything one profile means for the running program, each part read once.

    ``profile`` is loaded on first use (a missing or bad profile raises ``ProfileError`` there);
    ``secrets`` only on ``resolved()``, i.e. when a connection is about to be made.
    """

    def __init__(self, name: str, *, store_factory: StoreFactory = default_store) -> None:
        self.name = name
        self._store_factory = store_factory
        self._lock = threading.Lock()  # the worker thread and the window may both ask first
        self._profile: Profile | None = None
        self._resolved: ResolvedProfile | None = None
        self._mapping: Any = None

    def __repr__(self) -> str:
        return f"Session({self.name!r})"

    @property
    def profile(self) -> Profile:
        with self._lock:
            if self._profile is None:
                self._profile = load_profile(self.name)
            return self._profile

    @property
    def paths(self) -> AppPaths:
        return app_paths()

    @property
    def state_path(self) -> Path:
        return self.paths.state_db(self.name)

    def resolved(self) -> ResolvedProfile:
        """Settings plus secrets, ready to connect: the keyring is read here, once per session."""
        self.profile  # noqa: B018 - a bad profile fails here, with its own words, before the keyring
        with self._lock:
            if self._resolved is None:
                self._resolved = resolve_profile(self.name, store_factory=self._store_factory)
            return self._resolved

    def mapping(self) -> Any:
        """The profile's field mapping (its own file, else the shipped default), loaded once."""
        if self._mapping is None:
            self._mapping = load_profile_mapping(
                ResolvedProfile(self.name, self.profile.kind, dict(self.profile.settings), {})
            )
        return self._mapping

    def open_state(self, *, writer: bool = False) -> Any:
        """The profile's state store, checked (raises ``StateUnavailable`` with the whole story)."""
        from .state_service import open_state_store

        return open_state_store(self.name, writer=writer)

    @property
    def sync_interval(self) -> float:
        """The watch-mode loop of the profile, from the settings alone (never the keyring)."""
        return self.profile.sync.salesforce_interval_seconds
