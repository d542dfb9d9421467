"""The sync engine: one cycle reads both sides, pairs records, merges and writes in batches.

Reads are cheap by design: every Salesforce stream in ONE ``composite`` call (queryAll, so deletes
and undeletes come along) and every Intacct stream plus deletions in ONE request. Cursors are each
system's own clock, read with a generous overlap (re-reading is harmless: the merge against the
stored bases finds nothing to do), and move only after every batch they cover is committed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from ..connectors import IntacctConnector, SalesforceConnector
from ..connectors.ia_orders import IntacctChanges, IntacctOrders
from ..domain import ErrorInfo, ErrorKind, Resolution, RunStatus, SyncError
from ..domain.errors import FATAL_KINDS
from ..store import StateStore
from .budget import Budget
from .budget_wait import BudgetWait
from .concurrent import both_at_once
from .cutover import start_live_sync
from .echoes import SETTLE_META, settle_accounts, settle_point
from .entities import KINDS, kind_of
from .entity_sync import Pair
from .events import Event, Progress, RunFinished, RunStarted, RunSummary, StreamCounters
from .ia_echoes import read_back
from .ia_probe import IntacctRead, read_intacct
from .ia_reads import audit_settings, deleted_ia_keys, partial_error, record_failures, remember_audit
from .invoices import ReceivablesSync
from .mapping import Mapping
from .orders import OrderSync, recover_orders
from .pairing import pair_records, remember_read_back, settle_limit, unsettled_accounts
from .pipeline import process
from .pricebooks import PriceBookSync
from .recovery import recover_intents
from .run import EngineStopped, RunContext
from .schedule import LAST_READ_META, Schedule
from .settings import EngineSettings
from .sf_clock import threshold, trusted
from .stamp_memo import StampMemo
from .streams import (
    IA_CUSTOMERS,
    IA_INVOICES,
    IA_ITEMS,
    IA_PAYMENTS,
    IA_PRICE_ENTRIES,
    IA_PRICE_LISTS,
    SF_CUSTOMERS,
    SF_OPPORTUNITIES,
    SF_PRICEBOOKS,
    SF_PRODUCTS,
    CursorSet,
)

BASELINE_META = ("baseline_applied", "cutover_date")  # written by the baseline load
LIVE_META = "live_sync_started"  # the first cycle allowed without a baseline (a new company)
HISTORICAL_META = "baseline_historical"  # {opportunity id: sales order DOCID or ""}
LOADING_META = "baseline_loading"  # set while a baseline load runs; left set by a stopped one
BASELINE_REQUIRED = "BASELINE_REQUIRED"  # the code of the refusal (a completed load settles it)
RunBody = Callable[[RunContext], None]


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
            safety_net_seconds=settings.intacct_safety_net_seconds,
        )
        # The overlap window's left-out Account stamps, across cycles (engine/stamp_memo.py); it checks
        # the links' mark before each use, and runs other than cycles drop it as well.
        self.stamp_memo = StampMemo()

    # ------------------------------------------------------------------ public API
    def recover(self) -> int:
        """Resolve every intent left SENT/UNKNOWN (look the record up by its key, then link or resend)."""
        records = recover_intents(self.store, self.sf, self.ia, self.mapping)
        return records + recover_orders(self.store, self.sf, self.ia)

    def run_cycle(self, trigger: str = "manual") -> RunSummary:
        return self._run(trigger, self._cycle)

    def retry(self, inbox_id: int | None = None) -> RunSummary:
        """Re-read the inbox records from both sides and run them through the pipeline again."""
        self.stamp_memo.clear()
        return self._run("retry", lambda run: self._retry(run, inbox_id))

    def resolve(self, conflict_id: int, take: str) -> RunSummary:
        """Resolve a conflict with ``salesforce``, ``intacct`` or a literal value; write it to both sides."""
        self.stamp_memo.clear()
        return self._run("resolve", lambda run: self._resolve(run, conflict_id, take))

    def run_custom(self, trigger: str, body: RunBody) -> RunSummary:
        """Run ``body(run)`` as one recorded run (budgets, recovery, counters, run row), as the
        baseline load does; ``body`` raises :class:`EngineStopped` to end it as interrupted."""
        self.stamp_memo.clear()
        return self._run(trigger, body)

    def context(self, run_id: int | None = None, trigger: str = "") -> RunContext:
        """A run context over this engine's connections (``run_id`` None: outside a recorded run)."""
        return RunContext(
            self.store,
            self.sf,
            self.ia,
            self.mapping,
            self.settings,
            run_id=run_id,
            trigger=trigger,
            emit=self.emit,
            should_stop=self.should_stop,
        )

    def budget_wait(self) -> BudgetWait | None:
        """The spent budget a watching sync waits for (recorded by the run that hit it), if any."""
        return self.budget.current_wait()

    def probe_budget(self) -> BudgetWait | None:
        """Check a spent budget again at a low cost; None when a cycle may run."""
        return self.budget.probe()

    @property
    def schedule(self) -> Schedule:
        s = self.settings
        return Schedule(s.salesforce_interval_seconds, s.intacct_interval_seconds, s.intacct_safety_net_seconds)

    def budget_report(self, interval_seconds: float | None = None) -> dict[str, Any]:
        ia_every = max(interval_seconds or 0.0, self.settings.intacct_interval_seconds)
        report = self.budget.report(interval_seconds, ia_every)
        report["schedule"] = self.schedule.projection(report)
        return report

    # ------------------------------------------------------------------- running
    def _counters(self) -> tuple[int, int, int]:
        return self.sf.client.api_calls, self.ia.client.transactions, self.ia.client.requests

    def _run(self, trigger: str, body: RunBody) -> RunSummary:
        started = datetime.now(UTC)
        with self.store.write() as tx:
            run = tx.runs.start(trigger)
        self.emit(RunStarted(started, run.id, trigger))
        before = self._counters()
        ctx = self.context(run.id, trigger)
        status, error = RunStatus.OK, None
        try:
            self.budget.check()
            if self.preflight is not None:
                self.preflight()
                self.preflight = None
            self.recover()
            body(ctx)
        except EngineStopped:
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
        tallies = ctx.tallies
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

    # --------------------------------------------------------------------- cycle
    def _cycle(self, run: RunContext) -> None:
        """Read every Salesforce stream in ONE composite call and the due Intacct streams in ONE request.

        Then: customers and products, then orders (they need both linked), then invoices and
        payments (they need the orders). Each cursor moves only after all of it is committed.
        """
        overlap = self.settings.overlap
        cursors = CursorSet.load(self.store)
        now = datetime.now(UTC)
        with self.store.read() as r:
            last = r.meta.get(LAST_READ_META)
        ia_due = self.schedule.intacct_due(run.trigger, datetime.fromisoformat(last) if last else None, now)
        orders = IntacctOrders(self.ia)
        starts = cursors.starts()
        safety = timedelta(seconds=self.settings.intacct_safety_net_seconds)
        probe_now = self.budget.clock()

        def read_ia() -> IntacctRead | None:  # which streams: the probe decides (engine/ia_probe.py)
            if not ia_due:
                return None
            return read_intacct(self.store, orders, starts, overlap=overlap, safety_net=safety, now=probe_now)

        # The two systems are read at the same time: the cycle waits for the slower one, not the sum.
        with both_at_once(read_ia) as intacct_read:
            settle_from = settle_point(self.store)
            sf_read = self.sf.changed_streams(
                cursors.start(SF_CUSTOMERS),
                cursors.start(SF_PRODUCTS),
                cursors.start(SF_OPPORTUNITIES),
                overlap,
                settle_accounts=True,
                settle_until=settle_from,
            )
            # the overlap window's Accounts, by stamp (the memo answers for links unchanged since the
            # last cycle): while Intacct's answer is still on its way, when it is the slower one
            unsettled, settled_ids = unsettled_accounts(run, sf_read.settled_accounts, self.stamp_memo)
        # Salesforce's clock from before the read, unless it is behind a stamp already seen (sf_clock.py)
        sf_clock = trusted(sf_read.server_clock, cursors.start(SF_CUSTOMERS), settle_from)
        sf_customers, sf_products, sf_opps = sf_read.customers, sf_read.products, sf_read.opportunities
        read_in_full = list(sf_customers)  # the Accounts the settle point may pass (not the window's)
        ia_read = intacct_read.result()
        audit_zone, audit_split = audit_settings(self.store)  # as the read found them (remember_audit)
        ia = ia_read.changes if ia_read is not None else IntacctChanges()
        sf_customers += unsettled
        run.tally(SF_CUSTOMERS).read += len(settled_ids)
        self._require_baseline([*sf_customers, *sf_products], [*ia.customers, *ia.items], sf_opps, now)
        reads = {
            "customer": (sf_customers, ia.customers, ia.deleted_customers),
            "product": (sf_products, ia.items, ia.deleted_items),
        }
        record_failures(run.tallies, ia.failures)

        def done(stream: str, recs: list[Any], failed: bool = False) -> None:  # a failed stream keeps its cursor
            cursors.done(stream, recs, failed=failed or stream in ia.failures)

        self._read_progress(run, sf_customers, sf_products, sf_opps, ia, ia_due)
        for kind in KINDS:
            sf_recs, ia_recs, deletions = reads[kind.name]
            run.tally(kind.sf_stream).read += len(sf_recs)
            if ia_due:
                run.tally(kind.ia_stream).read += len(ia_recs) + len(deletions)
            gone = deleted_ia_keys(self.store, self.ia, kind, deletions)
            settled_sf = settled_ids if kind.sf_stream == SF_CUSTOMERS else set()
            pairs = pair_records(
                run, kind, sf_recs, ia_recs, gone, tallies=run.tallies, settled_sf=settled_sf, sf_clock=sf_clock
            )
            process(run, kind, pairs)
            done(kind.sf_stream, sf_recs)
            done(kind.ia_stream, ia_recs)
        run.stop_if_asked()
        self._pricebooks(run, sf_read, ia, done)
        changed = {r.key for r in (*sf_customers, *sf_products, *ia.customers, *ia.items)}
        changed |= {r.cross_ref for r in (*sf_customers, *sf_products, *ia.customers, *ia.items) if r.cross_ref}
        run.tally(SF_OPPORTUNITIES).read += len(sf_opps)
        OrderSync(run).run(sf_opps, changed)
        done(SF_OPPORTUNITIES, sf_opps)
        if ia_due:
            ReceivablesSync(run).run(ia)
            done(IA_INVOICES, ia.invoices)
            done(IA_PAYMENTS, ia.payments)
        # Last, after every other Salesforce write: our writes read back (echoes.py). Every Account
        # stamped before the clock taken before this cycle's read was in it and is processed now:
        # the next cycle reads those by stamp only, not in full (sf_clock.py)
        known = max((t for t in (sf_clock, cursors.start(SF_CUSTOMERS), settle_from) if t is not None), default=None)
        settled_up_to = settle_accounts(run, run.echoes.sf_accounts, known)
        remember_read_back(run, self.stamp_memo, list(run.echoes.sf_accounts))  # next window: no lookup
        settled_up_to = threshold(settled_up_to, settle_limit(run, read_in_full, sf_clock))
        if settled_up_to is not None and settle_from is not None and settled_up_to <= settle_from:
            settled_up_to = None  # the settle point never moves back
        if run.echoes.ia and not run.should_stop():  # our Intacct writes' audit rows: seen now (ia_echoes.py)
            run.echoes.ia = read_back(orders, ia_read, run.echoes.ia)
        with self.store.write() as tx:  # the cursors move only after every batch is committed
            cursors.commit(tx)
            if ia_due:
                tx.meta.set(LAST_READ_META, now.isoformat())
            if ia_read is not None:
                ia_read.commit(tx)  # the probe's seen rows move with the cursors
            run.echoes.commit(tx, probed=ia_read is not None)
            if settled_up_to is not None:
                tx.meta.set(SETTLE_META, settled_up_to.isoformat())
        if ia_due:
            busy = bool(ia.customers or ia.items) or any(t.writes_intacct for t in run.tallies.values())
            remember_audit(self.store, orders, ia, audit_zone, audit_split, busy)

    def _pricebooks(self, run: RunContext, sf_read: Any, ia: IntacctChanges, done: Callable[..., None]) -> None:
        """Price books after products (entries need product links), before orders; a failure of
        their own fails their streams only (their Intacct cursors stay), the cycle goes on."""
        failed = False
        try:
            PriceBookSync(run).run_cycle(sf_read.pricebooks, sf_read.price_entries, ia.price_lists, ia.price_entries)
        except SyncError as exc:
            if exc.info.kind in FATAL_KINDS:
                raise
            failed = True
            run.tally(SF_PRICEBOOKS).failure = exc.info.as_dict()
        done(IA_PRICE_LISTS, ia.price_lists, failed=failed)
        done(IA_PRICE_ENTRIES, ia.price_entries, failed=failed)

    def _read_progress(
        self, run: RunContext, sf_customers: list[Any], sf_products: list[Any], sf_opps: list[Any], ia: Any, due: bool
    ) -> None:
        """One ``reading`` Progress per stream read (``done`` = ``total`` = records read): the reads
        are one call per system, so each stream's read is complete at once."""
        read = {SF_CUSTOMERS: len(sf_customers), SF_PRODUCTS: len(sf_products), SF_OPPORTUNITIES: len(sf_opps)}
        if due:
            read[IA_CUSTOMERS] = len(ia.customers) + len(ia.deleted_customers)
            read[IA_ITEMS] = len(ia.items) + len(ia.deleted_items)
            read[IA_INVOICES] = len(ia.invoices) + len(ia.deleted_invoices)
            read[IA_PAYMENTS] = len(ia.payments)
        now = datetime.now(UTC)
        for stream, n in read.items():
            run.emit(Progress(now, run.run_id or 0, stream, "reading", n, n))

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
            loading = r.meta.get(LOADING_META)
            if loading and not self.settings.allow_without_baseline:
                raise SyncError(
                    ErrorInfo(
                        ErrorKind.SCHEMA,
                        "Baseline load not finished",
                        f"The baseline load started {loading.get('started_at', '')} was stopped before it "
                        "finished: records it was to link may not be linked yet, and a live sync now "
                        "would create them a second time on the other side.",
                        "Run `sfintacct baseline apply` again: it continues where the load stopped.",
                        code=BASELINE_REQUIRED,
                        window_hint="Open the Baseline tab and apply the plan again: it continues where it stopped.",
                    )
                )
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
                    code=BASELINE_REQUIRED,
                    window_hint="Open the Baseline tab: Plan, review the matches, then Apply.",
                )
            )
        with self.store.write() as tx:
            start_live_sync(tx, opps or [], now or datetime.now(UTC), self.settings.company_timezone)

    def _retry(self, run: RunContext, inbox_id: int | None) -> None:
        with self.store.write() as tx:
            items = [tx.inbox.get(inbox_id)] if inbox_id is not None else tx.inbox.list()
            for item in items:
                tx.inbox.mark_retrying(item.id)
        orders = sorted({i.record_key for i in items if i.entity == "order" and i.record_key})
        if orders:  # blocked or refused orders: re-read the deals and try them again now
            OrderSync(run).run(self.sf.opportunities_by_ids(orders), set(orders))
        if any(i.entity in ("pricebook", "price_entry") for i in items):
            PriceBookSync(run).retry()
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
            pairs = pair_records(run, kind, list(sf_recs), list(ia_recs), [])
            for p in pairs:
                p.streams = {f"retry.{kind.name}"}
            run.tally(f"retry.{kind.name}").read += len(mine)
            process(run, kind, pairs)

    def _resolve(self, run: RunContext, conflict_id: int, take: str) -> None:
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
        run.tally(f"resolve.{kind.name}").read += 1
        process(run, kind, [pair])


__all__ = [
    "BASELINE_META",
    "BASELINE_REQUIRED",
    "LOADING_META",
    "EngineSettings",
    "EngineStopped",
    "RunContext",
    "SyncEngine",
]
