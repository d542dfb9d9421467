"""The Salesforce wire client: login, paged queries, change feeds, describe and collection writes.

Built on simple-salesforce 1.12 (login flows, ``format_soql``, ``restful`` in direct mode). Query
pages are yielded as lists of record dicts **with** their ``attributes`` kept (type and url), as
Salesforce sends them; callers that do not need them ignore the key.

With the browser sign-in (``AuthMethod.WEB``) a "login" is a refresh-token grant: the access token
lives in memory only and is renewed when Salesforce answers INVALID_SESSION_ID (an expired session
looks exactly like that). The new token is put into the simple-salesforce object in place, and the
call that met the 401 is sent once more (the 401 proves it was not applied, so even a create is
safe to resend then); a refused refresh token raises :class:`SalesforceSignInRequired`, once.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from simple_salesforce import Salesforce
from simple_salesforce.format import format_soql

from ..timing import SALESFORCE, WIRE_TIMING
from ..transport import Backoff, InsecureTransportError, TransportError, check_url, is_loopback_host
from . import oauth
from .calls import call_with_policy
from .errors import SalesforceApiError, SalesforceAuthError, SalesforceSignInRequired
from .metadata import MetadataDeployer
from .parse import QueryPage, RecordResult, parse_http_date, parse_limit_info, parse_query_page
from .session import login, make_session
from .settings import AuthMethod, LoginTarget, SalesforceSecrets, SalesforceSettings, resolve_login_target
from .writes import WritesMixin

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")
_DATA_PATH = re.compile(r"^/services/data/v\d+\.\d+/")
MAX_QUERIES_PER_COMPOSITE = 5
TICK_MARGIN = 0.2  # s past a whole second of Salesforce's clock: its servers' clocks may disagree a little


def _name(value: str) -> str:
    """An API name (object or field): checked, because identifiers cannot be bound as values."""
    if not _NAME.match(value):
        raise ValueError(f"not a Salesforce API name: {value!r}")
    return value


@dataclass(frozen=True)
class DeletedRecords:
    """``sobjects/T/deleted/``: ids with their deletion time; use ``latest_date_covered`` next."""

    records: list[tuple[str, str]]
    earliest_date_available: str | None
    latest_date_covered: str | None


class SalesforceClient(WritesMixin):
    """A logged-in connection to one org. Create with :meth:`connect`."""

    def __init__(
        self,
        settings: SalesforceSettings,
        secrets: SalesforceSecrets,
        *,
        backoff: Backoff | None = None,
        token_store: oauth.RefreshTokenStore | None = None,
    ) -> None:
        self.settings = settings
        self._secrets = secrets
        self._tokens: oauth.RefreshTokenStore = token_store or oauth.MemoryTokenStore(secrets.refresh_token)
        self.refreshes = 0  # access tokens obtained with the refresh token (web sign-in)
        self._target: LoginTarget = resolve_login_target(settings)
        self.backoff = backoff or Backoff(max_attempts=settings.max_attempts)
        self.session = make_session(settings, self._target)
        self.session.hooks["response"].append(self._read_limit_info)
        self.api_usage: tuple[int, int] | None = None
        self._dates: tuple[datetime | None, datetime | None] = (None, None)  # (the one before, the last)
        self._dated_at = 0.0  # time.monotonic() when the last of them was received
        self.api_calls = 0  # REST calls this client sent (each attempt), counted client-side
        self.instance = ""
        self._sf: Salesforce | None = None

    @classmethod
    def connect(
        cls,
        settings: SalesforceSettings,
        secrets: SalesforceSecrets,
        *,
        backoff: Backoff | None = None,
        token_store: oauth.RefreshTokenStore | None = None,
    ) -> SalesforceClient:
        """Log in (raises SalesforceAuthError on refusal) and return the ready client."""
        client = cls(settings, secrets, backoff=backoff, token_store=token_store)
        try:
            client._login()
        except BaseException:
            client.close()
            raise
        return client

    def __repr__(self) -> str:
        return f"SalesforceClient(instance={self.instance!r}, username={self.settings.username!r}, secrets=***)"

    def close(self) -> None:
        self.session.close()

    # ----------------------------------------------------------- plumbing
    def _login(self) -> None:
        if AuthMethod(self.settings.auth_method) is AuthMethod.WEB:
            session_id, instance = self._refresh()
        else:
            session_id, instance = login(self.settings, self._secrets, self._target, self.session)
        if self._sf is not None and instance == self.instance:
            self._sf.session_id = session_id  # in place: every later call carries the new token
            self._sf._generate_headers()
            return
        self.instance = instance
        self._sf = Salesforce(
            session_id=session_id, instance=instance, session=self.session, version=self.settings.api_version
        )

    def _refresh(self) -> tuple[str, str]:
        """A new access token from the stored refresh token; (access token, instance host[:port]).

        When Salesforce refuses the token, the store is read once more: another process of this
        profile may have rotated it meanwhile (rotation invalidates the old one at once).
        """
        token = self._tokens.load()
        if not token:
            raise SalesforceSignInRequired("This profile is not signed in to Salesforce", code="SIGNIN_MISSING")
        base = oauth.token_base_url(self.settings)
        kw = {"client_id": self.settings.consumer_key, "client_secret": self._secrets.consumer_secret}
        try:
            answer = oauth.refresh(self.session, base, refresh_token=token, timeout=self.settings.timeout, **kw)
        except SalesforceSignInRequired:
            self._tokens.refused(token)
            stored = self._tokens.load()
            if not stored or stored == token:
                raise
            token = stored
            answer = oauth.refresh(self.session, base, refresh_token=token, timeout=self.settings.timeout, **kw)
        if answer.refresh_token and answer.refresh_token != token:
            self._tokens.save(answer.refresh_token)  # rotation: the old token is already dead
        instance = answer.instance
        if self._target.loopback:
            if not is_loopback_host(urlsplit(answer.instance_url).hostname):
                raise SalesforceAuthError("The sandbox handed back a non-loopback instance", code="BAD_INSTANCE")
        else:
            check_url(f"https://{instance}")
        self.refreshes += 1
        return answer.access_token, instance

    @property
    def sf(self) -> Salesforce:
        """The simple-salesforce object in direct mode (no automatic re-login)."""
        if self._sf is None:
            raise SalesforceApiError("not connected: call SalesforceClient.connect()", code="NOT_CONNECTED")
        return self._sf

    def metadata_deployer(self) -> MetadataDeployer:
        """A Metadata API deployer on this connection (same session, re-login and timeouts)."""
        return MetadataDeployer(
            self.session,
            self.sf.metadata_url,
            session_id=lambda: self.sf.session_id or "",
            relogin=self._login,
            timeout=self.settings.timeout,
        )

    def _read_limit_info(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        usage = parse_limit_info(response.headers.get("Sforce-Limit-Info"))
        if usage is not None:
            self.api_usage = usage
        if 200 <= response.status_code < 300 and _DATA_PATH.match(urlsplit(response.url).path):
            self._dates = (self._dates[1], parse_http_date(response.headers.get("Date")))
            self._dated_at = time.monotonic()

    def server_clock(self) -> datetime | None:
        """Salesforce's clock as of the last REST answer received (its ``Date`` header, whole seconds).

        Why: a query sent after that answer sees every change stamped before it, and any later change
        gets a stamp at or after it (engine/sf_clock.py). Only the instance's data API answers count
        (not the login or token hosts'), only successful ones. None when that answer had no readable
        ``Date``, or when it went back from the answer before it (the servers disagree: trust neither).
        """
        before, last = self._dates
        if last is None or (before is not None and last < before):
            return None
        return last

    def wait_next_second(self, should_stop: Callable[[], bool], margin: float = TICK_MARGIN) -> datetime | None:
        """Wait until Salesforce's clock has passed the second of :meth:`server_clock`; return that next second.

        Why: an answer's ``Date`` is at or before the server's clock when the answer was made, and
        this machine's monotonic clock runs at the server's rate, so a request sent 1 s (plus
        ``margin``, for Salesforce's servers' clocks disagreeing a little) after that answer arrived
        is run in a later second. None when there is no clock or ``should_stop()`` turned true. The
        wait counts as waiting on Salesforce in the wire timing: it is its clock the product waits for.
        A caller checks the next answer's ``Date`` is at least the second returned (a server whose
        clock stood still, like a frozen emulator, is then not trusted).
        """
        clock = self.server_clock()
        if clock is None:
            return None
        with WIRE_TIMING.waiting(SALESFORCE):
            while (left := 1.0 + margin - (time.monotonic() - self._dated_at)) > 0:
                if should_stop():
                    return None
                time.sleep(min(left, 0.05))
        return clock + timedelta(seconds=1)

    def _rest(
        self,
        method: str,
        path: str,
        *,
        what: str,
        retry: bool,
        params: dict[str, str] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """``restful`` under the reliability policy (calls.call_with_policy)."""

        def send() -> Any:
            self.api_calls += 1
            return self.sf.restful(
                path, params=params, method=method, json=json, headers=headers or {}, timeout=self.settings.timeout
            )

        return call_with_policy(send, relogin=self._login, backoff=self.backoff, what=what, retry=retry)

    def _relative(self, next_url: str) -> str:
        """A nextRecordsUrl as a path under the data base URL, refusing anything off-instance."""
        if "://" in next_url:
            check_url(next_url)
            if urlsplit(next_url).netloc != self.instance and not self._target.loopback:
                raise InsecureTransportError("nextRecordsUrl points off the instance", code="BAD_URL")
            next_url = urlsplit(next_url).path + (f"?{urlsplit(next_url).query}" if urlsplit(next_url).query else "")
        if not _DATA_PATH.match(next_url):
            raise SalesforceApiError(f"unexpected nextRecordsUrl {next_url!r}", code="BAD_NEXT_URL")
        return _DATA_PATH.sub("", next_url, count=1)

    # -------------------------------------------------------------- reads
    def query_page_objects(self, soql: str, include_deleted: bool = False) -> Iterator[QueryPage]:
        """Every page of a query as parsed :class:`QueryPage` objects, following nextRecordsUrl."""
        headers = {"Sforce-Query-Options": f"batchSize={self.settings.query_batch_size}"}
        path = "queryAll/" if include_deleted else "query/"
        body = self._rest("GET", path, params={"q": soql}, headers=headers, what="query", retry=True)
        page = parse_query_page(body)
        yield page
        while page.next_records_url:
            rel = self._relative(page.next_records_url)
            page = parse_query_page(self._rest("GET", rel, headers=headers, what="query", retry=True))
            yield page

    def query_pages(self, soql: str, include_deleted: bool = False) -> Iterator[list[dict[str, Any]]]:
        """Pages (lists of records, ``attributes`` kept) of a query; queryAll when include_deleted."""
        for page in self.query_page_objects(soql, include_deleted):
            yield page.records

    def query_all(self, soql: str, include_deleted: bool = False) -> list[dict[str, Any]]:
        return [r for page in self.query_pages(soql, include_deleted) for r in page]

    def changed_since(
        self, sobject: str, fields: list[str], since: datetime, overlap: timedelta = timedelta(0)
    ) -> Iterator[list[dict[str, Any]]]:
        """Pages of records with SystemModstamp >= since - overlap, oldest first (watermark order)."""
        if since.tzinfo is None:
            raise ValueError("since must be timezone-aware")
        names = [_name(f) for f in fields]
        names += [f for f in ("Id", "SystemModstamp") if f not in names]
        soql = format_soql(
            "SELECT {:literal} FROM {:literal} WHERE SystemModstamp >= {} ORDER BY SystemModstamp ASC, Id ASC",
            ", ".join(names),
            _name(sobject),
            since - overlap,
        )
        return self.query_pages(soql)

    def deleted_since(self, sobject: str, start: datetime, end: datetime) -> DeletedRecords:
        """``GET sobjects/T/deleted/`` between two tz-aware datetimes (Salesforce keeps 15 days)."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be timezone-aware")
        params = {"start": start.replace(microsecond=0).isoformat(), "end": end.replace(microsecond=0).isoformat()}
        body = self._rest("GET", f"sobjects/{_name(sobject)}/deleted/", params=params, what="deleted", retry=True)
        return DeletedRecords(
            records=[(str(r["id"]), str(r.get("deletedDate", ""))) for r in body.get("deletedRecords", [])],
            earliest_date_available=body.get("earliestDateAvailable"),
            latest_date_covered=body.get("latestDateCovered"),
        )

    def describe(self, sobject: str) -> dict[str, Any]:
        result: dict[str, Any] = self._rest("GET", f"sobjects/{_name(sobject)}/describe", what="describe", retry=True)
        return result

    def api_versions(self) -> list[str]:
        """``GET /services/data/``: the API versions the org offers, oldest first (no API call is spent)."""
        url = f"https://{self.instance}/services/data/"
        try:
            response = self.session.get(url, headers={"Accept": "application/json"}, timeout=self.settings.timeout)
            body = response.json() if response.status_code == 200 else None
        except (requests.RequestException, ValueError):
            raise TransportError("Salesforce did not list its API versions") from None
        if not isinstance(body, list):
            raise SalesforceApiError("Salesforce's version list could not be read", code="BAD_ANSWER")
        found = [str(v.get("version")) for v in body if isinstance(v, dict) and v.get("version")]
        return sorted(found, key=float)

    def limits(self) -> dict[str, Any]:
        """``GET limits/``: the org's limits, e.g. ``DailyApiRequests`` {Max, Remaining} (one API call)."""
        result: dict[str, Any] = self._rest("GET", "limits/", what="limits", retry=True)
        return result

    def query_many(self, soqls: list[str], include_deleted: bool = False) -> list[list[dict[str, Any]]]:
        """Several queries, at most 5 per ``composite`` call; each result's later pages are followed.

        ``include_deleted`` sends them as ``queryAll`` (deleted rows too, with IsDeleted).
        """
        resource = "queryAll" if include_deleted else "query"
        out: list[list[dict[str, Any]]] = []
        for start in range(0, len(soqls), MAX_QUERIES_PER_COMPOSITE):
            chunk = soqls[start : start + MAX_QUERIES_PER_COMPOSITE]
            subs = [
                {
                    "method": "GET",
                    "url": f"/services/data/v{self.settings.api_version}/{resource}/?q={quote(q, safe='')}",
                    "referenceId": f"q{i}",
                }
                for i, q in enumerate(chunk)
            ]
            body = self._rest(
                "POST", "composite", json={"allOrNone": False, "compositeRequest": subs}, what="composite", retry=True
            )
            answers = {a.get("referenceId"): a for a in (body or {}).get("compositeResponse", [])}
            for i in range(len(chunk)):
                answer = answers.get(f"q{i}") or {}
                if answer.get("httpStatusCode") != 200:
                    errs = answer.get("body") or [{}]
                    first = errs[0] if isinstance(errs, list) and errs else {}
                    code, message = first.get("errorCode", ""), first.get("message", "")
                    raise SalesforceApiError(
                        f"Salesforce query {start + i} failed: {code}: {message}",
                        code=str(first.get("errorCode", "")),
                        status=answer.get("httpStatusCode"),
                    )
                page = parse_query_page(answer["body"])
                records = list(page.records)
                while page.next_records_url:
                    rel = self._relative(page.next_records_url)
                    page = parse_query_page(self._rest("GET", rel, what="query", retry=True))
                    records.extend(page.records)
                out.append(records)
        return out


__all__ = ["DeletedRecords", "RecordResult", "SalesforceClient"]
