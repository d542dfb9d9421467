"""Which Intacct streams a cycle reads: one audit trail probe, full reads only where it saw changes.

Why: Intacct bills each query function as a transaction. Reading every stream by WHENMODIFIED costs
one transaction per stream per poll even when nothing changed; one AUDITHISTORY query across the
object types the sync reads (CUSTOMER, ITEM, ARINVOICE, ARPYMT) costs one, and names the streams
that changed (and the deletions and payments, which come from the audit trail anyway).

What keeps it safe (a change is never lost; in doubt, a stream is read):

- **Seen rows.** The probe asks ``ACCESSTIME >= high - MARGIN`` where ``high`` is the newest
  ACCESSTIME seen, kept as Intacct wrote it, so the window is in Intacct's own clock whatever zone
  it is in. Rows are told apart by (type, key, mode, ACCESSTIME) and counted (two changes in the
  same second are two rows): a row is new unless the previous probe already returned it. So an old
  change is not reported every cycle, and one made between the probe and the end of a cycle (after
  the probe, so not among its rows) is reported by the next one. The state moves only with the
  cursors, in the cycle's last transaction; a failed cycle probes the same window again, and rows
  of a stream whose read failed stay new.
- **One page when nothing is new.** The probe reads the newest rows first and its answer counts
  every row of the window (``totalcount``). The audit trail only grows, so the window still holds
  every seen row of it: when the rows of the first page that are new number exactly the rows of
  the window less the seen ones in it, every row past that page is a seen one, and it is not read
  (after a burst the margin holds more rows than a page; the first page holds only
  ``PROBE_FIRST_PAGE`` rows, so a quiet poll moves little, plus one per row expected from the last
  cycle's own writes, engine/echoes.py, which the probe counts as seen). Counts are exact only when the seen rows
  were read consistently, so a read whose ``totalcount`` moved between its pages (rows written
  meanwhile can repeat one across pages) marks the state inexact, and the next probe reads every
  page.
- **The clock going back.** When ACCESSTIME may be the company's wall time, a fall-back DST
  transition repeats an hour: for two hours after one the window reaches back by the difference.
- **Safety net.** Every ``safety_net`` (30 minutes) a cycle reads every stream in full, as before
  the probe existed, whatever the probe says (rows written late, a clock surprise, a mode never
  seen). It replaces the probe in its cycle: its audit function is the probe.
- **Coverage.** An object type the audit trail does not cover (``connectors/ia_coverage.py``,
  checked once per profile) or refuses is left out of the probe; its stream is read every cycle.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from ..connectors import ia_audit as audit
from ..connectors import ia_mapping as m
from ..connectors.ia_changes import IntacctChanges
from ..connectors.ia_coverage import NOT_COVERED, UNVERIFIED, check_coverage
from ..connectors.ia_cycle import (
    AUDIT_TYPES,
    FULL_READ,
    PRICE_READ,
    STREAM_OF,
    assemble,
    cursor_since,
    fetch,
)
from ..connectors.values import IA_TIMESTAMP
from ..domain import SyncError
from ..store import StateStore, WriteTx
from .echoes import ECHOES_META, as_expectations, consume
from .ia_reads import audit_settings_in

log = logging.getLogger(__name__)

# {"high": ACCESSTIME text, "seen": {row id: count}, "at": iso, "full_at": iso, "exact": bool}
PROBE_META = "intacct_probe"
PROBE_COST_META = "intacct_probe_transactions"  # what an idle poll costs: the probe and every-cycle reads
COVERAGE_META = "intacct_audit_coverage"  # {"checked_at": iso, "types": {type: {"state", "detail"}}}
MARGIN = timedelta(seconds=120)  # rows committed late, whole seconds: the window re-reads this much
FOLD_WATCH = timedelta(hours=2)  # how long after a fall-back transition the window reaches back
# The probe's first page: an idle or quiet poll reads this many of the newest rows, not 2,000 (the
# margin after a burst); more new rows than this cost one more page, in a cycle that reads much more
PROBE_FIRST_PAGE = 200
RECHECK = timedelta(hours=24)  # an unverified type's coverage is checked again this often
# The safety net reads price lists (two more transactions) at most this often: they change rarely, the
# probe finds their changes, and reading them with every full read would take the default schedule
# past the default budget (see docs/sync.md).
PRICE_SAFETY_NET = timedelta(hours=2)
OBJECT_OF = {
    "customer": "CUSTOMER",
    "item": "ITEM",
    "arinvoice": "ARINVOICE",
    "arpymt": "ARPYMT",
    "sopricelist": "SOPRICELIST",
    "sopricelistentry": "SOPRICELISTENTRY",
}


@dataclass
class ProbeState:
    high: str | None = None  # the newest ACCESSTIME seen, as Intacct wrote it
    seen: dict[str, int] = field(default_factory=dict)
    at: datetime | None = None  # our clock at the probe
    full_at: datetime | None = None  # our clock at the last full read of every stream
    exact: bool = False  # ``seen`` counts the window's rows as they are (read with a steady totalcount)
    prices_at: datetime | None = None  # our clock at the last full read of the price lists

    @classmethod
    def of(cls, raw: Any) -> ProbeState | None:
        if not isinstance(raw, dict):
            return None
        return cls(
            raw.get("high") or None,
            dict(raw.get("seen") or {}),
            _when(raw.get("at")),
            _when(raw.get("full_at")),
            raw.get("exact") is True,
            _when(raw.get("prices_at")),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "high": self.high,
            "seen": self.seen,
            "at": self.at.isoformat() if self.at else None,
            "full_at": self.full_at.isoformat() if self.full_at else None,
            "exact": self.exact,
            "prices_at": self.prices_at.isoformat() if self.prices_at else None,
        }


@dataclass
class IntacctRead:
    """What a cycle read from Intacct and how; ``commit`` stores the probe's state with the cursors."""

    changes: IntacctChanges
    full: bool
    probed: list[str]  # object types the probe asked
    read: list[str]  # objects read by WHENMODIFIED
    state: ProbeState | None = None
    idle_cost: int | None = None  # transactions of the first request of a probing cycle
    coverage: dict[str, Any] | None = None  # a coverage check made by this read, to store

    def commit(self, tx: WriteTx) -> None:
        """Store what the read learnt, in the cycle's last transaction (the read itself never writes)."""
        if self.coverage is not None:
            tx.meta.set(COVERAGE_META, self.coverage)
        if self.state is not None:
            tx.meta.set(PROBE_META, self.state.as_dict())
        if self.idle_cost is not None and tx.meta.get(PROBE_COST_META) != self.idle_cost:
            tx.meta.set(PROBE_COST_META, self.idle_cost)


