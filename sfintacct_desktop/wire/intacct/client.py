"""The Intacct XML gateway client: sessions, batching, retries and the typed outcome of each call.

Why the retry rules live here: a request holding any write is never resent after an ambiguous
answer (5xx, 524, timeout, dropped connection); it raises ``OutcomeUnknownError`` carrying the
function controlids so the engine looks the record up before anything is sent again. Reads are
resent with bounded, jittered backoff. 429 (GW-0010) applies nothing, so it is always backed off.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import requests
from lxml import etree

from ..timing import INTACCT, WIRE_TIMING
from ..transport import Backoff, OutcomeUnknownError, TlsVerificationError, TransportError, check_url, new_session
from . import functions as fx
from .envelope import build_request
from .errors import (
    IntacctAuthError,
    IntacctControlError,
    IntacctGatewayError,
    IntacctRateLimitError,
    IntacctResponseError,
    IntacctServerError,
)
from .functions import Filter, Function
from .response import ParsedResponse, Result, parse_errors, parse_response, parse_xml
from .settings import IntacctSecrets, IntacctSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InspectResult:
    name: str
    fields: list[str]
    element: etree._Element


class _Ambiguous(Exception):
    """An answer that does not tell whether the request was applied."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class IntacctClient:
    """One company's gateway client. Not thread-safe: use one per worker."""

    def __init__(
        self,
        settings: IntacctSettings,
        secrets: IntacctSecrets,
        *,
        backoff: Backoff | None = None,
        session: requests.Session | None = None,
    ) -> None:
        check_url(settings.endpoint)
        self.settings = settings
        self._secrets = secrets
        self.backoff = backoff or Backoff()
        self._http = session or new_session()
        self._session_id: str | None = None
        self._endpoint = settings.endpoint
        self.transactions = 0  # billed transactions, counted client-side
        self._count_lock = threading.Lock()  # chunks of one call may run at once (max_concurrent_requests)
        self.requests = 0  # HTTP requests sent

    def __repr__(self) -> str:
        return f"IntacctClient(company={self.settings.company_id!r}, endpoint={self._endpoint!r})"

    # ------------------------------------------------------------------------------ sessions
    def login(self) -> None:
        """Authenticate with the user's credentials and get an API session (alone in its request)."""
        fn = fx.get_api_session(self.settings.location_id)
        body = build_request(self.settings, self._secrets, [fn], session_id=None)
        parsed = self._exchange(self.settings.endpoint, body, writes=False, keys=fn.controlid)
        result = self._match(parsed, [fn])[0]
        if not result.ok or result.data is None:
            raise IntacctAuthError.from_errors(result.errors)
        sid = (result.data.findtext("api/sessionid") or "").strip()
        endpoint = (result.data.findtext("api/endpoint") or "").strip() or self.settings.endpoint
        if not sid:
            raise IntacctResponseError("getAPISession returned no session id.")
        self._endpoint = check_url(endpoint)
        self._session_id = sid
        log.info("Intacct session opened for company %s", self.settings.company_id)

    @property
    def has_session(self) -> bool:
        return self._session_id is not None

    # ---------------------------------------------------------------------------------- call
    def call(self, functions: Sequence[Function], *, transaction: bool = False, uniqueid: bool = False) -> list[Result]:
        """Run functions in requests of at most the configured size; results in input order.

        ``transaction=True`` needs them all in one request. Writes should pass ``uniqueid=True``
        with their own controlids so that a resend can never apply twice.
        """
        fns = list(functions)
        if len({f.controlid for f in fns}) != len(fns):
            raise ValueError("function controlids must be unique within a call")
        size = self.settings.max_functions_per_request
        if transaction and len(fns) > size:
            raise ValueError(f"a transaction cannot span requests: {len(fns)} functions > {size}")
        chunks = [fns[i : i + size] for i in range(0, len(fns), size)]
        workers = min(max(1, self.settings.max_concurrent_requests), len(chunks))
        if workers == 1:
            out: list[Result] = []
            for chunk in chunks:
                out += self._call_chunk(chunk, transaction=transaction, uniqueid=uniqueid)
            return out
        if self._session_id is None:
            self.login()  # once, before the requests fan out
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sfintacct-intacct") as pool:
            futures = [pool.submit(self._call_chunk, c, transaction=transaction, uniqueid=uniqueid) for c in chunks]
            return [r for f in futures for r in f.result()]  # the first failed chunk's error, in order

    def _call_chunk(self, fns: list[Function], *, transaction: bool, uniqueid: bool) -> list[Result]:
        writes = any(not f.is_read for f in fns)
        keys = ",".join(f.controlid for f in fns)
        resend_ok = not writes or uniqueid
        for attempt in (0, 1):
            if self._session_id is None:
                self.login()
            body = build_request(
                self.settings,
                self._secrets,
                fns,
                session_id=self._session_id,
                transaction=transaction,
                uniqueid=uniqueid,
            )
            try:
                parsed = self._exchange(self._endpoint, body, writes=writes, keys=keys)
            except IntacctAuthError as exc:
                if not exc.invalid_session:
                    raise
                self._session_id = None
                if attempt or not resend_ok:
                    raise
                log.info("Intacct session invalid; opening a new one and resending once")
                continue
            with self._count_lock:
                self.transactions += sum(f.transactions for f in fns)
            try:
                return self._match(parsed, fns)
            except IntacctResponseError as exc:
                if not writes:
                    raise
                # A write answered without its <result>: whether it applied is unknown.
                raise OutcomeUnknownError(
                    f"Intacct write outcome unknown ({exc}); look the records up before resending.",
                    key=keys,
                    code="NO_RESULT",
                ) from None
        raise AssertionError("unreachable")

    @staticmethod
    def _match(parsed: ParsedResponse, fns: list[Function]) -> list[Result]:
        by_id = {r.controlid: r for r in parsed.results}
        missing = [f.controlid for f in fns if f.controlid not in by_id]
        if missing:
            raise IntacctResponseError(f"Intacct response lacks results for controlids {missing[:5]}")
        return [by_id[f.controlid] for f in fns]

    # ----------------------------------------------------------------------------- transport
    def _exchange(self, url: str, body: bytes, *, writes: bool, keys: str) -> ParsedResponse:
        """POST with the retry policy; returns a parsed response or raises a typed error."""
        check_url(url)
        attempt = 0
        while True:
            try:
                status, raw, retry_after = self._post(url, body)
            except IntacctResponseError as exc:  # too large to read
                if writes:
                    raise OutcomeUnknownError(str(exc), key=keys, code="RESPONSE_TOO_LARGE") from exc
                raise
            except _Ambiguous as exc:
                if writes:
                    raise OutcomeUnknownError(
                        f"Intacct write outcome unknown ({exc}); look the records up before resending.",
                        key=keys,
                        code="OUTCOME_UNKNOWN",
                        status=exc.status,
                    ) from None
                if attempt + 1 >= self.backoff.max_attempts:
                    raise IntacctServerError(f"Intacct read failed after {attempt + 1} attempts: {exc}") from None
                self.backoff.wait(attempt)
                attempt += 1
                continue
            if status == 429:
                if attempt + 1 >= self.backoff.max_attempts:
                    errors = _errors_of(raw)
                    raise IntacctRateLimitError(
                        f"Intacct rate limit (GW-0010) persisted after {attempt + 1} attempts.",
                        errors=errors,
                        code="GW-0010",
                        status=429,
                    )
                self.backoff.wait(attempt, retry_after)
                attempt += 1
                continue
            if 400 <= status < 500:
                errors = _errors_of(raw)
                if status == 401:
                    raise IntacctAuthError(f"Intacct refused the sign-in (HTTP 401): {_summary(errors)}", errors=errors)
                raise IntacctGatewayError(
                    f"Intacct gateway refused the request (HTTP {status}): {_summary(errors)}",
                    errors=errors,
                    status=status,
                )
            try:
                parsed = parse_response(raw)
            except (IntacctAuthError, IntacctControlError) as exc:
                trouble = transient_text(exc.errors)
                if not trouble:
                    raise
                parsed = None
            except IntacctResponseError as exc:
                if not writes:
                    raise
                # Unreadable (or hostile) answer to a write: whether it applied is unknown.
                raise OutcomeUnknownError(
                    f"Intacct write outcome unknown: {exc}", key=keys, code=exc.code or "BAD_RESPONSE", status=status
                ) from exc
            if parsed is not None:
                trouble = next((t for r in parsed.results if not r.ok for t in [transient_text(r.errors)] if t), "")
                if not trouble:
                    return parsed
            # "API rate limit exceeded" / "The Service is Temporarily Off-line" inside an HTTP 200 body
            # (control, operation or function level): transient, like a 429 or a 5xx.
            if writes:
                raise OutcomeUnknownError(
                    f"Intacct answered {trouble!r} to a write; look the records up before resending.",
                    key=keys,
                    code="TRANSIENT_IN_BODY",
                    status=status,
                )
            if attempt + 1 >= self.backoff.max_attempts:
                cls = IntacctRateLimitError if "rate limit" in trouble.lower() else IntacctServerError
                raise cls(f"Intacct kept answering {trouble!r} after {attempt + 1} attempts.", code="TRANSIENT_IN_BODY")
            self.backoff.wait(attempt)
            attempt += 1

    def _post(self, url: str, body: bytes) -> tuple[int, bytes, float | None]:
        """One HTTP exchange, timed whole (:mod:`..timing`, waiting on Intacct)."""
        with WIRE_TIMING.request(INTACCT):
            return self._post_untimed(url, body)

    def _post_untimed(self, url: str, body: bytes) -> tuple[int, bytes, float | None]:
        """One HTTP exchange; ``_Ambiguous`` for answers that do not say whether it applied."""
        with self._count_lock:
            self.requests += 1
        try:
            resp = self._http.post(
                url,
                data=body,
                headers={"Content-Type": "application/xml", "Accept": "text/xml, application/xml"},
                timeout=self.settings.timeout,
                stream=True,
                allow_redirects=False,
            )
        except requests.exceptions.SSLError:
            raise TlsVerificationError("Intacct TLS certificate did not verify.", code="TLS") from None
        except requests.exceptions.ConnectTimeout:
            raise TransportError("Could not connect to Intacct (connect timeout).", code="CONNECT") from None
        except requests.exceptions.ConnectionError as exc:
            if _never_sent(exc):
                raise TransportError("Could not connect to Intacct.", code="CONNECT") from None
            raise _Ambiguous("the connection dropped without an answer") from None
        except requests.exceptions.Timeout:
            raise _Ambiguous("no answer within the read timeout") from None
        with resp:
            if resp.status_code >= 500:
                raise _Ambiguous(f"HTTP {resp.status_code}", resp.status_code)
            if 300 <= resp.status_code < 400:
                raise IntacctGatewayError(f"Intacct answered a redirect (HTTP {resp.status_code}).")
            try:
                raw = self._read_capped(resp)
            except (requests.exceptions.RequestException, OSError):
                raise _Ambiguous("the answer was cut off") from None
            retry_after = _float(resp.headers.get("Retry-After"))
            return resp.status_code, raw, retry_after

    def _read_capped(self, resp: requests.Response) -> bytes:
        limit = self.settings.max_response_bytes
        chunks: list[bytes] = []
        size = 0
        for chunk in resp.iter_content(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise IntacctResponseError(f"Intacct response exceeds {limit} bytes; refused.")
            chunks.append(chunk)
        return b"".join(chunks)

    # ------------------------------------------------------------------------------- readers
    def _one(self, fn: Function) -> Result:
        result = self.call([fn])[0]
        if not result.ok:
            raise IntacctGatewayError(f"Intacct {fn.name} failed: {_summary(result.errors)}", errors=result.errors)
        return result

    def query_pages(
        self,
        obj: str,
        fields: Sequence[str],
        flt: Filter | etree._Element | None = None,
        orderby: Sequence[tuple[str, bool]] = (),
        pagesize: int = fx.QUERY_MAX_PAGESIZE,
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of ``query`` by offset until ``numremaining`` is 0 (order by a key for stable pages)."""
        offset = 0
        while True:
            result = self._one(fx.query(obj, fields, flt, orderby, pagesize, offset))
            rows = result.records
            if rows:
                yield rows
            offset += len(rows)
            if not rows or not result.numremaining:
                return

    def read_by_query_pages(
        self, obj: str, query_text: str, fields: Sequence[str] = ("*",), pagesize: int = fx.READBYQUERY_MAX_PAGESIZE
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of ``readByQuery`` then ``readMore`` by resultId (a pinned cursor)."""
        result = self._one(fx.read_by_query(obj, query_text, fields, pagesize))
        while True:
            rows = result.records
            if rows:
                yield rows
            if not result.numremaining or not result.result_id or not rows:
                return
            result = self._one(fx.read_more(result.result_id))

    def read(self, obj: str, keys: Sequence[str | int], fields: Sequence[str] = ("*",)) -> list[dict[str, Any]]:
        """``read`` by RECORDNO, 100 keys per function, all functions batched into few requests."""
        if not keys:
            return []
        n = fx.READ_MAX_KEYS
        fns = [fx.read(obj, keys[i : i + n], fields) for i in range(0, len(keys), n)]
        rows: list[dict[str, Any]] = []
        for result in self.call(fns):
            if not result.ok:
                raise IntacctGatewayError(f"Intacct read failed: {_summary(result.errors)}", errors=result.errors)
            rows += result.records
        return rows

    def inspect(self, obj: str, detail: bool = False) -> InspectResult:
        data = self._one(fx.inspect(obj, detail)).data
        if data is None:
            raise IntacctResponseError("inspect returned no data")
        typ = data.find("Type")
        if typ is None:
            raise IntacctResponseError("inspect returned no <Type>")
        fields = [
            (f.findtext("ID") or f.text or "").strip() for f in typ.iterfind("Fields/Field") if isinstance(f.tag, str)
        ]
        return InspectResult(typ.get("Name", obj), [f for f in fields if f], typ)


TRANSIENT_TEXTS = ("api rate limit exceeded", "temporarily off-line", "please try again later")


def transient_text(errors: list) -> str:
    """The error text that says "try again later" (rate limit, service off-line), or ""."""
    for e in errors:
        joined = " ".join((e.errorno, e.description, e.description2, e.correction))
        if any(t in joined.lower() for t in TRANSIENT_TEXTS):
            return (e.description2 or e.description or e.correction or e.errorno).strip()
    return ""


def _never_sent(exc: requests.exceptions.ConnectionError) -> bool:
    """True when the connection was never made (refused, DNS), so nothing reached the server."""
    text = repr(exc)
    return any(s in text for s in ("NewConnectionError", "NameResolutionError", "Connection refused"))


def _errors_of(raw: bytes) -> list:
    try:
        root = parse_xml(raw)
    except IntacctResponseError:
        return []
    return parse_errors(root.find("errormessage"))


def _summary(errors: list) -> str:
    return "; ".join(e.text() for e in errors) or "no error details"


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None
