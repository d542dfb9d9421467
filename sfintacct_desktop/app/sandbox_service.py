"""Use cases around the embedded sandbox: start it for `serve`, describe it for `show`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sfintacct_sandbox.datalock import SandboxBusy
from sfintacct_sandbox.runner import Sandbox, SandboxOptions
from sfintacct_sandbox.storage import table_counts

from ..config.paths import app_paths
from ..config.profiles import save_sandbox_profile
from ..domain import ErrorInfo, ErrorKind, SyncError

# The sandbox the window starts for itself runs in the window's process: its server threads take a
# lower CPU priority so that the GUI thread gets a core (and the GIL) first, as with remote servers.
EMBEDDED_NICE = 10


def default_data_dir() -> Path:
    return app_paths().sandbox_dir


def start_sandbox(
    *,
    host: str = "127.0.0.1",
    salesforce_port: int = 0,
    intacct_port: int = 0,
    seed: str = "demo",
    data_dir: Path | None = None,
    reset: bool = False,
    profile: str = "sandbox",
    latency: str = "none",
    nice: int = 0,
    serial_work: bool = False,
) -> Sandbox:
    """Start both emulators and point the connection profile at them.

    ``latency`` (none | lan | wan | sf=MS,ia=MS) makes every wire request cost what it would over a
    real link; a bad spec raises ValueError. ``nice`` (EMBEDDED_NICE inside the window) lowers the
    server threads' CPU priority; ``serial_work`` (inside the window too) has the two emulators take
    turns for their CPU work, so fewer threads compete with the GUI thread."""
    options = SandboxOptions(
        host=host,
        salesforce_port=salesforce_port,
        intacct_port=intacct_port,
        seed=seed,
        data_dir=data_dir or default_data_dir(),
        reset=reset,
        latency=latency,
        nice=nice,
        serial_work=serial_work,
    )
    try:
        running = Sandbox(options).start()
    except SandboxBusy as exc:
        raise already_running(exc) from None
    try:
        save_sandbox_profile(running.connection_info(profile))
    except BaseException:
        running.stop()
        raise
    return running


def already_running(exc: SandboxBusy) -> SyncError:
    """A second sandbox on the same data would overwrite the first one's records: say where it runs."""
    return SyncError(
        ErrorInfo(
            ErrorKind.BUSY,
            "The sandbox is already running",
            str(exc),
            "Use the running one (the sandbox profile points at it while it runs), stop it first (Ctrl+C "
            "in its terminal), or give this one its own data folder with --data DIR.",
            window_hint="Close the other window or program that runs the sandbox, then try again.",
        )
    )


def describe_sandbox(*, seed: str = "demo", data_dir: Path | None = None, profile: str = "sandbox") -> dict[str, Any]:
    """Start the sandbox briefly and summarise its data (the pre-GUI 'main job')."""
    running = start_sandbox(seed=seed, data_dir=data_dir, profile=profile)
    try:
        sf, ia = running.salesforce, running.intacct
        samples = _same_company_samples(running, limit=8)
        return {
            "data_dir": str(running.options.data_dir),
            "seed": sf.seed_name,
            "salesforce": {"url": running.salesforce_url, "counts": table_counts(sf.store)},
            "intacct": {"url": running.intacct_url, "counts": table_counts(ia.store)},
            "samples": samples,
        }
    finally:
        running.stop()


def _same_company_samples(running: Sandbox, limit: int) -> list[tuple[str, str]]:
    """Pairs the seed's ground truth says are one company, as each side spells it: the mess to clean up."""
    pairs = running.ground_truth().get("customers", {}).get("pairs", [])
    by_customerid = {r.get("CUSTOMERID"): r for r in running.intacct.store.rows("CUSTOMER").values()}
    out: list[tuple[str, str]] = []
    for pair in pairs:
        account = running.salesforce.store.get("Account", pair.get("salesforce", ""))
        customer = by_customerid.get(pair.get("intacct"))
        if account and customer and account.get("Name") != customer.get("NAME"):
            out.append((str(account.get("Name", "")), str(customer.get("NAME", ""))))
        if len(out) >= limit:
            break
    return out