# ------------------------------------------------------------------------------- pure helpers
def row_id(row: dict[str, Any]) -> str:
    return "|".join(
        (
            m.field(row, "OBJECTTYPE").lower(),
            m.field(row, "OBJECTKEY"),
            m.field(row, "ACCESSMODE"),
            m.field(row, "ACCESSTIME"),
        )
    )


def new_rows(rows: Iterable[dict[str, Any]], seen: dict[str, int]) -> list[dict[str, Any]]:
    """The rows the previous probe did not return (counted: a repeat beyond the count is new)."""
    left = Counter(seen)
    out = []
    for r in rows:
        rid = row_id(r)
        if left[rid] > 0:
            left[rid] -= 1
        else:
            out.append(r)
    return out


def row_of(rid: str) -> dict[str, str]:
    """The row a :func:`row_id` names (the key may hold ``|``; type, mode and time never do)."""
    objtype, _, rest = rid.partition("|")
    key, mode, when = rest.rsplit("|", 2) if rest.count("|") >= 2 else (rest, "", "")
    return {"OBJECTTYPE": objtype, "OBJECTKEY": key, "ACCESSMODE": mode, "ACCESSTIME": when}


class ProbePages:
    """Watches the probe's pages: ends its read when every row not read yet is one already seen.

    Why it is safe: the audit trail only grows, so the window (same types, same modes) still holds
    each seen row of it. With ``T`` rows in the window (``totalcount``), ``K`` of them seen and
    ``n`` new rows among those read, ``n == T - K`` leaves no room for a new row further on: the
    rows not read are exactly the seen ones not met yet (:attr:`rest`, kept seen in the next state).
    The count holds only for a seen set counted exactly, hence ``exact`` (a steady ``totalcount``
    across the pages of every read it came from).
    """

    def __init__(self, state: ProbeState | None, types: Iterable[str], since: str, *, may_stop: bool) -> None:
        floor = _stamp(since)
        wanted = set(types)
        self.window: Counter[str] | None = None
        if may_stop and state is not None and state.exact and floor is not None:
            self.window = Counter(
                {
                    rid: n
                    for rid, n in state.seen.items()
                    if rid.partition("|")[0] in wanted and (_stamp(rid.rsplit("|", 1)[-1]) or floor) >= floor
                }
            )
        self.totals: set[int | None] = set()
        self.rest: Counter[str] = Counter()  # ids of rows known seen, not read (counted)
        self.stopped = False

    def check(self, got: list[dict[str, Any]], res: Any) -> bool:
        self.totals.add(res.totalcount)
        if self.window is None or not res.numremaining or res.totalcount is None or len(self.totals) > 1:
            return False
        left = Counter(self.window)
        new = 0
        for r in got:
            rid = row_id(r)
            if left[rid] > 0:
                left[rid] -= 1
            else:
                new += 1
        if new != res.totalcount - self.window.total() or left.total() != res.numremaining:
            return False
        self.rest = +left  # kept as ids: the next state counts them without rebuilding rows
        self.stopped = True
        return True

    @property
    def exact(self) -> bool:
        """Whether the rows read (and :attr:`rest`) are the window's rows counted exactly."""
        return len(self.totals) == 1 and None not in self.totals


