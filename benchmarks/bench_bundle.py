"""The packaged desktop app: build time, bundle size, cold and warm start-up.

Run:  .venv/bin/python benchmarks/bench_bundle.py [--bundle dist/sfintacct-desktop] [--rounds 5]

Without ``--bundle`` it first builds one with ``packaging/build.py`` into a temporary folder (needs
the ``[packaging]`` extra) and reports the build's wall time. Then, on Linux:

- size: MB and file count of the one-folder app, and of its ``.tar.gz`` when it lies beside it;
- ``sfintacct --version``: cold (the bundle's own files evicted from the page cache first) and warm
  (median of ``--rounds`` runs);
- the window to its first paint offscreen (``sfintacct-desktop --screenshot``, timed until the PNG
  appears), on the sandbox profile with the bundle's own sandbox running: cold and warm.

Cold here means the bundle's files are not in the page cache (``posix_fadvise(DONTNEED)`` on each
of them: no root needed, and the machine's other work keeps its cache); shared system libraries
stay cached, as they are on a desktop in use. Where eviction is not possible the first run stands
in for cold. Wall times move with the machine's load, so the CPU seconds of a warm run (user +
system, to the program's exit) are printed too. Printed as a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = "sfintacct-desktop"


def build(into: Path) -> float:
    start = time.perf_counter()
    script = ROOT / "packaging" / "build.py"
    argv = [sys.executable, str(script), "--dist", str(into / "dist"), "--work", str(into / "work")]
    subprocess.run(argv, check=True)
    return time.perf_counter() - start


def size(folder: Path) -> tuple[float, int]:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()]
    return sum(p.stat().st_size for p in files) / 1e6, len(files)


def evict(folder: Path) -> bool:
    """Drop the bundle's files from the page cache; False where the OS offers no way to."""
    if not hasattr(os, "posix_fadvise"):
        return False
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
    return True


def environment(tmp: Path) -> dict[str, str]:
    """A throwaway home; the keyring is the test file backend, never the machine's own."""
    config = tmp / "config" / "python_keyring"
    config.mkdir(parents=True, exist_ok=True)
    (config / "keyringrc.cfg").write_text(
        f"[backend]\ndefault-keyring = tests.support.file_keyring.FileKeyring\nkeyring-path = {ROOT}\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SFINTACCT_", "PYTHON_KEYRING"))}
    env.update(
        SFINTACCT_HOME=str(tmp / "home"), SFINTACCT_TEST_KEYRING_FILE=str(tmp / "keyring.json"),
        XDG_CONFIG_HOME=str(tmp / "config"), QT_QPA_PLATFORM="offscreen",
    )  # fmt: skip
    return env


def time_version(bundle: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([str(bundle / "sfintacct"), "--version"], check=True, env=env, capture_output=True)
    return time.perf_counter() - start


def time_first_paint(bundle: Path, env: dict[str, str], shot: Path) -> float:
    """Seconds from starting the window program until its first painted frame is on disk."""
    shot.unlink(missing_ok=True)
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(bundle / NAME), "--screenshot", str(shot)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    while not shot.exists():
        if proc.poll() is not None and not shot.exists():
            raise SystemExit(f"the window exited ({proc.returncode}) without painting")
        time.sleep(0.005)
    elapsed = time.perf_counter() - start
    proc.wait(timeout=120)
    return elapsed


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cold_and_warm(measure: object, bundle: Path, rounds: int) -> dict[str, float | bool]:
    """Wall seconds cold and warm, and the CPU seconds of a warm run (whole run, to its exit).

    The CPU figure does not move with the machine's load, the wall figures do: both are printed.
    """
    evicted = evict(bundle)
    cold = measure()  # type: ignore[operator]
    before = children_cpu()
    warm = [measure() for _ in range(rounds)]  # type: ignore[operator]
    cpu = (children_cpu() - before) / rounds
    return {
        "cold_s": round(cold, 3), "cold_is_evicted": evicted, "warm_median_s": round(statistics.median(warm), 3),
        "warm_cpu_s": round(cpu, 3),
    }  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=None, help="an existing dist/sfintacct-desktop folder")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="bench-bundle-") as tmp_name:
        tmp = Path(tmp_name)
        bundle = args.bundle
        if bundle is None:
            results["build_s"] = round(build(tmp), 1)
            bundle = tmp / "dist" / NAME
        bundle = bundle.resolve()
        mb, count = size(bundle)
        results["bundle_mb"], results["bundle_files"] = round(mb, 1), count
        archives = sorted(bundle.parent.glob(f"{NAME}-*.tar.gz"))
        if archives:
            results["archive_mb"] = round(archives[-1].stat().st_size / 1e6, 1)
        env = environment(tmp)
        results["version"] = cold_and_warm(lambda: time_version(bundle, env), bundle, args.rounds)
        sandbox = subprocess.Popen(
            [str(bundle / "sfintacct"), "sandbox", "serve", "--seed", "demo"], env=env, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        try:
            sandbox.stdout.readline()  # type: ignore[union-attr] # the connection line: it is serving
            shot = tmp / "first-paint.png"
            results["window_first_paint"] = cold_and_warm(
                lambda: time_first_paint(bundle, env, shot), bundle, max(1, args.rounds // 2)
            )
        finally:
            sandbox.send_signal(signal.SIGTERM)
            sandbox.wait(timeout=60)
    print(f"{'measure':32} value")
    for key, value in results.items():
        print(f"{key:32} {value}")
    print(json.dumps(results, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
