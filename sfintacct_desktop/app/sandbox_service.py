"""Use cases around the embedded sandbox: start it for `serve`, describe it for `show`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..config.paths import app_paths
from ..config.profiles import save_sandbox_profile
from ..sandbox.runner import Sandbox, SandboxOptions
from ..sandbox.storage import table_counts


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
) -> Sandbox:
    """Start both emulators and point the connection profile at them."""
    options = SandboxOptions(
        host=host,
        salesforce_port=salesforce_port,
        intacct_port=intacct_port,
        seed=seed,
        data_dir=data_dir or default_data_dir(),
        reset=reset,
    )
    running = Sandbox(options).start()
    try:
        save_sandbox_profile(running.connection_info(profile))
    except BaseException:
        running.stop()
        raise
    return running


def describe_sandbox(*, seed: str = "demo", data_dir: Path | None = None, profile: str = "sandbox") -> dict[str, Any]:
    """Start the sandbox briefly and summarise its data (the pre-GUI 'main job')."""
    running = start_sandbox(seed=seed, data_dir=data_dir, profile=profile)
    try:
        sf, ia = running.salesforce, running.intacct
        accounts = [r.get("Name", "") for r in sf.store.rows("Account").values() if not r.get("IsDeleted")]
        customers = [r.get("NAME", "") for r in ia.store.rows("CUSTOMER").values()]
        samples = list(zip(sorted(accounts)[:8], sorted(customers)[:8], strict=False))
        return {
            "data_dir": str(running.options.data_dir),
            "seed": sf.seed_name,
            "salesforce": {"url": running.salesforce_url, "counts": table_counts(sf.store)},
            "intacct": {"url": running.intacct_url, "counts": table_counts(ia.store)},
            "samples": samples,
        }
    finally:
        running.stop()
