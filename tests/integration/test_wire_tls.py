"""TLS is never optional: a server whose certificate does not verify is refused by both clients.

The emulators serve https here with a self-signed ("adhoc") certificate on loopback; the clients must
fail closed with TlsVerificationError, before any credential is accepted or any record written.
"""

from __future__ import annotations

import pytest

from sfintacct_desktop.wire.intacct.client import IntacctClient
from sfintacct_desktop.wire.intacct.settings import IntacctSecrets, IntacctSettings
from sfintacct_desktop.wire.salesforce.client import SalesforceClient
from sfintacct_desktop.wire.salesforce.settings import AuthMethod, SalesforceSecrets, SalesforceSettings
from sfintacct_desktop.wire.transport import TlsVerificationError
from sfintacct_sandbox import credentials as cred
from sfintacct_sandbox.httpserver import EmulatorServer
from sfintacct_sandbox.intacct.app import IntacctEmulator
from sfintacct_sandbox.salesforce.app import SalesforceEmulator


@pytest.fixture
def tls_servers(monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    sf = EmulatorServer(SalesforceEmulator(None), ssl_context="adhoc").start()
    ia = EmulatorServer(IntacctEmulator(None), ssl_context="adhoc").start()
    sf.emulator.reset("empty")
    ia.emulator.reset("empty")
    yield sf, ia
    sf.stop()
    ia.stop()


@pytest.mark.parametrize("method", [AuthMethod.SOAP, AuthMethod.OAUTH_PASSWORD])
def test_salesforce_client_refuses_an_unverified_certificate(tls_servers, method):
    sf, _ = tls_servers
    settings = SalesforceSettings(
        auth_method=method, login_host=sf.url, username=cred.SF_USERNAME, consumer_key=cred.SF_CONSUMER_KEY
    )
    secrets = SalesforceSecrets(
        password=cred.SF_PASSWORD, security_token=cred.SF_SECURITY_TOKEN, consumer_secret=cred.SF_CONSUMER_SECRET
    )
    with pytest.raises(TlsVerificationError):
        SalesforceClient.connect(settings, secrets)
    assert sf.emulator.stats.snapshot()["by_operation"].get("login", 0) == 0  # no login reached the server


def test_intacct_client_refuses_an_unverified_certificate(tls_servers):
    _, ia = tls_servers
    settings = IntacctSettings(
        sender_id=cred.INTACCT_SENDER_ID,
        company_id=cred.INTACCT_COMPANY_ID,
        user_id=cred.INTACCT_USER_ID,
        endpoint=ia.url + "/ia/xml/xmlgw.phtml",
    )
    secrets = IntacctSecrets(sender_password=cred.INTACCT_SENDER_PASSWORD, user_password=cred.INTACCT_USER_PASSWORD)
    client = IntacctClient(settings, secrets)
    with pytest.raises(TlsVerificationError):
        client.login()
    assert ia.emulator.stats.snapshot()["requests"] == 0
