"""`state check | backup | restore | rebuild` as use cases (the CLI prints them, the window calls them).

Rules every one of them keeps:
- nothing is ever deleted: a file that is replaced (damaged or not) is renamed beside the store,
  ``<db>.damaged-<stamp>`` or ``<db>.replaced-<stamp>``, together with its ``-wal``/``-shm``;
- restore and rebuild take the profile's writer lock, so they refuse while a sync holds it;
- a restore or rebuild that fails leaves the store exactly as it was (each builds the new file
  beside it and renames it into place only when it is complete and checked);
- rebuild reads both systems and writes to neither.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from ..config import profiles as cfg
from ..config.paths import app_paths
from ..config.private import is_private, tighten_sqlite
from ..domain import ErrorInfo, ErrorKind, SyncError
from ..engine.baseline.export import newest_plan, read_plan
from ..engine.baseline.review import PlanError
from ..engine.rebuild import Baseline, rebuild_state
from ..store import StateStore, StoreOpenError, backups
from ..store.copy import CopyError, copy_state, row_counts
from ..store.health import check_copy
from ..store.migrate import current_revision
from . import state_service as ss
from .profile_lock import ProfileLock
from .state_target import is_postgres, resolve_url, state_target, where

SIDE_FILES = ("-wal", "-shm", "-journal")


def _fail(title: str, message: str, hint: str, code: str, window: str = "") -> SyncError:
    return SyncError(ErrorInfo(ErrorKind.SCHEMA, title, message, hint, code=code, window_hint=window))


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")


def _backup_rows(path: Path) -> list[dict[str, Any]]:
    rows = []
    for b in backups.list_backups(path):
        problems = check_copy(b.path)
        rows.append({**b.as_dict(), "ok": not problems, "problem": "; ".join(problems[:2])})
    return rows


def kept_aside(path: Path) -> list[dict[str, Any]]:
    """The files a restore, a rebuild or a migration kept beside the store (``<db>.damaged-<stamp>``,
    ``<db>.replaced-<stamp>`` and their side files), oldest first: never deleted by the product, so
    ``state check`` lists them for the operator to remove when no longer needed."""
    pattern = re.compile(rf"^{re.escape(path.name)}\.(damaged|replaced)-\d{{8}}T\d{{6}}Z(-\d+)?(-wal|-shm|-journal)?$")
    if not path.parent.is_dir():
        return []
    found = sorted(p for p in path.parent.iterdir() if pattern.match(p.name) and p.is_file())
    return [{"path": str(p), "name": p.name, "bytes": p.stat().st_size} for p in found]


# ------------------------------------------------------------------------------ check
def check(profile: str) -> dict[str, Any]:
    """Health of the profile's store: ``ok`` with counts, or ``problem`` (title/message/hint)."""
    cfg.get_profile(profile)
    path, target = ss.state_path(profile), state_target(profile)
    pg = is_postgres(target)
    if isinstance(target, Path):
        path = target
    marker = cfg.state_marker(profile)
    report: dict[str, Any] = {
        "profile": profile,
        "backend": "postgresql" if pg else "sqlite",
        "path": where(target),
        "exists": True if pg else path.exists(),
        "synced_before": marker.get("synced_before"),
        "backups": [] if pg else _backup_rows(path),
        "kept_aside": [] if pg else kept_aside(path),
        "problem": None,
    }
    if not pg and not path.exists() and not marker.get("synced_before"):
        return {**report, "ok": True, "note": "No sync state yet: it is created at the first sync."}
    try:
        store = ss.open_state_store(profile)
    except ss.StateUnavailable as exc:
        return {**report, "ok": False, "problem": exc.problem.as_dict()}
    try:
        with store.read() as r:
            links = {"customer": r.links.count("customer"), "product": r.links.count("product")}
            last = r.runs.last()
        report.update(
            ok=True,
            bytes=None if pg else path.stat().st_size,
            schema_revision=current_revision(store.engine),
            links=links,
            last_run=last.started_at.isoformat() if last and last.started_at else None,
            private=None if pg else all(is_private(p) for p in (path, path.parent) if p.exists()),
            daily_backup_due=False if pg else backups.daily_due(path),
        )
    finally:
        store.close()
    return report


