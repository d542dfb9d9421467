"""Private files and folders whatever the umask; looser ones repaired with a warning."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sfintacct_desktop.app import logging_setup
from sfintacct_desktop.config import private

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX modes (Windows uses an ACL, best effort)")


def mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.fixture(params=[0o022, 0o000])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


def test_created_folders_are_0700_and_existing_parents_untouched(tmp_path: Path, umask: int) -> None:
    tmp_path.chmod(0o755)
    target = tmp_path / "a" / "b" / "c"
    private.ensure_dir(target)
    assert [mode(p) for p in (tmp_path / "a", tmp_path / "a" / "b", target)] == [0o700] * 3
    assert mode(tmp_path) == 0o755


def test_files_are_0600_however_they_are_written(tmp_path: Path, umask: int) -> None:
    private.write_atomic(tmp_path / "d" / "plan.json", "{}")
    private.create_file(tmp_path / "d" / "state.sqlite3")
    with private.open_private(tmp_path / "d" / "x.lock") as fh:
        fh.write(b"x")
    with private.open_private_text(tmp_path / "d" / "log.txt") as fh:
        fh.write("line\n")
    assert {p.name: mode(p) for p in (tmp_path / "d").iterdir()} == dict.fromkeys(
        ("plan.json", "state.sqlite3", "x.lock", "log.txt"), 0o600
    )


def test_an_atomic_rewrite_of_a_loose_file_makes_it_private(tmp_path: Path) -> None:
    path = tmp_path / "profiles.json"
    path.write_text("{}")
    path.chmod(0o644)
    private.write_atomic(path, '{"a": 1}')
    assert mode(path) == 0o600 and path.read_text() == '{"a": 1}'


def test_repair_tree_fixes_and_reports_what_others_could_read(tmp_path: Path) -> None:
    root = tmp_path / "home"
    (root / "data").mkdir(parents=True)
    (root / "data" / "state.sqlite3").write_bytes(b"x")
    (root / "data" / "state.sqlite3").chmod(0o644)
    (root / "ok.txt").write_text("x")
    (root / "ok.txt").chmod(0o600)
    outside = tmp_path / "outside.txt"
    outside.write_text("x")
    outside.chmod(0o644)
    (root / "link").symlink_to(outside)
    root.chmod(0o755)
    (root / "data").chmod(0o755)
    fixed = private.repair_tree(root)
    assert set(fixed) == {root, root / "data", root / "data" / "state.sqlite3"}
    assert mode(root / "data" / "state.sqlite3") == 0o600 and mode(root) == 0o700
    assert mode(outside) == 0o644  # a link is never followed out of the product's folders
    assert private.repair_tree(root) == []


def test_start_up_repair_warns_for_each_loose_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("SFINTACCT_HOME", str(home))
    (home / "logs").mkdir(parents=True)
    (home / "logs" / "sfintacct.log").write_text("old\n")
    (home / "logs" / "sfintacct.log").chmod(0o644)
    with caplog.at_level(logging.WARNING):
        fixed = logging_setup.secure_product_files()
    assert home / "logs" / "sfintacct.log" in fixed
    assert "readable by other users" in caplog.text and "sfintacct.log" in caplog.text
    assert mode(home / "logs" / "sfintacct.log") == 0o600


def test_the_log_file_and_its_rotations_are_private(tmp_path: Path) -> None:
    handler = logging_setup.PrivateRotatingFileHandler(tmp_path / "logs" / "x.log", maxBytes=200, backupCount=2)
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "y" * 150, None, None)
    try:
        for _ in range(4):
            handler.emit(record)
    finally:
        handler.close()
    files = sorted((tmp_path / "logs").iterdir())
    assert [p.name for p in files] == ["x.log", "x.log.1", "x.log.2"]
    assert {mode(p) for p in files} == {0o600}
    assert mode(tmp_path / "logs") == 0o700
