"""The projected cost of a schedule, from measured cycles, without extrapolating what is rare.

Why idle and busy apart: almost every cycle of a running sync is idle (one Salesforce call, one
Intacct audit trail probe), while a busy one (records moved) costs what its changes cost. The
first cycle of a profile is a catch-up of everything before it: it says nothing about how often
records change and is left out. Busy cycles count toward the projection only once enough cycles
were seen to tell how often they happen; until then the projection is the idle cost, and it says so
(with what one busy cycle adds). The verdict names what it is based on.

Intacct's idle cost has two parts: the probe of every poll (the cheapest idle Intacct read
measured: one transaction, more where a stream is read every cycle for want of an audit trail) and
the safety net, a full read of every stream at least every 30 minutes that replaces the probe in
its cycle (``FULL_READ_TRANSACTIONS``, so it adds that less the probe). See ``docs/sync.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DAYS_PER_MONTH = 30.4
MIN_HISTORY = 12  # cycles (the first left out) before the share of busy cycles is trusted
DESIGN_IDLE_SALESFORCE = 1.0  # one composite call reads every Salesforce stream
DESIGN_IDLE_INTACCT_READ = 1.0  # one AUDITHISTORY query across the object types the sync reads
FULL_READ_TRANSACTIONS = 4.0  # the safety net: CUSTOMER, ITEM, ARINVOICE and the AUDITHISTORY query
PRICE_READ_TRANSACTIONS = 2.0  # SOPRICELIST and SOPRICELISTENTRY, in a full read at most every 2 hours
PRICE_SAFETY_NET = 7200.0  # seconds (engine/ia_probe.py PRICE_SAFETY_NET)
DEFAULT_SAFETY_NET = 1800.0  # seconds between full reads (EngineSettings.intacct_safety_net_seconds)
ONE_OFF = frozenset({"retry", "resolve", "baseline"})  # operator actions, not part of the schedule


def busy(run: Any) -> bool:
    counters = run.counters or {}
    return any(
        int(c.get("writes_salesforce", 0) or 0) + int(c.get("writes_intacct", 0) or 0) > 0
        for c in counters.values()
        if isinstance(c, dict)
    )


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


@dataclass(frozen=True)
class Measured:
    """Idle and busy cycle costs of the recent cycles (newest first)."""

    idle_cycles: int
    busy_cycles: int
    first_left_out: bool
    idle_sf: float  # Salesforce calls per idle cycle
    idle_ia_read: float  # Intacct transactions of the probe (an idle cycle that read Intacct, no full read)
    idle_measured: bool
    extra_sf: float  # what a busy cycle adds to an idle one
    extra_ia: float
    busy_share: float | None  # None: too few cycles to tell

    @classmethod
    def of(cls, runs: list[Any], first_in_window: bool, probe_cost: float | None = None) -> Measured:
        """``probe_cost``: what an idle Intacct poll costs as the engine last built it (the probe and
        the streams read every cycle); an idle cycle that re-read its own writes costs more."""
        cycles = [x for x in runs if x.finished_at is not None and x.trigger not in ONE_OFF]
        first_left_out = bool(cycles) and first_in_window
        if first_left_out:
            cycles = cycles[:-1]  # newest first: the last one is the profile's first cycle, a catch-up
        idle = [x for x in cycles if not busy(x)]
        hot = [x for x in cycles if busy(x)]
        idle_sf = _mean([float(x.sf_api_calls) for x in idle])
        # the probe alone: the mean would count the safety net's full reads (and echo reads) as every poll's
        idle_ia = probe_cost or min((float(x.ia_transactions) for x in idle if x.ia_transactions > 0), default=None)
        base_sf = idle_sf if idle_sf is not None else DESIGN_IDLE_SALESFORCE
        base_ia = idle_ia if idle_ia is not None else DESIGN_IDLE_INTACCT_READ
        extra_sf = max(0.0, (_mean([float(x.sf_api_calls) for x in hot]) or base_sf) - base_sf)
        extra_ia = max(0.0, (_mean([float(x.ia_transactions) for x in hot]) or base_ia) - base_ia)
        share = round(len(hot) / len(cycles), 4) if len(cycles) >= MIN_HISTORY else None
        measured = idle_sf is not None
        return cls(len(idle), len(hot), first_left_out, base_sf, base_ia, measured, extra_sf, extra_ia, share)

    def as_dict(self) -> dict[str, Any]:
        return {
            "idle_cycles": self.idle_cycles,
            "busy_cycles": self.busy_cycles,
            "first_cycle_left_out": self.first_left_out,
            "idle": {"salesforce_calls": self.idle_sf, "intacct_transactions": self.idle_ia_read},
            "idle_measured": self.idle_measured,
            "busy_extra": {"salesforce_calls": self.extra_sf, "intacct_transactions": self.extra_ia},
            "busy_share": self.busy_share,
        }

    def basis(self) -> str:
        """What the projection is based on, in words."""
        if self.idle_measured:
            head = (
                f"Based on {self.idle_cycles} idle cycle(s) measured ({self.idle_sf:g} Salesforce call(s) each, "
                f"{self.idle_ia_read:g} Intacct transaction(s) per Intacct poll, plus a full read of "
                f"{FULL_READ_TRANSACTIONS:g} every 30 minutes)"
            )
        else:
            head = (
                f"No idle cycle measured yet: based on the design cost of an idle cycle ({self.idle_sf:g} "
                f"Salesforce call, {self.idle_ia_read:g} Intacct transaction per Intacct poll, plus a full read of "
                f"{FULL_READ_TRANSACTIONS:g} every 30 minutes)"
            )
        first = "; the first cycle, a catch-up, is left out" if self.first_left_out else ""
        if self.busy_share is not None:
            tail = (
                f"; {self.busy_cycles} busy cycle(s) of the last {self.idle_cycles + self.busy_cycles} "
                f"({self.busy_share:.0%}), each adding about {self.extra_sf:g} Salesforce calls and "
                f"{self.extra_ia:g} Intacct transactions"
            )
        elif self.busy_cycles:
            tail = (
                f"; {self.busy_cycles} busy cycle(s) seen, too few cycles to tell how often records change "
                f"(not extrapolated): each busy cycle adds about {self.extra_sf:g} Salesforce calls and "
                f"{self.extra_ia:g} Intacct transactions"
            )
        else:
            tail = "; no busy cycle seen"
        return f"{head}{first}{tail}."


def intacct_idle_month(probe: float, ia_every: float, safety_net: float = DEFAULT_SAFETY_NET) -> dict[str, float]:
    """Idle Intacct transactions a month: a probe every ``ia_every`` s, a full read every ``safety_net`` s.

    The full read replaces the probe in its cycle, so it adds ``FULL_READ_TRANSACTIONS - probe``;
    a poll slower than the safety net makes every read a full one.
    """
    reads_day = 86_400 / ia_every
    full_day = min(reads_day, 86_400 / max(safety_net, 1.0))
    full = max(FULL_READ_TRANSACTIONS, probe)
    price_day = min(full_day, 86_400 / PRICE_SAFETY_NET)
    probes = DAYS_PER_MONTH * reads_day * probe
    net = DAYS_PER_MONTH * (full_day * (full - probe) + price_day * PRICE_READ_TRANSACTIONS)
    return {"reads_per_day": reads_day, "full_reads_per_day": full_day, "probes": probes, "safety_net": net}


def project(
    measured: Measured,
    sf_interval: float,
    ia_interval: float,
    share_calls: float,
    monthly_budget: int,
    safety_net: float = DEFAULT_SAFETY_NET,
) -> dict[str, Any]:
    """Calls a day and transactions a month of a schedule, and whether they fit."""
    cycles_day = 86_400 / sf_interval
    ia_every = max(ia_interval, sf_interval)  # a cycle reads Intacct at most once
    idle_ia = intacct_idle_month(measured.idle_ia_read, ia_every, safety_net)
    reads_day = idle_ia["reads_per_day"]
    share = measured.busy_share or 0.0
    sf_day = cycles_day * (measured.idle_sf + share * measured.extra_sf)
    ia_month = idle_ia["probes"] + idle_ia["safety_net"] + DAYS_PER_MONTH * cycles_day * share * measured.extra_ia
    sf_used = sf_day / max(1.0, share_calls)
    ia_used = ia_month / max(1, monthly_budget)
    fits = sf_used <= 1 and ia_used <= 1
    verdict = (
        f"Syncing Salesforce every {_every(sf_interval)} and Intacct every {_every(max(ia_interval, sf_interval))} "
        f"costs about {sf_day:,.0f} Salesforce calls a day ({sf_used:.0%} of the sync's share of "
        f"{share_calls:,.0f}) and about {ia_month:,.0f} Intacct transactions a month ({ia_used:.0%} of the "
        f"budget of {monthly_budget:,})."
    )
    verdict += (
        " The schedule fits both budgets."
        if fits
        else " The schedule does NOT fit: sync less often, or raise the share or the budget."
    )
    return {
        "interval_seconds": sf_interval,
        "intacct_interval_seconds": max(ia_interval, sf_interval),
        "cycles_per_day": round(cycles_day, 1),
        "intacct_reads_per_day": round(reads_day, 1),
        "intacct_full_reads_per_day": round(idle_ia["full_reads_per_day"], 1),
        "intacct_probe_transactions_per_month": round(idle_ia["probes"], 1),
        "intacct_safety_net_transactions_per_month": round(idle_ia["safety_net"], 1),
        "salesforce_calls_per_day": round(sf_day, 1),
        "salesforce_share_used": round(sf_used, 4),
        "intacct_transactions_per_month": round(ia_month, 1),
        "intacct_budget_used": round(ia_used, 4),
        "fits": fits,
        "verdict": verdict,
        "basis": measured.basis(),
    }


def _every(seconds: float) -> str:
    if seconds >= 60:
        minutes = seconds / 60
        return f"{minutes:g} minute" + ("" if minutes == 1 else "s")
    return f"{seconds:g} seconds"