def _no_file_tools(profile: str, what: str) -> None:
    """Backups and restores are file operations: a PostgreSQL store uses the database's own tools."""
    target = state_target(profile)
    if is_postgres(target):
        raise _fail(
            f"No {what} for a state store on PostgreSQL",
            f"The state of profile {profile} lives in the database {where(target)}, not in a file.",
            "Use the database's own backups (pg_dump, or the server's point-in-time recovery); or copy it"
            " to a file with `sfintacct state migrate --to sqlite` (the profile then uses that file).",
            "STATE_ON_SERVER",
            window="Use the database server's own backups (ask whoever runs it).",
        )


# ------------------------------------------------------------------------------ backup
def backup(profile: str) -> dict[str, Any]:
    """A manual backup now (the store must open cleanly; a sync may be running)."""
    cfg.get_profile(profile)
    _no_file_tools(profile, "file backup")
    path = ss.state_path(profile)
    if not path.exists():
        raise _fail(
            "Nothing to back up",
            f"{path} does not exist yet.",
            "The state store is created at the first sync.",
            "STATE_NONE",
            window="The state store is created at the first sync: press Sync now on the Sync tab first.",
        )
    ss.open_state_store(profile).close()  # a damaged store gets its own clear error, not a copy of the damage
    try:
        made = backups.take_backup(path, backups.MANUAL)
    except (OSError, backups.BackupError) as exc:
        hint = "See the log file; check the free disk space."
        raise _fail("The backup failed", f"{path}: {exc}", hint, "BACKUP_FAILED") from None
    return {"profile": profile, "backup": made.as_dict(), "backups": _backup_rows(path)}


def list_backups(profile: str) -> dict[str, Any]:
    """The backups kept beside the profile's store, newest first, each checked (``ok``)."""
    cfg.get_profile(profile)
    _no_file_tools(profile, "file restore")
    path = ss.state_path(profile)
    return {"profile": profile, "path": str(path), "backups": _backup_rows(path)}  # newest first, as listed


# ------------------------------------------------------------------------------ moving aside
def move_aside(path: Path, label: str) -> list[str]:
    """Rename the store and its side files to ``<name>.<label>-<stamp>``; returns the new paths."""
    stamp = _stamp()
    target = path.with_name(f"{path.name}.{label}-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.{label}-{stamp}-{n}")
        n += 1
    moved = []
    for suffix in ("", *SIDE_FILES):
        src = Path(f"{path}{suffix}")
        if src.exists():
            dst = Path(f"{target}{suffix}")
            os.replace(src, dst)
            moved.append(str(dst))
    return moved


def _label(path: Path) -> str:
    return "damaged" if check_copy(path) else "replaced"


def _settle_wal(db: Path) -> None:
    """Fold a leftover ``-wal`` into the file, so the file alone can be renamed."""
    if Path(f"{db}-wal").exists():
        conn = sqlite3.connect(db)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
    for suffix in SIDE_FILES:
        with contextlib.suppress(FileNotFoundError):
            if Path(f"{db}{suffix}").stat().st_size == 0:
                Path(f"{db}{suffix}").unlink()


