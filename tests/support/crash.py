"""Crash tests: kill a CLI process with SIGKILL the moment its request has reached an emulator."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable


def kill_once_request_arrived(
    proc: subprocess.Popen, count: Callable[[], int], before: int, *, timeout: float, what: str
) -> None:
    """Wait (bounded) until ``count()`` exceeds ``before`` — the emulator saw the request — then SIGKILL.

    The emulator applies a ``timeout``-faulted request before it delays the answer, so the process dies
    after the request left and before it learns the outcome: the window exactly-once must survive.
    """
    try:
        deadline = time.monotonic() + timeout
        while count() <= before:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, f"{what} never reached the emulator"
            time.sleep(0.05)  # polling interval of a bounded wait, not a synchronisation sleep
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
