"""Cost and time of sync cycles, counted by the emulators' /__sandbox__/stats.

Run:  .venv/bin/python benchmarks/bench_sync_cycle.py [N]        (default N = 1000)

1. N new Accounts in Salesforce and N new CUSTOMERs in Intacct, then one cycle (moves N each way);
2. the next cycle (re-reads the overlap window: must write nothing);
3. an idle cycle after that.
For each: Salesforce API calls, Intacct requests and billed transactions, writes, seconds.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sfintacct_desktop.engine.cycle import EngineSettings, SyncEngine
from sfintacct_desktop.engine.mapping import load_mapping
from sfintacct_desktop.store import StateStore
from sfintacct_desktop.wire.intacct import create
from sfintacct_sandbox.runner import Sandbox, SandboxOptions
from tests.support.sync_env import ia_connector, sf_connector


def snapshot(sb: Sandbox) -> dict[str, int]:
    sf = requests.get(sb.sf_server.url + "/__sandbox__/stats", timeout=10).json()
    ia = requests.get(sb.ia_server.url + "/__sandbox__/stats", timeout=10).json()
    return {
        "salesforce_api_calls": sf["api_calls"],
        "salesforce_writes": sf["writes"],
        "intacct_requests": ia["requests"],
        "intacct_transactions": ia["transactions"],
        "intacct_writes": ia["writes"],
    }


def diff(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: b[k] - a[k] for k in a}


def main() -> int:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    tmp = Path(tempfile.mkdtemp(prefix="sfintacct-bench-cycle-"))
    out: dict[str, object] = {"n_each_way": n}
    with Sandbox(SandboxOptions(seed="empty", data_dir=tmp / "sandbox")) as sb:
        user_sf, user_ia = sf_connector(sb), ia_connector(sb)
        for start in range(0, n, 200):
            batch = [{"Name": f"Bench Account {i:06d}", "BillingCity": "Oakland"} for i in range(start, start + 200)]
            assert all(r.success for r in user_sf.client.create_many("Account", batch[: n - start]))
        fns = [create("CUSTOMER", {"CUSTOMERID": f"BI-{i:06d}", "NAME": f"Bench Customer {i:06d}"}) for i in range(n)]
        assert all(r.ok for r in user_ia.client.call(fns, uniqueid=True))
        store = StateStore.open(tmp / "state.sqlite3")
        engine = SyncEngine(
            store,
            sf_connector(sb),
            ia_connector(sb),
            load_mapping(),
            EngineSettings(profile="bench", allow_without_baseline=True),
        )
        for label in ("busy_cycle", "next_cycle", "idle_cycle"):
            before, t0 = snapshot(sb), time.perf_counter()
            summary = engine.run_cycle("bench")
            assert summary.status == "ok", summary.error
            out[label] = {**diff(before, snapshot(sb)), "seconds": round(time.perf_counter() - t0, 2)}
        store.close()
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