# ------------------------------------------------------------------------------ restore
def _choose(path: Path, name: str | None) -> backups.Backup:
    if name:
        given = Path(name).expanduser()
        candidate = given if given.is_absolute() or given.exists() else path.parent / name
        if not candidate.exists():
            raise _fail(
                "No such backup",
                f"{candidate} does not exist.",
                "See `sfintacct state check` for the backups beside the store.",
                "BACKUP_NOT_FOUND",
                window="It may have been removed meanwhile: open File > Restore the sync state again to see the list.",
            )
        live = {Path(f"{path}{suffix}").resolve() for suffix in ("", *SIDE_FILES)}
        if candidate.resolve() in live:
            raise _fail(
                "That is the current state, not a backup",
                f"{candidate} is the profile's state store itself (or one of its files).",
                "Name one of the backups beside it (see `sfintacct state check`).",
                "BACKUP_IS_LIVE",
                window="Choose a backup in the list.",
            )
        problems = check_copy(candidate)
        if problems:
            raise _fail(
                "That backup is damaged",
                f"{candidate}: {'; '.join(problems[:3])}.",
                "Choose another one (see `sfintacct state check`); nothing was changed.",
                "BACKUP_DAMAGED",
                window="Choose another backup in the list (its check says Good); nothing was changed.",
            )
        parsed = backups.parse(path, candidate)
        taken = datetime.fromtimestamp(candidate.stat().st_mtime, UTC)
        return parsed or backups.Backup(candidate, "other", taken)
    good = backups.newest_good(path)
    if good is None and not path.exists() and not backups.list_backups(path):
        raise _fail(
            "Nothing to restore yet",
            f"{path} does not exist and no backup of it is kept: this profile has not synced yet.",
            "Nothing needs restoring: the state store is created at the first sync (after the baseline, see"
            " `sfintacct baseline plan`).",
            "STATE_NONE",
            window="Nothing needs restoring: the state store is created at the first sync.",
        )
    if good is None:
        raise _fail(
            "No good backup to restore",
            f"There is no backup of {path} that passes its integrity check.",
            "Re-create the state from both systems with `sfintacct state rebuild` (reads both, writes to neither).",
            "BACKUP_NONE",
            "Click Rebuild from both systems (it reads both, writes to neither).",
        )
    return good


def restore(profile: str, name: str | None = None) -> dict[str, Any]:
    """Put a good backup in place of the store (default: the newest good one).

    The current file (damaged or not) is kept beside it. The next sync first looks up, by PONUMBER,
    the sales orders sent after the backup was taken, so none of them is sent again.
    """
    cfg.get_profile(profile)
    path = ss.state_path(profile)
    with ProfileLock(profile):
        chosen = _choose(path, name)
        staged = path.with_name(f".{path.name}.restore-{_stamp()}")
        try:
            backups.copy_database(chosen.path, staged)
        except (OSError, backups.BackupError) as exc:
            hint = "Nothing was changed; see the log file."
            raise _fail("The restore failed", str(exc), hint, "RESTORE_FAILED") from None
        moved = move_aside(path, _label(path)) if path.exists() else []
        os.replace(staged, path)
        tighten_sqlite(path)
        store = StateStore.open(path)  # migrates a backup from an older version (backing it up first)
        try:
            with store.write() as tx:
                tx.meta.set(
                    ss.RESTORED_META,
                    {"from": str(chosen.path), "taken_at": chosen.taken_at.isoformat(), "at": _stamp()},
                )
            with store.read() as r:
                links = {"customer": r.links.count("customer"), "product": r.links.count("product")}
        finally:
            store.close()
    return {
        "profile": profile,
        "path": str(path),
        "restored_from": chosen.as_dict(),
        "kept_aside": moved,
        "links": links,
        "note": "Changes after the backup was taken are read again at the next sync; sales orders sent since"
        " then are found by their Opportunity Id before anything is sent.",
    }


# ------------------------------------------------------------------------------ rebuild
def known_baseline(profile: str) -> Baseline:
    """What the profile's marker and its newest plan file say about its baseline and cut-over."""
    marker = cfg.state_marker(profile)
    out = Baseline()
    doc: dict[str, Any] | None = None
    plan = newest_plan(app_paths().plans_dir, profile)
    if plan is not None:
        with contextlib.suppress(PlanError):
            doc = read_plan(plan, profile=profile)
    if marker.get("baseline_applied_at"):
        out.applied, out.applied_at = True, str(marker["baseline_applied_at"])
    elif marker.get("synced_before") and doc is None:
        out.applied = False  # it synced without ever planning a baseline: a new company's live sync
    cut = (marker.get("cutover_date") or (doc or {}).get("cutover_date")) if out.applied is not False else None
    with contextlib.suppress(TypeError, ValueError):
        out.cutover = date.fromisoformat(str(cut)[:10]) if cut else None
    if doc is not None:
        out.plan = str(plan)
        for a in doc.get("actions", []):
            if a.get("action") == "leave_out" and a.get("entity") in ("customer", "product", "pricebook"):
                side = out.left_out.setdefault(a["entity"], {}).setdefault(a.get("system", ""), {})
                side[a.get("key", "")] = a.get("reason") or "left out by the baseline"
    return out


