"""`sfintacct state migrate`: a profile's state moves SQLite -> PostgreSQL -> SQLite and syncs on unchanged.

CLI subprocesses on the demo company (a baseline, a sync, one sales order on SQLite), a real PostgreSQL
(the embedded server of tests/support/postgres.py) and both emulators over real HTTP:
- the copy keeps every row and id, and the next cycle on PostgreSQL writes nothing on either side;
- the profile's settings name the database only after success, and never hold a password;
- a target that already holds state is refused unless --replace (a SQLite file is then kept aside).
The refusals (password in the URL, unreachable server, same store) and rebuild on PostgreSQL are in
test_state_postgres_cli.py, on the cheaper empty company.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.integration import test_cli_sync as base
from tests.integration.test_cli_baseline import bench  # noqa: F401  (the demo-seeded fixture)
from tests.integration.test_state_journey import first_day, ok_json, sync_quiet, writes


def profile_state(b: base.Bench) -> dict[str, Any]:
    data = json.loads((b.home / "config" / "profiles.json").read_text(encoding="utf-8"))
    return dict(data["profiles"]["sandbox"].get("state") or {})


def refused(b: base.Bench, *args: str) -> dict[str, Any]:
    run = base.cli(b.home, *args, "--json")
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    return dict(json.loads(run.stdout.splitlines()[0])["error"])


@pytest.mark.timeout(300)  # one demo baseline and a dozen CLI processes: slow on a loaded 2-core machine
def test_state_moves_to_postgres_and_back_and_syncs_on_without_a_write(
    bench: base.Bench,  # noqa: F811
    postgres_url: str,
) -> None:
    first_day(bench)  # baseline, a quiet sync and one sales order, all on the SQLite file
    sqlite_file = bench.home / "data" / "state" / "sandbox.sqlite3"
    on_file = ok_json(bench, "state", "check")
    assert on_file["backend"] == "sqlite" and on_file["links"]["customer"] > 0
    synced_customers = on_file["links"]["customer"]

    moved = ok_json(bench, "state", "migrate", "--to", postgres_url.replace("+psycopg", ""))
    assert moved["to"] == postgres_url and moved["from"] == str(sqlite_file)
    assert moved["rows"]["links"] == sum(on_file["links"].values()) and moved["rows"]["intents"] >= 1
    assert profile_state(bench)["url"] == postgres_url and profile_state(bench)["synced_before"]

    on_pg = ok_json(bench, "state", "check")
    assert on_pg["backend"] == "postgresql" and on_pg["links"] == on_file["links"]
    assert on_pg["last_run"] == on_file["last_run"]
    sync_quiet(bench)  # the copied bases, cursors and ledger: nothing to write on either side

    bench.create_account(Name="Migrated Co", BillingCity="Oakland")  # and it writes where it must
    before = writes(bench)
    synced = ok_json(bench, "sync", "--once")
    assert synced["status"] == "ok" and synced["writes"] >= 1 and writes(bench) != before

    home = ok_json(bench, "state", "migrate", "--to", "sqlite", "--replace")
    assert home["to"] == str(sqlite_file) and len(home["kept_aside"]) == 1
    assert Path(home["kept_aside"][0]).exists()  # nothing is deleted
    assert "url" not in profile_state(bench)
    assert home["rows"]["links"] == sum(on_file["links"].values()) + 1
    sync_quiet(bench)  # what was written on PostgreSQL came back whole: nothing to write again
    assert synced_customers
