"""Intacct reads that cannot sink a cycle, over real HTTP against both emulators.

The emulator refuses every AUDITHISTORY field that is not documented, can write OBJECTKEY as the
RECORDNO or the readable id and ACCESSTIME in the company zone or GMT, and can refuse one object's
audit trail or one object's reads: the sync must be right under each.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sfintacct_desktop.engine.ia_reads import AUDIT_REFUSED_META, AUDIT_ZONE_META
from tests.support.sync_env import SyncEnv, make_env, ok

CONVENTIONS = [("recordno", "company"), ("recordno", "gmt"), ("id", "company"), ("id", "gmt")]


def _env(tmp_path: Path, key: str = "recordno", zone: str = "company", tz: str = "") -> Iterator[SyncEnv]:
    gen = make_env(tmp_path)
    env = next(gen)
    company = env.sandbox.intacct.company
    company.audit_object_key, company.audit_time_zone = key, zone
    if tz:  # the company's zone on both sides (the emulator's clock and the engine's connector)
        company.tz = ZoneInfo(tz)
        env.engine.ia.zone = ZoneInfo(tz)
    try:
        yield env
    finally:
        gen.close()


@pytest.fixture(params=CONVENTIONS, ids=["-".join(c) for c in CONVENTIONS])
def conv_env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SyncEnv]:
    yield from _env(tmp_path, *request.param)


@pytest.fixture()
def env(tmp_path: Path) -> Iterator[SyncEnv]:
    yield from _env(tmp_path)


def _meta(env: SyncEnv, key: str) -> object:
    with env.store.read() as r:
        return r.meta.get(key)


def _account_of(env: SyncEnv, customer_id: str) -> str:
    return next(a for a in env.accounts() if a["Intacct_Customer_ID__c"] == customer_id)["Id"]


def _ia_link(env: SyncEnv, entity: str, key: str):
    with env.store.read() as r:
        return r.links.by_ia_key(entity, key)


def test_deletions_are_found_under_every_audit_convention(conv_env: SyncEnv) -> None:
    env = conv_env
    env.create_customer("C-D1", "Gone Soon Co")
    env.create_customer("C-D2", "Staying Co")
    env.create_item("I-D1", "Gone Soon Item")
    ok(env)
    # the first busy cycle detected ACCESSTIME's clock from the audit rows and WHENMODIFIED
    assert _meta(env, AUDIT_ZONE_META) == env.sandbox.intacct.company.audit_time_zone
    acc = _account_of(env, "C-D1")
    env.delete_ia("CUSTOMER", env.customer("C-D1").record_no)
    env.delete_ia("ITEM", env.item("I-D1").record_no)
    ok(env)
    assert env.account(acc)["Intacct_Inactive__c"] is True
    assert env.account(_account_of(env, "C-D2"))["Intacct_Inactive__c"] is False
    assert _ia_link(env, "customer", "C-D1").ia_deleted_at is not None
    assert _ia_link(env, "customer", "C-D2").ia_deleted_at is None
    assert _ia_link(env, "product", "I-D1").ia_deleted_at is not None
    before = env.writes()
    ok(env)
    assert env.writes() == before


@pytest.mark.parametrize("tz", ["Asia/Tokyo", "America/Los_Angeles"])
def test_until_the_clock_is_known_no_deletion_is_missed(tmp_path: Path, tz: str) -> None:
    """ACCESSTIME in GMT for a company east (Tokyo) or west (Los Angeles) of it, not yet detected."""
    for env in _env(tmp_path, "recordno", "gmt", tz):
        env.create_customer("C-Z1", "Zone Co")
        ok(env)
        assert _meta(env, AUDIT_ZONE_META) == "gmt"
        acc = _account_of(env, "C-Z1")
        with env.store.write() as tx:
            tx.meta.set(AUDIT_ZONE_META, None)  # as before detection
        env.delete_ia("CUSTOMER", env.customer("C-Z1").record_no)
        ok(env)
        assert env.account(acc)["Intacct_Inactive__c"] is True


def test_the_probe_window_is_in_intaccts_own_clock(tmp_path: Path) -> None:
    """A wrong zone (company time when ACCESSTIME is GMT east of Greenwich) would shift a window
    computed from our clock by hours; the probe's starts at the newest ACCESSTIME it saw, so the
    deletion is still found."""
    for env in _env(tmp_path, "recordno", "gmt", "Asia/Tokyo"):
        env.create_customer("C-Z2", "Wrong Clock Co")
        ok(env)
        with env.store.write() as tx:
            tx.meta.set(AUDIT_ZONE_META, "company")  # wrong on purpose
        env.delete_ia("CUSTOMER", env.customer("C-Z2").record_no)
        ok(env)
        assert env.account(_account_of(env, "C-Z2"))["Intacct_Inactive__c"] is True


@pytest.mark.parametrize("kind", ["permission", "not_enabled"])
def test_a_refused_audit_trail_fails_its_stream_only(env: SyncEnv, kind: str) -> None:
    env.create_customer("C-R1", "Refused Audit Co")
    env.create_item("I-R1", "Fine Item")
    ok(env)
    with env.store.read() as r:
        cursor = r.cursors.value("intacct.customers")
    env.sandbox.intacct.refuse_reads["AUDITHISTORY:customer"] = kind
    env.clock("intacct", 5)  # the changes below carry a later WHENMODIFIED than the cursor
    env.update_ia("CUSTOMER", {"CUSTOMERID": "C-R1", "NAME": "Renamed Co"})
    env.create_customer("C-R2", "New While Refused Co")
    env.create_item("I-R2", "New Item")
    doomed = env.customer("C-R1").record_no
    summary = env.sync()
    assert summary.status == "partial", summary.error
    assert summary.error is not None and "intacct.customers" in summary.error.title
    streams = {s.stream: s for s in summary.streams}
    failure = streams["intacct.customers"].failure
    assert failure and failure["title"] and failure["message"] and failure["hint"]
    assert "audit" in failure["title"].lower()
    assert streams["intacct.items"].failure is None
    # customers and items still synced
    assert {a["Name"] for a in env.accounts()} >= {"Renamed Co", "New While Refused Co"}
    assert any(p.cross_ref == "I-R2" for page in env.user_sf.read_products() for p in page)
    with env.store.read() as r:
        assert r.cursors.value("intacct.customers") == cursor  # held: the deletions are still owed
    assert _meta(env, AUDIT_REFUSED_META) == ["customer"]
    # the sync's own writes of that cycle (cross-references on the new item) are read once
    assert env.sync().status == "partial"
    # then the refused type is asked in a function of its own next to the probe, still one request
    env.delete_ia("CUSTOMER", doomed)
    again = env.sync()
    assert again.status == "partial" and again.intacct_requests == 1
    # access restored: the deletion made meanwhile is found, the cursor moves on
    del env.sandbox.intacct.refuse_reads["AUDITHISTORY:customer"]
    ok(env)
    assert env.account(_account_of(env, "C-R1"))["Intacct_Inactive__c"] is True
    assert _meta(env, AUDIT_REFUSED_META) == []
    with env.store.read() as r:
        assert (r.cursors.value("intacct.customers") or "") > (cursor or "")


def test_a_refused_object_fails_its_stream_and_the_rest_syncs(env: SyncEnv) -> None:
    """On a full read (the safety net's, here every cycle): invoices are read although unchanged."""
    env.new_engine(intacct_safety_net_seconds=0)
    env.create_customer("C-O1", "Object Refused Co")
    ok(env)
    env.sandbox.intacct.refuse_reads["ARINVOICE"] = "permission"
    env.create_customer("C-O2", "Still Syncing Co")
    env.create_item("I-O1", "Still Syncing Item")
    summary = env.sync()
    assert summary.status == "partial"
    failure = {s.stream: s.failure for s in summary.streams}["intacct.invoices"]
    assert failure and failure["code"] == "PL04000005"
    assert any(a["Name"] == "Still Syncing Co" for a in env.accounts())
    assert any(p.cross_ref == "I-O1" for page in env.user_sf.read_products() for p in page)
    env.sandbox.intacct.refuse_reads.clear()
    ok(env)


@pytest.mark.parametrize("mode", ["rate_limit_in_body", "offline_in_body", "no_result"])
def test_a_write_answered_with_trouble_is_resolved_by_lookup(env: SyncEnv, mode: str) -> None:
    acc = env.create_account(Name="Body Trouble Inc", AccountNumber="BODY1")
    env.fault("intacct", "create", mode)
    first = env.sync()
    assert first.status == "failed" and first.error is not None
    assert first.error.kind.value == "outcome_unknown"
    ok(env)
    ok(env)
    mine = [c for c in env.customers() if c.cross_ref == acc]
    assert [c.key for c in mine] == ["BODY1"]
    with env.store.read() as r:
        assert r.intents.unresolved() == []


# ------------------------------------------------------------------ `sfintacct status --json`, in process
@pytest.fixture()
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    import keyring

    from tests.support.cli_env import SECRET_ENVS
    from tests.support.file_keyring import ENV_FILE, FileKeyring

    monkeypatch.setenv("SFINTACCT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv(ENV_FILE, str(tmp_path / "keyring.json"))
    for name in SECRET_ENVS:
        monkeypatch.delenv(name, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    try:
        yield tmp_path / "home"
    finally:
        keyring.set_keyring(previous)


def test_status_json_names_the_failed_stream(cli_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from sfintacct_desktop.cli import main
    from sfintacct_desktop.config.profiles import save_sandbox_profile
    from sfintacct_desktop.wire.intacct import create
    from sfintacct_sandbox.runner import Sandbox, SandboxOptions
    from tests.support.sync_env import ia_connector

    with Sandbox(SandboxOptions(seed="empty")) as sb:
        save_sandbox_profile(sb.connection_info())
        user = ia_connector(sb)
        assert user.client.call([create("CUSTOMER", {"CUSTOMERID": "C-CLI1", "NAME": "Cli One"})])[0].ok
        assert main(["sync", "--once"]) == 0
        sb.intacct.refuse_reads["AUDITHISTORY:customer"] = "permission"
        assert user.client.call([create("CUSTOMER", {"CUSTOMERID": "C-CLI2", "NAME": "Cli Two"})])[0].ok
        capsys.readouterr()
        assert main(["sync", "--once", "--json"]) == 1  # a handled failure: one stream failed
        out, err = capsys.readouterr()
        run = json.loads(out)
        assert run["status"] == "partial" and run["streams"]["intacct.customers"]["failure"]["title"]
        assert "intacct.customers" in err and "Hint:" in err
        assert main(["status", "--json"]) == 0
        status = json.loads(capsys.readouterr().out)
    assert status["runs"][0]["status"] == "partial"
    failed = status["failing_streams"]
    assert set(failed) == {"intacct.customers"}
    assert failed["intacct.customers"]["title"] and failed["intacct.customers"]["message"]
    assert failed["intacct.customers"]["hint"]
