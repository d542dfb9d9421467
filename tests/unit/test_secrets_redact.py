"""redact() and RedactingFilter: every secret shape, registered values, args and tracebacks."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sfintacct_desktop.secrets import (
    MASK,
    RedactingFilter,
    clear_registered_secrets,
    install_redaction,
    redact,
    redacted_exception_text,
    register_secret,
)

SF_SESSION = "00D5e000000SBXA!AQ4AQFzzYs8dC0mVq0mTq2K9.Lx3Jkq_TYj2Ea7Ry5Nn"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIzTVZHOSIsInN1YiI6InUifQ.c2lnbmF0dXJl-_x"


@pytest.fixture(autouse=True)
def _clean_registry() -> Iterator[None]:
    clear_registered_secrets()
    yield
    clear_registered_secrets()


@pytest.fixture
def captured() -> Iterator[tuple[logging.Logger, io.StringIO]]:
    """A private parent logger with one stream handler, and a child logger that propagates to it."""
    stream = io.StringIO()
    parent = logging.getLogger("sfintacct_test_redaction")
    parent.propagate = False
    parent.setLevel(logging.DEBUG)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    parent.addHandler(handler)
    install_redaction(parent)
    yield logging.getLogger("sfintacct_test_redaction.child.wire"), stream
    parent.removeHandler(handler)
    parent.filters.clear()


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("<login><userid>xml_gateway</userid><password>Ia-Pass#1</password></login>", "Ia-Pass#1"),
        ("<senderid>s</senderid><password>sender-pw-9</password>", "sender-pw-9"),
        ("<authentication><sessionid>nMCCwH6t2P1F5v6..Xa1qY3</sessionid></authentication>", "nMCCwH6t2P1F5v6"),
        ('<n1:password xsi:type="string">sf-soap-pw</n1:password>', "sf-soap-pw"),
        ("<sessionId>opaque-session-value</sessionId>", "opaque-session-value"),
        ("<password><![CDATA[cdata<pw>]]></password>", "cdata<pw>"),
        ("Authorization: Bearer abc.def-123_token", "abc.def-123_token"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "dXNlcjpwYXNzd29yZA=="),
        ("{'Authorization': 'OAuth tok-777'}", "tok-777"),
        ("sending with Bearer ya29.A0ARrdaM-xyz", "ya29.A0ARrdaM-xyz"),
        ('{"access_token": "at-1\\"x", "instance_url": "https://x"}', "at-1"),
        ('{"refresh_token":"rt-2","token_type":"Bearer"}', "rt-2"),
        ('{"client_secret": "cs-3", "password": "pw-4"}', "cs-3"),
        ('{"client_secret": "cs-3", "password": "pw-4"}', "pw-4"),
        ("grant_type=password&client_id=3MVG&client_secret=cs-5&username=u&password=pw-6TOKEN", "cs-5"),
        ("grant_type=password&client_id=3MVG&client_secret=cs-5&username=u&password=pw-6TOKEN", "pw-6TOKEN"),
        ("refresh_token=rt%2F7&grant_type=refresh_token", "rt%2F7"),
        ("login failed: password = 'quoted pw 8'", "quoted pw 8"),
        ("sessionid=sess-9; path=/", "sess-9"),
        (f"session {SF_SESSION} expired", SF_SESSION),
        (f"token {JWT}", JWT),
        ("connecting to postgresql://app:db-pass-10@host/db", "db-pass-10"),
    ],
)
def test_redact_masks_every_secret_shape(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out
    assert MASK in out


def test_redact_keeps_non_secrets() -> None:
    text = "grant_type=password&username=operator@x; the bearer instrument. <userid>xml_gateway</userid>"
    assert redact(text) == text
    assert redact("") == ""


def test_registered_secret_is_masked_anywhere_in_any_encoding() -> None:
    register_secret('p&ss w/rd"1')
    out = redact('f-string p&ss w/rd"1, form p%26ss+w%2Frd%221, json "p&ss w/rd\\"1", xml p&amp;ss w/rd&quot;1')
    assert "p&ss" not in out and "p%26ss" not in out and "p&amp;ss" not in out
    assert out.count(MASK) == 4


def test_short_values_are_not_registered() -> None:
    register_secret("abc")
    assert redact("abcabc") == "abcabc"


def test_message_and_args_are_redacted_through_a_child_logger(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    register_secret("plain-secret-77")
    logger.info("request body %s to %s", "<password>xml-pw-1</password>", "plain-secret-77")
    logger.warning("dict args %(token)s", {"token": "plain-secret-77"})
    logger.info("headers %r", {"Authorization": "Bearer live.token-1"})
    out = stream.getvalue()
    for secret in ("xml-pw-1", "plain-secret-77", "live.token-1"):
        assert secret not in out
    assert out.count(MASK) >= 4


def test_traceback_with_a_registered_secret_is_redacted(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    register_secret("Tr4ceback-Secret")

    def connect(password: str) -> None:
        raise ValueError(f"login refused for password {password} and <sessionid>sid-123456</sessionid>")

    try:
        try:
            connect("Tr4ceback-Secret")
        except ValueError as inner:
            raise RuntimeError("wrapped Tr4ceback-Secret") from inner
    except RuntimeError:
        logger.exception("connect failed")
    out = stream.getvalue()
    assert "Traceback" in out and "connect failed" in out and "ValueError" in out
    assert "Tr4ceback-Secret" not in out
    assert "sid-123456" not in out
    assert MASK in out


def test_redacted_exception_text_includes_the_chain_without_secrets() -> None:
    register_secret("chain-secret-1")
    try:
        raise KeyError("chain-secret-1")
    except KeyError as exc:
        text = redacted_exception_text(exc)
    assert "KeyError" in text and "chain-secret-1" not in text and MASK in text


def test_bad_format_args_do_not_leak() -> None:
    register_secret("arg-secret-5")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "two %s %s", ("arg-secret-5",), None)
    RedactingFilter().filter(record)
    assert "arg-secret-5" not in record.getMessage()
    assert record.args is None


def test_install_redaction_is_idempotent_and_covers_handlers() -> None:
    logger = logging.getLogger("sfintacct_test_install")
    handler = logging.NullHandler()
    logger.addHandler(handler)
    try:
        first = install_redaction(logger)
        second = install_redaction(logger)
        assert first is second
        assert logger.filters == [first]
        assert handler.filters == [first]
    finally:
        logger.removeHandler(handler)
        logger.filters.clear()


_secret_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"]), min_size=4, max_size=24
)  # any printable-or-not value a person may choose


@settings(max_examples=200, deadline=None)
@given(secret=_secret_text, before=st.text(max_size=30), after=st.text(max_size=30), repeat=st.integers(1, 3))
def test_a_registered_secret_never_survives(secret: str, before: str, after: str, repeat: int) -> None:
    clear_registered_secrets()
    register_secret(secret)
    text = before + (secret + after) * repeat
    assert secret not in redact(text)


def test_oauth_codes_and_tokens_are_masked_by_their_shape():
    """A redirect's code and a refresh token may reach a debug log before anyone registered them."""
    line = 'http://localhost:1717 "GET /OauthRedirect?code=aPrxAbC.12-3&state=s-9 HTTP/1.1" 200'
    assert redact(line) == 'http://localhost:1717 "GET /OauthRedirect?code=***&state=s-9 HTTP/1.1" 200'
    assert redact("refresh 5Aep861TjDuY3c_Hq.mEwbL7hGfmd done") == "refresh *** done"
    assert redact("a=1&code_verifier=Zx9-_~aa#frag") == "a=1&code_verifier=***#frag"
    assert redact("the code of conduct") == "the code of conduct"  # prose is left alone
