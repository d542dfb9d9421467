"""The background service's control channel in one process: real sockets, real SyncWorkers on a fake
engine. Who may connect (folder 0700, socket and token 0600, the token checked first), every command
reaching the worker, events streaming back into a RemoteWorker, and the window told when the
service goes away."""

from __future__ import annotations

import json
import os
import queue
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sfintacct_desktop.app import service_protocol as sp
from sfintacct_desktop.app.remote_worker import SERVICE_GONE, RemoteWorker, attach
from sfintacct_desktop.app.service_channel import ServiceClient, ServiceRefused, ServiceUnavailable, ask
from sfintacct_desktop.app.service_host import SyncService
from sfintacct_desktop.engine.events import EngineStateChanged, Event, RunFinished, RunStarted
from sfintacct_desktop.engine.worker import SyncWorker
from tests.unit.test_worker import FakeEngine

WAIT = 10.0

pytestmark = pytest.mark.skipif(sp.IS_WINDOWS, reason="the Unix socket side; Windows uses loopback TCP")


@pytest.fixture
def service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[SyncService, dict[str, FakeEngine]]]:
    monkeypatch.setenv("SFINTACCT_HOME", str(tmp_path / "home"))
    engines: dict[str, FakeEngine] = {}

    def start(profile: str, interval: float | None) -> SyncWorker:
        def factory(emit: Any, should_stop: Any) -> FakeEngine:
            engines[profile] = FakeEngine(emit, should_stop)
            return engines[profile]

        worker = SyncWorker(factory, name=f"sfintacct-sync-{profile}")
        worker.start()
        return worker

    svc = SyncService(["alpha", "beta"], start_worker=start).start()
    try:
        yield svc, engines
    finally:
        svc.shutdown()


def _until(events: queue.Queue[Event], kind: type, test: Any = lambda e: True) -> Any:
    while True:
        event = events.get(timeout=WAIT)
        if isinstance(event, kind) and test(event):
            return event


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_only_the_user_can_reach_the_channel(service: Any) -> None:
    assert _mode(sp.service_dir()) == 0o700
    assert _mode(sp.token_path()) == 0o600
    sock_path = sp.socket_path()
    assert stat.S_ISSOCK(sock_path.stat().st_mode) and _mode(sock_path) == 0o600
    assert _mode(sock_path.parent) == 0o700

    for hello in ({"token": "not-the-token"}, {"op": "status"}):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as raw:
            raw.settimeout(WAIT)
            raw.connect(str(sock_path))
            raw.sendall(sp.encode(hello))
            reader = raw.makefile("rb")
            answer = json.loads(reader.readline())
            assert answer["ok"] is False and answer["error"]["title"] == "Refused"
            try:  # nothing more is answered: the service hung up
                raw.sendall(sp.encode({"op": "status"}))
                assert reader.readline() == b""
            except (BrokenPipeError, ConnectionResetError):
                pass


def test_status_and_commands_reach_each_profiles_worker(service: Any) -> None:
    _svc, engines = service
    answer = ask("status")
    assert answer["pid"] == os.getpid()
    assert [row["profile"] for row in answer["profiles"]] == ["alpha", "beta"]

    ask("retry", "beta", id=4)
    ask("resolve", "beta", id=9, take="intacct")
    with ServiceClient.connect() as client:
        with pytest.raises(ServiceRefused, match="does not sync profile gamma"):
            client.request("sync_now", "gamma")
        with pytest.raises(ServiceRefused, match="'id' must be an integer"):
            client.request("resolve", "beta", id="9", take="intacct")  # the connection survives it
        assert client.request("status", "alpha")["profiles"][0]["profile"] == "alpha"
    worker = RemoteWorker("beta")
    try:
        worker.sync_now()
        finished = _until(worker.events, RunFinished, lambda e: e.summary.run_id > 2)
        assert finished.summary.status == "ok"
    finally:
        worker.stop()
        worker.join(WAIT)
    calls = engines["beta"].calls
    assert ("retry", 4) in calls and ("resolve", 9, "intacct") in calls
    assert ("run_cycle", "manual") in calls


def test_remote_worker_streams_state_and_runs_and_detaches_without_stopping_the_service(service: Any) -> None:
    svc, _engines = service
    worker = attach("alpha")
    assert worker is not None and worker.service_pid == os.getpid()
    first = worker.events.get(timeout=WAIT)
    assert isinstance(first, EngineStateChanged)  # the state the service's worker is in now
    worker.sync_now()
    assert worker.sync_pending
    started = _until(worker.events, RunStarted, lambda e: e.trigger == "manual")
    done = _until(worker.events, RunFinished, lambda e: e.summary.run_id == started.run_id)
    assert done.summary.status == "ok"
    _until(worker.events, EngineStateChanged, lambda e: e.state == "idle")

    worker.pause()
    paused = _until(worker.events, EngineStateChanged, lambda e: e.state == "paused")
    assert paused.reason == "Paused by the user." and worker.state == "paused"
    worker.resume()
    _until(worker.events, RunStarted, lambda e: e.trigger == "resume")
    refused = worker.submit_job("baseline load", lambda engine: None)
    with pytest.raises(Exception, match="background service runs this profile"):
        refused.result(timeout=WAIT)

    worker.stop()
    worker.join(WAIT)
    assert not worker.is_alive() and not worker.gone
    assert ask("status", "alpha")["profiles"][0]["state"] in ("idle", "running")  # still syncing
    assert svc.hub("alpha").worker.is_alive()


