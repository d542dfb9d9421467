"""One writer per profile, as a user meets it: `sync --watch` running, a second writer refused.

Real subprocesses (the CLI bench of test_cli_sync): the holder is a `sync --watch`; every writing
command of a second process exits 1 with the holder named, read-only commands keep working, and
after SIGKILL of the holder the kernel (SQLite's file lock) or the server (PostgreSQL's advisory
lock, held by the dead process's connection) has released it, so the next run syncs. Both backends.
"""

from __future__ import annotations

import json
import shutil
import signal
import time
from pathlib import Path

import pytest

from tests.integration.test_cli_sync import TIMEOUT, Bench, bench, cli, readline, spawn  # noqa: F401

BUSY = "Another sync is running for profile sandbox"


@pytest.fixture()
def on_backend(bench: Bench, state_backend: str, request: pytest.FixtureRequest) -> Bench:  # noqa: F811
    """The bench with the sandbox profile's state on SQLite (its file) or on a PostgreSQL database."""
    if state_backend == "postgres":
        url = request.getfixturevalue("postgres_url")
        moved = cli(bench.home, "state", "migrate", "--to", url)
        assert moved.returncode == 0, moved.stderr
    return bench


def other_machine(b: Bench, tmp_path: Path) -> Path:
    """A second installation (its own home, lock files and all) with the same profile settings."""
    home = tmp_path / "other-machine"
    (home / "config").mkdir(parents=True)
    shutil.copy(b.home / "config" / "profiles.json", home / "config" / "profiles.json")
    return home


def test_second_writer_refused_while_watch_holds_the_profile_then_free_after_sigkill(
    on_backend: Bench, state_backend: str, tmp_path: Path
) -> None:
    b = on_backend
    watch = spawn(b.home, "sync", "--watch", "--interval", "3600", "--json")
    try:
        first = json.loads(readline(watch, time.monotonic() + TIMEOUT))
        assert first["status"] == "ok"  # the watch's engine now holds the lock until it exits

        once = cli(b.home, "sync", "--once")
        assert once.returncode == 1, once.stdout + once.stderr
        assert BUSY in once.stderr
        assert f"process {watch.pid}" in once.stderr and "sync --watch" in once.stderr
        assert "Hint: Stop it first, or wait for it to finish." in once.stderr
        assert "Traceback" not in once.stderr
        if state_backend == "postgres":  # no file lock is shared with another machine: the server's lock is
            elsewhere = cli(other_machine(b, tmp_path), "sync", "--once")
            assert elsewhere.returncode == 1, elsewhere.stdout + elsewhere.stderr
            assert BUSY in elsewhere.stderr and f"process {watch.pid}" in elsewhere.stderr, elsewhere.stderr

        for writer in (("retry", "--all"), ("invoices", "--customer", "C-1", "--refresh"), ("baseline", "apply")):
            res = cli(b.home, *writer)
            assert res.returncode == 1, (writer, res.stderr)
            assert "Traceback" not in res.stderr
            if writer[0] != "baseline":  # apply first looks for a plan file (there is none here)
                assert BUSY in res.stderr, (writer, res.stderr)
        for reader in (("status",), ("errors",), ("conflicts",), ("invoices",)):
            res = cli(b.home, *reader)
            assert res.returncode == 0, (reader, res.stderr)
    finally:
        watch.send_signal(signal.SIGKILL)
        watch.communicate(timeout=TIMEOUT)

    after = cli(b.home, "sync", "--once", "--json")
    assert after.returncode == 0, after.stderr  # no stale lock from the killed holder
    assert json.loads(after.stdout.splitlines()[-1])["status"] == "ok"
