"""Sign in with Salesforce from the Connections tab: the browser flow, Cancel, Sign out.

The system browser is replaced by the sandbox's scripted person, who opens the address the tab
shows (as a person would copy it); everything else is the product's own code over real HTTP.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sfintacct_desktop.app import profiles as app_profiles
from sfintacct_desktop.app import signin
from sfintacct_desktop.gui.main_window import MainWindow
from sfintacct_sandbox import credentials as cred
from sfintacct_sandbox.runner import Sandbox
from tests.gui.helpers import choose_profile
from tests.support.signin import person


@pytest.fixture
def web_profile(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> str:
    """A real (non-sandbox) profile with browser sign-in, pointed at the sandbox org; no browser opens."""
    monkeypatch.setattr(signin, "system_browser", lambda url: False)
    secrets = {
        "intacct.sender_password": cred.INTACCT_SENDER_PASSWORD,
        "intacct.user_password": cred.INTACCT_USER_PASSWORD,
    }
    settings = {
        "salesforce": {"auth_method": "web", "login_host": sandbox.salesforce_url, "consumer_key": cred.SF_CONSUMER_KEY,
                       "callback_ports": "0"},
        "intacct": {"endpoint": sandbox.intacct_url, "sender_id": cred.INTACCT_SENDER_ID,
                    "company_id": cred.INTACCT_COMPANY_ID, "user_id": cred.INTACCT_USER_ID},
    }  # fmt: skip
    app_profiles.add_profile("acme", settings, lambda spec: secrets.get(spec.key))
    return "acme"


def _keyring(home: Path) -> dict:
    path = home.parent / "keyring.json"
    return json.loads(path.read_text()) if path.exists() else {}


def test_the_sandbox_profile_signs_in_by_itself(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    panel = window.connections_tab.signin
    qtbot.waitUntil(lambda: panel.badge.text() != "Unknown", timeout=20_000)
    assert panel.badge.text() == "Signs in by itself" and panel.sign_in_button.isVisible()
    panel.sign_in_button.click()
    qtbot.waitUntil(lambda: panel.badge.text() == "Signed in", timeout=30_000)
    assert "operator@sandbox.sfintacct.local" in panel.status.text()


def test_sign_in_with_the_browser_then_sign_out(  # type: ignore[no-untyped-def]
    qtbot, window: MainWindow, web_profile: str, home: Path, sandbox: Sandbox
) -> None:
    tab = window.connections_tab
    choose_profile(qtbot, window, web_profile)  # the whole window now works on that profile
    panel = tab.signin
    qtbot.waitUntil(lambda: panel.badge.text() == "Not signed in", timeout=20_000)
    assert not panel.sign_out_button.isEnabled()
    panel.sign_in_button.click()
    qtbot.waitUntil(lambda: panel.url.isVisible(), timeout=20_000)  # the address, shown for copy-paste
    assert panel.cancel_button.isVisible() and not panel.sign_in_button.isVisible()
    url = panel.url.text().splitlines()[-1]
    assert url.startswith(f"{sandbox.salesforce_url}/services/oauth2/authorize?")
    person().open(url)  # the person signs in in the browser
    qtbot.waitUntil(lambda: panel.badge.text() == "Signed in", timeout=30_000)
    assert f"Signed in as {cred.SF_USERNAME} at {sandbox.salesforce_url}" in panel.status.text()
    assert _keyring(home)["sfintacct-desktop:acme"]["salesforce.refresh_token"]
    tab.test_button.click()  # the connection test now works with the kept sign-in
    sf = tab.panels["salesforce"]
    qtbot.waitUntil(lambda: sf.badge.text() not in ("Testing…", "Not tested"), timeout=30_000)
    assert sf.badge.text().startswith("OK"), sf.error.message.text()
    assert "browser sign-in" in sf.details.text() and "API version:</b> 66.0" in sf.details.text()
    panel.sign_out_button.click()
    qtbot.waitUntil(lambda: panel.badge.text() == "Not signed in", timeout=30_000)
    assert "salesforce.refresh_token" not in _keyring(home).get("sfintacct-desktop:acme", {})
    assert sandbox.salesforce.oauth.counts()["refresh_tokens"] == 0  # revoked at Salesforce too


def test_cancel_stops_the_wait_and_says_so(qtbot, window: MainWindow, web_profile: str) -> None:  # type: ignore[no-untyped-def]
    tab = window.connections_tab
    choose_profile(qtbot, window, web_profile)  # the whole window now works on that profile
    panel = tab.signin
    qtbot.waitUntil(lambda: panel.badge.text() == "Not signed in", timeout=20_000)
    panel.sign_in_button.click()
    qtbot.waitUntil(lambda: panel.url.isVisible(), timeout=20_000)
    panel.cancel_button.click()
    qtbot.waitUntil(lambda: not panel.error.isHidden(), timeout=20_000)
    assert panel.error.title.text() == "Salesforce sign-in failed"
    assert "cancelled" in panel.error.message.text()
    assert "Sign in with Salesforce" in panel.error.hint.text()  # a button, never a command
    assert "sfintacct " not in panel.error.hint.text()
    qtbot.waitUntil(lambda: window.runner.idle, timeout=20_000)
    assert panel.sign_in_button.isVisible() and panel.badge.text() == "Not signed in"
