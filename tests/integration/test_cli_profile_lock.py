"""One writer per profile, as a user meets it: `sync --watch` running, a second writer refused.

Real subprocesses (the CLI bench of test_cli_sync): the holder is a `sync --watch`; every writing
command of a second process exits 1 with the holder named, read-only commands keep working, and
after SIGKILL of the holder the kernel has released its lock, so the next run syncs.
"""

from __future__ import annotations

import json
import signal
import time

from tests.integration.test_cli_sync import TIMEOUT, Bench, bench, cli, readline, spawn  # noqa: F401

BUSY = "Another sync is running for profile sandbox"


def test_second_writer_refused_while_watch_holds_the_profile_then_free_after_sigkill(bench: Bench) -> None:  # noqa: F811
    watch = spawn(bench.home, "sync", "--watch", "--interval", "3600", "--json")
    try:
        first = json.loads(readline(watch, time.monotonic() + TIMEOUT))
        assert first["status"] == "ok"  # the watch's engine now holds the lock until it exits

        once = cli(bench.home, "sync", "--once")
        assert once.returncode == 1, once.stdout + once.stderr
        assert BUSY in once.stderr
        assert f"process {watch.pid}" in once.stderr and "sync --watch" in once.stderr
        assert "Hint: Stop it first, or wait for it to finish." in once.stderr
        assert "Traceback" not in once.stderr

        for writer in (("retry", "--all"), ("invoices", "--customer", "C-1", "--refresh"), ("baseline", "apply")):
            res = cli(bench.home, *writer)
            assert res.returncode == 1, (writer, res.stderr)
            assert "Traceback" not in res.stderr
            if writer[0] != "baseline":  # apply first looks for a plan file (there is none here)
                assert BUSY in res.stderr, (writer, res.stderr)
        for reader in (("status",), ("errors",), ("conflicts",), ("invoices",)):
            res = cli(bench.home, *reader)
            assert res.returncode == 0, (reader, res.stderr)
    finally:
        watch.send_signal(signal.SIGKILL)
        watch.communicate(timeout=TIMEOUT)

    after = cli(bench.home, "sync", "--once", "--json")
    assert after.returncode == 0, after.stderr  # no stale lock from the killed holder
    assert json.loads(after.stdout.splitlines()[-1])["status"] == "ok"
