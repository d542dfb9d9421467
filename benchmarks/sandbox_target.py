"""The sandbox a benchmark runs against: in this process or in a child process, with a latency profile.

Why a child process: in-process emulators share the GIL with the product, so their work shows up as
the product's own time; ``--sandbox process`` runs ``sfintacct sandbox serve`` on free ports and reads
its one JSON line (URLs and credentials), as ``bench_gui_scale.py --sandbox process`` does.

Also: the emulators' counters (``/__sandbox__/stats``) as one flat dict, and a reset of both.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sfintacct_sandbox.latency import LatencyProfile, parse_latency
from sfintacct_sandbox.runner import Sandbox, SandboxOptions

ROOT = Path(__file__).resolve().parents[1]
GATEWAY = "/ia/xml/xmlgw.phtml"


@dataclass
class Target:
    """Where the emulators listen; ``salesforce_url`` / ``intacct_url`` as on a ``Sandbox``."""

    mode: str
    latency: LatencyProfile
    salesforce_url: str
    intacct_url: str
    info: dict[str, Any] = field(default_factory=dict)
    sandbox: Sandbox | None = None
    proc: subprocess.Popen[str] | None = None

    @property
    def intacct_base(self) -> str:
        return self.intacct_url[: -len(GATEWAY)] if self.intacct_url.endswith(GATEWAY) else self.intacct_url

    def stats(self) -> dict[str, int]:
        sf = requests.get(self.salesforce_url + "/__sandbox__/stats", timeout=30).json()
        ia = requests.get(self.intacct_base + "/__sandbox__/stats", timeout=30).json()
        return {
            "salesforce_api_calls": sf["api_calls"],
            "salesforce_writes": sf["writes"],
            "intacct_requests": ia["requests"],
            "intacct_transactions": ia["transactions"],
            "intacct_writes": ia["writes"],
        }

    def peaks(self) -> dict[str, int]:
        """The most requests each emulator answered at once since its last reset."""
        sf = requests.get(self.salesforce_url + "/__sandbox__/stats", timeout=30).json()
        ia = requests.get(self.intacct_base + "/__sandbox__/stats", timeout=30).json()
        return {"salesforce_max_concurrent": sf["max_concurrent"], "intacct_max_concurrent": ia["max_concurrent"]}

    def reset(self, seed: str = "empty") -> None:
        """Both emulators back to ``seed``; their counters (``max_concurrent`` too) start at zero."""
        for base in (self.salesforce_url, self.intacct_base):
            r = requests.post(base + "/__sandbox__/reset", json={"seed": seed}, timeout=120)
            r.raise_for_status()

    def stop(self) -> None:
        if self.sandbox is not None:
            self.sandbox.stop()
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(30)


def diff(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Counters spent between two ``stats()``."""
    return {k: after[k] - before[k] for k in before}


def idle_budget(profile: LatencyProfile) -> float:
    """What an idle cycle may take: one round trip to the slower system plus 100 ms."""
    return max(profile.salesforce.round_trip, profile.intacct.round_trip) + 0.100


def observed_idle_budget(split: dict[str, Any]) -> float | None:
    """The same rule with the round trips a cycle measured (the emulators' own time included, as a
    real server's is in a real round trip): the slower system's mean request of that cycle, plus 100 ms."""
    trips = [
        split[f"{name}_request_seconds_summed"] / split[f"{name}_requests"]
        for name in ("salesforce", "intacct")
        if split[f"{name}_requests"]
    ]
    return max(trips) + 0.100 if trips else None


def start(mode: str, latency: str, seed: str, workdir: Path) -> Target:
    profile = parse_latency(latency)
    if mode == "process":
        return _start_process(profile, latency, seed, workdir)
    sb = Sandbox(SandboxOptions(seed=seed, data_dir=workdir / "sandbox", latency=profile)).start()
    return Target("inprocess", profile, sb.salesforce_url, sb.intacct_url, sb.connection_info(), sandbox=sb)


def _start_process(profile: LatencyProfile, latency: str, seed: str, workdir: Path) -> Target:
    env = dict(os.environ)
    env["SFINTACCT_HOME"] = str(workdir / "sandbox-home")
    env["SFINTACCT_TEST_KEYRING_FILE"] = str(workdir / "sandbox-keyring.json")
    env["PYTHON_KEYRING_BACKEND"] = "tests.support.file_keyring.FileKeyring"
    env["PYTHONPATH"] = str(ROOT)
    cmd = [
        sys.executable, "-m", "sfintacct_desktop.cli", "sandbox", "serve", "--seed", seed, "--reset",
        "--data", str(workdir / "sandbox"), "--latency", latency,
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()  # blocks until both emulators listen
    if not line:
        proc.wait(10)
        raise RuntimeError(f"the sandbox process ended without its JSON line (exit {proc.returncode})")
    info = json.loads(line)
    return Target("process", profile, info["salesforce"]["url"], info["intacct"]["url"], info, proc=proc)