def rebuild(profile: str, *, force: bool = False) -> dict[str, Any]:
    """Re-create the store from both systems' cross-reference fields; reads both, writes to neither."""
    from .sync_service import build_engine  # the engine factory (imports the connectors)

    cfg.get_profile(profile)
    path, target = ss.state_path(profile), state_target(profile)
    pg = is_postgres(target)
    if isinstance(target, Path):
        path = target
    with ProfileLock(profile):
        if not force and (pg or (path.exists() and not check_copy(path))):
            try:
                store = StateStore.open(target)
            except StoreOpenError as exc:
                if not pg:
                    raise
                raise ss.StateUnavailable(ss.problem_of(profile, where(target), exc)) from None
            try:
                empty = store.is_empty()
                with store.read() as r:
                    links = r.links.count()
            finally:
                store.close()
            if not empty and links:  # a store without links (e.g. a refused first run) has nothing to lose
                raise _fail(
                    "The state store is healthy",
                    f"{where(target)} opens cleanly and holds {links} links; a rebuild would replace it.",
                    "Nothing needs doing. To rebuild anyway (the current file is kept beside it), add --force.",
                    "STATE_HEALTHY",
                )
        staged = path.with_name(f".{path.name}.rebuild-{_stamp()}")
        baseline = known_baseline(profile)
        engine = build_engine(profile, store_opener=lambda _name: StateStore.open(staged, probe_write=True))
        try:
            report, summary = rebuild_state(engine.engine, baseline)
        except BaseException:
            engine.close()
            _discard(staged)
            raise
        engine.close()
        if summary.status != "ok":
            _discard(staged)
            error = summary.error or ErrorInfo(ErrorKind.INTERNAL, "Rebuild interrupted", "It did not finish.", "")
            raise SyncError(error)
        _settle_wal(staged)
        if pg:  # built in a file like any rebuild, then put in the database's place in one transaction
            try:
                with StateStore.open(staged) as built, StateStore.open(target) as dest:
                    copy_state(built.engine, dest.engine, replace=True)
            except (StoreOpenError, CopyError) as exc:
                message = f"{where(target)}: {exc}."
                raise _fail("The rebuild was not saved", message, "Nothing was changed.", "REBUILD") from None
            finally:
                _discard(staged)
            moved: list[str] = []
        else:
            moved = move_aside(path, _label(path)) if path.exists() else []
            os.replace(staged, path)
            tighten_sqlite(path)
    cfg.update_state_marker(profile, rebuilt_at=datetime.now(UTC).isoformat(timespec="seconds"))
    ss.note_synced(profile)
    if report.cutover_date:
        cfg.update_state_marker(profile, cutover_date=report.cutover_date)
    data = summary.as_dict()
    return {
        "profile": profile,
        "path": where(target),
        "kept_aside": moved,
        **report.as_dict(),
        "writes": data["writes"],
        "api_calls": data["api_calls"],
    }


def check_linked_elsewhere(profile: str, *, session: Any = None) -> None:
    """Raise StateUnavailable when the profile's store is new but the systems are already linked.

    For the window's start-up page (the sync checks the same before its first write). When the
    systems cannot be reached now, nothing is raised: the sync asks again before it writes.
    ``session``: the window's session of the profile (its secrets read once).
    """
    from .sync_service import build_engine

    try:
        engine = build_engine(profile, writer=False, session=session)
    except ss.StateUnavailable:
        raise
    except SyncError:
        return
    try:
        ss.guard_new_store(profile, engine.store, engine.engine.sf, engine.engine.ia)
    finally:
        engine.close()


# ------------------------------------------------------------------------------ migrate
DEFAULT_TARGETS = ("sqlite", "default")  # `--to sqlite`: back to the profile's own file