def test_the_window_learns_when_the_service_stops(service: Any) -> None:
    svc, _engines = service
    worker = RemoteWorker("alpha")
    svc.shutdown()
    gone = _until(worker.events, EngineStateChanged, lambda e: e.state == "stopped" and e.reason)
    assert gone.reason == SERVICE_GONE and worker.gone
    worker.join(WAIT)
    assert not worker.is_alive()
    assert not sp.token_path().exists() and not sp.socket_path().exists()
    with pytest.raises(ServiceUnavailable):
        ServiceClient.connect()
    assert attach("alpha") is None


def test_a_service_of_all_profiles_follows_profiles_added_and_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    import time

    from sfintacct_desktop.config import profiles as cfg

    monkeypatch.setenv("SFINTACCT_HOME", str(tmp_path / "home"))
    cfg.save_profile("alpha", {"kind": "real"})
    started: list[str] = []

    def start(profile: str, interval: float | None) -> SyncWorker:
        started.append(profile)
        worker = SyncWorker(lambda emit, should_stop: FakeEngine(emit, should_stop), name=f"sfintacct-sync-{profile}")
        worker.start()
        return worker

    svc = SyncService(start_worker=start, rescan=0.1).start()
    stop = threading.Event()
    loop = threading.Thread(target=svc.serve, args=(stop.is_set,), daemon=True)
    loop.start()

    def profiles_run() -> list[str]:
        return [row["profile"] for row in ask("status")["profiles"]]

    def until(check: Any) -> None:
        deadline = time.monotonic() + WAIT
        while not check():
            assert time.monotonic() < deadline, "the service did not follow the profile list"
            time.sleep(0.05)  # polling interval of a bounded wait

    try:
        assert profiles_run() == ["alpha"]
        cfg.save_profile("beta", {"kind": "real"})  # as `profile add` or the window's editor does
        until(lambda: profiles_run() == ["alpha", "beta"])
        assert started == ["alpha", "beta"]
        cfg.remove_profile("alpha")
        until(lambda: profiles_run() == ["beta"])
        with pytest.raises(ServiceRefused, match="does not sync profile alpha"):
            ask("sync_now", "alpha")
    finally:
        stop.set()
        loop.join(WAIT)
    assert not loop.is_alive()


def test_a_named_job_streams_its_progress_and_answers_its_result_or_its_error(
    service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sfintacct_desktop.app import service_jobs
    from sfintacct_desktop.domain import ErrorInfo, ErrorKind, SyncError

    calls: list[tuple[str, str, dict[str, Any]]] = []

    def fake_run(profile: str, name: str, params: Any, *, worker: Any, progress: Any, should_stop: Any) -> Any:
        calls.append((profile, name, params))
        assert isinstance(worker, SyncWorker)  # the profile's own worker runs the load
        if name == "invoice_refresh":
            raise SyncError(ErrorInfo(ErrorKind.NOT_FOUND, "No such customer", "C-9 is not in Intacct.", "Check it.",
                                      code="NO_CUSTOMER", window_hint="Check the customer ID."))  # fmt: skip
        for n in range(3):
            progress(["customer", n + 1, 3])
        return {"status": "ok", "writes": 3}

    monkeypatch.setattr(service_jobs, "run", fake_run)
    seen: list[Any] = []
    with ServiceClient.connect() as client:
        result = client.job("alpha", "baseline_apply", {"plan_path": "/x.json"}, progress=seen.append)
    assert result == {"status": "ok", "writes": 3}
    assert seen == [["customer", 1, 3], ["customer", 2, 3], ["customer", 3, 3]]
    assert calls == [("alpha", "baseline_apply", {"plan_path": "/x.json"})]

    with ServiceClient.connect() as client, pytest.raises(SyncError) as refused:
        client.job("beta", "invoice_refresh", {"customer_id": "C-9"})
    info = refused.value.info  # every field of the service's error, for the window's wording
    assert (info.kind, info.code, info.title, info.window_hint) == (
        ErrorKind.NOT_FOUND, "NO_CUSTOMER", "No such customer", "Check the customer ID."
    )

    with ServiceClient.connect() as client, pytest.raises(ServiceRefused):
        client.job("gamma", "baseline_apply", {})  # a profile the service does not run


def test_a_job_is_asked_to_stop_when_the_client_half_closes_and_still_answers(
    service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from sfintacct_desktop.app import service_jobs

    def fake_run(profile: str, name: str, params: Any, *, worker: Any, progress: Any, should_stop: Any) -> Any:
        progress(["customer", 1, 100])
        deadline = time.monotonic() + WAIT
        while not should_stop():
            assert time.monotonic() < deadline, "the job was never asked to stop"
            time.sleep(0.05)  # a batch's worth of work between two checks
        return {"status": "interrupted"}

    monkeypatch.setattr(service_jobs, "run", fake_run)
    seen: list[Any] = []
    with ServiceClient.connect() as client:
        result = client.job("alpha", "baseline_apply", {}, progress=seen.append, should_stop=lambda: bool(seen))
    assert result == {"status": "interrupted"} and seen == [["customer", 1, 100]]


def test_a_job_request_is_checked() -> None:
    assert sp.parse_request({"op": "job", "profile": "p", "name": "baseline_plan", "params": {}}).args == {
        "name": "baseline_plan", "params": {}
    }
    for bad in ({"op": "job", "profile": "p", "name": "rm -rf"}, {"op": "job", "profile": "p", "name": "baseline_plan",
                "params": []}, {"op": "job", "name": "baseline_plan"}):  # fmt: skip
        with pytest.raises(sp.ProtocolError):
            sp.parse_request(bad)
