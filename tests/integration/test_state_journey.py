"""A whole journey on the demo company (CLI subprocesses, a fresh SFINTACCT_HOME), then the state is lost.

Checks, over real HTTP against both emulators:
- every file and folder the product wrote under SFINTACCT_HOME is private (0600 / 0700), whatever
  the umask: profiles, state store and its WAL/SHM, backups, plans and CSV exports, logs, the lock
  file, the sandbox's data;
- a lost state store of a profile that synced is refused (never silently started over);
- ``state rebuild`` re-creates links, merge bases, the order ledger and the markers from both systems
  while writing to neither (``writes`` counters unchanged), and the next ``sync --once`` writes nothing;
- a profile without its marker whose systems carry the product's cross-references is refused too;
- ``state restore`` refuses while a real ``sync --watch`` holds the profile, and after a restore to a
  backup older than the last order the next sync sends nothing twice.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sfintacct_desktop.wire.intacct import Filter
from sfintacct_desktop.wire.intacct import functions as fx
from tests.integration import test_cli_sync as base
from tests.integration.test_cli_baseline import bench  # noqa: F401  (the demo-seeded fixture)
from tests.integration.test_e2e_demo import _close_a_new_deal
from tests.support.damage import garble_header

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes")
TIMEOUT = 120


@pytest.fixture(autouse=True)
def typical_umask() -> Iterator[None]:
    """The usual 022 (children inherit it): without explicit modes everything would be world-readable."""
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def writes(b: base.Bench) -> tuple[int, int]:
    return int(b.admin(b.sf_base, "stats")["writes"]), int(b.admin(b.ia_base, "stats")["writes"])


def ok_json(b: base.Bench, *args: str) -> dict[str, Any]:
    run = base.cli(b.home, *args, "--json")
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr and "readable by other users" not in run.stderr, run.stderr
    return json.loads(run.stdout.splitlines()[0])


def sync_quiet(b: base.Bench) -> dict[str, Any]:
    before = writes(b)
    out = ok_json(b, "sync", "--once")
    assert out["status"] == "ok" and out["writes"] == 0, out
    assert writes(b) == before
    return out


def orders_of(b: base.Bench, opp: str) -> list[dict[str, Any]]:
    fields = ["RECORDNO", "DOCID", "DOCPARID", "PONUMBER"]
    res = b.ia.client.call([fx.query("SODOCUMENT", fields, Filter.equalto("PONUMBER", opp))])[0]
    return [r for r in res.records if r["DOCPARID"] == "Sales Order"]


def first_day(b: base.Bench) -> str:
    """Plan, apply, a quiet sync, one new deal ordered; returns the deal's Opportunity Id."""
    assert ok_json(b, "baseline", "plan")["ok"] is True
    applied = ok_json(b, "baseline", "apply", "--accept-suggested")
    assert applied["status"] == "ok" and applied["problems"] == [], applied
    sync_quiet(b)
    opp = _close_a_new_deal(b)
    pushed = ok_json(b, "sync", "--once")
    assert pushed["status"] == "ok" and len(orders_of(b, opp)) == 1, pushed
    sync_quiet(b)
    return opp


def not_private(home: Path) -> list[str]:
    bad = []
    for folder, dirs, files in os.walk(home):
        for name in dirs:
            p = Path(folder) / name
            if stat.S_IMODE(p.lstat().st_mode) != 0o700:
                bad.append(f"{oct(stat.S_IMODE(p.lstat().st_mode))} {p}")
        for name in files:
            p = Path(folder) / name
            if stat.S_IMODE(p.lstat().st_mode) != 0o600:
                bad.append(f"{oct(stat.S_IMODE(p.lstat().st_mode))} {p}")
    if stat.S_IMODE(home.stat().st_mode) != 0o700:
        bad.append(f"{oct(stat.S_IMODE(home.stat().st_mode))} {home}")
    return bad


def lose_state(b: base.Bench) -> Path:
    """The state folder's store and every backup of it are gone (a disk cleaner, a bad sync tool)."""
    state = b.home / "data" / "state"
    for p in state.iterdir():
        if p.name.startswith("sandbox.sqlite3"):
            p.unlink()
    return state / "sandbox.sqlite3"


