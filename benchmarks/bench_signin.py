"""What a browser sign-in and a refresh cost against the emulator: HTTP requests and wall time.

Run:  .venv/bin/python benchmarks/bench_signin.py

- the full browser sign-in (authorize, login form, consent, loopback redirect, code exchange,
  userinfo), walked by the sandbox's scripted stand-in, 20 times;
- connecting with the kept refresh token (one refresh grant), 50 times;
- a session ended under a live client, renewed in place on the next call, 50 times.
Timings are the median of the runs on this machine; the request counts come from /__sandbox__/stats.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sfintacct_desktop.app.sf_profile import sandbox_sign_in
from sfintacct_desktop.wire.salesforce import AuthMethod, MemoryTokenStore, SalesforceClient, SalesforceSecrets
from sfintacct_desktop.wire.salesforce.settings import SalesforceSettings
from sfintacct_sandbox import credentials as cred
from sfintacct_sandbox.runner import Sandbox, SandboxOptions


def requests_made(url: str) -> int:
    return int(requests.get(url + "/__sandbox__/stats", timeout=10).json()["requests"])


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def main() -> int:
    with Sandbox(SandboxOptions(seed="empty")) as sb:
        url = sb.salesforce_url
        settings = SalesforceSettings(
            auth_method=AuthMethod.WEB, login_host=url, consumer_key=cred.SF_CONSUMER_KEY, instance_url=url,
            callback_ports=(0,),
        )  # fmt: skip
        signins: list[float] = []
        before = requests_made(url)
        token = ""
        for _ in range(20):
            start = time.perf_counter()
            token = sandbox_sign_in(settings, cred.SF_USERNAME, cred.SF_PASSWORD).refresh_token
            signins.append(time.perf_counter() - start)
        per_signin = (requests_made(url) - before) / 20
        connects: list[float] = []
        before = requests_made(url)
        for _ in range(50):
            start = time.perf_counter()
            client = SalesforceClient.connect(settings, SalesforceSecrets(), token_store=MemoryTokenStore(token))
            connects.append(time.perf_counter() - start)
            client.close()
        per_connect = (requests_made(url) - before) / 50
        client = SalesforceClient.connect(settings, SalesforceSecrets(), token_store=MemoryTokenStore(token))
        renewals: list[float] = []
        before = requests_made(url)
        for _ in range(50):
            sb.salesforce.sessions.invalidate(client.sf.session_id)
            start = time.perf_counter()
            client.limits()
            renewals.append(time.perf_counter() - start)
        per_renewal = (requests_made(url) - before) / 50
        client.close()
        print(
            json.dumps(
                {
                    "browser_signin": {"median_ms": median_ms(signins), "http_requests": per_signin},
                    "connect_with_refresh_token": {"median_ms": median_ms(connects), "http_requests": per_connect},
                    "session_renewed_mid_call": {"median_ms": median_ms(renewals), "http_requests": per_renewal},
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
