"""Transport policy shared by both clients: TLS and loopback-only http, backoff bounds."""

from __future__ import annotations

import pytest

from sfintacct_desktop.wire.transport import Backoff, InsecureTransportError, check_url


@pytest.mark.parametrize(
    "url",
    ["https://login.salesforce.com", "https://api.intacct.com/ia/xml/xmlgw.phtml", "http://127.0.0.1:8080",
     "http://localhost:1/x", "http://[::1]:9/"],
)  # fmt: skip
def test_allowed_urls(url):
    assert check_url(url) == url


@pytest.mark.parametrize(
    "url", ["http://example.com", "http://10.0.0.5:80/x", "ftp://127.0.0.1/", "https:///nohost", "api.intacct.com"]
)
def test_refused_urls(url):
    with pytest.raises(InsecureTransportError):
        check_url(url)


def test_backoff_is_jittered_capped_and_honours_retry_after():
    b = Backoff(base=1.0, cap=8.0, rand=lambda: 1.0, sleep=lambda s: None)
    assert [b.delay(n) for n in range(5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    assert Backoff(rand=lambda: 0.25, base=1.0).delay(2) == 1.0
    assert b.delay(0, retry_after=3) == 3
    assert b.delay(0, retry_after=300) == 8.0
