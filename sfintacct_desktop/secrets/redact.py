"""One redaction pass for every log line and exception text.

Why one place: a finance tool logs wire traffic and errors from two systems whose secrets come in
many shapes (XML elements, JSON bodies, form bodies, headers, bare tokens). Shape patterns catch
secrets we have never seen; exact values registered at runtime (``register_secret``; the credential
store registers everything it hands out) catch a secret that was pasted into an f-string with no
recognisable shape. Exact values are replaced last and until none is left, so a registered secret
never survives ``redact``.
"""

from __future__ import annotations

import html
import json
import logging
import re
import threading
import traceback
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_SECRET_LENGTH = 4
"""Shorter values are not registered: masking every 3-letter substring would destroy logs."""

# Names whose value is a secret, as keys (JSON, form, kv text) or XML element names.
_SECRET_WORDS = (
    "password", "passwd", "pwd", "secret", "token", "sessionid", "session_id", "api_?key",
    "assertion", "signature", "credential",
)  # fmt: skip
# Bounded affixes keep matching linear on long runs of word characters (no ReDoS on big bodies).
_SECRET_NAME = r"[\w.-]{0,40}?(?:" + "|".join(_SECRET_WORDS) + r")[\w.-]{0,40}"

_XML_ELEMENT = re.compile(
    rf"(<(?:[\w.-]+:)?{_SECRET_NAME}(?:\s[^<>]*)?>)(<!\[CDATA\[.*?(?:\]\]>|$)|[^<]*)",
    re.IGNORECASE | re.DOTALL,
)
_KEY_VALUE = re.compile(
    rf"""(?P<q>["']?)\b(?P<key>{_SECRET_NAME})(?P=q)(?P<sep>\s*[:=]\s*)"""
    r"""(?P<value>"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|[^\s&,;"'<>)}\]]+)""",
    re.IGNORECASE,
)
_AUTH_HEADER = re.compile(
    r"""(?P<head>\b(?:proxy-)?authorization["']?\s*[:=]\s*["']?)"""
    r"""(?P<scheme>(?:bearer|basic|oauth|token|digest|negotiate)\s+)?(?P<value>[^\s"',;}\]]+)""",
    re.IGNORECASE,
)
# A bare "Bearer <token>" outside a header; the token must hold a digit or symbol, so prose
# ("bearer instrument") is left alone.
_BEARER = re.compile(
    r"\b(?P<scheme>[Bb]earer|BEARER)\s+(?P<value>(?=[A-Za-z0-9._~+/=!-]*[0-9!_~+/=])[A-Za-z0-9._~+/=!-]{8,})"
)
_SF_SESSION = re.compile(r"\b00D[A-Za-z0-9]{12,15}![A-Za-z0-9._-]+")
# Salesforce refresh tokens and authorization codes have recognisable prefixes; an OAuth code or
# token also hides in URL queries (a redirect's ``?code=``) before anyone could register it.
_SF_REFRESH = re.compile(r"\b5Aep861[A-Za-z0-9._~+/=-]{8,}")
_OAUTH_QUERY = re.compile(
    r"(?P<head>[?&#](?:code|code_verifier|access_token|refresh_token|token)=)(?P<value>[^&\s\"'#<>]+)"
)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
_URL_USERINFO = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]{0,30}://[^/\s:@]{1,200}:)(?P<value>[^@\s/]+)@", re.IGNORECASE)

_lock = threading.Lock()
_registered: set[str] = set()
_registered_pattern: re.Pattern[str] | None = None


def register_secret(value: str | None) -> None:
    """Mask this exact value (and its URL, JSON and XML escaped forms) wherever it appears."""
    global _registered_pattern
    if not value or len(value) < MIN_SECRET_LENGTH:
        return
    forms = {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1], html.escape(value)}
    with _lock:
        new = {f for f in forms if len(f) >= MIN_SECRET_LENGTH} - _registered
        if new:
            _registered.update(new)
            _registered_pattern = None


def clear_registered_secrets() -> None:
    """Forget every registered value (tests, or after a profile is deleted)."""
    global _registered_pattern
    with _lock:
        _registered.clear()
        _registered_pattern = None


def _exact_pattern() -> re.Pattern[str] | None:
    global _registered_pattern
    with _lock:
        if _registered_pattern is None and _registered:
            alternatives = sorted(_registered, key=len, reverse=True)  # longest first
            _registered_pattern = re.compile("|".join(map(re.escape, alternatives)))
        return _registered_pattern


def _mask_value(match: re.Match[str]) -> str:
    value = match.group("value")
    quote_char = value[:1] if value[:1] in "\"'" else ""
    closing = quote_char if len(value) > 1 and value.endswith(quote_char) else ""
    return f"{match.group('q')}{match.group('key')}{match.group('q')}{match.group('sep')}{quote_char}{MASK}{closing}"


def redact(text: str) -> str:
    """Return ``text`` with every recognisable secret and every registered value masked."""
    if not text:
        return text
    text = _XML_ELEMENT.sub(lambda m: m.group(1) + MASK, text)
    text = _AUTH_HEADER.sub(lambda m: m.group("head") + (m.group("scheme") or "") + MASK, text)
    text = _BEARER.sub(lambda m: f"{m.group('scheme')} {MASK}", text)
    text = _KEY_VALUE.sub(_mask_value, text)
    text = _URL_USERINFO.sub(lambda m: m.group("head") + MASK + "@", text)
    text = _SF_SESSION.sub(MASK, text)
    text = _SF_REFRESH.sub(MASK, text)
    text = _OAUTH_QUERY.sub(lambda m: m.group("head") + MASK, text)
    text = _JWT.sub(MASK, text)
    pattern = _exact_pattern()
    if pattern is not None:
        # Each pass shortens the text (secrets are longer than the mask), so this ends; looping
        # stops a replacement from forming a new occurrence with its neighbours.
        while pattern.search(text):
            text = pattern.sub(MASK, text)
    return text


def redacted_exception_text(exc: BaseException) -> str:
    """The full traceback (with chained causes) of ``exc``, redacted."""
    return redact("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))


class RedactingFilter(logging.Filter):
    """Redacts the message, its args and any traceback of every record it sees.

    Attach to handlers (``install_redaction`` does): a filter on a logger does not see records
    propagated from child loggers. The record is rewritten in place, so every later handler and
    formatter sees only the redacted text; ``exc_info`` is replaced by the redacted ``exc_text``.
    """

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # bad format args must not leak them raw nor drop the line
            message = f"{record.msg} args={record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[0] is not None:
            record.exc_text = self._formatter.formatException(record.exc_info)
        record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_redaction(logger: logging.Logger | None = None) -> RedactingFilter:
    """Attach one ``RedactingFilter`` to ``logger`` (root by default) and all its handlers.

    Idempotent. Handlers added to the logger later need ``handler.addFilter(filter)`` too.
    """
    logger = logger if logger is not None else logging.getLogger()
    existing = next((f for f in logger.filters if isinstance(f, RedactingFilter)), None)
    redacting = existing or RedactingFilter()
    if existing is None:
        logger.addFilter(redacting)
    for handler in logger.handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(redacting)
    return redacting
