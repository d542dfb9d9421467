"""Opening a profile's state store for people: it opens, or every command says the same clear thing.

Why so careful: the state store is the product's memory of what it already did (links, merge bases,
the order ledger). A store that is damaged, locked, or quietly replaced by an empty one must never
make the sync start over, because starting over sends records and sales orders a second time. So:

- every reason the file cannot be used becomes one :class:`StateUnavailable` (a ``SyncError``) whose
  title names the problem, whose message names the file and what is wrong, and whose hint says what
  to do: restore the newest good backup (named, only when one exists), re-create the state from both
  systems, or close the process that holds the lock. The CLI hint names commands, the window's names
  buttons (``info("gui")`` on the start-up page, ``info("window")`` in the running window);
- a profile that has synced before carries a marker in its settings; a missing or empty store for
  such a profile is refused, never silently re-created;
- a new store for a profile without the marker is still refused for writing when Salesforce or
  Intacct already hold this product's cross-references (an earlier installation linked them);
- the one writer takes a daily backup (``store/backups.py``) and records the marker after each run.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..config import profiles as cfg
from ..domain import ErrorInfo, ErrorKind, SyncError
from ..store import StateStore, StoreOpenError, backups
from ..store.backups import Backup
from . import attempts
from .state_target import is_postgres, state_path, state_target, where

log = logging.getLogger(__name__)

MISSING, LINKED_ELSEWHERE = "missing", "linked_elsewhere"
RESTORED_META = "state_restored"  # set by a restore: the order ledger is completed before the next run


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class StateProblem:
    """Why a profile's state store cannot be used, and what can be done about it."""

    profile: str
    path: Path | str  # the SQLite file, or the PostgreSQL URL with its password masked
    problem: str  # a StoreOpenError problem, MISSING or LINKED_ELSEWHERE
    detail: str
    backup: Backup | None = None  # the newest good backup, when one exists

    @property
    def damaged(self) -> bool:
        return self.problem not in ("locked", "unreadable", "unreachable", LINKED_ELSEWHERE)

    @property
    def title(self) -> str:
        p = self.profile
        return {
            "locked": f"The sync state of profile {p} is locked",
            "unreadable": f"The sync state of profile {p} cannot be read",
            "unreachable": f"The sync state of profile {p} cannot be reached",
            MISSING: f"The sync state of profile {p} is missing",
            LINKED_ELSEWHERE: "Salesforce and Intacct are already linked",
        }.get(self.problem, f"The sync state of profile {p} is damaged")

    @property
    def message(self) -> str:
        text = f"{self.path}: {self.detail}."
        if self.damaged:
            text += (
                " It records what was already synced; syncing without it would send records and"
                " sales orders a second time, so nothing was done."
            )
        elif self.problem == LINKED_ELSEWHERE:
            text += " Syncing from an empty state would create those records a second time, so nothing was done."
        else:
            text += " Nothing was done."
        return text

    def hint(self, surface: str = "cli") -> str:
        """What to do. ``cli``: commands; ``gui``: the start-up page's buttons; ``window``: from the
        running window, which offers those buttons when it is opened again."""
        gui = surface in ("gui", "window")
        reopen = "close this window and open it again, then " if surface == "window" else ""
        opt = f" --profile {self.profile}"
        rebuild = f"{reopen}click Rebuild from both systems" if gui else f"run `sfintacct state rebuild{opt}`"
        if self.problem == "locked":
            again = {"gui": "then click Try again", "window": "then start the sync again"}.get(
                surface, "then run the command again"
            )
            return (
                f"Close any other sfintacct window or command using profile {self.profile}, {again}. If none"
                " is running, a process that hung or crashed still holds the file: end it (or restart the computer)."
            )
        if self.problem == "unreachable":
            return (
                "Check that the PostgreSQL server is running and reachable from this computer, and that the"
                " password of its user is in the keyring (entry state_password of the profile), PGPASSWORD or"
                " ~/.pgpass. Nothing is lost: the state stays in the database."
            )
        if self.problem == "unreadable":
            return "Check that the file and its folder belong to you and that the disk is readable; see the log file."
        if self.problem == LINKED_ELSEWHERE:
            return f"Re-create the links from those fields first: {rebuild} (it reads both and writes to neither)."
        kept = "" if self.problem == MISSING else " The damaged file is kept beside it, never deleted."
        if self.backup is not None:
            restore = f"{reopen}click Restore backup" if gui else f"run `sfintacct state restore{opt}`"
            return (
                f"To go back to the newest good backup, {self.backup.name} (taken {_when(self.backup.taken_at)}),"
                f" {restore}; or, to re-create the state from the cross-reference fields of both systems,"
                f" {rebuild} (it reads both and writes to neither).{kept}"
            )
        return (
            f"No backup of it exists. To re-create the state from the cross-reference fields of both systems,"
            f" {rebuild} (it reads both and writes to neither).{kept}"
        )

    def info(self, surface: str = "cli") -> ErrorInfo:
        code = {"locked": "STATE_LOCKED", MISSING: "STATE_MISSING", LINKED_ELSEWHERE: "STATE_LINKED_ELSEWHERE"}
        return ErrorInfo(
            ErrorKind.SCHEMA, self.title, self.message, self.hint(surface), code=code.get(self.problem, "STATE_DAMAGED")
        )

    def as_dict(self, surface: str = "cli") -> dict[str, Any]:
        return {
            "title": self.title,
            "message": self.message,
            "hint": self.hint(surface),
            "problem": self.problem,
            "path": str(self.path),
            "backup": self.backup.as_dict() if self.backup else None,
            "damaged": self.damaged,
        }


