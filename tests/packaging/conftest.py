"""The packaged build: built once per test session, shared by every xdist worker.

Why a lock and not a session fixture alone: under ``pytest -n`` each worker has its own session,
so a plain fixture would build the bundle once per worker. The first worker builds into the run's
shared temporary folder under an exclusive lock; the others wait on it and reuse the result.

Ordering, for the suite's wall time: the first packaging test goes to the front of the run (its
worker builds while the others run the rest of the suite) and the other packaging tests to the end
(by then the bundle is built: no worker sits blocked on the lock while the build runs).
"""

from __future__ import annotations

import fcntl
import importlib.util
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD_TIMEOUT = 900.0  # seconds: a cold build takes about 1.5 min on two busy cores


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The built one-folder app (``sfintacct-desktop/``); its ``.tar.gz`` lies beside it."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the packaged build is tested on Linux only")
    if importlib.util.find_spec("PyInstaller") is None:
        if os.environ.get("CI"):
            pytest.fail("PyInstaller is missing: CI must install the [packaging] extra")
        pytest.skip("PyInstaller is not installed (pip install -e '.[packaging]')")
    base = tmp_path_factory.getbasetemp()
    # under xdist each worker's folder sits in the run's folder, shared by all of them; without it the
    # parent would be shared by every run of the day, and a later run would reuse a stale build
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    root = shared / "packaged-build"
    root.mkdir(exist_ok=True)
    with open(shared / "packaged-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        result = root / "result.json"
        if not result.exists():
            started = time.monotonic()
            proc = subprocess.run(
                [sys.executable, str(REPO / "packaging" / "build.py"),
                 "--dist", str(root / "dist"), "--work", str(root / "work"), "--gzip-level", "1"],
                capture_output=True, text=True, cwd=str(REPO), timeout=BUILD_TIMEOUT, stdin=subprocess.DEVNULL,
            )  # fmt: skip
            outcome = {"rc": proc.returncode, "seconds": time.monotonic() - started, "log": proc.stderr[-4000:]}
            result.write_text(json.dumps(outcome), encoding="utf-8")
        outcome = json.loads(result.read_text(encoding="utf-8"))
    if outcome["rc"] != 0:
        pytest.fail(f"the build failed (exit {outcome['rc']}):\n{outcome['log']}")
    print(f"\npackaged build: {outcome['seconds']:.1f} s")
    yield root / "dist" / "sfintacct-desktop"