def _stamp(raw: str) -> datetime | None:
    return _parse_stamp(raw.strip()) if raw else None


@lru_cache(maxsize=4096)
def _parse_stamp(text: str) -> datetime | None:
    """Parsed once per distinct text (why: a busy window has thousands of rows in a few seconds each,
    and ``strptime`` was most of the probe's own time; datetimes are immutable, so sharing is safe)."""
    try:
        return datetime.strptime(text, IA_TIMESTAMP)
    except ValueError:
        return None


def fold_back(zone: ZoneInfo, convention: str | None, last: datetime | None, now: datetime) -> timedelta:
    """How far the company's wall clock went back lately (a fall-back DST transition), else zero."""
    if convention == audit.GMT:
        return timedelta(0)
    before = min(last, now - FOLD_WATCH) if last else now - FOLD_WATCH
    was = before.astimezone(zone).utcoffset() or timedelta(0)
    is_ = now.astimezone(zone).utcoffset() or timedelta(0)
    return max(timedelta(0), was - is_)


def window_start(state: ProbeState, zone: ZoneInfo, convention: str | None, now: datetime) -> str:
    """The probe's ACCESSTIME lower bound: the newest row seen less the margin, in Intacct's clock."""
    high = _stamp(state.high or "")
    if high is not None:
        return (high - MARGIN - fold_back(zone, convention, state.at, now)).strftime(IA_TIMESTAMP)
    since = (state.at or now) - MARGIN - fold_back(zone, convention, state.at, now)
    return audit.since_text(since, zone, convention)


def next_state(
    old: ProbeState | None,
    rows: list[dict[str, Any]],
    fresh: list[dict[str, Any]],
    failed: set[str],
    now: datetime,
    full: bool,
    reach: timedelta = timedelta(0),
    exact: bool = False,
    rest: Counter[str] | None = None,
) -> ProbeState:
    """The state after a cycle: every row returned is seen, except new rows of a failed stream's type.

    Seen rows are kept as far back as the next window reaches (the margin, and ``reach`` more while
    a fall-back transition widens it), so widening it does not report old rows again. ``rest``: ids
    of seen rows the probe did not read (:attr:`ProbePages.rest`), still seen. Each row's id and
    stamp are computed once (why: after a burst the window holds thousands of rows, and this runs on
    the idle cycle's critical path).
    """
    keep_new = {id(r) for r in fresh if m.field(r, "OBJECTTYPE").lower() in failed}
    kept: list[tuple[str, datetime | None]] = []
    held: list[datetime] = []
    for r in rows:
        rid = row_id(r)
        stamp = _stamp(rid.rsplit("|", 1)[-1])
        if id(r) not in keep_new:
            kept.append((rid, stamp))
        elif stamp is not None:
            held.append(stamp)
    for rid, n in (rest or {}).items():
        kept.extend([(rid, _stamp(rid.rsplit("|", 1)[-1]))] * n)
    old_high = _stamp(old.high or "") if old else None
    high = max([*(s for _, s in kept if s is not None), *([old_high] if old_high else [])], default=None)
    if high is not None and held:
        high = min(high, min(held))  # the window keeps a failed stream's change in view
    floor = high - MARGIN - reach if high is not None else None
    seen = Counter(rid for rid, stamp in kept if floor is None or (stamp or floor) >= floor)
    return ProbeState(
        high.strftime(IA_TIMESTAMP) if high else None,
        dict(seen),
        now,
        now if full else (old.full_at if old else None),
        exact,
    )