class StateUnavailable(SyncError):
    """A SyncError (fatal: the worker pauses) that also carries the structured problem."""

    def __init__(self, problem: StateProblem) -> None:
        cli, window = problem.info("cli"), problem.info("window")
        super().__init__(dataclasses.replace(cli, window_hint=window.hint if window.hint != cli.hint else ""))
        self.problem = problem


def problem_of(profile: str, path: Path | str, exc: StoreOpenError) -> StateProblem:
    good = backups.newest_good(path) if exc.damaged and isinstance(path, Path) else None
    return StateProblem(profile, path, exc.problem, exc.detail, good)


def _missing(profile: str, path: Path | str, marker: dict[str, Any], what: str) -> StateProblem:
    first = str(marker.get("synced_before") or "")[:10]
    detail = f"{what}, yet this profile has synced before" + (f" (first on {first})" if first else "")
    good = backups.newest_good(path) if isinstance(path, Path) else None
    return StateProblem(profile, path, MISSING, detail, good)


# ------------------------------------------------------------------------------ opening
def open_state_store(profile: str, *, writer: bool = False) -> StateStore:
    """The profile's store, checked; raises :class:`StateUnavailable` with the whole story.

    ``writer``: the sync worker's store (takes the SQLite write lock once to prove nobody else holds
    it, and takes the daily backup when one is due). The store is the profile's SQLite file, or the
    PostgreSQL database its ``state.url`` names (``state_target``).
    """
    target = state_target(profile)
    shown: Path | str = target if isinstance(target, Path) else where(target)
    marker = cfg.state_marker(profile)
    if isinstance(target, Path) and not target.exists() and marker.get("synced_before"):
        raise StateUnavailable(_missing(profile, target, marker, "the file does not exist"))
    try:
        store = StateStore.open(target, probe_write=writer and not is_postgres(target))
    except StoreOpenError as exc:
        log.info("the state store of profile %s cannot be opened", profile, exc_info=True)  # the log file only
        raise StateUnavailable(problem_of(profile, shown, exc)) from None
    if marker.get("synced_before") and store.is_empty():
        store.close()
        what = "the file holds no sync state" if isinstance(target, Path) else "the database holds no sync state"
        raise StateUnavailable(_missing(profile, shown, marker, what))
    if writer:
        daily_backup(store)
    return store


def daily_backup(store: StateStore) -> Backup | None:
    """Take the day's backup when none was taken in the last 24 hours (never fails the caller)."""
    path = store.path
    if path is None or not backups.daily_due(path) or store.is_empty():
        return None
    try:
        return backups.take_backup(path, backups.DAILY)
    except (OSError, backups.BackupError) as exc:
        log.warning("the daily backup of %s failed: %s", path, exc)
        return None


# ------------------------------------------------------------------------------ the marker
def note_synced(profile: str, *, cutover: str | None = None, baseline_applied: bool = False) -> None:
    """Record in the profile that it has synced (and its baseline), once; never fails the caller."""
    try:
        marker = cfg.state_marker(profile)
        now = datetime.now(UTC).isoformat(timespec="seconds")
        values: dict[str, Any] = {}
        if not marker.get("synced_before"):
            values["synced_before"] = now
        if baseline_applied:
            values["baseline_applied_at"] = now
            values["cutover_date"] = cutover
        if values:
            cfg.update_state_marker(profile, **values)
    except (OSError, cfg.ProfileError) as exc:
        log.warning("could not record that profile %s has synced: %s", profile, exc)


