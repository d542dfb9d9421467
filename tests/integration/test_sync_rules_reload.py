"""A profile's engine follows its rules file between runs: a saved change applies to the next run, a
file broken by hand fails that run with its own words, and the run after the fix goes on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest

from sfintacct_desktop.app import sync_rules as sr
from sfintacct_desktop.app.sync_service import build_engine
from sfintacct_desktop.config.profiles import save_sandbox_profile
from sfintacct_desktop.domain import SyncError
from sfintacct_sandbox.runner import Sandbox, SandboxOptions
from tests.support.file_keyring import ENV_FILE, FileKeyring
from tests.support.sync_env import ia_connector, sf_connector


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    monkeypatch.setenv("SFINTACCT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv(ENV_FILE, str(tmp_path / "keyring.json"))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    sb = Sandbox(SandboxOptions(seed="empty")).start()
    try:
        save_sandbox_profile(sb.connection_info("sandbox"))
        yield sb
    finally:
        sb.stop()
        keyring.set_keyring(previous)


def test_saved_rules_apply_to_the_next_run_and_a_broken_file_fails_only_until_fixed(sandbox: Sandbox) -> None:
    sf, ia = sf_connector(sandbox), ia_connector(sandbox)
    engine = build_engine("sandbox", allow_without_baseline=True)
    try:
        acc = sf.client.create_many(
            "Account", [{"Name": "Reload Co", "AccountNumber": "RLD1", "Phone": "+1 212 555 0101"}]
        )
        assert acc[0].success
        assert engine.run_cycle("test").status == "ok"
        assert ia.customers_by_ids(["RLD1"])[0].phone.endswith("0101")

        sr.save_rules(sr.with_field(sr.read_rules("sandbox"), "customer", "phone", synced=False))
        sf.client.update_many("Account", [{"Id": acc[0].id, "Phone": "+1 212 555 0202"}])
        assert engine.run_cycle("test").status == "ok"
        assert ia.customers_by_ids(["RLD1"])[0].phone.endswith("0101"), "the phone no longer syncs"

        path = Path(sr.read_rules("sandbox").path)
        good = path.read_text(encoding="utf-8")
        path.write_text(good.replace('owner = "both"', 'owner = "everyone"', 1), encoding="utf-8")
        with pytest.raises(SyncError) as err:
            engine.run_cycle("test")
        assert err.value.info.title == "Bad owner" and str(path) in err.value.info.message
        assert "Sync rules" in err.value.info.for_window().hint and "Sync rules" not in err.value.info.hint

        path.write_text(good.replace("version = 1", "version = 1\n# fixed by hand"), encoding="utf-8")
        sf.client.update_many("Account", [{"Id": acc[0].id, "Name": "Reload Co Renamed"}])
        assert engine.run_cycle("test").status == "ok"
        cust = ia.customers_by_ids(["RLD1"])[0]
        assert cust.name == "Reload Co Renamed" and cust.phone.endswith("0101")
    finally:
        engine.close()