@pytest.mark.timeout(300)  # a demo baseline and many CLI processes: slow on a loaded 2-core machine
def test_journey_files_are_private_and_a_lost_state_is_rebuilt_without_a_write(bench: base.Bench) -> None:  # noqa: F811
    opp = first_day(bench)
    backup = ok_json(bench, "state", "backup")
    assert Path(backup["backup"]["path"]).exists()
    check = ok_json(bench, "state", "check")
    assert check["ok"] is True and check["private"] is True
    links = check["links"]

    written = sorted(str(p.relative_to(bench.home)) for p in bench.home.rglob("*"))
    for expected in (
        "config/profiles.json",
        "data/state/sandbox.sqlite3",
        "data/state/sandbox.lock",
        "logs/sfintacct.log",
        "data/sandbox/salesforce/salesforce.sqlite3",
        "data/sandbox/intacct/intacct.sqlite3",
        "data/sandbox/ground_truth.json",
    ):
        assert expected in written, written
    assert any(w.startswith("data/plans/sandbox-") and w.endswith(".csv") for w in written)
    assert any(".bak-manual-" in w for w in written) and any(".bak-daily-" in w for w in written)
    assert any(w.endswith("-wal") for w in written)  # SQLite's own files are covered too
    assert not_private(bench.home) == []

    db = lose_state(bench)
    refused = base.cli(bench.home, "sync", "--once")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "The sync state of profile sandbox is missing" in refused.stderr and "state rebuild" in refused.stderr
    assert not db.exists()

    before = writes(bench)
    rebuilt = ok_json(bench, "state", "rebuild")
    assert writes(bench) == before  # read both systems, wrote to neither
    assert rebuilt["links"] == links and rebuilt["writes"] == 0
    assert rebuilt["orders_linked"] >= 1 and rebuilt["historical"] >= 1
    assert rebuilt["cutover_date"] and rebuilt["cutover_source"] == "known"
    assert rebuilt["receivables_to_update"] == 0 and rebuilt["invoices_known"] > 0
    assert sum(rebuilt["differing"].values()) == 0 and rebuilt["inconsistent"] == []
    sync_quiet(bench)  # and the next sync writes nothing on either side
    assert len(orders_of(bench, opp)) == 1
    status = ok_json(bench, "status")
    assert status["links"] == links

    # A new installation (the profile's marker gone too) facing the linked systems: refused as well.
    profiles = bench.home / "config" / "profiles.json"
    data = json.loads(profiles.read_text())
    data["profiles"]["sandbox"].pop("state")
    profiles.write_text(json.dumps(data))
    lose_state(bench)
    before = writes(bench)
    refused = base.cli(bench.home, "sync", "--once", "--json")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    error = json.loads(refused.stdout.splitlines()[0])["error"]
    assert error["title"] == "Salesforce and Intacct are already linked" and "state rebuild" in error["hint"]
    assert writes(bench) == before
    assert ok_json(bench, "state", "rebuild")["links"] == links
    sync_quiet(bench)
    assert not_private(bench.home) == []


@pytest.mark.timeout(300)  # a demo baseline and many CLI processes: slow on a loaded 2-core machine
def test_restore_waits_for_the_sync_and_sends_no_order_twice(bench: base.Bench) -> None:  # noqa: F811
    assert ok_json(bench, "baseline", "plan")["ok"] is True
    assert ok_json(bench, "baseline", "apply", "--accept-suggested")["status"] == "ok"
    sync_quiet(bench)
    older = ok_json(bench, "state", "backup")["backup"]
    opp = _close_a_new_deal(bench)
    assert ok_json(bench, "sync", "--once")["status"] == "ok"
    assert len(orders_of(bench, opp)) == 1

    watch = base.spawn(bench.home, "sync", "--watch", "--interval", "3600", "--json")
    try:
        line = base.readline(watch, time.monotonic() + TIMEOUT)
        assert json.loads(line)["status"] == "ok"  # the watch holds the profile now
        run = base.cli(bench.home, "state", "restore")
        assert run.returncode == 1 and "Another sync is running" in run.stderr and "Traceback" not in run.stderr
    finally:
        watch.send_signal(signal.SIGTERM)
        watch.communicate(timeout=TIMEOUT)

    db = bench.home / "data" / "state" / "sandbox.sqlite3"
    garble_header(db)
    damaged = base.cli(bench.home, "status")
    assert damaged.returncode == 1 and older["name"] in damaged.stderr  # the hint names the backup
    restored = ok_json(bench, "state", "restore", older["name"])
    assert restored["restored_from"]["name"] == older["name"] and restored["kept_aside"]
    before = writes(bench)
    out = ok_json(bench, "sync", "--once")  # the order sent after the backup is found, not sent again
    assert out["status"] == "ok" and out["writes"] == 0, out
    assert writes(bench) == before and len(orders_of(bench, opp)) == 1
    sync_quiet(bench)
