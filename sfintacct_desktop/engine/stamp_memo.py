"""The last cycle's left-out Account stamps, kept in memory so an unchanged overlap window costs no lookup.

Why: after a burst, every cycle for the next 30 minutes re-reads the overlap window's Accounts by
stamp only (thousands of Ids) and compared each with its link's seen stamp, read from the state
store: most of an idle cycle's own time. The links of those Accounts rarely change between cycles,
so the comparison can be made with what the last cycle found.

Why it never hides a change: an entry only says "this link's seen stamp, deletion and key were these",
and the record is left out only if the stamp-only row read now carries exactly those values again (a
change in Salesforce moves the stamp: the record is read in full). The entries are trusted only while
the links themselves are as when they were verified: before each use the links' mark (count, highest
id, newest ``updated_at``) is read; a link created or removed (count or id moved) or a store put back
(the newest ``updated_at`` went back) drops every entry, and the links updated since (by this
engine's merges, a job, a baseline, a resolve, a rebuild, another process) drop theirs. ``updated_at``
comes from the writers' clocks, so the links updated up to a minute before the mark are dropped too
(a clock set back by less than that is covered), and every entry is dropped after 10 minutes anyway:
the whole window is then compared with the store again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

CLOCK_MARGIN = timedelta(minutes=1)  # links updated this long before the mark are checked again
MAX_AGE_SECONDS = 600.0  # then every entry is verified against the store again


@dataclass(frozen=True)
class SeenStamp:
    """What a link recorded of its Salesforce side at its last quiet merge."""

    sf_seen: str
    deleted: bool
    ia_key: str


def as_seen(row: Any, seen: SeenStamp | None) -> bool:
    """A stamp-only row (or a record) exactly as the link last saw it: the same stamp and deletion,
    and its cross-reference in place (else a repair is due)."""
    if seen is None or not seen.sf_seen:
        return False
    stamp = row.modified_at.isoformat() if row.modified_at is not None else ""
    if stamp != seen.sf_seen or bool(row.deleted) != seen.deleted:
        return False
    return bool(row.deleted) or row.cross_ref == seen.ia_key


@dataclass
class StampMemo:
    """Entries by Salesforce Id, valid as of ``mark`` (the links' count, highest id, newest update)."""

    clock: Callable[[], float] = time.monotonic
    mark: tuple[Any, ...] | None = None
    entries: dict[str, SeenStamp] = field(default_factory=dict)
    verified_at: float = 0.0

    def clear(self) -> None:
        self.mark, self.entries = None, {}

    def usable(self, links: Any, entity: Any) -> tuple[tuple[Any, ...], dict[str, SeenStamp]]:
        """The links' mark now, and the entries still true of the store (inside ``links``' read).

        Read the mark first: a link updated after it moves the next mark, so it is dropped next time.
        """
        mark = links.mark(entity)
        old = self.mark
        fresh = self.clock() - self.verified_at < MAX_AGE_SECONDS
        if old is None or not fresh or old[:2] != mark[:2] or old[2] is None or mark[2] is None or mark[2] < old[2]:
            self.clear()
            return mark, {}
        if mark == old:
            return mark, self.entries
        changed = links.sf_ids_updated_since(entity, old[2] - CLOCK_MARGIN)
        return mark, {k: v for k, v in self.entries.items() if k not in changed}

    def remember(self, mark: tuple[Any, ...], entries: dict[str, SeenStamp]) -> None:
        """The entries of this cycle's window (the others are dropped), true as of ``mark``.

        After a full verification (no usable entries) the age starts again; entries carried over
        keep the age of the verification they came from.
        """
        if self.mark is None:
            self.verified_at = self.clock()
        self.mark, self.entries = mark, entries

    def learn(self, links: Any, entity: Any, sf_ids: list[str]) -> None:
        """Add the links of ``sf_ids`` as the store holds them now (the Accounts a cycle wrote and read
        back: the next cycle's window holds them all, and would otherwise look each one up).

        Same order as :meth:`usable`: the mark first, then the values, inside ``links``' one read.
        """
        mark, entries = self.usable(links, entity)
        found = links.sf_seen_marks(entity, sf_ids)
        merged = dict(entries)
        merged.update((k, SeenStamp(*v)) for k, v in found.items() if v[0])
        self.remember(mark, merged)
