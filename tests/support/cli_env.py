"""Run ``sfintacct`` as a user does: a real subprocess, isolated home, the test keyring."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .file_keyring import ENV_FILE

REPO = Path(__file__).resolve().parents[2]
FILE_KEYRING = "tests.support.file_keyring.FileKeyring"
FAIL_KEYRING = "keyring.backends.fail.Keyring"
SECRET_ENVS = (
    "SFINTACCT_SF_PASSWORD",
    "SFINTACCT_SF_SECURITY_TOKEN",
    "SFINTACCT_SF_CONSUMER_SECRET",
    "SFINTACCT_INTACCT_SENDER_PASSWORD",
    "SFINTACCT_INTACCT_USER_PASSWORD",
)


def cli_env(home: Path, keyring_file: Path, *, backend: str = FILE_KEYRING, **extra: str) -> dict[str, str]:
    """A clean environment: no inherited secrets, the given keyring backend and file."""
    env = {k: v for k, v in os.environ.items() if k not in SECRET_ENVS and not k.startswith("SFINTACCT_")}
    env.update(
        {
            "SFINTACCT_HOME": str(home),
            "PYTHON_KEYRING_BACKEND": backend,
            ENV_FILE: str(keyring_file),
            "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH", "")) if p),
        }
    )
    env.update(extra)
    return env


def run_cli(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sfintacct_desktop.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=str(REPO),
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
