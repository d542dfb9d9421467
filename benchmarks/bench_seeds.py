"""Seed build and load times: how long `sandbox serve --seed scale:N` takes to become ready.

Run:  .venv/bin/python benchmarks/bench_seeds.py [N ...]      (default: 10000 50000)

Builds the seed (pure Python) and loads it into each emulator with its data on disk, as
`sandbox serve` does, then prints rows per object and peak memory (ru_maxrss) of this process.
"""

from __future__ import annotations

import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sfintacct_sandbox.intacct.app import IntacctEmulator
from sfintacct_sandbox.salesforce.app import SalesforceEmulator
from sfintacct_sandbox.seeds import build_seed
from sfintacct_sandbox.storage import table_counts


def main() -> int:
    sizes = [int(a) for a in sys.argv[1:]] or [10_000, 50_000]
    results = {}
    for n in sizes:
        seed = f"scale:{n}"
        t0 = time.perf_counter()
        build_seed(seed)
        built = time.perf_counter() - t0
        row: dict[str, object] = {"build_seconds": round(built, 2)}
        for cls in (SalesforceEmulator, IntacctEmulator):
            tmp = Path(tempfile.mkdtemp(prefix="sfintacct-seed-"))
            t0 = time.perf_counter()
            emu = cls(tmp)
            emu.reset(seed)
            row[f"{cls.name}_load_seconds"] = round(time.perf_counter() - t0, 2)
            row[f"{cls.name}_rows"] = table_counts(emu.store)
            emu.store.close()
            shutil.rmtree(tmp, ignore_errors=True)
        row["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        results[seed] = row
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
