"""Drive the browser sign-in as a person would, with the sandbox's scripted browser in the person's place.

``cli_login`` runs ``sfintacct profile login --no-browser`` as a real process, reads the URL it
prints, and walks the emulator's login and consent pages to the process's loopback listener.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

from sfintacct_desktop.app.sandbox_signin import ScriptedBrowser
from sfintacct_desktop.app.sf_profile import sandbox_sign_in
from sfintacct_desktop.connectors import SalesforceConnector
from sfintacct_desktop.wire.salesforce import AuthMethod, MemoryTokenStore, SalesforceSecrets, SalesforceSettings
from sfintacct_sandbox import credentials as cred

from .cli_env import REPO


def person(**kw: object) -> ScriptedBrowser:
    """The sandbox user at the browser (``approve=False`` clicks Deny; ``password=`` a wrong one)."""
    args = {"username": cred.SF_USERNAME, "password": cred.SF_PASSWORD, **kw}
    return ScriptedBrowser(**args)  # type: ignore[arg-type]


def cli_login(
    env: dict[str, str],
    *args: str,
    browser: Callable[[str], None] | None = None,
    timeout: float = 60.0,
) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run `profile login` and play the person; returns (the finished process, the URL it printed)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sfintacct_desktop.cli", "profile", "login", "--no-browser", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=str(REPO),
    )
    assert proc.stderr is not None and proc.stdout is not None
    err_lines: list[str] = []
    url = ""
    for line in proc.stderr:  # the URL comes first, then "Waiting..."
        err_lines.append(line)
        if line.startswith("http://") or line.startswith("https://"):
            url = line.strip()
            break
    if url:
        (browser or person().open)(url)
    rest: list[str] = []
    reader = threading.Thread(target=lambda: rest.extend(proc.stderr or []), daemon=True)
    reader.start()
    stdout = proc.stdout.read()
    code = proc.wait(timeout=timeout)
    reader.join(timeout=10)
    return subprocess.CompletedProcess(proc.args, code, stdout, "".join(err_lines + rest)), url


def web_settings(url: str, **kw: Any) -> SalesforceSettings:
    """A browser-sign-in profile's settings for the sandbox emulator at ``url``."""
    values: dict[str, Any] = {
        "auth_method": AuthMethod.WEB,
        "login_host": url,
        "consumer_key": cred.SF_CONSUMER_KEY,
        "instance_url": url,
        "callback_ports": (0,),
        "timeout": (5.0, 30.0),
    }
    return SalesforceSettings(**(values | kw))


def web_tokens(url: str) -> MemoryTokenStore:
    """Sign in once through the emulator's pages; the refresh token, kept in memory."""
    result = sandbox_sign_in(web_settings(url), cred.SF_USERNAME, cred.SF_PASSWORD)
    return MemoryTokenStore(result.refresh_token)


def web_connector(url: str, **kw: Any) -> SalesforceConnector:
    """A connector that signs in like the default profile does (browser sign-in, refresh token)."""
    return SalesforceConnector.connect(
        web_settings(url), SalesforceSecrets(), token_store=web_tokens(url), profile=kw.pop("profile", "test"), **kw
    )
