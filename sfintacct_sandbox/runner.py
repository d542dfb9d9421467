"""Start both emulators together: what `sfintacct sandbox serve`, the app and the tests use."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import credentials as cred
from .datalock import DataLock
from .files import write_private
from .httpserver import EmulatorServer, validate_seed
from .latency import LatencyProfile, parse_latency
from .workgate import WorkGate


@dataclass
class SandboxOptions:
    """How to run the sandbox. Ports 0 pick free ports; ``data_dir`` None keeps state in memory.

    ``latency`` delays every wire request as a real link would (``none``, ``lan``, ``wan``, the
    custom ``sf=150,ia=400`` in milliseconds, or a :class:`LatencyProfile`; see latency.py).
    """

    host: str = "127.0.0.1"
    salesforce_port: int = 0
    intacct_port: int = 0
    seed: str = "demo"
    data_dir: Path | None = None
    reset: bool = False
    salesforce_options: dict[str, Any] = field(default_factory=dict)
    intacct_options: dict[str, Any] = field(default_factory=dict)
    latency: str | LatencyProfile = "none"
    # > 0 when the sandbox is embedded in the window's process: its server threads yield the cores
    # to the GUI thread (Linux; see EmulatorServer.start). A separate `sandbox serve` needs none.
    nice: int = 0
    # True when embedded in the window's process too: the two emulators take turns for their CPU
    # work (their sleeps still overlap), so fewer threads compete with the GUI thread (workgate.py)
    serial_work: bool = False


class Sandbox:
    """Both emulators on loopback, seeded on first start, state kept in ``data_dir``."""

    def __init__(self, options: SandboxOptions | None = None) -> None:
        self.options = opts = options or SandboxOptions()
        validate_seed(opts.seed)
        self.latency = parse_latency(opts.latency)
        # before the emulators open (or reset) their stores: one sandbox per data folder
        self._lock = DataLock(opts.data_dir).acquire() if opts.data_dir is not None else None
        try:
            self._open(opts)
        except BaseException:
            self._release()
            raise

    def _open(self, opts: SandboxOptions) -> None:
        from .intacct.app import IntacctEmulator
        from .salesforce.app import SalesforceEmulator

        sf_dir = opts.data_dir / "salesforce" if opts.data_dir else None
        ia_dir = opts.data_dir / "intacct" if opts.data_dir else None
        self.salesforce = SalesforceEmulator(sf_dir, **{"latency": self.latency.salesforce, **opts.salesforce_options})
        self.intacct = IntacctEmulator(ia_dir, **{"latency": self.latency.intacct, **opts.intacct_options})
        seeded = False
        for emu in (self.salesforce, self.intacct):
            if opts.reset:
                emu.reset(opts.seed)
                seeded = True
            else:
                seeded = emu.ensure_seeded(opts.seed) or seeded
        if seeded and opts.data_dir is not None:
            self.write_ground_truth(opts.data_dir / "ground_truth.json")
        if opts.serial_work:
            self.salesforce.gate = self.intacct.gate = WorkGate()
        self.sf_server = EmulatorServer(self.salesforce, opts.host, opts.salesforce_port)
        self.ia_server = EmulatorServer(self.intacct, opts.host, opts.intacct_port)

    def ground_truth(self) -> dict[str, Any]:
        """The seed's own truth (which records are the same company or product), in real ids and keys.

        Both emulators must hold the same seed; each stored its ref -> id map while loading.
        """
        from .seeds import build_seed, resolve_truth

        seed = self.salesforce.seed_name or "empty"
        if self.intacct.seed_name != seed:
            return {"seed": None, "note": "the two emulators hold different seeds; no common truth"}
        truth = resolve_truth(
            build_seed(seed).truth,
            self.salesforce.store.meta("seed_refs", {}) or {},
            self.intacct.store.meta("seed_refs", {}) or {},
        )
        return {"seed": seed, **truth}

    def write_ground_truth(self, path: Path) -> None:
        write_private(path, json.dumps(self.ground_truth(), indent=2, sort_keys=True) + "\n")

    def start(self) -> Sandbox:
        self.sf_server.start(nice=self.options.nice)
        self.ia_server.start(nice=self.options.nice)
        if self._lock is not None:
            self._lock.record(self.salesforce_url, self.intacct_url)
        return self

    def stop(self) -> None:
        try:
            self.sf_server.stop()
            self.ia_server.stop()
        finally:
            self._release()

    def _release(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def salesforce_url(self) -> str:
        return self.sf_server.url

    @property
    def intacct_url(self) -> str:
        return self.ia_server.url + "/ia/xml/xmlgw.phtml"

    def connection_info(self, profile: str = "sandbox") -> dict[str, Any]:
        """The one JSON line of `sandbox serve` (docs/cli.md)."""
        return {
            "salesforce": {
                "url": self.salesforce_url,
                "login_url": self.salesforce_url,
                "username": cred.SF_USERNAME,
                "password": cred.SF_PASSWORD,
                "security_token": cred.SF_SECURITY_TOKEN,
                "consumer_key": cred.SF_CONSUMER_KEY,
                "consumer_secret": cred.SF_CONSUMER_SECRET,
            },
            "intacct": {
                "url": self.intacct_url,
                "sender_id": cred.INTACCT_SENDER_ID,
                "sender_password": cred.INTACCT_SENDER_PASSWORD,
                "company_id": cred.INTACCT_COMPANY_ID,
                "user_id": cred.INTACCT_USER_ID,
                "user_password": cred.INTACCT_USER_PASSWORD,
            },
            "profile": profile,
        }
