"""Network and server latency for the emulators, so loopback runs cost what a desktop's calls cost.

Why: on loopback a call costs a few milliseconds, which hides what matters on a real link (how many
round trips a sync makes, and whether it waits on one system and then on the other). Each emulator
sleeps, in the request's own thread and outside its store lock, for one round trip per HTTP request
plus a small server time per unit of work: per record written for Salesforce, per function for
Intacct. Half the round trip is slept before the request is applied and the rest after, so a write
lands mid-request as it would on a real server. The admin API under ``/__sandbox__/`` is never
delayed. The figures and their sources are in docs/sandbox.md ("Latency").
"""

from __future__ import annotations

from dataclasses import dataclass

# The WSGI environ key through which a handler tells the base class how many units of work it did.
UNITS_KEY = "sfintacct_sandbox.work_units"


@dataclass(frozen=True)
class Latency:
    """One system's delay: ``round_trip`` seconds per HTTP request, ``per_unit`` seconds per unit."""

    round_trip: float = 0.0
    per_unit: float = 0.0

    def __post_init__(self) -> None:
        if self.round_trip < 0 or self.per_unit < 0:
            raise ValueError("latency figures cannot be negative")

    @property
    def active(self) -> bool:
        return self.round_trip > 0 or self.per_unit > 0

    def before(self) -> float:
        """Seconds to wait before the request is applied (the way there)."""
        return self.round_trip / 2

    def after(self, units: int) -> float:
        """Seconds to wait after it is applied: server time for ``units`` plus the way back."""
        return self.round_trip - self.before() + self.per_unit * max(units, 0)

    def total(self, units: int) -> float:
        """The whole delay one request with ``units`` of work gets."""
        return self.before() + self.after(units)


NO_LATENCY = Latency()


@dataclass(frozen=True)
class LatencyProfile:
    """The delays of both emulators under one name (``none``, ``lan``, ``wan`` or a custom form)."""

    name: str
    salesforce: Latency
    intacct: Latency

    def describe(self) -> dict[str, object]:
        sf, ia = self.salesforce, self.intacct
        return {
            "name": self.name,
            "salesforce": {"round_trip_ms": _ms(sf.round_trip), "per_record_ms": _ms(sf.per_unit)},
            "intacct": {"round_trip_ms": _ms(ia.round_trip), "per_function_ms": _ms(ia.per_unit)},
        }


# Server time per unit is the same on every link: it is the server's work, not the network's.
SF_PER_RECORD = 0.002
IA_PER_FUNCTION = 0.010

PROFILES: dict[str, LatencyProfile] = {
    "none": LatencyProfile("none", NO_LATENCY, NO_LATENCY),
    "lan": LatencyProfile("lan", Latency(0.040, SF_PER_RECORD), Latency(0.100, IA_PER_FUNCTION)),
    "wan": LatencyProfile("wan", Latency(0.150, SF_PER_RECORD), Latency(0.400, IA_PER_FUNCTION)),
}
LATENCY_HELP = "none | lan | wan | sf=MS,ia=MS[,sf_record=MS,ia_function=MS]"
_CUSTOM_KEYS = ("sf", "ia", "sf_record", "ia_function")


def parse_latency(text: str | LatencyProfile | None) -> LatencyProfile:
    """A profile by name, or the custom form ``sf=150,ia=400`` in milliseconds.

    In the custom form a system whose round trip is not given is not delayed at all; the per-unit
    figures of a system that is default to those of the named profiles.
    """
    if isinstance(text, LatencyProfile):
        return text
    spec = (text or "none").strip().lower()
    if spec in PROFILES:
        return PROFILES[spec]
    values: dict[str, float] = {}
    for part in spec.split(","):
        key, sep, raw = part.partition("=")
        key = key.strip()
        if not sep or key not in _CUSTOM_KEYS or key in values:
            raise ValueError(f"bad latency {text!r}; use {LATENCY_HELP}")
        try:
            ms = float(raw)
        except ValueError:
            raise ValueError(f"bad latency {text!r}: {raw.strip()!r} is not a number of milliseconds") from None
        if ms < 0:
            raise ValueError(f"bad latency {text!r}: {key} cannot be negative")
        values[key] = ms / 1000
    return LatencyProfile(
        spec,
        _system(values, "sf", "sf_record", SF_PER_RECORD),
        _system(values, "ia", "ia_function", IA_PER_FUNCTION),
    )


def _system(values: dict[str, float], trip: str, unit: str, default_unit: float) -> Latency:
    if trip not in values and unit not in values:
        return NO_LATENCY
    return Latency(values.get(trip, 0.0), values.get(unit, default_unit))


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)
