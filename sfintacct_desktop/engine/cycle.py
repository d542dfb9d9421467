"""The sync engine: one cycle reads both sides, pairs records, merges and writes in batches.

Reads are cheap by design: every Salesforce stream in ONE ``composite`` call (queryAll, so deletes
and undeletes come along) and every Intacct stream plus deletions in ONE request. Cursors are each
system's own clock, read with a generous overlap (re-reading is harmless: the merge against the
stored bases finds nothing to do), and move only after every batch they cover is committed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from ..connectors import IntacctConnector, SalesforceConnector
from ..connectors.ia_orders import IntacctChanges, IntacctOrders
from ..domain import ErrorInfo, ErrorKind, Resolution, RunStatus, SyncError
from ..store import StateStore
from .budget import Budget
from .budget_wait import BudgetWait
from .cutover import start_live_sync
from .entities import KINDS, EntityKind, kind_of
from .entity_sync import BatchRunner, Pair, Tally
from .events import Event, Progress, RunFinished, RunStarted, RunSummary, StreamCounters
from .ia_reads import audit_settings, deleted_ia_keys, partial_error, record_failures, remember_audit
from .invoices import ReceivablesSync
from .mapping import Mapping
from .order_recovery import recover_orders
from .orders import OrderSync
from .recovery import recover_intents
from .schedule import LAST_READ_META, Schedule


@dataclass(frozen=True)
class EngineSettings:
    """From the profile."""

    profile: str
    company_timezone: str = "America/Los_Angeles"
    overlap: timedelta = timedelta(minutes=30)
    salesforce_daily_share: float = 0.20
    intacct_monthly_budget: int = 50_000
    batch_size: int = 200
    allow_without_baseline: bool = False  # first sync of two populated systems without a baseline
    order_transaction_type: str = "Sales Order"
    salesforce_interval_seconds: float = 60.0
    intacct_interval_seconds: float = 300.0
    budget_check_seconds: float = 900.0  # while an API budget is spent: how often to check again (cheaply)


class EngineStopped(Exception):
    """Raised between batches when the worker asked to stop; the run ends as ``interrupted``."""


_Stopped = EngineStopped  # older private name

BASELINE_META = ("baseline_applied", "cutover_date")  # written by the baseline load
LIVE_META = "live_sync_started"  # the first cycle allowed without a baseline (a new company)
HISTORICAL_META = "baseline_historical"  # {opportunity id: sales order DOCID or ""}


class SyncEngine:
    def __init__(
        self,
        store: StateStore,
        salesforce: SalesforceConnector,
        intacct: IntacctConnector,
        mapping: Mapping,
        settings: EngineSettings,
        *,
        emit: Callable[[Event], None] = lambda e: None,
        should_stop: Callable[[], bool] = lambda: False,
        clock: Callable[[], datetime] | None = None,
        preflight: Callable[[], None] | None = None,
    ) -> None:
        self.store, self.sf, self.ia, self.mapping, self.settings = store, salesforce, intacct, mapping, settings
        self.emit, self.should_stop = emit, should_stop
        # Checked at the start of the first run that gets that far (inside it, so a spent budget or an
        # unreachable system is handled like any run's); dropped once it passed.
        self.preflight = preflight
        self.budget = Budget(
            store,
            salesforce,
            settings.salesforce_daily_share,
            settings.intacct_monthly_budget,
            clock=clock,
            check_seconds=settings.budget_check_seconds,
        )

    # ------------------------------------------------------------------ public API
    def recover(self) -> int:
        """Resolve every intent left SENT/UNKNOWN (look the record up by its key, then link or resend)."""
        return recover_intents(self.store, self.sf, self.ia, self.mapping) + recover_orders(self)

    def run_cycle(self, trigger: str = "manual") -> RunSummary:
        return self._run(trigger, self._cycle)

    def retry(self, inbox_id: int | None = None) -> RunSummary:
        """Re-read the inbox records from both sides and run them through the pipeline again."""
        return self._run("retry", lambda ctx: self._retry(ctx, inbox_id))

    def resolve(self, conflict_id: int, take: str) -> RunSummary:
        """Resolve a conflict with ``salesforce``, ``intacct`` or a literal value; write it to both sides."""
        return self._run("resolve", lambda ctx: self._resolve(ctx, conflict_id, take))

    def run_custom(self, trigger: str, body: Callable[[dict[str, Any]], None]) -> RunSummary:
        """Run ``body(ctx)`` as one recorded run (budgets, recovery, counters, run row), as the
        baseline load does; ``body`` raises :class:`EngineStopped` to end it as interrupted."""
        return self._run(trigger, body)

    def apply_pairs(self, kind: EntityKind, ctx: dict[str, Any], pairs: list[Pair]) -> None:
        """Run prepared pairs through the ordinary batch pipeline (merge, keyed writes, commit)."""
        self._process(kind, ctx, pairs)

    def budget_wait(self) -> BudgetWait | None:
        """The spent budget a watching sync waits for (recorded by the run that hit it), if any."""
        return self.budget.current_wait()

    def probe_budget(self) -> BudgetWait | None:
        """Check a spent budget again at a low cost; None when a cycle may run."""
        return self.budget.probe()

    @property
    def schedule(self) -> Schedule:
        return Schedule(self.settings.salesforce_interval_seconds, self.settings.intacct_interval_seconds)

    def budget_report(self, interval_seconds: float | None = None) -> dict[str, Any]:
        ia_every = max(interval_seconds or 0.0, self.settings.intacct_interval_seconds)
        report = self.budget.report(interval_seconds, ia_every)
        report["schedule"] = self.schedule.projection(report)
        return report

    # ------------------------------------------------------------------- running
    def _counters(self) -> tuple[int, int, int]:
        return self.sf.client.api_calls, self.ia.client.transactions, self.ia.client.requests

    def _run(self, trigger: str, body: Callable[[dict[str, Any]], None]) -> RunSummary:
        started = datetime.now(UTC)
        with self.store.write() as tx:
            run = tx.runs.start(trigger)
        self.emit(RunStarted(started, run.id, trigger))
        before = self._counters()
        ctx: dict[str, Any] = {"run_id": run.id, "tallies": {}, "trigger": trigger}
        status, error = RunStatus.OK, None
        try:
            self.budget.check()
            if self.preflight is not None:
                self.preflight()
                self.preflight = None
            self.recover()
            body(ctx)
        except _Stopped:
            status = RunStatus.INTERRUPTED
        except SyncError as exc:
            status, error = RunStatus.FAILED, exc.info
        except Exception as exc:  # a bug of ours: record the run as failed, never leave it 'running'
            status = RunStatus.FAILED
            error = ErrorInfo(ErrorKind.INTERNAL, "Internal error", f"{type(exc).__name__}: {exc}", "Report this.")
        after = self._counters()
        if error is not None and error.kind is ErrorKind.BUDGET:
            self.budget.after_failure(error)  # what a watching sync now waits for (shown by status)
        elif status is RunStatus.OK:
            self.budget.waits.clear()
        sf_calls, ia_tx, ia_req = (a - b for a, b in zip(after, before, strict=True))
        tallies: dict[str, Tally] = ctx["tallies"]
        shown = status.value
        partial = partial_error(tallies) if status is RunStatus.OK else None
        if partial is not None:  # stored as ok with its error; shown as partial (failed if all failed)
            error, shown = partial, "partial"
            if all(t.failure for t in tallies.values()):
                status, shown = RunStatus.FAILED, RunStatus.FAILED.value
        counters = {name: {k: v for k, v in vars(t).items() if k != "failure" or v} for name, t in tallies.items()}
        with self.store.write() as tx:
            tx.runs.finish(run.id, status, counters=counters, sf_api_calls=sf_calls, ia_transactions=ia_tx, error=error)
        self.budget.record(sf_calls, ia_tx)
        summary = RunSummary(
            run_id=run.id,
            status=shown,
            started_at=started,
            finished_at=datetime.now(UTC),
            streams=tuple(StreamCounters(name, **vars(t)) for name, t in sorted(tallies.items())),
            salesforce_api_calls=sf_calls,
            intacct_transactions=ia_tx,
            intacct_requests=ia_req,
            error=error,
        )
        self.emit(RunFinished(summary.finished_at, summary))
        return summary

    def _runner(self, kind: EntityKind, ctx: dict[str, Any]) -> BatchRunner:
        def key_start() -> int:
            with self.store.read() as r:
                return int(r.meta.get(f"{kind.name}_key_seq", 1))

        return BatchRunner(
            self.store,
            self.sf,
            self.ia,
            kind,
            self.mapping.entity(kind.name),
            run_id=ctx["run_id"],
            tallies=ctx["tallies"],
            emit=self.emit,
            key_start=key_start,
        )

    def _cursor(self, name: str) -> datetime | None:
        with self.store.read() as r:
            value = r.cursors.value(name)
        return datetime.fromisoformat(value) if value else None

    # --------------------------------------------------------------------- cycle
    def _cycle(self, ctx: dict[str, Any]) -> None:
        """Read every Salesforce stream in ONE composite call and the due Intacct streams in ONE request.

        Then: customers and products, then orders (they need both linked), then invoices and
        payments (they need the orders). Each cursor moves only after all of it is committed.
        """
        overlap = self.settings.overlap
        streams = [k.sf_stream for k in KINDS] + [k.ia_stream for k in KINDS]
        streams += ["salesforce.opportunities", "intacct.invoices", "intacct.payments"]
        cur = {name: self._cursor(name) for name in streams}
        now = datetime.now(UTC)
        with self.store.read() as r:
            last = r.meta.get(LAST_READ_META)
        ia_due = self.schedule.intacct_due(
            str(ctx.get("trigger", "")), datetime.fromisoformat(last) if last else None, now
        )
        sf_customers, sf_products, sf_opps = self.sf.changed_streams(
            cur["salesforce.customers"], cur["salesforce.products"], cur["salesforce.opportunities"], overlap
        )
        audit_zone, audit_split = audit_settings(self.store)
        orders = IntacctOrders(self.ia)
        ia = (
            orders.changed(cur, overlap=overlap, audit_zone=audit_zone, audit_split=audit_split)
            if ia_due
            else IntacctChanges()
        )
        self._require_baseline([*sf_customers, *sf_products], [*ia.customers, *ia.items], sf_opps, now)
        reads = {
            "customer": (sf_customers, ia.customers, ia.deleted_customers),
            "product": (sf_products, ia.items, ia.deleted_items),
        }
        new_cursors: dict[str, str] = {}
        tallies: dict[str, Tally] = ctx["tallies"]
        record_failures(tallies, ia.failures)

        def advance(stream: str, recs: list[Any]) -> None:
            stamps = [r.modified_at for r in recs if r.modified_at is not None]
            if stamps and stream not in ia.failures:  # a failed stream keeps its cursor
                old = cur[stream]
                new_cursors[stream] = (max(max(stamps), old) if old else max(stamps)).isoformat()

        for kind in KINDS:
            sf_recs, ia_recs, deletions = reads[kind.name]
            tallies.setdefault(kind.sf_stream, Tally()).read += len(sf_recs)
            if ia_due:
                tallies.setdefault(kind.ia_stream, Tally()).read += len(ia_recs) + len(deletions)
            gone = deleted_ia_keys(self.store, self.ia, kind, deletions)
            pairs = self._pairs(kind, sf_recs, ia_recs, gone, tallies=tallies)
            self._process(kind, ctx, pairs)
            advance(kind.sf_stream, sf_recs)
            advance(kind.ia_stream, ia_recs)
        if self.should_stop():
            raise _Stopped
        changed = {r.key for r in (*sf_customers, *sf_products, *ia.customers, *ia.items)}
        changed |= {r.cross_ref for r in (*sf_customers, *sf_products, *ia.customers, *ia.items) if r.cross_ref}
        tallies.setdefault("salesforce.opportunities", Tally()).read += len(sf_opps)
        OrderSync(self, ctx).run(sf_opps, changed)
        advance("salesforce.opportunities", sf_opps)
        if ia_due:
            ReceivablesSync(self, ctx).run(ia)
            advance("intacct.invoices", ia.invoices)
            advance("intacct.payments", ia.payments)
        with self.store.write() as tx:  # the cursors move only after every batch is committed
            for stream, value in new_cursors.items():
                tx.cursors.set(stream, value)
            if ia_due:
                tx.meta.set(LAST_READ_META, now.isoformat())
        if ia_due:
            busy = bool(ia.customers or ia.items) or any(t.writes_intacct for t in tallies.values())
            remember_audit(self.store, orders, ia, audit_zone, audit_split, busy)

    def _require_baseline(
        self, sf_recs: list[Any], ia_recs: list[Any], opps: list[Any] | None = None, now: datetime | None = None
    ) -> None:
        """Refuse the first live sync of two populated systems that were never baselined.

        Why: copying both sides into each other duplicates every customer and product they share,
        the very failure this product exists to prevent. A new company (either side empty), an
        explicit ``allow_without_baseline``, an applied baseline or an earlier live sync pass.
        The first live sync sets the cut-over (``cutover.start_live_sync``) from ``opps``, its
        read of every opportunity, so no deal Closed Won before it ever becomes a sales order.
        """
        with self.store.read() as r:
            if any(r.meta.get(k) for k in (*BASELINE_META, LIVE_META)):
                return
            linked = any(r.links.count(k.entity) for k in KINDS)
        populated = any(not x.deleted for x in sf_recs) and any(not x.deleted for x in ia_recs)
        if populated and not linked and not self.settings.allow_without_baseline:
            raise SyncError(
                ErrorInfo(
                    ErrorKind.SCHEMA,
                    "Baseline needed before the first sync",
                    f"Both systems already hold customers or products ({len(sf_recs)} in Salesforce, "
                    f"{len(ia_recs)} in Intacct) and no baseline was applied: a live sync now would "
                    "create every shared record a second time on the other side.",
                    "Run `sfintacct baseline plan` and `sfintacct baseline apply` first "
                    "(or pass --allow-without-baseline if the systems share nothing).",
                    code="BASELINE_REQUIRED",
                )
            )
        with self.store.write() as tx:
            start_live_sync(tx, opps or [], now or datetime.now(UTC), self.settings.company_timezone)

    def _pairs(
        self,
        kind: EntityKind,
        sf_recs: list[Any],
        ia_recs: list[Any],
        deleted_keys: list[str],
        *,
        tallies: dict[str, Tally] | None = None,
    ) -> list[Pair]:
        """Pair the changed records by link, then by matching cross-references; fetch what is missing.

        With ``tallies`` (a cycle's stream read, not a retry or resolve), pairs whose modstamps both
        equal the marks of their last quiet merge are left out before any merging (counted as
        ``skipped`` and ``unchanged``): the overlap window re-reads them every cycle for nothing.
        """
        top_sf = _top(sf_recs)
        top_ia = _top(ia_recs)
        pairs: list[Pair] = []
        by_sf: dict[str, Pair] = {}
        by_ia: dict[str, Pair] = {}
        with self.store.read() as r:
            links_sf = r.links.many_by_sf_id(kind.entity, [x.key for x in sf_recs])
            links_ia = r.links.many_by_ia_key(kind.entity, [x.key for x in ia_recs] + deleted_keys)
            held = (r.meta.get("baseline_left_out") or {}).get(kind.name) or {}
        # Records the baseline left out (duplicates, inactive, awaiting review) stay out until linked.
        sf_recs = [x for x in sf_recs if x.key in links_sf or x.key not in held.get("salesforce", {})]
        ia_recs = [x for x in ia_recs if x.key in links_ia or x.key not in held.get("intacct", {})]
        for rec in sf_recs:
            p = Pair(sf=rec, link=links_sf.get(rec.key), streams={kind.sf_stream})
            pairs.append(p)
            by_sf[rec.key] = p
            if p.link:
                by_ia[p.link.ia_key] = p
        for rec in ia_recs:
            link = links_ia.get(rec.key)
            p = by_ia.get(rec.key) or (by_sf.get(link.sf_id) if link else None)
            if p is None and not link and rec.cross_ref in by_sf:
                cand = by_sf[rec.cross_ref]
                if cand.link is None and cand.ia is None and cand.sf is not None and cand.sf.cross_ref in ("", rec.key):
                    p = cand
            if p is None:
                p = Pair(link=link)
                pairs.append(p)
            p.ia = rec
            p.streams.add(kind.ia_stream)
            by_ia[rec.key] = p
        for key in deleted_keys:
            link = links_ia.get(key)
            if link is None or link.ia_deleted_at is not None:
                continue
            p = by_ia.get(key) or by_sf.get(link.sf_id)
            if p is None:
                p = Pair(link=link, streams={kind.ia_stream})
                pairs.append(p)
            p.ia, p.ia_deleted = None, True
        if tallies is not None:
            for p in pairs:
                p.seen_sf = _settled(p.sf, top_sf)
                p.seen_ia = _settled(p.ia, top_ia)
            keep = [p for p in pairs if not _unchanged(p)]
            for p in pairs:
                if not _unchanged(p):
                    continue
                t = tallies.setdefault(min(p.streams), Tally())
                t.skipped += 1
                t.unchanged += 1
            pairs = keep
        self._fill(kind, pairs)
        return pairs

    def _fill(self, kind: EntityKind, pairs: list[Pair]) -> None:
        """Read the other side of unlinked records with a cross-reference, and counterparts to write."""
        runner = self._runner(kind, {"run_id": None, "tallies": {}})
        want_ia = {p.sf.cross_ref: p for p in pairs if p.link is None and p.ia is None and p.sf and p.sf.cross_ref}
        want_sf = {p.ia.cross_ref: p for p in pairs if p.link is None and p.sf is None and p.ia and p.ia.cross_ref}
        for p in pairs:
            if p.link is not None:
                need_sf, need_ia = runner.needs_fetch(p)
                if need_sf:
                    want_sf[p.link.sf_id] = p
                if need_ia:
                    want_ia[p.link.ia_key] = p
        for rec in kind.ia_by_ids(self.ia, sorted(want_ia)):
            p = want_ia[rec.key]
            if p.link is not None or (p.sf is not None and rec.cross_ref in ("", p.sf.key)):
                p.ia = rec
        for rec in kind.sf_by_ids(self.sf, sorted(k for k in want_sf if len(k) in (15, 18))):
            p = want_sf.get(rec.key) or want_sf.get(rec.key[:15])
            if p is not None and (p.link is not None or (p.ia is not None and rec.cross_ref in ("", p.ia.key))):
                p.sf = rec

    def _process(self, kind: EntityKind, ctx: dict[str, Any], pairs: list[Pair]) -> None:
        runner = self._runner(kind, ctx)
        size = max(1, self.settings.batch_size)
        for start in range(0, len(pairs), size):
            if self.should_stop():
                raise _Stopped
            batch = pairs[start : start + size]
            self.emit(Progress(datetime.now(UTC), ctx["run_id"], kind.name, "writing", start, len(pairs)))
            runner.run(batch)
            with self.store.write() as tx:
                tx.runs.checkpoint(ctx["run_id"], {n: vars(t) for n, t in ctx["tallies"].items()})

    # ---------------------------------------------------------------- retry/resolve
    def _retry(self, ctx: dict[str, Any], inbox_id: int | None) -> None:
        with self.store.write() as tx:
            items = [tx.inbox.get(inbox_id)] if inbox_id is not None else tx.inbox.list()
            for item in items:
                tx.inbox.mark_retrying(item.id)
        orders = sorted({i.record_key for i in items if i.entity == "order" and i.record_key})
        if orders:  # blocked or refused orders: re-read the deals and try them again now
            OrderSync(self, ctx).run(self.sf.opportunities_by_ids(orders), set(orders))
        for kind in KINDS:
            mine = [i for i in items if i.entity == kind.name]
            if not mine:
                continue
            sf_ids = [str(i.payload.get("sf_id") or "") for i in mine]
            ia_keys = [str(i.payload.get("ia_key") or "") for i in mine]
            sf_recs = kind.sf_by_ids(self.sf, [s for s in sf_ids if s])
            with self.store.read() as r:
                links = r.links.many_by_sf_id(kind.entity, [s for s in sf_ids if s])
            ia_keys += [link.ia_key for link in links.values()]
            ia_recs = kind.ia_by_ids(self.ia, [k for k in ia_keys if k])
            pairs = self._pairs(kind, list(sf_recs), list(ia_recs), [])
            for p in pairs:
                p.streams = {f"retry.{kind.name}"}
            ctx["tallies"].setdefault(f"retry.{kind.name}", Tally()).read += len(mine)
            self._process(kind, ctx, pairs)

    def _resolve(self, ctx: dict[str, Any], conflict_id: int, take: str) -> None:
        with self.store.write() as tx:
            conflict = tx.conflicts.get(conflict_id)
            if take in ("salesforce", "intacct"):
                done = tx.conflicts.resolve(conflict_id, Resolution(take))
            else:
                done = tx.conflicts.resolve(conflict_id, Resolution.VALUE, take)
            link = tx.links.get(conflict.link_id)
        kind = kind_of(link.entity)
        sf = kind.sf_by_ids(self.sf, [link.sf_id])
        ia = kind.ia_by_ids(self.ia, [link.ia_key])
        pair = Pair(sf=sf[0] if sf else None, ia=ia[0] if ia else None, link=link, streams={f"resolve.{kind.name}"})
        pair.ia_deleted = not ia
        pair.resolutions = {conflict.field: done.resolved_value}
        ctx["tallies"].setdefault(f"resolve.{kind.name}", Tally()).read += 1
        self._process(kind, ctx, [pair])


# ---------------------------------------------------------------------- the idle-cycle skip
def _stamp(rec: Any) -> str:
    return rec.modified_at.isoformat() if rec is not None and rec.modified_at is not None else ""


def _top(recs: list[Any]) -> str:
    """The newest modstamp of one stream's read ("" when none)."""
    stamps = [r.modified_at for r in recs if r.modified_at is not None]
    return max(stamps).isoformat() if stamps else ""


def _settled(rec: Any, top: str) -> str | None:
    """The record's modstamp if it may be recorded as seen, "" if not, None when not read.

    Why not every stamp: stamps have a granule (a second in Intacct), so an edit right after our
    read can carry the same stamp. A stamp older than the newest one in the same read is safe: the
    system's clock had already passed it, so any later edit gets a greater stamp.
    """
    if rec is None:
        return None
    if rec.modified_at is None:
        return ""
    stamp = rec.modified_at
    return stamp.isoformat() if top and stamp < datetime.fromisoformat(top) else ""


def _unchanged(p: Pair) -> bool:
    """Both sides exactly as at the pair's last quiet merge, and nothing else forces a merge."""
    link = p.link
    if link is None or not link.sf_seen or not link.ia_seen or p.resolutions or p.ia_deleted:
        return False
    if p.sf is None and p.ia is None:
        return False
    if p.sf is not None:
        if _stamp(p.sf) != link.sf_seen or p.sf.deleted != (link.sf_deleted_at is not None):
            return False
        if not p.sf.deleted and p.sf.cross_ref != link.ia_key:  # a cross-reference repair is due
            return False
    if p.ia is not None:
        if _stamp(p.ia) != link.ia_seen or link.ia_deleted_at is not None:  # an undelete to apply
            return False
        if p.ia.cross_ref != link.sf_id:
            return False
    return True