def after_run(profile: str, store: StateStore, summary: Any) -> None:
    """After each run of the one writer: the marker once anything happened, the daily backup, and
    a failed attempt before this run is history."""
    if getattr(summary, "status", "") == "ok" or getattr(summary, "writes", 0):
        note_synced(profile)
    if getattr(summary, "run_id", 0):
        attempts.clear(profile)
    daily_backup(store)


def settle_restore(engine: Any) -> int:
    """After ``state restore``: CONFIRMED intents for orders sent after the backup, then clear the mark.

    Runs on the writer's first run after a restore (reads only). A failure leaves the mark, so the
    next run tries again before it sends anything.
    """
    with engine.store.read() as r:
        if not r.meta.get(RESTORED_META):
            return 0
    from ..engine.rebuild import order_ledger_gaps

    added = order_ledger_gaps(engine)
    with engine.store.write() as tx:
        tx.meta.set(RESTORED_META, None)
    if added:
        log.info("after the restore, %d sales orders sent since the backup were found by PONUMBER", added)
    return added


# ------------------------------------------------------------------------------ a new store
def existing_cross_reference(salesforce: Any, intacct: Any) -> str:
    """A record that already carries this product's cross-reference, described; "" when none.

    Two small reads (one Salesforce ``composite`` call, one Intacct request), only for a brand-new store.
    A side whose custom fields are missing answers "none" (the schema check reports that). Any other
    failure propagates: a check that could not run must not pass for "nothing linked" (the sync would then
    start over silently), and the cycle would meet the same trouble anyway.
    """
    from ..wire.intacct import Filter
    from ..wire.intacct import functions as fx

    sf_fields = (
        ("Account", "Intacct_Customer_ID__c", "Intacct customer"),
        ("Product2", "Intacct_Item_ID__c", "Intacct item"),
    )
    soqls = [f"SELECT Id, {field} FROM {sobject} WHERE {field} != null LIMIT 1" for sobject, field, _ in sf_fields]
    try:
        with salesforce.errors():
            answers = salesforce.client.query_many(soqls)  # one composite call
    except SyncError as exc:
        if exc.info.kind is not ErrorKind.SCHEMA:
            raise
        answers = [[], []]
    for (sobject, field, what), rows in zip(sf_fields, answers, strict=True):
        if rows:
            return f"Salesforce {sobject} {rows[0]['Id']} already names {what} {rows[0][field]}"
    queries = [
        fx.query("CUSTOMER", ["CUSTOMERID", "SFDC_ACCOUNT_ID"], Filter.isnotnull("SFDC_ACCOUNT_ID"), (), 1, 0),
        fx.query("ITEM", ["ITEMID", "SFDC_PRODUCT_ID"], Filter.isnotnull("SFDC_PRODUCT_ID"), (), 1, 0),
    ]
    try:
        with intacct.errors():
            results = intacct.client.call(queries)
    except SyncError as exc:
        if exc.info.kind is not ErrorKind.SCHEMA:
            raise
        return ""
    for res, (obj, key, field) in zip(
        results, (("CUSTOMER", "CUSTOMERID", "SFDC_ACCOUNT_ID"), ("ITEM", "ITEMID", "SFDC_PRODUCT_ID")), strict=True
    ):
        if res.ok and res.records:
            row = res.records[0]
            return f"Intacct {obj} {row.get(key)} already names Salesforce record {row.get(field)}"
    return ""


NEW_STORE_CHECKED = "new_store_checked"  # meta: neither system carried our cross-references at first use


def guard_new_store(profile: str, store: StateStore, salesforce: Any, intacct: Any) -> None:
    """Refuse to sync from a brand-new store when both systems were linked by an earlier installation."""
    if cfg.state_marker(profile).get("synced_before"):
        return
    with store.read() as r:  # not "is the store empty": a failed first run or a budget wait writes to it
        if r.meta.get(NEW_STORE_CHECKED) or r.links.count():
            return
    found = existing_cross_reference(salesforce, intacct)
    if not found:
        with store.write() as tx:
            tx.meta.set(NEW_STORE_CHECKED, datetime.now(UTC).isoformat(timespec="seconds"))
        return
    if found:
        path = store.path or store.where
        raise StateUnavailable(StateProblem(profile, path, LINKED_ELSEWHERE, f"the state store is new, but {found}"))


__all__ = [
    "RESTORED_META",
    "StateProblem",
    "StateUnavailable",
    "after_run",
    "daily_backup",
    "existing_cross_reference",
    "guard_new_store",
    "note_synced",
    "open_state_store",
    "problem_of",
    "settle_restore",
    "state_path",
]