def _when(raw: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(raw)) if raw else None
    except ValueError:
        return None


# ------------------------------------------------------------------------------ coverage
_UNREAD: Any = object()


def coverage(store: StateStore, record: dict[str, Any] | None = None) -> dict[str, str]:
    """Each object type's audit trail coverage (``record``: one just checked, else as last stored).

    A type whose trail was refused at the check reads ``refused``: it stays in the probe, whose
    failure then makes it a refused type like any (its stream fails visibly until the refusal ends),
    rather than a stream quietly read without its deletions.
    """
    if record is None:
        with store.read() as r:
            record = r.meta.get(COVERAGE_META) or {}
    types = record.get("types") if isinstance(record, dict) else None
    return {
        t: "refused" if v.get("error") else str(v.get("state", ""))
        for t, v in (types or {}).items()
        if isinstance(v, dict)
    }


def check_due_coverage(store: StateStore, orders: Any, now: datetime, raw: Any = _UNREAD) -> dict[str, Any] | None:
    """Check coverage once per profile, and again every day while a type is unverified.

    Returns the record to store (with the cycle's last transaction: this runs on the read thread,
    which never writes), or None when no check was due or it could not be made. ``raw``: the
    stored record, when the caller has read it already.
    """
    if raw is _UNREAD:
        with store.read() as r:
            raw = r.meta.get(COVERAGE_META)
    types = raw.get("types", {}) if isinstance(raw, dict) else {}
    checked = _when(raw.get("checked_at")) if isinstance(raw, dict) else None
    again = tuple(t for t in AUDIT_TYPES if (types.get(t) or {}).get("state", UNVERIFIED) == UNVERIFIED)
    if checked is not None and (not again or now - checked < RECHECK):
        return None
    try:
        with orders.conn.errors():
            found = check_coverage(orders.client, orders.zone, again if checked is not None else AUDIT_TYPES)
    except SyncError as exc:  # not known: every type stays as it was (unknown types are probed)
        log.info("Intacct audit trail coverage not checked this time: %s", exc.info.title)
        return None
    for t, got in found.items():
        if got["state"] == NOT_COVERED:
            log.info("Intacct audit trail does not cover %s (%s): read every cycle", t, got["detail"])
    return {"checked_at": now.isoformat(), "types": {**types, **found}}


