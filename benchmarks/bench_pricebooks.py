"""Cost and time of price book cycles, counted by the emulators' /__sandbox__/stats.

Run:  .venv/bin/python benchmarks/bench_pricebooks.py [PRODUCTS] [--books B]
      (default 200 products, 3 books: every product in every book)

1. PRODUCTS products created in Salesforce with standard prices, one cycle (the items, not timed);
2. B custom price books with an entry per product, one cycle (B lists and B x PRODUCTS entries to Intacct);
3. the next cycle (reads back the sync's own writes: must write nothing), then an idle cycle;
4. 10 entry prices changed in Intacct, one cycle; 10 entry prices changed in Salesforce (put back), one cycle.
For each: Salesforce API calls, Intacct requests and transactions, writes on each side, seconds.

Figures on 2026-12-06, 2-core machine shared with other agents, no latency, 200 products x 3 books:

  cycle                                   SF calls  IA requests  IA transactions  writes SF / IA  s
  books created (3 lists, 600 entries)    2         12           608              0 / 603         3.6
  next (reads back its own writes)        1         3            4                0 / 0           0.48
  idle                                    1         1            1                0 / 0           0.35
  10 prices changed in Intacct            2         2            2                10 / 0          0.49
  10 prices changed in Salesforce         2         1            1                10 / 0          0.37
  idle after                              1         1            1                0 / 0           0.33
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sfintacct_desktop.connectors.ia_price_lists import IntacctPriceLists
from sfintacct_desktop.wire.intacct import update
from tests.support.sync_env import SyncEnv, make_env


def _stats(env: SyncEnv) -> dict[str, int]:
    sf, ia = env.stats("salesforce"), env.stats("intacct")
    return {
        "sf_calls": int(sf["api_calls"]),
        "ia_requests": int(ia["requests"]),
        "ia_transactions": int(ia["transactions"]),
        "sf_writes": int(sf["writes"]),
        "ia_writes": int(ia["writes"]),
    }


def _cycle(env: SyncEnv, name: str) -> dict[str, Any]:
    before = _stats(env)
    start = time.perf_counter()
    summary = env.sync()
    wall = time.perf_counter() - start
    after = _stats(env)
    assert summary.status == "ok", summary.error
    return {"cycle": name, **{k: after[k] - before[k] for k in after}, "seconds": round(wall, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("products", nargs="?", type=int, default=200)
    parser.add_argument("--books", type=int, default=3)
    args = parser.parse_args()
    gen = make_env(Path(tempfile.mkdtemp()))
    env = next(gen)
    try:
        rows = [{"Name": f"Bench {i}", "ProductCode": f"BP-{i}", "IsActive": True} for i in range(args.products)]
        pids = [
            str(r.id)
            for start in range(0, len(rows), 200)
            for r in env.sf.create_many("Product2", rows[start : start + 200])
        ]
        book = env.user_sf.standard_pricebook_id()
        std = [{"Pricebook2Id": book, "Product2Id": p, "UnitPrice": 100.0, "IsActive": True} for p in pids]
        for start in range(0, len(std), 200):
            env.sf.create_many("PricebookEntry", std[start : start + 200])
        env.sync()
        books = [
            str(r.id)
            for r in env.sf.create_many(
                "Pricebook2", [{"Name": f"Book {b}", "IsActive": True} for b in range(args.books)]
            )
        ]
        entries = [
            {"Pricebook2Id": b, "Product2Id": p, "UnitPrice": 90.0, "IsActive": True} for b in books for p in pids
        ]
        made = []
        for start in range(0, len(entries), 200):
            made += env.sf.create_many("PricebookEntry", entries[start : start + 200])
        out = [_cycle(env, "books created"), _cycle(env, "next"), _cycle(env, "idle")]
        ia_entries = IntacctPriceLists(env.user_ia).entries(["Book 0"])[:10]
        env.user_ia.client.call([update("SOPRICELISTENTRY", {"RECORDNO": e.key, "VALUE": "77"}) for e in ia_entries])
        out.append(_cycle(env, "10 prices changed in Intacct"))
        bodies = [{"Id": m.id, "UnitPrice": 12.0} for m in made[:10]]
        env.sf.update_many("PricebookEntry", bodies)
        out.append(_cycle(env, "10 prices changed in Salesforce (put back)"))
        out.append(_cycle(env, "idle after"))
        print(json.dumps({"products": args.products, "books": args.books, "cycles": out}, indent=1))
    finally:
        with contextlib.suppress(StopIteration):
            next(gen)


if __name__ == "__main__":
    main()