def migrate(profile: str, to: str, *, replace: bool = False) -> dict[str, Any]:
    """Copy the profile's state to another store (SQLite <-> PostgreSQL), then switch the profile to it.

    Both ends are locked (no sync of the profile runs meanwhile, on any machine). A target that holds
    sync state is refused unless ``replace`` (a SQLite file is then kept aside, a PostgreSQL
    database's rows are replaced). The copy keeps every id and is verified by counting each table on
    both sides; only then does the profile's ``state.url`` change. The source is left as it was.
    """
    cfg.get_profile(profile)
    try:
        stored = None if to.strip().lower() in DEFAULT_TARGETS else cfg.check_state_url(to)
    except cfg.ProfileError as exc:
        raise _fail("Not a state store URL", str(exc), exc.hint, "STATE_URL_BAD", window=exc.hint) from None
    source, dest = state_target(profile), resolve_url(profile, stored)
    if where(source) == where(dest):
        raise _fail(
            "Nothing to migrate",
            f"The state of profile {profile} already lives in {where(dest)}.",
            "Give another target with --to.",
            "STATE_SAME",
            window="Choose the other kind of store, or another PostgreSQL database.",
        )
    with ProfileLock(profile, target=source), ProfileLock(profile, target=dest):
        src = ss.open_state_store(profile)
        try:
            kept = _clear_file_target(dest, replace)
            try:
                target = StateStore.open(dest)
            except StoreOpenError as exc:
                raise ss.StateUnavailable(ss.problem_of(profile, where(dest), exc)) from None
            try:
                report = copy_state(src.engine, target.engine, replace=replace)
            except CopyError as exc:
                held = "already holds" in str(exc)
                hint = (
                    "Choose an empty database, or add --replace to overwrite what it holds."
                    if held
                    else "Nothing was switched; see the log file."
                )
                window = (
                    "Choose an empty database, or tick “Replace what it holds” to overwrite it."
                    if held
                    else "Nothing was switched; the log file (Help > Open log folder) says why."
                )
                message = f"{where(dest)}: {exc}."
                raise _fail("The state was not migrated", message, hint, "STATE_MIGRATE", window) from None
            finally:
                target.close()
        finally:
            src.close()
        cfg.set_state_url(profile, stored)
    return {
        "profile": profile,
        "from": where(source),
        "to": where(dest),
        "revision": report.revision,
        "rows": report.rows,
        "total": report.total,
        "kept_aside": kept,
        "note": "The profile now uses the new store; the old one was left as it was.",
    }


def _clear_file_target(dest: Path | Any, replace: bool) -> list[str]:
    """A SQLite target that already holds state: refused, or (``replace``) kept aside before the copy."""
    if is_postgres(dest) or not isinstance(dest, Path) or not dest.exists():
        return []
    if check_copy(dest):  # damaged or not a store: it can only be replaced
        if not replace:
            raise _fail(
                "The state was not migrated",
                f"{dest} exists and is not a usable state store.",
                "Add --replace to keep it aside and write a new one.",
                "STATE_MIGRATE",
                window="Tick “Replace what it holds” to keep it aside and write a new one.",
            )
        return move_aside(dest, "damaged")
    with StateStore.open(dest) as existing:
        held = sum(row_counts(existing.engine).values())
    if held and not replace:
        raise _fail(
            "The state was not migrated",
            f"{dest} already holds sync state ({held} rows).",
            "Choose another file, or add --replace to keep it aside and write a new one.",
            "STATE_MIGRATE",
            window="Tick “Replace what it holds” to keep it aside and write a new one.",
        )
    return move_aside(dest, "replaced") if held else []


def _discard(staged: Path) -> None:
    """Remove a half-built new store (our own temporary file, never the user's)."""
    for suffix in ("", *SIDE_FILES):
        with contextlib.suppress(OSError):
            Path(f"{staged}{suffix}").unlink(missing_ok=True)


__all__ = [
    "backup",
    "check",
    "check_linked_elsewhere",
    "known_baseline",
    "migrate",
    "move_aside",
    "rebuild",
    "restore",
]