# ---------------------------------------------------------------------------------- the read
def read_intacct(
    store: StateStore,
    orders: Any,
    cursors: dict[str, datetime | None],
    *,
    overlap: timedelta,
    safety_net: timedelta,
    now: datetime | None = None,
) -> IntacctRead:
    """The cycle's Intacct read: the probe (and the streams read every cycle) in ONE request, then
    the streams it found changed in one more; every stream in full when the safety net is due."""
    now = now or datetime.now(UTC)
    with store.read() as r:  # everything the read needs to know, in one read (it is on the critical path)
        state = ProbeState.of(r.meta.get(PROBE_META))
        stored_coverage = r.meta.get(COVERAGE_META)
        raw_echoes = r.meta.get(ECHOES_META) or []
        zone_conv, refused = audit_settings_in(r)
    checked = check_due_coverage(store, orders, now, stored_coverage)
    uncovered = {t for t, s in coverage(store, checked or stored_coverage or {}).items() if s == NOT_COVERED}
    probe_types = [t for t in AUDIT_TYPES if t not in uncovered and t not in refused]
    fallback = [t for t in AUDIT_TYPES if t not in probe_types]
    full = state is None or state.full_at is None or now - state.full_at >= safety_net
    since_cursor = cursor_since(orders, cursors, overlap, zone_conv)
    probe_since = window_start(state, orders.zone, zone_conv, now) if state else ""
    prices_due = full and (state is None or state.prices_at is None or now - state.prices_at >= PRICE_SAFETY_NET)
    if full:
        objs = [o for o in FULL_READ if o not in PRICE_READ or prices_due]
        objs += ["ARPYMT"] if "arpymt" in fallback else []
        # since the last full read (less the overlap) and the probe's window: a bounded window, not
        # every row since the oldest cursor (a stream unchanged for months would make it months long)
        last_full = audit.since_text(state.full_at - overlap, orders.zone, zone_conv) if state and state.full_at else ""
        since = (
            _earliest(last_full, probe_since)
            if state is not None
            else since_cursor or audit.since_text(now - overlap, orders.zone, zone_conv)
        )
    else:
        objs = [o for o in (OBJECT_OF[t] for t in fallback) if o != "ARPYMT" or "arpymt" in uncovered]
        since = probe_since
    audits = [(probe_types, since)] if probe_types else []
    audits += [([t], since_cursor or since) for t in fallback if t in refused]  # until it works again
    idle_cost = None if full else len(objs) + len(audits)
    pages = ProbePages(state, probe_types, since, may_stop=not full)
    expected = [] if full else as_expectations(raw_echoes)  # our last writes' rows: seen (echoes.py)
    # room on the first page for them too, so the next cycle after a burst still stops after one page
    first_page = None if full or pages.window is None else PROBE_FIRST_PAGE + len(expected)
    fetched = fetch(orders, objs, audits, cursors, overlap, pages.check if probe_types else None, first_page)
    probed_ok = [t for t in probe_types if t in fetched.audit and t not in fetched.audit_refused]
    rows = [r for t in probed_ok for r in fetched.audit[t]]
    fresh = rows if state is None else new_rows(rows, state.seen)
    if expected:
        fresh = consume(fresh, expected)
    exact = pages.exact and set(probed_ok) == set(probe_types)
    if not full:
        changed = {m.field(r, "OBJECTTYPE").lower() for r in fresh}
        lost = [t for t in probe_types if t not in probed_ok]  # refused now: read, in doubt
        more = [OBJECT_OF[t] for t in AUDIT_TYPES if (t in changed or t in lost) and t != "arpymt"]
        more += ["ARPYMT"] if "arpymt" in lost else []
        more = [o for o in more if o not in objs]
        if more:
            fetched.merge(fetch(orders, more, [], cursors, overlap))
        objs = [*objs, *more]
    used = [*(rows if full else fresh), *(r for t in fallback if t in fetched.audit for r in fetched.audit[t])]
    first = cursors.get(STREAM_OF["ARINVOICE"]) is None and cursors.get(STREAM_OF["ARPYMT"]) is None
    changes = assemble(orders, fetched, used, audit_zone=zone_conv, all_payments=first)
    failed = {t for t in AUDIT_TYPES if STREAM_OF[OBJECT_OF[t]] in changes.failures}
    reach = fold_back(orders.zone, zone_conv, now, now)
    # the rows past the page the probe did not need (pages.rest) stay seen
    new_state = next_state(state, rows, fresh, failed, now, full, reach, exact, pages.rest) if probe_types else state
    if new_state is not None:
        new_state.prices_at = now if prices_due else (state.prices_at if state else None)
    return IntacctRead(changes, full, probe_types, objs, new_state, idle_cost, checked)


def _earliest(*texts: str) -> str:
    stamps = [s for s in (_stamp(t) for t in texts) if s is not None]
    return min(stamps).strftime(IA_TIMESTAMP) if stamps else ""


__all__ = [
    "COVERAGE_META",
    "PROBE_COST_META",
    "PROBE_META",
    "IntacctRead",
    "ProbePages",
    "ProbeState",
    "check_due_coverage",
    "coverage",
    "fold_back",
    "new_rows",
    "next_state",
    "read_intacct",
    "row_of",
    "window_start",
]
