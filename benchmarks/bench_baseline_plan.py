"""Benchmark: ``baseline plan`` end to end over HTTP for ``scale:N`` (N records per side).

The sandbox runs in a subprocess (``sfintacct sandbox serve --seed scale:N``) so the figures are
the planner's own: wall time of extract + cleanse + match + plan, peak traced memory of a second,
traced run (tracemalloc slows it down, so time comes from the untraced run), the process's max
RSS, and the API calls the extract spent, read from the emulators' ``/__sandbox__/stats``.
Prints one JSON line per N. Usage:
``.venv/bin/python benchmarks/bench_baseline_plan.py [N ...]`` (default 10000 50000).

Figures: ``total_seconds`` = extract (includes the emulators' serving) + match and plan, untraced;
``max_rss_plan_mb`` the process's peak RSS after that run (the planner's own figure);
``max_rss_mb`` the peak after the traced run too (tracemalloc's bookkeeping adds ~500 MB at 50,000);
``quality``: precision and recall of the auto links against the seed's ``ground_truth.json``.

2026-12-05, 2-core machine busy with other agents (load 1-5; figures vary by 1.5x):

=========  =====================================  =====================================
scale      before (a7d7b4c engine)                after (this branch)
=========  =====================================  =====================================
5,000      3.2 s (load 0.8); plan RSS 235 MB      2.3 s (load 1.0); plan RSS 235 MB
50,000     43.0 s (load ~1.3), 77.9 s (load ~4.5)  45.9 s (load 2-4)
           plan RSS 635 MB; process max 1381 MB    plan RSS 633 MB; process max 1149 MB
           (old bench: first plan held during the  (traced run alone)
           traced run)
50,000     plan CPU 37.8 s, extract CPU 4.6 s      plan CPU 25.5 s, extract CPU 4.0 s
quality    customers P 1.0 R 34999/35000, products P 1.0 R 900/900 at 50,000 (3498/3500 at 5,000),
           before and after; the 50,000 plan document is byte-identical before and after
=========  =====================================  =====================================

CPU from ``time.process_time`` around extract and build_plan against one long-running
``sfintacct sandbox serve --seed scale:50000 --data DIR`` (same machine, back to back).
The extract's wall time is about twice its CPU: the rest is the emulators serving 100,000 rows.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

import requests

from sfintacct_desktop.connectors import IntacctConnector, SalesforceConnector
from sfintacct_desktop.engine.baseline.extract import extract
from sfintacct_desktop.engine.baseline.plan import build_plan
from sfintacct_desktop.engine.mapping import load_mapping
from sfintacct_desktop.wire.intacct import IntacctClient, IntacctSecrets, IntacctSettings
from sfintacct_desktop.wire.salesforce import AuthMethod, SalesforceSecrets, SalesforceSettings

REPO = Path(__file__).resolve().parents[1]


def _serve(n: int, home: Path) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SFINTACCT_")}
    env["SFINTACCT_HOME"] = str(home)
    proc = subprocess.Popen(
        [sys.executable, "-m", "sfintacct_desktop.cli", "sandbox", "serve", "--seed", f"scale:{n}"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=str(REPO),
    )  # fmt: skip
    line = proc.stdout.readline()  # type: ignore[union-attr]
    if not line:
        raise SystemExit("sandbox serve failed to start")
    return proc, json.loads(line)


def _connectors(info: dict[str, Any]) -> tuple[SalesforceConnector, IntacctConnector]:
    s, i = info["salesforce"], info["intacct"]
    sf = SalesforceConnector.connect(
        SalesforceSettings(  # the legacy login: this measures planning, not signing in
            auth_method=AuthMethod.SOAP, login_host=s["login_url"], username=s["username"], timeout=(5.0, 300.0)
        ),
        SalesforceSecrets(s["password"], s["security_token"]),
    )
    ia = IntacctConnector(
        IntacctClient(
            IntacctSettings(
                sender_id=i["sender_id"], company_id=i["company_id"], user_id=i["user_id"],
                endpoint=i["url"], read_timeout=300.0,
            ),
            IntacctSecrets(i["sender_password"], i["user_password"]),
        ),
        "America/Los_Angeles",
    )  # fmt: skip
    ia.login()
    return sf, ia


def _stats(info: dict[str, Any]) -> dict[str, int]:
    sf = requests.get(f"{info['salesforce']['url']}/__sandbox__/stats", timeout=30).json()
    ia = requests.get(f"{info['intacct']['url'].rsplit('/ia/', 1)[0]}/__sandbox__/stats", timeout=30).json()
    return {
        "salesforce_api_calls": int(sf["api_calls"]),
        "intacct_requests": int(ia["requests"]),
        "intacct_transactions": int(ia["transactions"]),
        "writes": int(sf["writes"]) + int(ia["writes"]),
    }


def _plan(sf: SalesforceConnector, ia: IntacctConnector) -> tuple[dict[str, Any], float, float]:
    t0 = time.perf_counter()
    ex = extract(sf, ia)
    t1 = time.perf_counter()
    doc = build_plan(ex, {}, load_mapping(), profile="bench", cutover=date(2026, 1, 1))
    return doc, t1 - t0, time.perf_counter() - t1


def _rss_mb() -> float:
    """Peak resident set size of this process so far (ru_maxrss is in KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def quality(doc: dict[str, Any], truth: dict[str, Any]) -> dict[str, Any]:
    """Precision and recall of the plan's ``auto`` links against the seed's truth (real ids and keys),
    and how many true pairs the plan offers for review instead."""
    out: dict[str, Any] = {}
    for entity, key in (("customer", "customers"), ("product", "products")):
        true = {(p["salesforce"], p["intacct"]) for p in truth[key]["pairs"]}
        mine = [a for a in doc["actions"] if a["entity"] == entity]
        auto = {(a["salesforce"], a["intacct"]) for a in mine if a["action"] == "link" and a["status"] == "auto"}
        review = {(a["salesforce"], a["intacct"]) for a in mine if a["action"] == "review"}
        tp = len(auto & true)
        out[entity] = {
            "precision": round(tp / len(auto), 4) if auto else None,
            "recall": round(tp / len(true), 4) if true else None,
            "auto": len(auto),
            "auto_true": tp,
            "true_pairs": len(true),
            "true_pairs_in_review": len(review & true),
        }
    return out


def run(n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as home:
        proc, info = _serve(n, Path(home))
        try:
            truth = json.loads((Path(home) / "data" / "sandbox" / "ground_truth.json").read_text())
            sf, ia = _connectors(info)
            gc.collect()
            rss_before = _rss_mb()
            before = _stats(info)
            doc, t_extract, t_plan = _plan(sf, ia)
            rss_plan = _rss_mb()
            spent = {k: v - before[k] for k, v in _stats(info).items()}
            c, read, scores = doc["counts"], doc["read"], quality(doc, truth)
            del doc, truth  # the traced run measures one plan, not two side by side
            gc.collect()
            tracemalloc.start()
            _plan(sf, ia)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=120)
    return {
        "n": n,
        "extract_seconds": round(t_extract, 2),
        "match_and_plan_seconds": round(t_plan, 2),
        "total_seconds": round(t_extract + t_plan, 2),
        "rss_before_plan_mb": rss_before,
        "max_rss_plan_mb": rss_plan,
        "peak_traced_mb": round(peak / 2**20, 1),
        "max_rss_mb": _rss_mb(),
        "api_calls": spent,
        "read": read,
        "quality": scores,
        "customers": c["customer"],
        "products": c["product"],
        "historical": c["historical"],
    }


def main(argv: list[str]) -> None:
    for n in [int(a) for a in argv] or [10_000, 50_000]:
        print(json.dumps(run(n)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
