"""A sandbox embedded in the window's process gives the cores to the GUI thread first (Linux)."""

from __future__ import annotations

import os
import sys
import threading

import pytest
import requests

from sfintacct_sandbox.runner import Sandbox, SandboxOptions

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread niceness is Linux's")


def _nice_of(tid: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, tid)


def test_embedded_sandbox_threads_run_at_a_lower_priority_and_the_caller_does_not() -> None:
    base = _nice_of(threading.get_native_id())
    seen: dict[str, int] = {}
    with Sandbox(SandboxOptions(seed="empty", nice=5)) as sandbox:
        server_thread = sandbox.sf_server._thread
        assert server_thread is not None and server_thread.native_id is not None
        seen["server"] = _nice_of(server_thread.native_id)
        # a request's own thread is born from the server thread and inherits its niceness
        original = sandbox.salesforce.__class__.__call__

        def spy(self: object, environ: dict, start_response: object) -> object:
            seen["request"] = _nice_of(threading.get_native_id())
            return original(self, environ, start_response)  # type: ignore[arg-type]

        sandbox.salesforce.__class__.__call__ = spy  # type: ignore[method-assign]
        try:
            requests.get(sandbox.salesforce_url + "/services/data/", timeout=10)
        finally:
            sandbox.salesforce.__class__.__call__ = original  # type: ignore[method-assign]
    assert seen["server"] == min(19, base + 5)
    assert seen["request"] == min(19, base + 5)
    assert _nice_of(threading.get_native_id()) == base  # the caller's (the GUI's) thread keeps its priority


def test_a_plain_sandbox_keeps_the_default_priority() -> None:
    base = _nice_of(threading.get_native_id())
    with Sandbox(SandboxOptions(seed="empty")) as sandbox:
        server_thread = sandbox.ia_server._thread
        assert server_thread is not None and server_thread.native_id is not None
        assert _nice_of(server_thread.native_id) == base
