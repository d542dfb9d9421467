"""A test-only keyring backend: a JSON file named by ``SFINTACCT_TEST_KEYRING_FILE``.

Why: the CLI tests run ``sfintacct`` in subprocesses, which must share one keyring, and must never
touch the machine's real keyring. Select it with
``PYTHON_KEYRING_BACKEND=tests.support.file_keyring.FileKeyring`` (the repo root on PYTHONPATH).
Priority 1 makes the product's CredentialStore accept it as a recommended backend; it stores in
clear text on purpose (tests assert that the canary lands here and nowhere else).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

ENV_FILE = "SFINTACCT_TEST_KEYRING_FILE"


class FileKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    @property
    def path(self) -> Path:
        value = os.environ.get(ENV_FILE)
        if not value:
            raise RuntimeError(f"{ENV_FILE} is not set")
        return Path(value)

    def _load(self) -> dict[str, dict[str, str]]:
        if not self.path.exists():
            return {}
        return json.loads(self.path.read_text(encoding="utf-8"))

    def _save(self, data: dict[str, dict[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data.setdefault(service, {})[username] = password
        self._save(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if username not in data.get(service, {}):
            raise PasswordDeleteError("not found")
        del data[service][username]
        if not data[service]:
            del data[service]
        self._save(data)
