"""The typed context of one recorded run: what every part of a run needs, and nothing of the engine.

Why a context and not the engine: the parts of a run (pairing, the batch pipeline, orders,
receivables, the baseline load) need the store, both connectors, the settings, the run's id and
counters, the event sink and the stop check. Handing them this object instead of the engine keeps
them from importing the cycle, so the engine's modules form no import cycle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from ..connectors import IntacctConnector, SalesforceConnector
from ..store import StateStore
from .echoes import Echoes
from .entity_sync import Tally
from .events import Event
from .mapping import Mapping
from .settings import EngineSettings


class EngineStopped(Exception):
    """Raised between batches when the worker asked to stop; the run ends as ``interrupted``."""


def _no_event(event: Event) -> None:
    return None


def _never() -> bool:
    return False


@dataclass
class RunContext:
    """One run: its connections, settings, id, trigger and per-stream counters."""

    store: StateStore
    sf: SalesforceConnector
    ia: IntacctConnector
    mapping: Mapping
    settings: EngineSettings
    run_id: int | None = None  # None: work outside a recorded run (pairing's counterpart reads)
    trigger: str = ""
    tallies: dict[str, Tally] = field(default_factory=dict)
    emit: Callable[[Event], None] = _no_event
    should_stop: Callable[[], bool] = _never
    order_definition_ok: bool | None = None  # asked of Intacct once per run, when an order needs it
    echoes: Echoes = field(default_factory=Echoes)  # what the run wrote, to know it again (echoes.py)
    today: date = field(default_factory=date.today)  # the run's date: receivables roll-ups are as of it

    def tally(self, stream: str) -> Tally:
        """The counters of one stream in this run (created on first use)."""
        return self.tallies.setdefault(stream, Tally())

    def stop_if_asked(self) -> None:
        """End the run as interrupted here when pause or stop was requested."""
        if self.should_stop():
            raise EngineStopped

    def detached(self) -> RunContext:
        """The same connections with no run and throw-away counters (reads that count nowhere)."""
        return RunContext(self.store, self.sf, self.ia, self.mapping, self.settings, emit=self.emit)
