"""The per-profile writer lock: exclusive across processes, re-entrant inside one, gone with its holder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sfintacct_desktop.app.profile_lock import ProfileLock, lock_path, read_holder
from sfintacct_desktop.config.paths import app_paths
from sfintacct_desktop.domain import ErrorKind, SyncError

REPO = Path(__file__).resolve().parents[2]
HOLD = (
    "import sys; from pathlib import Path; from sfintacct_desktop.app.profile_lock import ProfileLock; "
    "ProfileLock('p', Path(sys.argv[1])).acquire(); print('locked', flush=True); sys.stdin.read()"
)


def _holder(path: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def test_lock_path_is_beside_the_state_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SFINTACCT_HOME", str(tmp_path))
    assert lock_path("acme") == app_paths().state_db("acme").parent / "acme.lock"
    assert lock_path("acme").is_relative_to(tmp_path)


def test_in_process_lock_records_holder_is_reentrant_and_clears_on_release(tmp_path: Path) -> None:
    path = tmp_path / "state" / "p.lock"
    first = ProfileLock("p", path).acquire()
    assert first.held
    holder = read_holder(path)
    assert holder["pid"] == os.getpid() and "since" in holder
    with ProfileLock("p", path) as second:  # same process (GUI worker + wizard): counted, not refused
        assert second.held
    assert read_holder(path)["pid"] == os.getpid()  # still held by the first
    first.release()
    assert not first.held
    assert read_holder(path) == {}
    first.release()  # idempotent


def test_second_process_is_refused_with_the_holder_named_until_the_holder_dies(tmp_path: Path) -> None:
    path = tmp_path / "p.lock"
    proc = _holder(path)
    try:
        with pytest.raises(SyncError) as err:
            ProfileLock("p", path).acquire()
        info = err.value.info
        assert info.kind is ErrorKind.BUSY and info.fatal
        assert info.title == "Another sync is running for profile p"
        assert f"process {proc.pid}" in info.message
        assert info.hint == "Stop it first, or wait for it to finish."
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    with ProfileLock("p", path) as lock:  # the kernel released the dead holder's lock: no stale lock
        assert lock.held
