"""What the engine keeps about Intacct's reads: deletions matched safely, failed streams, audit facts.

Why here and not in the cycle: the audit trail's OBJECTKEY may be a RECORDNO or a readable id, so a
deletion is matched against both keys of every link and then confirmed gone by one read (a
readable id can look like another record's RECORDNO); a stream whose read failed keeps its cursor
and reports its error; and two facts learnt about the company (ACCESSTIME's clock, the object types
whose audit trail is refused) live in the state store's meta so later cycles use them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..connectors.results import Deletion
from ..domain import ErrorInfo, ErrorKind, SyncError

if TYPE_CHECKING:
    from ..connectors import IntacctConnector
    from ..connectors.ia_orders import IntacctChanges
    from ..store import StateStore
    from .entities import EntityKind
    from .entity_sync import Tally

log = logging.getLogger(__name__)

AUDIT_ZONE_META = "intacct_audit_time_zone"  # "company" | "gmt": ACCESSTIME's clock, once detected
AUDIT_REFUSED_META = "intacct_audit_refused"  # object types whose audit trail read failed last time


def deleted_ia_keys(
    store: StateStore, ia: IntacctConnector, kind: EntityKind, deletions: Iterable[Deletion]
) -> list[str]:
    """The linked Intacct keys (CUSTOMERID/ITEMID) the audit trail says were deleted and that are gone.

    OBJECTKEY is matched against each link's key and its last seen RECORDNO; candidates still
    readable are left out (one read, only when a deletion matched something).
    """
    keys = {d.key for d in deletions if d.key}
    if not keys:
        return []
    with store.read() as r:
        found = [*r.links.many_by_ia_key(kind.entity, keys).values()]
        found += r.links.many_by_ia_record_no(kind.entity, keys).values()
    candidates = {link.ia_key for link in found if link.ia_deleted_at is None}
    if not candidates:
        return []
    alive = {rec.key for rec in kind.ia_by_ids(ia, sorted(candidates))}
    return sorted(candidates - alive)


def audit_settings(store: StateStore) -> tuple[str | None, list[str]]:
    """ACCESSTIME's clock (None until detected) and the object types to ask in functions of their own."""
    with store.read() as r:
        return audit_settings_in(r)


def audit_settings_in(r: Any) -> tuple[str | None, list[str]]:
    """:func:`audit_settings` inside a read the caller holds."""
    zone = r.meta.get(AUDIT_ZONE_META)
    refused = r.meta.get(AUDIT_REFUSED_META) or []
    return (zone if zone in ("company", "gmt") else None), [str(t) for t in refused]


def remember_audit(
    store: StateStore, orders: Any, changes: IntacctChanges, zone: str | None, split: list[str], busy: bool
) -> None:
    """Store the refused types; while the clock is unknown and the cycle saw changes, detect it."""
    refused = sorted(set(changes.audit_refused))
    if refused != sorted(split):
        with store.write() as tx:
            tx.meta.set(AUDIT_REFUSED_META, refused)
    if zone is not None or not busy:
        return
    try:
        found = orders.detect_audit_zone()
    except SyncError as exc:  # detection is best effort: the wide window stays until it works
        log.info("ACCESSTIME zone not detected this time: %s", exc.info.title)
        return
    if found is not None:
        log.info("Intacct AUDITHISTORY ACCESSTIME clock detected: %s", found)
        with store.write() as tx:
            tx.meta.set(AUDIT_ZONE_META, found)


def record_failures(tallies: dict[str, Tally], failures: dict[str, ErrorInfo]) -> None:
    """Each failed stream's error on its counters (shown by `status` and the Sync tab)."""
    from .entity_sync import Tally

    for stream, info in failures.items():
        tallies.setdefault(stream, Tally()).failure = info.as_dict()


def partial_error(tallies: dict[str, Tally]) -> ErrorInfo | None:
    """The run's error when some streams failed on their own (None when none did)."""
    failed = {name: t.failure for name, t in tallies.items() if t.failure}
    if not failed:
        return None
    first = next(iter(failed.values())) or {}
    names = ", ".join(sorted(failed))
    more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
    return ErrorInfo(
        ErrorKind.PERMISSION,
        f"{len(failed)} stream(s) could not be read: {names}",
        f"{first.get('title', '')}: {first.get('message', '')}{more} The other streams synced.",
        str(first.get("hint", "")),
        code=str(first.get("code", "")),
    )
