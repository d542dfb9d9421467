"""Benchmark: Closed Won -> sales order latency in ``sync --watch`` and the cost of each order.

Part 1 (cost, in-process): both emulators on loopback, a state store on disk; an idle cycle is
measured, then cycles that turn 1 and 10 Closed Won opportunities into orders; the extra Salesforce
API calls and Intacct transactions/requests per order are printed.
Part 2 (latency, real processes): ``sfintacct sandbox serve`` + ``sfintacct sync --watch`` with the
default intervals (Salesforce 60 s, Intacct 300 s); an opportunity is set to Closed Won at a random
moment and the time until its order exists in Intacct is measured (polled every 0.2 s).
Usage: ``.venv/bin/python benchmarks/bench_orders.py [SAMPLES]`` (default 3; 0 skips part 2).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sfintacct_desktop.connectors import IntacctConnector, SalesforceConnector  # noqa: E402
from sfintacct_desktop.wire.intacct import IntacctClient, IntacctSecrets, IntacctSettings  # noqa: E402
from sfintacct_desktop.wire.salesforce import AuthMethod, SalesforceSecrets, SalesforceSettings  # noqa: E402
from tests.support.orders_env import make_deal, orders_for, win  # noqa: E402
from tests.support.sync_env import NO_SLEEP, SyncEnv, make_env  # noqa: E402


def cost() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        gen = make_env(Path(tmp))
        env = next(gen)
        try:
            deals = [make_deal(env, f"B{i}", [("10.00", 1, None), ("5.00", 2, None)]) for i in range(11)]
            env.sync()
            env.sync()
            idle = env.sync()
            out: dict[str, Any] = {
                "idle": {
                    "salesforce_calls": idle.salesforce_api_calls,
                    "intacct_transactions": idle.intacct_transactions,
                    "intacct_requests": idle.intacct_requests,
                }
            }
            for label, batch in (("1_order", deals[:1]), ("10_orders", deals[1:])):
                for d in batch:
                    win(env, d.opp_id)
                s = env.sync()
                assert s.status == "ok", s.error
                assert all(len(orders_for(env, d.opp_id)) == 1 for d in batch)
                echo = env.sync()  # our own status write comes back once through the overlap window
                n = len(batch)
                out[label] = {
                    "salesforce_calls_per_order": round((s.salesforce_api_calls - idle.salesforce_api_calls) / n, 2),
                    "intacct_transactions_per_order": round(
                        (s.intacct_transactions - idle.intacct_transactions) / n, 2
                    ),
                    "intacct_requests_per_order": round((s.intacct_requests - idle.intacct_requests) / n, 2),
                    "cycle": [s.salesforce_api_calls, s.intacct_transactions, s.intacct_requests],
                    "echo_cycle_writes": echo.writes,
                }
            return out
        finally:
            with contextlib.suppress(StopIteration):
                next(gen)


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SFINTACCT_")}
    env["SFINTACCT_HOME"] = str(home)
    env["PYTHONPATH"] = str(REPO)
    return env


def latency(samples: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        argv = [sys.executable, "-m", "sfintacct_desktop.cli"]
        serve = subprocess.Popen(
            [*argv, "sandbox", "serve", "--seed", "empty"], stdout=subprocess.PIPE, text=True, env=_env(home)
        )
        info = json.loads(serve.stdout.readline())  # type: ignore[union-attr]
        sfi, iai = info["salesforce"], info["intacct"]
        sf = SalesforceConnector.connect(
            SalesforceSettings(auth_method=AuthMethod.SOAP, login_host=sfi["login_url"], username=sfi["username"]),
            SalesforceSecrets(sfi["password"], sfi["security_token"]),
            backoff=NO_SLEEP,
        )
        ia = IntacctConnector(
            IntacctClient(
                IntacctSettings(iai["sender_id"], iai["company_id"], iai["user_id"], endpoint=iai["url"]),
                IntacctSecrets(iai["sender_password"], iai["user_password"]),
            ),
            "America/Los_Angeles",
        )
        ia.login()
        users = SyncEnv(None, None, None, None, sf, ia)  # type: ignore[arg-type]
        deals = [make_deal(users, f"W{i}", [("10.00", 1, None)]) for i in range(samples)]
        watch = subprocess.Popen(
            [*argv, "sync", "--watch"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(home)
        )
        times: list[float] = []
        try:
            rng = random.Random(5)
            for d in deals:
                time.sleep(rng.uniform(0, 60))  # a deal closes at any moment of the poll cycle
                win(users, d.opp_id)
                start = time.monotonic()
                while not orders_for(users, d.opp_id):
                    time.sleep(0.2)
                times.append(round(time.monotonic() - start, 1))
        finally:
            watch.send_signal(signal.SIGTERM)
            watch.wait(60)
            serve.send_signal(signal.SIGTERM)
            serve.wait(60)
        return {"samples_seconds": times, "max_seconds": max(times), "mean_seconds": round(sum(times) / len(times), 1)}


def main() -> None:
    samples = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    print(json.dumps({"cost": cost()}))
    if samples:
        print(json.dumps({"closed_won_to_order_watch_default_intervals": latency(samples)}))


if __name__ == "__main__":
    main()
