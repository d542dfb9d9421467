"""The state commands on a PostgreSQL store, as a user meets them (CLI subprocesses, empty company).

- a URL with a password is refused without repeating it anywhere (output, settings, logs);
- an unreachable server is named as such and nothing is switched;
- migrating to where the state already is, or into a database that holds state, is refused;
- `state rebuild` on PostgreSQL reads both systems, writes to neither, and the next cycle writes nothing;
- `state backup` points at the database's own tools.
"""

from __future__ import annotations

from tests.integration.test_cli_sync import Bench, bench, cli_json  # noqa: F401
from tests.integration.test_state_journey import ok_json, sync_quiet, writes
from tests.integration.test_state_migrate import profile_state, refused

SECRET = "s3cret-Pa55"


def test_a_password_in_the_url_and_an_unreachable_server_are_refused(bench: Bench, postgres_url: str) -> None:  # noqa: F811
    secret = SECRET
    leaked = postgres_url.replace("postgres@", f"postgres:{secret}@")
    err = refused(bench, "state", "migrate", "--to", leaked)
    assert err["code"] == "STATE_URL_BAD" and "password" in err["message"]
    assert secret not in str(err)
    port = postgres_url.rsplit(":", 1)[1].split("/")[0]
    gone = refused(bench, "state", "migrate", "--to", postgres_url.replace(f":{port}/", ":9/"))  # nobody there
    assert gone["code"] == "STATE_UNREACHABLE" and "cannot be reached" in gone["title"]
    assert "url" not in profile_state(bench)
    text = (bench.home / "config" / "profiles.json").read_text(encoding="utf-8")
    assert secret not in text
    for log in (bench.home / "logs").rglob("*"):
        if log.is_file():
            assert secret not in log.read_text(encoding="utf-8", errors="replace"), log


def test_refusals_and_rebuild_on_postgres(bench: Bench, postgres_url: str) -> None:  # noqa: F811
    bench.create_account(Name="Acme Widgets", AccountNumber="ACME1")
    bench.create_customer("C-5001", "Globex")
    assert cli_json(bench.home, "sync", "--once", "--allow-without-baseline")["status"] == "ok"
    moved = ok_json(bench, "state", "migrate", "--to", postgres_url)
    assert moved["rows"]["links"] == 2 and profile_state(bench)["url"] == postgres_url
    assert refused(bench, "state", "migrate", "--to", postgres_url)["code"] == "STATE_SAME"
    assert refused(bench, "state", "backup")["code"] == "STATE_ON_SERVER"
    sync_quiet(bench)

    assert refused(bench, "state", "rebuild")["code"] == "STATE_HEALTHY"
    before = writes(bench)
    rebuilt = ok_json(bench, "state", "rebuild", "--force")  # built in a file, then put in the database
    assert rebuilt["path"] == postgres_url and rebuilt["links"]["customer"] == 2 and rebuilt["writes"] == 0
    assert writes(bench) == before and ok_json(bench, "state", "check")["backend"] == "postgresql"
    sync_quiet(bench)

    back = refused(bench, "state", "migrate", "--to", "sqlite")  # the old file still holds the older state
    assert back["code"] == "STATE_MIGRATE" and "--replace" in back["hint"]
    assert profile_state(bench)["url"] == postgres_url  # nothing switched
    home = ok_json(bench, "state", "migrate", "--to", "sqlite", "--replace")
    assert len(home["kept_aside"]) == 1 and "url" not in profile_state(bench)
    refill = refused(bench, "state", "migrate", "--to", postgres_url)  # the database holds the older state
    assert refill["code"] == "STATE_MIGRATE" and "--replace" in refill["hint"]
